"""A mail server that trickles a byte every half second never trips ``smtp.timeout`` (a bound on each
read), so every SMTP session also has an overall deadline, ``smtp.deadline``: ``alerts --send`` and
``digest --send`` give up at it with one line that says so, the alerts stay pending, and ``status``
says that delivery is failing; inside TLS too. In the daemon, delivery runs on a thread of its own: while it is stuck,
crawls go on, new articles are analysed, and the heartbeat says that delivery is slow.
"""

from __future__ import annotations

import json
import ssl
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trustme

from newsdesk import desk_config, seed_stories
from newsmon_process import run_newsmon
from newsmon.config import SmtpSettings
from newsmon.errors import DeliveryError
from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect
from newsmon.pipeline.mailer import SmtpSession
from trickle import TricklingSmtp

DEADLINE = 3


def test_alerts_send_gives_up_at_the_session_deadline_and_keeps_the_alerts(tmp_path):
    with TricklingSmtp() as server:
        config = desk_config(tmp_path, server.port, extra=f"deadline = {DEADLINE}\n")
        seed_stories(tmp_path / "news.db", 3)
        began = time.monotonic()
        result = run_newsmon(config, "alerts", "--send", timeout=60)
        took = time.monotonic() - began
    assert result.returncode == 1
    assert took < DEADLINE + 15
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"passed smtp.deadline ({DEADLINE}s)" in result.stderr
    assert "0 sent, 3 failed, 3 still pending" in result.stdout
    status = json.loads(run_newsmon(config, "status", "--json").stdout)
    assert status["delivery"]["failing"] and "smtp.deadline" in status["delivery"]["last_error"]
    assert status["delivery"]["sending_since"] is None


def test_digest_send_gives_up_at_the_session_deadline(tmp_path):
    day = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    with TricklingSmtp() as server:
        config = desk_config(tmp_path, server.port, extra=f"deadline = {DEADLINE}\n")
        seed_stories(tmp_path / "news.db", 2)
        began = time.monotonic()
        result = run_newsmon(config, "digest", "--send", "--date", day, timeout=60)
        took = time.monotonic() - began
    assert result.returncode == 1 and took < DEADLINE + 15
    assert result.stderr.count("\n") == 1 and f"passed smtp.deadline ({DEADLINE}s)" in result.stderr
    assert "digest: failing" not in result.stdout
    result = run_newsmon(config, "status")
    assert "delivery: failing: 1 unsent, last error: SMTP 127.0.0.1" in result.stdout


def test_the_deadline_also_cuts_a_session_that_trickles_inside_tls(tmp_path, monkeypatch):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    with TricklingSmtp(tls=server_context) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="ssl", timeout=5, deadline=DEADLINE)
        began = time.monotonic()
        with pytest.raises(DeliveryError, match=rf"gave up after \d+s: the session passed smtp.deadline \({DEADLINE}s\)"):
            with SmtpSession(settings):
                pass
        assert time.monotonic() - began < DEADLINE + 5


SITE = Path(__file__).parents[1] / "daemon" / "minsk_wire"


def feed(site, items: int) -> str:
    """The site's feed with its first ``items`` entries (the first one is the strong match)."""
    text = (SITE / "feed.xml").read_text(encoding="utf-8").replace("{{BASE}}", site.base_url)
    head, *entries = text.split("    <item>")
    tail = "  </channel>\n</rss>\n"
    kept = [e.split("</item>")[0] + "</item>\n" for e in entries[:items]]
    return head + "".join("    <item>" + e for e in kept) + tail


def test_the_daemon_keeps_crawling_and_analysing_while_delivery_is_stuck(tmp_path, daemon_process):
    with TricklingSmtp() as server, LocalSite(SITE) as site:
        site.route("/feed.xml", body=feed(site, 1), headers={"Content-Type": "application/rss+xml"})
        config = desk_config(
            tmp_path, server.port, timeout=2,
            extra=f"""deadline = 600
[daemon]
heartbeat = "1s"
jitter = "1s"
crawl_limit = "1m"
[[sources]]
name = "minsk-wire"
type = "feed"
url = "{site.url('/feed.xml')}"
every = "2s"
""",
        )  # fmt: skip
        connect(tmp_path / "news.db").close()
        daemon = daemon_process(config)
        daemon.wait_for("delivery to reach the stuck server", lambda: server.open)
        site.route("/feed.xml", body=feed(site, 2), headers={"Content-Type": "application/rss+xml"})
        daemon.wait_for("the second article to be analysed", lambda: daemon.count(
            "select count(*) from articles where analyzed_at is not null") == 2)  # fmt: skip
        runs = daemon.count("select count(*) from crawl_runs where status = 'ok'")
        daemon.wait_for("two more crawls", lambda: daemon.count(
            "select count(*) from crawl_runs where status = 'ok'") >= runs + 2)  # fmt: skip
        daemon.wait_for("a heartbeat saying delivery is slow", lambda: "delivery slow: sending for" in daemon.log)
        assert server.connections == 1 and server.open == 1  # the one session is still stuck
        status = json.loads(run_newsmon(config, "status", "--json").stdout)
        assert status["delivery"]["slow"] and status["delivery"]["sending_since"]
        began = time.monotonic()
        assert daemon.stop() == 0
        assert time.monotonic() - began < 10  # the stuck session is cut, not waited for
    assert "stopped before the server answered (newsmon is shutting down)" in daemon.log
    assert daemon.count("select count(*) from alerts where sent_at is null and claimed_by is null") == 1


@pytest.fixture
def daemon_process(tmp_path):
    """Start ``newsmon run`` on a config, as a service manager would; killed at the end if still running."""
    import signal
    import sqlite3
    import subprocess
    import sys

    started = []

    class Daemon:
        def __init__(self, config: Path) -> None:
            self.config = config
            self.log_path = tmp_path / "daemon.log"
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "newsmon", "--config", str(config), "run"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=config.parent,
                )  # fmt: skip

        @property
        def log(self) -> str:
            return self.log_path.read_text(encoding="utf-8", errors="replace")

        def count(self, sql: str) -> int:
            with sqlite3.connect(self.config.parent / "news.db") as db:
                return db.execute(sql).fetchone()[0]

        def wait_for(self, what: str, check, timeout: float = 120) -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if check():
                    return
                if self.process.poll() is not None:
                    pytest.fail(f"the daemon exited before {what}:\n{self.log}")
                time.sleep(0.2)
            pytest.fail(f"gave up waiting for {what}:\n{self.log}")

        def stop(self) -> int:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=40)

    def start(config: Path) -> Daemon:
        started.append(Daemon(config))
        return started[-1]

    yield start
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait()
