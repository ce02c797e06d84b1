"""Every crawl the daemon starts ends up on record in ``crawl_runs``, however the child process ends.

A child that dies before it could record its run (here: the config it reads no longer has the
source the daemon asked for, as after an edit while the daemon runs) gets a ``failed`` row with the
child's last line as the reason. Runs left ``running`` by a process that no longer exists are marked
``interrupted`` when the daemon starts; runs of a live process are left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys

from newsmon.config import load_config
from newsmon.pipeline.db import connect
from newsmon.pipeline.store import finish_orphaned_runs
from newsmon.schedules.crawl_child import CrawlChildren

SOURCE = """
    [[sources]]
    name = "{name}"
    type = "feed"
    url = "http://127.0.0.1:9/feed.xml"
"""


def test_a_child_that_dies_before_recording_its_run_is_recorded_as_failed(write_config, rows):
    config = load_config(write_config(SOURCE.format(name="renamed")))
    outcome = CrawlChildren(config).run("old-name")
    assert outcome.status == "failed" and outcome.returncode == 2
    (run,) = rows("select * from crawl_runs")
    assert run["source"] == "old-name" and run["status"] == "failed" and run["finished_at"]
    assert run["errors"].startswith("crawl process exited with code 2: Error: ")
    assert "no source named 'old-name'" in run["errors"]


def test_runs_left_running_by_a_dead_process_are_marked_interrupted(database, rows):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db = connect(database)
    db["crawl_runs"].insert_all(
        [{"source": "a", "started_at": "2025-03-14T10:00:00+00:00", "status": "running", "pid": int(gone.stdout)},
         {"source": "b", "started_at": "2025-03-14T10:00:00+00:00", "status": "running", "pid": os.getpid()},
         {"source": "c", "started_at": "2025-03-14T09:00:00+00:00", "status": "ok", "pid": int(gone.stdout)}]  # fmt: skip
    )
    assert finish_orphaned_runs(db) == 1
    db.close()
    assert [(r["source"], r["status"]) for r in rows("select * from crawl_runs order by id")] == [
        ("a", "interrupted"),
        ("b", "running"),
        ("c", "ok"),
    ]
