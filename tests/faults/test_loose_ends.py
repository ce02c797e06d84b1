"""Smaller guarantees: a watchlist alias without a letter or digit is refused (``".*"`` would match
every full stop); any crawl marks runs whose process is gone as ``interrupted``, daemon or not; and a
crawl child started by the daemon does not inherit ``NEWSMON_SMTP_PASSWORD``, since it never sends mail.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import psutil
import pytest

from newsmon.config import load_config
from newsmon.errors import ConfigError
from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect
from newsmon.pipeline.mailer import PASSWORD_ENV
from newsmon.pipeline.watchlist import bundled_path, load_watchlist
from newsmon.schedules.crawl_child import PARENT_ENV, CrawlChildren
from newsdesk import feed_config
from newsmon_process import run_newsmon

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
    "<item><title>A quiet day</title><link>{{BASE}}/news/quiet.html</link></item></channel></rss>"
)
PAGE = (
    "<html><head><title>A quiet day</title></head><body><article><p>"
    + "Nothing happened in Minsk. " * 20
    + "</p></article></body></html>"
)


@pytest.mark.parametrize("alias", [".*", "...", "-", " . "])
def test_an_alias_without_a_letter_or_digit_is_refused(tmp_path, alias):
    text = bundled_path().read_text(encoding="utf-8")
    path = tmp_path / "watch.toml"
    path.write_text(text.replace('aliases = ["', f'aliases = ["{alias}", "', 1), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_watchlist(path)
    message = str(excinfo.value)
    assert f"aliases: {alias!r} has no letter or digit" in message and "\n" not in message


def test_a_crawl_marks_runs_of_a_process_that_is_gone_as_interrupted(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db = connect(tmp_path / "news.db")
    started = "2026-01-01T00:00:00+00:00"
    db["crawl_runs"].insert_all(
        [
            {"source": "killed", "started_at": started, "status": "running", "pid": int(gone.stdout)},
            {"source": "alive", "started_at": started, "status": "running", "pid": psutil.Process().pid},
        ]
    )
    db.close()
    with LocalSite() as site:
        site.route("/feed.xml", body=FEED, headers={"Content-Type": "application/rss+xml"})
        site.route("/news/quiet.html", body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
        config = feed_config(tmp_path, "quiet", site.url("/feed.xml"))
        result = run_newsmon(config, "crawl", "--no-analyze", "--no-alerts")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "news.db") as conn:
        status = dict(conn.execute("select source, status from crawl_runs"))
    assert status == {"killed": "interrupted", "alive": "running", "quiet": "ok"}


def test_a_crawl_child_does_not_inherit_the_smtp_password(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "s3cret-never-for-crawlers")
    with LocalSite() as site:
        site.route("/feed.xml", body=FEED, delay=30, headers={"Content-Type": "application/rss+xml"})
        path = feed_config(tmp_path, "slow", site.url("/feed.xml"))
        connect(tmp_path / "news.db").close()
        children = CrawlChildren(load_config(path))
        crawl = threading.Thread(target=children.run, args=["slow"])
        crawl.start()
        try:
            deadline = time.monotonic() + 60
            while not site.count("/feed.xml") and time.monotonic() < deadline:
                time.sleep(0.1)
            (child,) = [p for p in psutil.Process().children(recursive=True) if "crawl" in p.cmdline()]
            environment = child.environ()
        finally:
            children.stop_all()
            crawl.join(timeout=30)
    assert PASSWORD_ENV not in environment
    assert environment[PARENT_ENV] == str(psutil.Process().pid)
