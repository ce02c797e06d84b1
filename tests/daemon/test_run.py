"""``newsmon run`` runs each source on its schedule in a child crawl, and survives what crawls do.

A real daemon process crawls the local news site every few seconds, cycle after cycle, never running
the same source twice at once; after each crawl it analyses the new articles and mails an alert for
the strong match, once however many cycles follow; its log has one line per job start and end and a
heartbeat. While it runs, a second daemon on the same database is refused naming its pid, and
``newsmon status`` names it too. A crawl that hangs is killed at ``daemon.crawl_limit``, recorded as
failed, and the next run still happens. SIGTERM or SIGINT stops the daemon with exit code 0; a crawl
cut short by it is recorded as interrupted, and no run is left looking as if it were still going.
"""

from __future__ import annotations

import json
import signal

import pytest

from newsmon.cli import cli
from newsmon.localsite import LocalSite

pytestmark = pytest.mark.timeout(240)


def source_config(write_config, url: str, *, every: str, crawl_limit: str = "1m", extra: str = "") -> str:
    return write_config(
        f"""
        [crawl]
        timeout = 600
        retries = 0

        [daemon]
        crawl_limit = "{crawl_limit}"
        heartbeat = "2s"
        jitter = "1s"
        {extra}

        [[sources]]
        name = "minsk-wire"
        type = "feed"
        url = "{url}"
        every = "{every}"
        """
    )


@pytest.fixture
def hanging_site():
    """A site whose feed accepts the connection and never answers."""
    with LocalSite() as site:
        site.route("/feed.xml", delay=600)
        yield site


def test_sources_are_crawled_cycle_after_cycle_until_sigterm(
    write_config, rows, news_site, smtp_server, start_daemon, runner
):
    port, inbox = smtp_server
    mail = f'[alerts]\nto = ["analyst@example.org"]\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
    config = source_config(write_config, news_site.url("/feed.xml"), every="3s", extra=mail)
    daemon = start_daemon(config)
    daemon.wait_for("three crawls of the source", lambda: len(rows("select id from crawl_runs where status = 'ok'")) >= 3)

    second = start_daemon(config)
    assert second.process.wait(timeout=60) == 1
    assert f"already running on this database (pid {daemon.process.pid}" in second.log

    status = json.loads(runner.invoke(cli, ["--config", str(config), "status", "--json"]).output)
    assert status["daemon"] == {**status["daemon"], "running": True, "pid": daemon.process.pid}

    daemon.wait_for_log("heartbeat: ")
    assert daemon.stop(signal.SIGTERM) == 0
    runs = rows("select * from crawl_runs order by id")
    assert [run["status"] for run in runs[:3]] == ["ok", "ok", "ok"]
    assert runs[-1]["status"] in ("ok", "interrupted")
    assert all(later["started_at"] >= earlier["finished_at"] for earlier, later in zip(runs, runs[1:]))
    assert sum(run["new_articles"] for run in runs) == 2
    assert {row["url"] for row in rows("select url from articles")} == {
        news_site.url("/news/mig-maintenance.html"),
        news_site.url("/news/trade-fair.html"),
    }
    assert daemon.log.count("crawl minsk-wire: start") >= 3
    assert "crawl minsk-wire: ok, " in daemon.log
    assert "analyze: " in daemon.log
    assert daemon.log.rstrip().endswith("stopped")
    (alert,) = inbox.messages
    assert "Belarus and Libya's eastern command" in alert["Subject"]


def test_a_hanging_crawl_is_killed_at_its_limit_and_the_next_run_still_happens(
    write_config, rows, hanging_site, start_daemon
):
    config = source_config(write_config, hanging_site.url("/feed.xml"), every="3s", crawl_limit="2s")
    daemon = start_daemon(config)
    daemon.wait_for(
        "two crawls killed at their limit",
        lambda: len(rows("select id from crawl_runs where status = 'failed' and errors like 'timed out after 2s%'")) >= 2,
    )
    assert daemon.stop() == 0
    assert "crawl minsk-wire: failed, " in daemon.log
    assert not rows("select id from crawl_runs where status = 'running'")


def test_sigint_during_a_crawl_stops_it_and_records_the_run_as_interrupted(
    write_config, rows, hanging_site, start_daemon
):
    config = source_config(write_config, hanging_site.url("/feed.xml"), every="1h", crawl_limit="10m")
    daemon = start_daemon(config)
    daemon.wait_for("the crawl to be under way", lambda: rows("select id from crawl_runs where status = 'running'"))
    assert daemon.stop(signal.SIGINT) == 0
    (run,) = rows("select * from crawl_runs")
    assert run["status"] == "interrupted"
    assert run["finished_at"]
    assert "SIGINT received: stopping" in daemon.log


def test_the_log_also_goes_to_a_rotating_file_when_configured(write_config, rows, tmp_path, news_site, start_daemon):
    config = source_config(
        write_config, news_site.url("/feed.xml"), every="1h", extra='[log]\nfile = "logs/newsmon.log"'
    )
    daemon = start_daemon(config)
    daemon.wait_for("one crawl", lambda: rows("select id from crawl_runs where status = 'ok'"))
    assert daemon.stop() == 0
    written = (tmp_path / "logs" / "newsmon.log").read_text(encoding="utf-8")
    assert "newsmon daemon started" in written and "crawl minsk-wire: ok, " in written
