"""Fixtures of the fault suite: one crawl of the hostile web shared by the tests that read it, real
SMTP servers that count what they receive, and a way to run ``newsmon`` in a child process."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from loopback import CountingInbox, smtp_server

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


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1; yields (port, inbox)."""
    inbox = CountingInbox()
    with smtp_server(inbox) as port:
        yield port, inbox


