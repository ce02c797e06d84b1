"""Fixtures for the daemon's tests: a real ``newsmon run`` process, a local news site, an SMTP server.

The daemon runs as a separate process exactly as a service manager would start it; tests watch it
through its log and the database, waiting for what they expect (with a generous deadline, not a
timing assertion), then stop it with SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Callable

import pytest
import loopback

from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect

HERE = Path(__file__).parent
WAIT = 120.0
"""Deadline for anything the daemon should do within seconds; only reached when something is broken."""


class DaemonProcess:
    """``python -m newsmon --config CONFIG run`` with its stderr written to a file the test can read."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self) -> DaemonProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "newsmon", "--config", str(self.config), "run"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, check: Callable[[], object], timeout: float = WAIT) -> object:
        """Poll ``check`` until it returns something truthy; fail naming ``what`` if the daemon dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"the daemon exited ({self.process.returncode}) before {what}:\n{self.log}")
            time.sleep(0.2)
        pytest.fail(f"gave up waiting for {what}:\n{self.log}")

    def wait_for_log(self, text: str, count: int = 1) -> None:
        self.wait_for(f"{count} log line(s) with {text!r}", lambda: self.log.count(text) >= count)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and return the exit code (the daemon has 30 s to exit)."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def start_daemon(tmp_path: Path):
    """Start ``newsmon run`` on a config; every daemon still running at the end of the test is killed."""
    started: list[DaemonProcess] = []

    def start(config: Path) -> DaemonProcess:
        daemon = DaemonProcess(config, tmp_path / f"daemon-{len(started) + 1}.log").start()
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """An empty newsmon database in tmp_path, as ``newsmon init`` leaves it."""
    path = tmp_path / "newsmon.db"
    connect(path).close()
    return path


@pytest.fixture
def rows(database: Path) -> Callable[..., list[dict]]:
    """Query the test database afresh (the daemon writes to it from another process)."""

    def query(sql: str, params: list | None = None) -> list[dict]:
        db = connect(database)
        try:
            return list(db.query(sql, params or []))
        finally:
            db.close()

    return query


@pytest.fixture
def news_site():
    """The local news site in ``minsk_wire/``: an RSS feed of two article pages."""
    with LocalSite(HERE / "minsk_wire") as site:
        yield site


class Inbox:
    """What an SMTP server on loopback received."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope.content)
        return "250 OK"

    @property
    def messages(self) -> list[Message]:
        return [message_from_bytes(raw) for raw in self.received]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields (port, inbox)."""
    inbox = Inbox()
    with loopback.smtp_server(inbox) as port:
        yield port, inbox
