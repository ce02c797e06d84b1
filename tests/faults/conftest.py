"""Fixtures of the fault suite: one crawl of the hostile web shared by the tests that read it, real
SMTP servers that count what they receive, and a way to run ``newsmon`` in a child process."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from hostile import HostileWeb, Measured, crawl_hostile_web


@dataclass
class HostileCrawl:
    """The crawl of every hostile source, what the servers saw, and the database it left."""

    result: Measured
    database: Path
    base: str
    stream_base: str
    localhost: str
    site_requests: list
    stream_requests: list

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    def run(self, source: str) -> sqlite3.Row:
        with self.db() as conn:
            return conn.execute("select * from crawl_runs where source = ?", [source]).fetchone()

    def site_saw(self, route: str) -> list:
        return [r for r in self.site_requests if r.route == route]

    def stream_saw(self, route: str) -> list:
        return [r for r in self.stream_requests if r.path.split("?")[0] == route]


@pytest.fixture(scope="session")
def hostile_crawl(tmp_path_factory) -> HostileCrawl:
    """Crawl the hostile web once for the whole session (``newsmon crawl`` in a child process)."""
    folder = tmp_path_factory.mktemp("hostile")
    with HostileWeb() as web:
        result = crawl_hostile_web(folder, web)
        site_requests, stream_requests = web.site.seen(), list(web.stream.requests)
    print(
        f"\nhostile-site crawl: {len(web.sources())} sources in {result.seconds:.1f}s, "
        f"peak RSS {result.peak_rss_mb:.0f} MB"
    )
    return HostileCrawl(
        result, folder / "hostile.db", web.site.base_url, web.stream.base_url, web.localhost,
        site_requests, stream_requests,
    )  # fmt: skip


@dataclass
class Delivered:
    """One message the SMTP server accepted, and when."""

    raw: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class CountingInbox:
    """An aiosmtpd handler that keeps every accepted message with the moment it accepted it."""

    delivered: list[Delivered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.delivered.append(Delivered(envelope.original_content, time.monotonic()))
        return "250 2.0.0 accepted"

    def snapshot(self) -> list[Delivered]:
        with self.lock:
            return list(self.delivered)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1; yields (port, inbox)."""
    port = free_port()
    inbox = CountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_newsmon(config: Path, *args: str, timeout: float = 120, env: dict | None = None) -> Result:
    """``newsmon --config CONFIG ARGS...`` in a child process (Scrapy's reactor runs once per process)."""
    done = subprocess.run(
        [sys.executable, "-m", "newsmon", "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, cwd=config.parent, env=env,
    )  # fmt: skip
    return Result(done.returncode, done.stdout, done.stderr)
