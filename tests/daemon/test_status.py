"""``newsmon status`` answers "is the monitor healthy?" from the lock file and the database alone.

It names the running daemon's pid (from its lock), each source's last run with status and age and
its next run, the sources failing (last run failed) or silent (no new article for longer than
``daemon.silent_after``), the alerts not yet delivered and the last digest sent; ``--json`` gives the
same as one object. A second daemon on the same database is refused, naming the first.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from newsmon.cli import cli
from newsmon.pipeline.db import connect
from newsmon.schedules.history import iso
from newsmon.schedules.lock import DaemonLock

CONFIG = """
    [alerts]
    to = ["desk@example.org"]

    [digest]
    at = "08:00"
    timezone = "UTC"

    [daemon]
    silent_after = "1d"

    [[sources]]
    name = "steady"
    type = "feed"
    url = "http://127.0.0.1:9/steady.xml"
    every = "30m"

    [[sources]]
    name = "broken"
    type = "feed"
    url = "http://127.0.0.1:9/broken.xml"
    every = "1h"

    [[sources]]
    name = "quiet"
    type = "feed"
    url = "http://127.0.0.1:9/quiet.xml"
    every = "1h"

    [[sources]]
    name = "new"
    type = "feed"
    url = "http://127.0.0.1:9/new.xml"
"""


@pytest.fixture
def monitored(tmp_path, write_config):
    """A database with two days of history: one source fine, one failing, one silent, one never run."""
    path = write_config(CONFIG)
    db = connect(tmp_path / "newsmon.db")
    now = datetime.now(timezone.utc)

    def run(source, ago, status, new, errors=None):
        started = now - ago
        db["crawl_runs"].insert(
            {"source": source, "started_at": iso(started), "finished_at": iso(started + timedelta(seconds=20)),
             "status": status, "pages": 3, "new_articles": new, "errors": errors, "pid": 1}  # fmt: skip
        )

    run("steady", timedelta(hours=3), "ok", 4)
    run("steady", timedelta(minutes=10), "ok", 1)
    run("broken", timedelta(hours=2), "ok", 2)
    run("broken", timedelta(minutes=20), "failed", 0, "feed: HTTP 500")
    run("quiet", timedelta(days=2, minutes=5), "ok", 5)
    run("quiet", timedelta(minutes=30), "ok", 0)
    db["alerts"].insert_all(
        [{"story_id": 1, "watch": "w", "created_at": iso(now), "sent_at": None},
         {"story_id": 2, "watch": "w", "created_at": iso(now), "sent_at": iso(now)}]  # fmt: skip
    )
    db["digests"].insert({"date": "2025-03-13", "sent_at": "2025-03-13T05:00:03+00:00"})
    db.close()
    return path


def test_status_reports_runs_failing_and_silent_sources_alerts_and_digest(runner, monitored):
    result = runner.invoke(cli, ["--config", str(monitored), "status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["daemon"]["running"] is False and report["daemon"]["pid"] is None
    sources = {s["name"]: s for s in report["sources"]}
    assert sources["steady"]["last_run"]["status"] == "ok"
    assert 590 <= sources["steady"]["last_run"]["age_seconds"] <= 700
    assert sources["steady"]["overdue"] is False
    next_steady = datetime.fromisoformat(sources["steady"]["next_run"]) - datetime.fromisoformat(report["now"])
    assert timedelta(minutes=19) <= next_steady <= timedelta(minutes=21)
    assert sources["new"]["last_run"] is None and sources["new"]["overdue"] is True
    assert report["failing"] == ["broken"]
    assert sources["broken"]["last_run"]["errors"] == "feed: HTTP 500"
    assert report["silent"] == ["quiet"]
    assert report["pending_alerts"] == 1
    assert report["digest"]["last_sent"] == {"date": "2025-03-13", "sent_at": "2025-03-13T05:00:03+00:00"}
    assert report["digest"]["next_run"].endswith("T08:00:00+00:00")


def test_status_text_names_the_running_daemon_and_the_problems(runner, monitored, tmp_path):
    lock = DaemonLock(tmp_path / "newsmon.db").acquire()
    try:
        result = runner.invoke(cli, ["--config", str(monitored), "status"])
    finally:
        lock.release()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"daemon: running (pid {os.getpid()})"
    assert any(line.split()[0] == "steady" and "last ok 10m ago (1 new)" in line for line in lines)
    assert any(line.split()[0] == "new" and "never run" in line for line in lines)
    assert "failing: broken: feed: HTTP 500" in lines
    assert "silent: quiet: no new article for 2d" in lines
    assert "alerts: 1 pending" in lines
    assert "digest: last sent for 2025-03-13 at 2025-03-13T05:00:03+00:00" in lines


def test_a_second_daemon_on_the_same_database_is_refused_naming_the_first(runner, monitored, tmp_path):
    lock = DaemonLock(tmp_path / "newsmon.db").acquire()
    try:
        result = runner.invoke(cli, ["--config", str(monitored), "run"])
    finally:
        lock.release()
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: a newsmon daemon is already running on this database (pid {os.getpid()}, "
        f"lock {tmp_path / 'newsmon.db.lock'})"
    ]


def test_status_without_a_daemon_promises_no_next_run_and_takes_the_config_after_the_command(
    runner, monitored, tmp_path
):
    result = runner.invoke(cli, ["status", "--config", str(monitored)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "daemon: not running"
    assert not any("next in" in line for line in lines)
    steady = next(line for line in lines if line.split()[0] == "steady")
    assert steady.endswith("not scheduled (daemon not running)")
    assert any(line.split()[0] == "new" and "due when the daemon starts" in line for line in lines)
    assert any(line.startswith("digest: due ") and "not sent unless the daemon runs" in line for line in lines)
