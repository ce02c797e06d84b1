"""Storage: an article is written once however many sources or URLs reach it, writes are batched, and
crawl runs and HTTP validators are remembered."""

from __future__ import annotations

import gzip

import pytest

from newsmon.pipeline.db import connect
from newsmon.pipeline.extract import Article
from newsmon.pipeline.store import Store

TEXT = "Khalifa Haftar met Alexander Lukashenko in Minsk to discuss MiG-29 maintenance. " * 10


def make_article(url: str, canonical: str | None = None, text: str = TEXT, title: str = "Haftar in Minsk") -> Article:
    return Article(url, canonical or url, title, text, None, None, "Minsk Monitor", "2025-02-20T14:05:00+03:00", "en",
                   "<html><body><p>x</p></body></html>")


@pytest.fixture
def store(tmp_path):
    db = connect(tmp_path / "news.db")
    yield Store(db, batch_size=3)
    db.close()


def count(store: Store, sql: str) -> int:
    return store.db.execute(sql).fetchone()[0]


def test_articles_wait_for_a_full_batch_then_are_written_together(store):
    store.add(make_article("https://a.example/1", text=TEXT + "one"), "feed", ["https://a.example/1"])
    store.add(make_article("https://a.example/2", text=TEXT + "two"), "feed", ["https://a.example/2"])
    assert count(store, "select count(*) from articles") == 0
    store.add(make_article("https://a.example/3", text=TEXT + "three"), "feed", ["https://a.example/3"])
    assert count(store, "select count(*) from articles") == 3
    assert store.new_articles == {"feed": 3}


def test_one_article_reached_through_several_urls_and_sources_is_stored_once(store):
    canonical = "https://a.example/news/1"
    store.add(make_article("https://a.example/amp/1", canonical), "atom", ["https://a.example/amp/1"])
    store.add(make_article(canonical), "listing", [canonical + "?utm_source=x"])
    store.flush()
    (row,) = store.db["articles"].rows
    assert row["url"] == canonical and row["source"] == "atom"
    assert gzip.decompress(row["html_gz"]).startswith(b"<html>") and row["analyzed_at"] is None
    assert {r["source"] for r in store.db["article_sources"].rows} == {"atom", "listing"}
    assert store.known_article("https://a.example/amp/1#top") == row["id"]
    assert store.new_articles == {"atom": 1}


def test_the_same_text_under_another_url_is_the_same_article(store):
    store.add(make_article("https://a.example/story"), "feed", [])
    store.flush()
    store.add(make_article("https://mirror.example/copy-of-story"), "gdelt", [])
    store.flush()
    assert count(store, "select count(*) from articles") == 1
    assert store.known_article("https://mirror.example/copy-of-story") is not None


def test_a_stored_url_is_not_fetched_again_but_credits_the_source_that_found_it(store):
    store.add(make_article("https://a.example/1"), "feed", [])
    store.flush()
    assert store.should_fetch("https://a.example/1?fbclid=abc", "gdelt") is False
    store.flush()
    assert {r["source"] for r in store.db["article_sources"].rows} == {"feed", "gdelt"}


def test_a_url_being_fetched_by_one_source_is_not_fetched_by_another(store):
    assert store.should_fetch("https://a.example/2", "feed") is True
    assert store.should_fetch("https://a.example/2", "gdelt") is False
    store.add(make_article("https://a.example/2"), "feed", ["https://a.example/2"])
    store.flush()
    assert {r["source"] for r in store.db["article_sources"].rows} == {"feed", "gdelt"}


def test_a_failed_fetch_releases_its_claim(store):
    assert store.should_fetch("https://a.example/3", "feed")
    store.release("https://a.example/3")
    assert store.should_fetch("https://a.example/3", "gdelt")


def test_pages_without_an_article_are_remembered(store):
    store.mark_seen(["https://a.example/video/9"])
    assert store.known_article("https://a.example/video/9") == 0
    assert store.should_fetch("https://a.example/video/9", "feed") is False


def test_runs_are_recorded_as_running_then_finished(store):
    run = store.start_run("feed")
    row = store.db["crawl_runs"].get(run)
    assert row["status"] == "running" and row["pid"] > 0 and row["finished_at"] is None
    store.finish_run(run, status="partial", pages=5, new_articles=2, errors=["https://a.example/x: HTTP 500"])
    row = store.db["crawl_runs"].get(run)
    assert (row["status"], row["pages"], row["new_articles"], row["errors"]) == (
        "partial", 5, 2, "https://a.example/x: HTTP 500")
    assert row["finished_at"] >= row["started_at"]


def test_validators_are_remembered_per_source_and_url_and_robots_txt_for_a_day(store):
    store.save_validators("feed", {"https://a.example/feed": {"etag": '"abc"', "last_modified": None, "status": 200}})
    assert store.validators("https://a.example/feed", "feed") == {"etag": '"abc"'}
    assert store.validators("https://a.example/feed", "other-source") == {}
    assert store.validators("https://a.example/other", "feed") == {}
    store.save_robots("https://a.example/robots.txt", 200, "User-agent: *\nDisallow: /private/")
    assert store.cached_robots("https://a.example/robots.txt").endswith("/private/")
    store.db["http_cache"].update(("https://a.example/robots.txt", ""), {"checked_at": "2020-01-01T00:00:00+00:00"})
    assert store.cached_robots("https://a.example/robots.txt") is None


def test_search_finds_stored_articles(store):
    store.add(make_article("https://a.example/1"), "feed", [])
    store.flush()
    assert [r["url"] for r in store.db["articles"].search("Lukashenko MiG")] == ["https://a.example/1"]


def test_two_crawl_processes_storing_the_same_article_store_it_once(tmp_path):
    """The daemon runs several crawls at once, each with its own connection."""
    first, second = Store(connect(tmp_path / "news.db")), Store(connect(tmp_path / "news.db"))
    assert first.should_fetch("https://a.example/1", "feed") and second.should_fetch("https://a.example/1", "gdelt")
    first.add(make_article("https://a.example/1"), "feed", [])
    second.add(make_article("https://a.example/1?utm_source=gdelt"), "gdelt", [])
    first.flush()
    assert second.flush() == 0
    assert count(first, "select count(*) from articles") == 1
    assert {r["source"] for r in first.db["article_sources"].rows} == {"feed", "gdelt"}
    assert first.new_articles == {"feed": 1} and second.new_articles == {}
