"""Database trouble: locked by another writer (newsmon waits the busy timeout, then says so in one
line), a full disk or a read-only database (one clear line, nothing half-written, no corruption),
and a database from an older release (migrated on start, nothing lost).

A full disk is simulated with ``PRAGMA max_page_count`` and a read-only database with ``PRAGMA
query_only``, applied to the connections newsmon opens: both make SQLite refuse writes exactly as a
full disk or an unwritable file does, and both work for root, which ignores file permissions.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from newsmon import pipeline
from newsmon_process import run_newsmon
from newsmon.cli import cli
from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect, migrations
from newsmon.pipeline.extract import Article
from newsmon.pipeline.store import Store

HERE = Path(__file__).parent
OLD_SCHEMA = HERE / "fixtures" / "schema-v3.sql"


def one_line(result) -> str:
    assert result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def counts(path: Path) -> dict[str, int]:
    tables = ("articles", "article_sources", "seen_urls", "entities", "mentions", "matches", "alerts", "digests")
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def article(n: int, size: int = 6000) -> Article:
    """An article dense with watch terms, so that analysing it writes many mention rows."""
    sentence = "Khalifa Haftar met Alexander Lukashenko in Minsk about MiG-29 repairs for Libya. "
    text = f"Article {n}. " + sentence * (size // len(sentence))
    url = f"http://127.0.0.1/news/{n}.html"
    return Article(url, url, f"Belarus and Libya, part {n}", text, None, None, "Wire", None, "en", text)


@pytest.fixture
def config(write_config, tmp_path) -> Path:
    """A config and a database holding five unanalysed articles."""
    path = write_config('database = "news.db"\n[alerts]\nto = ["a@example.org"]\n[smtp]\nport = 9\n')
    store = Store(connect(tmp_path / "news.db"))
    for n in range(5):
        store.add(article(n), "wire", [f"http://127.0.0.1/news/{n}.html"])
    store.flush()
    store.db.close()
    return path


@pytest.fixture
def hold_write_lock(tmp_path):
    """Another writer holding the database's write lock (its transaction open) until the test ends."""
    holders = []

    def hold(path: Path) -> sqlite3.Connection:
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("insert into crawl_runs (source, status) values ('another-writer', 'running')")
        holders.append(holder)
        return holder

    yield hold
    for holder in holders:
        holder.close()


@pytest.mark.parametrize("args", [["analyze"], ["digest", "--date", "2024-05-02"]], ids=lambda a: a[0])
def test_a_command_that_must_write_waits_then_says_the_database_is_locked(
    runner, config, tmp_path, hold_write_lock, monkeypatch, args, nlp
):
    monkeypatch.setenv(pipeline.db.BUSY_TIMEOUT_ENV, "0.3")
    before = counts(tmp_path / "news.db")
    hold_write_lock(tmp_path / "news.db")
    result = runner.invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 1
    assert "news.db: database is locked by another writer (waited 0.3s)" in one_line(result)
    assert counts(tmp_path / "news.db") == before


@pytest.fixture
def crawl_setup(tmp_path):
    """A one-feed site and its config."""
    site = LocalSite(HERE / "site").start()
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'database = "news.db"\n[[sources]]\nname = "dups"\ntype = "feed"\nurl = "{site.url("/feeds/dupguids.rss")}"\n',
        encoding="utf-8",
    )
    connect(tmp_path / "news.db").close()
    yield config
    site.stop()


def test_a_crawl_on_a_locked_database_fails_in_one_line_after_the_busy_timeout(crawl_setup, hold_write_lock):
    hold_write_lock(crawl_setup.parent / "news.db")
    env = {**os.environ, pipeline.db.BUSY_TIMEOUT_ENV: "1"}
    result = run_newsmon(crawl_setup, "crawl", "--no-analyze", "--no-alerts", env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "news.db: database is locked by another writer (waited 1s)" in result.stderr


def test_a_crawl_waits_for_a_writer_that_finishes_within_the_busy_timeout(crawl_setup, hold_write_lock):
    holder = hold_write_lock(crawl_setup.parent / "news.db")
    release = threading.Timer(1.5, holder.execute, ["COMMIT"])
    release.start()
    result = run_newsmon(crawl_setup, "crawl", "--no-analyze", "--no-alerts")  # the default 15 s timeout
    release.join()
    assert result.returncode == 0, result.stderr
    assert "dups" in result.stdout and " 2 new" in result.stdout
    assert integrity(crawl_setup.parent / "news.db") == "ok"


def limited(monkeypatch, pragma: str) -> None:
    """Every connection newsmon opens from now on gets ``pragma`` (after its own set-up)."""
    real = pipeline.db.connect

    def connect_with_pragma(path, **kwargs):
        db = real(path, **kwargs)
        if "{pages}" in pragma:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(pragma.format(pages=pages))
        else:
            db.execute(pragma)
        return db

    monkeypatch.setattr(pipeline.db, "connect", connect_with_pragma)


FULL = "PRAGMA max_page_count = {pages}"
READ_ONLY = "PRAGMA query_only = 1"


@pytest.mark.parametrize("pragma, reason", [(FULL, "disk is full"), (READ_ONLY, "database is read-only")],
                         ids=["full", "read-only"])  # fmt: skip
def test_storing_articles_on_a_full_or_read_only_database_writes_nothing_and_says_why(tmp_path, pragma, reason):
    path = tmp_path / "news.db"
    connect(path).close()
    db = connect(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(pragma.format(pages=pages + 3))
    store = Store(db, batch_size=1000)
    for n in range(40):
        store.add(article(n, size=20_000), "wire", [f"http://127.0.0.1/news/{n}.html"])
    with pytest.raises(sqlite3.OperationalError) as failure:
        store.flush()
    assert reason in pipeline.db.describe_sqlite_error(failure.value)
    assert len(store._pending) == 40  # kept for the next flush, not dropped
    db.close()
    assert integrity(path) == "ok"
    assert counts(path)["articles"] == 0 and counts(path)["seen_urls"] == 0


@pytest.mark.parametrize(
    "args, pragma, reason",
    [
        (["analyze"], FULL, "disk is full"),
        (["analyze"], READ_ONLY, "database is read-only"),
        (["digest", "--date", "2024-05-02"], READ_ONLY, "database is read-only"),
    ],
    ids=["analyze-full", "analyze-read-only", "digest-read-only"],
)
def test_a_command_on_a_full_or_read_only_database_is_one_line_and_changes_nothing(
    runner, config, tmp_path, monkeypatch, pragma, reason, args, nlp
):
    before = counts(tmp_path / "news.db")
    limited(monkeypatch, pragma)
    result = runner.invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 1
    assert f"news.db: {reason}" in one_line(result)
    after = counts(tmp_path / "news.db")
    after.pop("entities"), before.pop("entities")  # the watchlist's own entities may be stored first
    assert after == before
    with sqlite3.connect(tmp_path / "news.db") as db:
        assert db.execute("select count(*) from articles where analyzed_at is not null").fetchone()[0] == 0
    assert integrity(tmp_path / "news.db") == "ok"


def test_reading_a_read_only_database_still_works(runner, config, monkeypatch):
    limited(monkeypatch, READ_ONLY)
    for args in (["sources"], ["search", "Belarus"], ["export", "--format", "json"], ["status"]):
        result = runner.invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, (args, result.output)


def test_a_database_from_an_older_release_is_migrated_on_start_without_losing_rows(runner, write_config, tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA.read_text(encoding="utf-8"))
    config = write_config('database = "old.db"\n[[sources]]\nname = "libya-herald"\ntype = "feed"\n'
                          'url = "https://libyaherald.com/feed/"\n')  # fmt: skip
    result = runner.invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 0, result.output
    assert "libya-herald" in result.output and "1 articles" in result.output
    db = connect(path)
    try:
        assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
        assert {"emailed_at", "posted_at", "article_ids"} <= set(db["alerts"].columns_dict)
        assert db["http_cache"].pks == ["url", "source"]
        cached = db.execute("select url, source, etag from http_cache").fetchall()
        assert cached == [("https://libyaherald.com/feed/", "", '"abc123"')]
        assert db["seen_urls"].exists()
        assert db.execute("select title from articles").fetchone()[0] == "Belarusian delegation visits Benghazi"
        assert db.execute("select sent_at from alerts").fetchone()[0] == "2024-05-02T10:05:03+00:00"
        assert list(db["articles"].search("Haftar"))[0]["id"] == 1
    finally:
        db.close()
    assert integrity(path) == "ok"
    result = runner.invoke(cli, ["--config", str(config), "search", "Haftar"])
    assert "Belarusian delegation visits Benghazi" in result.output
