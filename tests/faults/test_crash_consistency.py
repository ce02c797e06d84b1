"""Crash consistency: the crawler and the daemon are killed with SIGKILL at random moments, twenty times
each, and restarted. Afterwards the database passes ``PRAGMA integrity_check`` (and the full-text
index its own check), no article is half-stored, every article is credited to each source that lists
it, and no alert or digest is lost or mailed twice.

The crawler is killed while it starts (one time in four) or after a random number of article fetches,
so that kills land while pages are extracted and batches written; its site publishes new articles
between runs, so every run has work to be killed in. The daemon is killed at a random moment of its
first seconds (start, the missed digest, crawl children, analysis).

The one duplicate that cannot be ruled out is a kill in the instant between the SMTP server's "250
accepted" and newsmon recording it, so every fourth daemon is killed right then, a few milliseconds
after a message arrives; a duplicate is accepted only when such a kill fell right after the first copy
arrived, and it then carries the same Message-ID, so a mail client folds it.
The random moments come from a seed shown on failure; ``FAULT_SEED=<seed>`` replays them.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import pytest

from crashsite import CrashSite

KILLS = 20
PUBLISHED_PER_CRAWL = 25
SEED = int(os.environ.get("FAULT_SEED") or int.from_bytes(os.urandom(4), "big"))
EXPECTED_MESSAGES = 4
"""The daemon test's site holds three strong stories (three alerts), plus one digest."""
DUPLICATE_WINDOW = 1.0
"""A second copy of a message is explained only by a kill this soon after the first was accepted."""


def newsmon(config: Path, *args: str, log: Path | None = None) -> subprocess.Popen:
    output = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config), *args],
        stdin=subprocess.DEVNULL, stdout=output, stderr=output, cwd=config.parent,
    )  # fmt: skip


def kill_after(process: subprocess.Popen, seconds: float) -> float | None:
    """SIGKILL ``process`` after ``seconds`` unless it ended first; the moment of the kill, or None."""
    try:
        process.wait(timeout=seconds)
        return None
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        moment = time.monotonic()
        process.wait()
        return moment


def kill_after_fetches(process: subprocess.Popen, site: CrashSite, fetches: int, rng: random.Random) -> float | None:
    """SIGKILL ``process`` shortly after the site has answered ``fetches`` more article requests: in the
    middle of fetching, extracting and writing batches, where a crash could tear an article apart."""
    target = site.fetched() + fetches
    while process.poll() is None and site.fetched() < target:
        time.sleep(0.005)
    return kill_after(process, rng.uniform(0, 0.1))


def kill_on_delivery(process: subprocess.Popen, inbox, rng: random.Random, patience: float = 10.0) -> float | None:
    """SIGKILL ``process`` a few milliseconds after the SMTP server accepts its next message (the
    moment where "sent" and "recorded as sent" can disagree), or after ``patience`` seconds."""
    before = len(inbox.snapshot())
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline and process.poll() is None and len(inbox.snapshot()) == before:
        time.sleep(0.002)
    return kill_after(process, rng.uniform(0, 0.02))


def newsmon_processes(config: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if str(config) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


@contextmanager
def check_database(path: Path) -> Iterator[sqlite3.Connection]:
    """Check the database as the kill left it, open it as the next start does (a process killed before
    its migrations ran leaves them pending), then check the full-text index against the articles."""
    from newsmon.pipeline.db import connect

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()
    connect(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    try:
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
        yield db
    finally:
        db.close()


def check_articles(db: sqlite3.Connection, site: CrashSite, *, complete: bool) -> None:
    """Each stored article is whole and credited to its sources; with ``complete``, every published one is stored."""
    stored = {row["url"]: row for row in db.execute("select * from articles")}
    sources: dict[int, set[str]] = {}
    for row in db.execute("select article_id, source from article_sources"):
        sources.setdefault(row[0], set()).add(row[1])
    for index, article in enumerate(site.articles[: site.published]):
        row = stored.get(site.url(article.path))
        if row is None:
            assert not complete, f"{article.path} was lost"
            continue
        assert row["title"] == article.title, f"{article.path} half-stored: {row['title']!r}"
        assert all(line in row["text"] for line in article.text.splitlines()), f"{article.path} text half-stored"
        assert row["content_hash"] and row["fetched_at"]
        if complete:
            assert sources.get(row["id"]) == site.expected_sources(index), article.path
        else:
            assert sources.get(row["id"]), f"{article.path} stored without any source"
    orphans = db.execute(
        "select count(*) from seen_urls where article_id is not null and article_id not in (select id from articles)"
    ).fetchone()[0]
    assert orphans == 0
    assert len(stored) == len({r["content_hash"] for r in stored.values()})


def test_the_crawler_killed_at_random_moments_loses_and_half_stores_nothing(tmp_path):
    print(f"FAULT_SEED={SEED}")  # shown with a failure
    rng = random.Random(SEED)
    site = CrashSite(count=40 + 3 * KILLS * PUBLISHED_PER_CRAWL, published=40)
    config = tmp_path / "newsmon.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            database = "crash.db"
            [crawl]
            timeout = 10
            [[sources]]
            name = "all"
            type = "feed"
            url = "{site.url('/feeds/all.rss')}"
            max_articles = 1000
            [[sources]]
            name = "odd"
            type = "feed"
            url = "{site.url('/feeds/odd.rss')}"
            max_articles = 1000
            """
        ),
        encoding="utf-8",
    )
    kills, stored = 0, [0]
    try:
        for _ in range(3 * KILLS):  # a crawl that finishes before its kill is not counted
            if kills == KILLS:
                break
            crawl = newsmon(config, "crawl", "--no-analyze", "--no-alerts")
            if kills % 4 == 0:  # while it starts: migrations, recording its runs, reading the feeds
                moment = kill_after(crawl, rng.uniform(0.1, 1.2))
            else:  # while it fetches, extracts and writes (a batch every 50 articles, the rest at the end)
                moment = kill_after_fetches(crawl, site, rng.randint(1, max(1, site.published - stored[-1])), rng)
            kills += moment is not None
            with check_database(tmp_path / "crash.db") as db:
                check_articles(db, site, complete=False)
                stored.append(db.execute("select count(*) from articles").fetchone()[0])
            site.publish(PUBLISHED_PER_CRAWL)
        print(f"seed {SEED}: articles stored after each crawl: {stored[1:]}")
        assert kills == KILLS
        final = newsmon(config, "crawl", "--no-analyze", "--no-alerts")
        assert final.wait(timeout=120) == 0, f"seed {SEED}"
    finally:
        site.stop()
    with check_database(tmp_path / "crash.db") as db:
        check_articles(db, site, complete=True)
        runs = db.execute("select status, pid from crawl_runs order by id").fetchall()
    assert [r["status"] for r in runs[-2:]] == ["ok", "ok"]
    assert not [r for r in runs if r["status"] == "running"]  # each later crawl marked the killed ones
    killed = [r for r in runs if r["status"] == "interrupted"]
    assert killed and not any(psutil.pid_exists(r["pid"]) for r in killed)


def daemon_config(folder: Path, site: CrashSite, smtp_port: int) -> Path:
    slot = (datetime.now(timezone.utc) - timedelta(minutes=2)).strftime("%H:%M")  # passed: sent on start
    path = folder / "newsmon.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            database = "daemon.db"

            [alerts]
            to = ["analyst@example.org"]

            [digest]
            to = ["desk@example.org"]
            at = "{slot}"
            timezone = "UTC"

            [smtp]
            host = "127.0.0.1"
            port = {smtp_port}
            from = "newsmon@example.org"

            [daemon]
            jitter = "1s"
            heartbeat = "1h"

            [[sources]]
            name = "all"
            type = "feed"
            url = "{site.url('/feeds/all.rss')}"
            every = "10s"

            [[sources]]
            name = "odd"
            type = "feed"
            url = "{site.url('/feeds/odd.rss')}"
            every = "10s"
            """
        ),
        encoding="utf-8",
    )
    return path


def wait_until(what: str, check, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what} (seed {SEED})")


def test_the_daemon_killed_at_random_moments_sends_each_alert_and_digest_exactly_once(tmp_path, smtp):
    print(f"FAULT_SEED={SEED}")  # shown with a failure
    port, inbox = smtp
    rng = random.Random(SEED)
    site = CrashSite(count=12 + KILLS + 1, published=12)
    config = daemon_config(tmp_path, site, port)
    database = tmp_path / "daemon.db"
    from newsmon.pipeline.db import connect

    connect(database).close()  # as 'newsmon init' leaves it: the daemon refuses to create one
    kills: list[float] = []
    try:
        while len(kills) < KILLS:
            daemon = newsmon(config, "run")
            undelivered = len({d.message_id for d in inbox.snapshot()}) < EXPECTED_MESSAGES
            if undelivered and len(kills) % 4 == 3:  # every fourth life ends right after a message is accepted
                moment = kill_on_delivery(daemon, inbox, rng)
            else:
                moment = kill_after(daemon, rng.uniform(0.3, 3.0))
            if moment is not None:
                kills.append(moment)
            with check_database(database) as db:
                check_articles(db, site, complete=False)
            site.publish(1)
        print(f"seed {SEED}: {len(inbox.snapshot())} message(s) delivered by the {KILLS} killed daemons")
        wait_until("crawl children of killed daemons to stop", lambda: not newsmon_processes(config), 30)
        site.publish(1)  # news for the restarted daemon to crawl, analyse and alert on
        log = tmp_path / "final-daemon.log"
        daemon = newsmon(config, "run", log=log)
        try:
            def delivered_everything() -> bool:
                crawled = log.read_text().count(": ok, ") >= 2  # a full round of both sources since the restart
                if not crawled or "analyze: " not in log.read_text():
                    return False
                with sqlite3.connect(database) as db:
                    digest = db.execute("select count(*) from digests where sent_at is not null").fetchone()[0]
                    alerts = db.execute("select count(*), count(sent_at) from alerts").fetchone()
                    analysed = db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0]
                return digest == 1 and alerts == (3, 3) and analysed == 0

            wait_until("the restarted daemon to deliver everything", delivered_everything)
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=30) == 0
    finally:
        site.stop()
        for leftover in newsmon_processes(config):
            leftover.kill()
    with check_database(database) as db:
        check_articles(db, site, complete=False)
        alert_ids = {f"<newsmon.alert.{r['story_id']}.{r['watch']}@example.org>"
                     for r in db.execute("select story_id, watch from alerts")}  # fmt: skip
        digest_dates = [r[0] for r in db.execute("select date from digests where sent_at is not null")]
    assert len(alert_ids) == EXPECTED_MESSAGES - 1 and len(digest_dates) == 1
    received = inbox.snapshot()
    counts = Counter(d.message_id for d in received)
    assert set(counts) == alert_ids | {f"<newsmon.digest.{digest_dates[0]}@example.org>"}, f"seed {SEED}"
    for message_id, count in counts.items():
        if count > 1:
            first = min(d.at for d in received if d.message_id == message_id)
            assert any(0 <= kill - first <= DUPLICATE_WINDOW for kill in kills), (
                f"{message_id} was mailed {count} times (seed {SEED})"
            )
