"""``newsmon crawl`` against a local news site: what is stored, what is never fetched twice, and what
``crawl_runs`` records, including for broken sources.

The site (``site/``) has RSS and Atom feeds, a Google News feed, a news sitemap behind a sitemap index,
a section page, a GDELT-shaped API answer and article pages with navigation, "most read" sidebars and
footers; plus a malformed feed, a feed URL answering 500, an article answering 500, one that never
answers in time, a redirect, a Windows-1251 page sent without any charset, and a robots.txt disallow.

The crawl runs in three rounds, as a user would: the feeds; then the section page, the sitemap and
GDELT (which mostly find articles already stored); then everything again on an unchanged site.
"""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from newsmon_process import run_newsmon
from newssite import config_text, serve_news_site

FEEDS = ["world", "africa", "troubled", "broken", "down", "google-news", "google-news-decodable"]
DISCOVERY = ["africa-section", "stale-selector", "sitemap", "gdelt"]
CLEAN_ENTRY_PAGES = [
    "/feeds/world.rss",
    "/feeds/africa.atom",
    "/feeds/google-news.rss",
    "/section/africa/",
    "/sitemap_index.xml",
    "/sitemaps/news.xml",
    "/api/v2/doc/doc",
]


def crawl_args(names: list[str]) -> list[str]:
    return ["crawl", "--no-analyze", "--no-alerts", *[arg for name in names for arg in ("--source", name)]]


@dataclass
class Rounds:
    """The three crawls: each round's command result and the requests the site saw during it."""

    results: dict
    requests: dict
    db: sqlite3.Connection
    base: str

    def article(self, path: str) -> sqlite3.Row:
        row = self.db.execute("select * from articles where url = ?", [self.base + path]).fetchone()
        assert row is not None, f"{path} was not stored"
        return row

    def sources_of(self, path: str) -> set[str]:
        rows = self.db.execute("select source from article_sources where article_id = ?", [self.article(path)["id"]])
        return {r[0] for r in rows}

    def seen(self, path: str, round_name: str | None = None) -> list:
        names = [round_name] if round_name else list(self.requests)
        return [r for name in names for r in self.requests[name] if r.route == path]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    """Run the three crawls once for the whole module."""
    folder = tmp_path_factory.mktemp("crawl")
    site = serve_news_site()
    config = folder / "newsmon.toml"
    config.write_text(config_text(site), encoding="utf-8")
    results, requests = {}, {}
    try:
        for name, sources in (("feeds", FEEDS), ("discovery", DISCOVERY), ("recrawl", [])):
            site.reset_log()
            results[name] = run_newsmon(config, *crawl_args(sources))
            requests[name] = site.seen()
    finally:
        site.stop()
    db = sqlite3.connect(folder / "news.db")
    db.row_factory = sqlite3.Row
    yield Rounds(results, requests, db, site.base_url)
    db.close()


def summary(stdout: str) -> dict[str, str]:
    """Source name -> its summary line."""
    return {line.split()[0]: line for line in stdout.splitlines() if line and not line.startswith(("Crawled", " "))}


def status(line: str) -> str:
    return line.split()[1]


def test_a_crawl_with_failing_sources_still_completes_and_says_which_failed(rounds):
    result = rounds.results["feeds"]
    assert result.returncode == 0, result.stderr
    lines = summary(result.stdout)
    assert set(lines) == set(FEEDS)
    assert status(lines["world"]) == "ok"
    assert status(lines["troubled"]) == "partial" and " 3 errors  (" in lines["troubled"]
    assert status(lines["broken"]) == "failed" and "malformed feed" in lines["broken"]
    assert status(lines["down"]) == "failed" and "HTTP 500" in lines["down"]
    assert "Traceback" not in result.stdout + result.stderr and result.stderr == ""
    assert "Crawled 7 sources" in result.stdout


def test_crawl_runs_records_each_source_with_status_counts_and_reasons(rounds):
    runs = {r["source"]: r for r in rounds.db.execute("select * from crawl_runs where id <= 7")}
    assert runs["world"]["status"] == "ok" and runs["world"]["errors"] == ""
    assert runs["troubled"]["status"] == "partial" and runs["troubled"]["new_articles"] == 1
    assert "broken-500.html: HTTP 500" in runs["troubled"]["errors"]
    assert "slow.html: timed out" in runs["troubled"]["errors"]
    assert "huge.html: larger than crawl.max_page_mb" in runs["troubled"]["errors"]
    assert runs["broken"]["status"] == "failed" and "malformed feed" in runs["broken"]["errors"]
    assert runs["down"]["status"] == "failed" and runs["down"]["errors"].endswith("down.rss: HTTP 500")
    for run in runs.values():
        assert run["finished_at"] >= run["started_at"] and run["pid"] > 0
    assert sum(run["new_articles"] for run in runs.values()) == 7


def test_the_seed_article_is_extracted_without_page_furniture(rounds):
    row = rounds.article("/news/2025/02/haftar-minsk-visit.html")
    assert row["title"] == "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya"
    assert row["published"] == "2025-02-20T14:05:00+03:00"
    assert row["language"] == "en" and row["author"] == "Alena Kavalchuk" and row["site_name"] == "Minsk Monitor"
    for needle in ("Ivan Tertel", "Viktor Khrenin", "MiG-29", "Libyan National Army", "Libya Stabilization Act"):
        assert needle in row["text"]
    for furniture in ("Most read", "Dinamo Minsk", "All rights reserved", "Subscribe", "cookies", "Sign up"):
        assert furniture not in row["text"]
    assert row["analyzed_at"] is None and len(row["content_hash"]) == 40
    assert '<aside class="most-read">' in gzip.decompress(row["html_gz"]).decode("utf-8")


def test_tracking_parameters_and_fragments_are_dropped_and_each_article_is_stored_once(rounds):
    assert rounds.sources_of("/news/2025/02/haftar-minsk-visit.html") == {"world", "gdelt"}
    assert rounds.sources_of("/news/2025/02/belarus-libya-trade.html") == {"world", "africa", "sitemap"}
    db = rounds.db
    assert db.execute("select count(*) from articles where url like '%utm_%' or url like '%#%'").fetchone()[0] == 0
    assert db.execute("select count(*) from articles where title like 'Belarus and Libya sign%'").fetchone()[0] == 1
    assert len(rounds.seen("/news/2025/02/haftar-minsk-visit.html")) == 1


def test_titles_lose_site_suffixes_and_dates_keep_their_offset(rounds):
    trade = rounds.article("/news/2025/02/belarus-libya-trade.html")
    assert trade["title"] == "Belarus and Libya sign memorandum on trade and agriculture"
    assert trade["published"] == "2025-02-18T09:30:00+00:00" and trade["author"] == "Pavel Sidorenko"
    assert rounds.article("/world/khrenin-statement.html")["title"] == "Khrenin says Belarus ready to train Libyan officers"


def test_a_redirected_article_is_stored_under_its_final_url(rounds):
    expo = rounds.article("/news/2025/02/minsk-defence-expo.html")
    assert expo["title"] == "Libyan delegation tours Minsk defence exhibition"
    alias = rounds.db.execute("select article_id from seen_urls where url = ?", [rounds.base + "/old/minsk-expo"])
    assert alias.fetchone()[0] == expo["id"]
    assert [r.status for r in rounds.seen("/old/minsk-expo")] == [301]


def test_rel_canonical_decides_the_stored_url(rounds):
    rounds.article("/news/2025/02/mig29-maintenance.html")
    assert rounds.db.execute("select count(*) from articles where url like '%/amp/%'").fetchone()[0] == 0
    assert rounds.sources_of("/news/2025/02/mig29-maintenance.html") == {"africa", "africa-section"}
    assert rounds.seen("/news/2025/02/mig29-maintenance.html") == []


def test_a_windows_1251_page_without_charset_is_decoded(rounds):
    row = rounds.article("/ru/belarus-novosti.html")
    assert row["title"] == "Беларусь и Ливия договорились о сотрудничестве"
    assert "Халифой Хафтаром" in row["text"] and row["language"] == "ru"


def test_google_news_links_are_decoded_or_kept_from_the_feed(rounds):
    decoded = rounds.article("/news/2025/02/publisher-story.html")
    assert decoded["source"] == "google-news-decodable" and "Benghazi" in decoded["text"]
    kept = rounds.db.execute("select * from articles where url like 'https://news.google.com/%'").fetchone()
    assert kept["title"] == "Haftar meets Lukashenko in Minsk to discuss military ties"
    assert kept["published"] == "2025-02-17T14:20:00+00:00" and kept["language"] == "en"
    assert kept["html_gz"] is None and kept["source"] == "google-news"


def test_robots_txt_is_obeyed_and_fetched_once_for_all_sources_and_rounds(rounds):
    assert rounds.seen("/private/leaked.html") == []
    assert len(rounds.seen("/robots.txt")) == 1


def test_errors_are_retried_with_backoff_and_nothing_broken_is_stored(rounds):
    assert [r.status for r in rounds.seen("/news/broken-500.html", "feeds")] == [500, 500]
    assert len(rounds.seen("/news/slow.html", "feeds")) == 2
    assert [r.status for r in rounds.seen("/feeds/down.rss", "feeds")] == [500, 500]
    stored = rounds.db.execute("select count(*) from articles where url like '%broken-500%' or url like '%slow%'")
    assert stored.fetchone()[0] == 0


def test_listing_sitemap_and_gdelt_skip_what_is_stored(rounds):
    result = rounds.results["discovery"]
    assert result.returncode == 0, result.stderr
    lines = summary(result.stdout)
    assert all(status(lines[name]) == "ok" for name in DISCOVERY if name != "stale-selector")
    assert status(lines["stale-selector"]) == "failed" and "'ul.headlines a' matched nothing" in lines["stale-selector"]
    fetched = {r.route for r in rounds.requests["discovery"] if r.route.startswith(("/news/", "/world/"))}
    assert fetched == {
        "/news/2025/02/libya-stabilization-act.html",
        "/news/2025/02/tertel-visit.html",
        "/world/khrenin-statement.html",
    }
    assert rounds.seen("/news/2025/01/potash-exports.html") == []


def test_sitemaps_respect_the_look_back_window_and_fill_in_missing_dates(rounds):
    assert rounds.seen("/sitemaps/archive-2009.xml") == []
    assert rounds.seen("/news/2010/06/old-story.html") == []
    tertel = rounds.article("/news/2025/02/tertel-visit.html")
    assert tertel["published"] == "2025-02-23T18:30:00+03:00"
    assert tertel["title"] == "KGB chief Tertel received Haftar's son in Minsk"


def test_gdelt_is_asked_for_an_article_list_matching_the_schedule(rounds):
    (api,) = rounds.seen("/api/v2/doc/doc", "discovery")
    assert "mode=artlist" in api.path and "format=json" in api.path and "sort=datedesc" in api.path
    assert "timespan=75min" in api.path and "query=%28Belarus+OR+Lukashenko%29" in api.path
    assert "maxrecords=200" in api.path


def test_an_unchanged_site_costs_one_304_per_feed_and_no_article_fetch(rounds):
    result = rounds.results["recrawl"]
    assert result.returncode == 0, result.stderr
    for path in CLEAN_ENTRY_PAGES:
        expected = [304]
        if path == "/sitemap_index.xml":
            expected = [200]  # an index is read in full so a changed child sitemap is never missed
        if path == "/section/africa/":
            expected = [200, 304]  # the stale selector never read the page, so it gets no 304
        assert sorted(r.status for r in rounds.seen(path, "recrawl")) == expected, path
    assert status(summary(result.stdout)["stale-selector"]) == "failed"
    pages = {r.route for r in rounds.requests["recrawl"] if r.route.startswith(("/news/", "/world/", "/amp/", "/ru/", "/old/"))}
    assert pages == {"/news/broken-500.html", "/news/slow.html"}
    assert all(" 0 new" in line for line in summary(result.stdout).values())
    assert "Crawled 11 sources" in result.stdout and "0 new articles" in result.stdout


def test_failed_pages_keep_their_feed_fresh_so_they_are_retried_but_not_oversized_ones(rounds):
    assert [r.status for r in rounds.seen("/feeds/troubled.rss", "recrawl")] == [200]
    assert rounds.seen("/ru/belarus-novosti.html", "recrawl") == []
    assert len(rounds.seen("/news/huge.html", "feeds")) == 1
    assert rounds.seen("/news/huge.html", "recrawl") == []


def with_a_stuck_source(news_site, tmp_path):
    """A config with the site's sources and one more whose feed drips a byte a second for minutes."""
    news_site.route("/feeds/stuck.rss", drip=1.0, body="<rss>" + " " * 200 + "</rss>")
    config = tmp_path / "newsmon.toml"
    config.write_text(
        config_text(news_site).replace("timeout = 1", "timeout = 60")
        + f'\n[[sources]]\nname = "stuck"\ntype = "feed"\nurl = "{news_site.url("/feeds/stuck.rss")}"\n',
        encoding="utf-8",
    )
    return config


def test_every_selected_source_failing_exits_1_after_analysis_and_alerts(news_site, tmp_path):
    config = tmp_path / "newsmon.toml"
    config.write_text(config_text(news_site), encoding="utf-8")
    result = run_newsmon(config, "crawl", "--source", "broken", "--source", "down")
    assert result.returncode == 1
    assert result.stderr == "Error: every selected source failed; see the reasons above\n"
    assert "Analysed 0 articles" in result.stdout and "Alerts: off (set alerts.to" in result.stdout


def test_a_killed_crawl_leaves_its_run_marked_running_with_its_pid(news_site, tmp_path):
    """The daemon relies on this to mark the runs it had to stop as interrupted."""
    config = with_a_stuck_source(news_site, tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config), *crawl_args(["stuck"])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not news_site.count("/feeds/stuck.rss") and time.monotonic() < deadline:
            time.sleep(0.1)
        db = sqlite3.connect(tmp_path / "news.db")
        row = db.execute("select status, pid, finished_at from crawl_runs").fetchone()
        db.close()
        assert row == ("running", child.pid, None)
    finally:
        child.kill()
        child.wait()


def test_sigterm_records_open_runs_as_interrupted_and_exits_at_once(news_site, tmp_path):
    """How the daemon stops a crawl: the stuck source is recorded as interrupted, a finished one keeps ok."""
    config = with_a_stuck_source(news_site, tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config), *crawl_args(["stuck", "africa"])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "africa" not in child.stdout.readline():
            pass
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 128 + signal.SIGTERM
    assert "stuck" in out and "interrupted" in out and "Interrupted" in err
    db = sqlite3.connect(tmp_path / "news.db")
    runs = dict(db.execute("select source, status from crawl_runs"))
    db.close()
    assert runs == {"stuck": "interrupted", "africa": "ok"}


def test_a_crawl_killed_outright_leaves_no_extraction_process_behind(news_site, tmp_path):
    """Pages are extracted in worker processes of the crawl; they go when the crawl goes, even by SIGKILL."""
    import psutil

    config = with_a_stuck_source(news_site, tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config), *crawl_args(["africa", "stuck"])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        crawl = psutil.Process(child.pid)
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while not (workers and news_site.count("/feeds/stuck.rss")) and time.monotonic() < deadline:
            workers = [p for p in crawl.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
            time.sleep(0.1)
        assert workers, "no extraction process started"
    finally:
        child.kill()
        child.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


def test_a_crawl_opens_no_remote_control_server(news_site, tmp_path):
    """Scrapy's remote-control extension (an HTTP server per source that runs Python code sent to it,
    announced in a file under the user's state folder) stays off, like its telnet console."""
    config = tmp_path / "newsmon.toml"
    config.write_text(config_text(news_site), encoding="utf-8")
    state = tmp_path / "state"
    result = run_newsmon(config, *crawl_args(["africa"]), env={**os.environ, "XDG_STATE_HOME": str(state)})
    assert result.returncode == 0, result.stderr
    assert not state.exists()


def test_an_extraction_process_that_dies_fails_only_the_pages_it_held(news_site, tmp_path):
    """The next pages get a new extraction process, and the next crawl fetches the failed ones again."""
    import psutil

    paths = [f"/slow/{i}.html" for i in range(12)]
    items = "".join(f"<item><title>Story {i}</title><link>{{{{BASE}}}}{p}</link></item>" for i, p in enumerate(paths))
    news_site.route("/feeds/slow.rss", body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>{items}</channel></rss>')
    for i, path in enumerate(paths):
        text = f"Story {i} says what a long enough article says, paragraph after paragraph, about the weather. " * 4
        news_site.route(path, body=f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
                        f"<p>{text}</p><p>{text}</p></article></body></html>", delay=0.4)  # fmt: skip
    config = tmp_path / "newsmon.toml"
    config.write_text(
        config_text(news_site) + f'\n[[sources]]\nname = "slow"\ntype = "feed"\nurl = "{news_site.url("/feeds/slow.rss")}"\n',
        encoding="utf-8",
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config), *crawl_args(["slow"])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while not (workers and sum(news_site.count(p) for p in paths) >= 3) and time.monotonic() < deadline:
            workers = [p for p in psutil.Process(child.pid).children() if "spawn_main" in " ".join(p.cmdline())]
            time.sleep(0.05)
        assert workers, "no extraction process started"
        for worker in workers:
            worker.kill()
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert "Traceback" not in err
    stored = sqlite3.connect(tmp_path / "news.db").execute("select count(*) from articles").fetchone()[0]
    assert 12 - 4 <= stored < 12, out
    assert "BrokenProcessPool" in out or "extraction failed" in out, out
    again = run_newsmon(config, *crawl_args(["slow"]))
    assert again.returncode == 0, again.stderr
    assert sqlite3.connect(tmp_path / "news.db").execute("select count(*) from articles").fetchone()[0] == 12
