"""Several writer processes on one database: every write waits its turn (up to the busy timeout)
instead of failing at once with "database is locked", and when it does give up, the wait it reports
is the wait it made.

Each writer runs the crawl's own writes (``Store.mark_seen``, ``save_validators``, the run rows),
which read the schema before writing: with a deferred ``BEGIN`` another process's commit in between
made SQLite answer BUSY immediately.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from newsmon.pipeline.db import BUSY_TIMEOUT_ENV, connect

WRITER = Path(__file__).with_name("writer.py")
WRITERS = 6
ROUNDS = 150


def start_writer(database: Path, name: str, rounds: int, go: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(database), name, str(rounds), str(go)],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def test_several_writer_processes_at_once_all_finish_without_a_lock_error(tmp_path):
    database, go = tmp_path / "news.db", tmp_path / "go"
    connect(database).close()
    writers = [start_writer(database, f"w{n}", ROUNDS, go) for n in range(WRITERS)]
    time.sleep(1.0)  # every writer has opened the database and waits for the signal
    go.touch()
    errors = [(w.wait(timeout=120), w.stderr.read().strip()) for w in writers]
    assert errors == [(0, "")] * WRITERS
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from seen_urls").fetchone()[0] == WRITERS * ROUNDS
        assert db.execute("select count(*) from http_cache").fetchone()[0] == WRITERS * ROUNDS
        assert db.execute("select count(*) from crawl_runs where status = 'ok'").fetchone()[0] == WRITERS * ROUNDS


def test_a_writer_that_gives_up_has_waited_the_time_it_says(tmp_path):
    database, go = tmp_path / "news.db", tmp_path / "go"
    connect(database).close()
    go.touch()
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("insert into crawl_runs (source, status) values ('another-writer', 'running')")
    try:
        began = time.monotonic()
        writer = start_writer(database, "late", 1, go, env={**os.environ, BUSY_TIMEOUT_ENV: "1.5"})
        assert writer.wait(timeout=60) == 1
        waited = time.monotonic() - began
    finally:
        holder.close()
    message = writer.stderr.read().strip()
    assert "database is locked by another writer (waited 1.5s)" in message
    assert waited >= 1.5
