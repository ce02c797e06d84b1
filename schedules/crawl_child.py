"""Each scheduled crawl runs ``newsmon crawl`` in a child process, under a wall-clock limit.

Scrapy's Twisted reactor cannot be restarted inside one process, and a crawl that hangs or crashes
must not take the daemon with it, so every crawl is a fresh ``python -m newsmon crawl --source NAME``.
The child records its own run in ``crawl_runs``; when it is killed (limit reached, daemon stopping) or
dies before finishing, the daemon finishes that row for it, so the table never shows a run as
``running`` that no longer is.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass


from newsmon.config import Config, parse_duration
from newsmon.pipeline.db import connect
from newsmon.pipeline.mailer import PASSWORD_ENV
from newsmon.schedules.history import iso, utcnow

log = logging.getLogger("newsmon.daemon")

PARENT_ENV = "NEWSMON_PARENT_PID"
"""Tells a crawl child who its daemon is; ``spiders.runner`` stops the crawl once that process is gone."""
STOP_STEPS = ((signal.SIGTERM, 2.0), (signal.SIGTERM, 3.0), (signal.SIGKILL, None))
"""How a child is stopped: Scrapy stops gracefully on a first SIGTERM but waits for downloads in
flight (a hung one for as long as ``crawl.timeout``); a second SIGTERM forces it; SIGKILL is last."""


@dataclass
class CrawlOutcome:
    """How one crawl ended, as recorded in its crawl_runs row."""

    source: str
    status: str
    pages: int
    new_articles: int
    errors: str | None
    seconds: float
    returncode: int | None


@dataclass
class Ending:
    """How the daemon records a child's run if the child did not: ``override`` even if it did, and
    ``record`` a new row if the child died before writing one (so a crash on start is on record)."""

    status: str
    reason: str
    override: bool = False
    record: bool = False


class CrawlChildren:
    """Starts crawl processes and keeps track of them, so that shutdown can stop every one."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.limit = parse_duration(config.daemon.crawl_limit)
        self.stopping = threading.Event()
        self._running: dict[int, subprocess.Popen] = {}
        self._changed = threading.Condition()

    def command(self, source: str) -> list[str]:
        """The child's command line: crawl one source, leaving analysis and alerts to the daemon."""
        return [
            sys.executable, "-m", "newsmon", "--config", str(self.config.path),
            "crawl", "--source", source, "--no-analyze", "--no-alerts",
        ]  # fmt: skip

    @property
    def running(self) -> int:
        with self._changed:
            return len(self._running)

    def run(self, source: str) -> CrawlOutcome | None:
        """Crawl ``source`` in a child process; None when the daemon is stopping and nothing ran."""
        began = time.monotonic()
        with self._changed:
            if self.stopping.is_set():
                return None
            child = subprocess.Popen(
                self.command(source),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                start_new_session=True,
                env=child_environment(),
            )
            self._running[child.pid] = child
        timed_out = False
        try:
            output, _ = child.communicate(timeout=self.limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            output = _end(child)
        finally:
            with self._changed:
                self._running.pop(child.pid, None)
                self._changed.notify_all()
        seconds = time.monotonic() - began
        for line in output.splitlines():
            if line.strip():
                log.debug("crawl %s | %s", source, line)
        last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
        if timed_out:
            limit = self.config.daemon.crawl_limit
            ending = Ending("failed", f"timed out after {limit}", override=True, record=True)
        elif self.stopping.is_set():
            ending = Ending("interrupted", "stopped with the daemon")
        elif child.returncode:
            ending = Ending("failed", f"crawl process exited with code {child.returncode}: {last}", record=True)
        else:
            ending = Ending("failed", "crawl process exited without finishing its run")
        return self._record(source, child, ending, seconds)

    def stop_all(self) -> None:
        """Stop every running child, following ``STOP_STEPS``. Later runs are refused."""
        with self._changed:
            self.stopping.set()
        for signum, wait in STOP_STEPS:
            with self._changed:
                children = list(self._running.values())
            for child in children:
                _signal(child, signum)
            if not children or wait is None:
                return
            deadline = time.monotonic() + wait
            with self._changed:
                while self._running and time.monotonic() < deadline:
                    self._changed.wait(deadline - time.monotonic())

    def _record(self, source: str, child: subprocess.Popen, ending: Ending, seconds: float) -> CrawlOutcome:
        """Finish the child's crawl_runs row when the child could not, and read back how it ended."""
        db = connect(self.config.database_path)
        try:
            rows = list(
                db.query(
                    "select * from crawl_runs where source = ? and pid = ? order by id desc limit 1",
                    [source, child.pid],
                )
            )
            row = rows[0] if rows else None
            if row is None and ending.record:
                now = iso(utcnow())
                row = {"source": source, "started_at": now, "finished_at": now, "status": ending.status,
                       "pages": 0, "new_articles": 0, "errors": ending.reason, "pid": child.pid}  # fmt: skip
                db["crawl_runs"].insert(row)
            elif row is not None and (ending.override or row["status"] == "running"):
                errors = "\n".join(part for part in (ending.reason, row["errors"]) if part)
                changes = {"status": ending.status, "errors": errors, "finished_at": iso(utcnow())}
                db["crawl_runs"].update(row["id"], changes)
                row = {**row, **changes}
        finally:
            db.close()
        row = row or {}
        return CrawlOutcome(
            source=source,
            status=row.get("status") or "none recorded",
            pages=row.get("pages") or 0,
            new_articles=row.get("new_articles") or 0,
            errors=row.get("errors"),
            seconds=seconds,
            returncode=child.returncode,
        )


def child_environment() -> dict[str, str]:
    """The daemon's environment for a crawl child, which learns its parent and never sends mail, so it
    does not get the SMTP password."""
    env = {name: value for name, value in os.environ.items() if name != PASSWORD_ENV}
    return {**env, PARENT_ENV: str(os.getpid())}


def _signal(child: subprocess.Popen, signum: int) -> None:
    """Signal the child's whole process group (it leads its own session)."""
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _end(child: subprocess.Popen) -> str:
    """Stop a child that overran its limit, following ``STOP_STEPS``, and collect its output."""
    for signum, wait in STOP_STEPS:
        _signal(child, signum)
        try:
            output, _ = child.communicate(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        return output or ""
    return ""
