"""Two senders on one database at once, as when the daemon and a manual ``newsmon alerts --send`` (or
two ``newsmon digest --send --date D``) meet: each alert and each digest reaches the SMTP server exactly
once, told apart by Message-ID. Each sender claims the rows it sends in one transaction first, so the
second one finds them taken.

The server takes a little time over every message, so that the two senders overlap for certain. A
claim holds while its sender lives (and until it expires); one left by a killed sender is taken over.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from loopback import CountingInbox, smtp_server

from newsdesk import desk_config, seed_stories
from newsmon_process import run_newsmon

STORIES = 30


class SlowInbox(CountingInbox):
    """Accepts every message after a pause, like a busy relay."""

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def start_together(config: Path, *args: str) -> list[subprocess.CompletedProcess]:
    """Two ``newsmon`` processes with the same arguments, started at the same moment."""
    command = [sys.executable, "-m", "newsmon", "--config", str(config), *args]
    processes = [
        subprocess.Popen(command, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_two_alert_senders_at_once_mail_each_alert_exactly_once(tmp_path):
    inbox = SlowInbox()
    with smtp_server(inbox) as port:
        config = desk_config(tmp_path, port)
        seed_stories(tmp_path / "news.db", STORIES)
        results = start_together(config, "alerts", "--send")
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    ids = Counter(d.message_id for d in inbox.snapshot())
    assert len(ids) == STORIES
    assert set(ids.values()) == {1}, [i for i, n in ids.items() if n > 1]
    sent = sum(int(r.stdout.split("Alerts: ")[1].split(" sent")[0]) for r in results)
    assert sent == STORIES
    with sqlite3.connect(tmp_path / "news.db") as db:
        left = db.execute("select count(*) from alerts where sent_at is null or claimed_by is not null").fetchone()
        assert left[0] == 0


def test_two_digest_senders_for_one_date_mail_it_once(tmp_path):
    inbox = SlowInbox()
    day = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    with smtp_server(inbox) as port:
        config = desk_config(tmp_path, port)
        seed_stories(tmp_path / "news.db", 3)
        results = start_together(config, "digest", "--send", "--date", day)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert len(inbox.snapshot()) == 1
    outputs = sorted(r.stdout.strip() for r in results)
    assert any(f"digest for {day} sent to desk@example.org" in o for o in outputs), outputs
    assert any("being sent by another process" in o or "already sent" in o for o in outputs), outputs


def claim_all(database: Path, pid: int) -> None:
    """Mark every alert as claimed for the next hour by a sender with process id ``pid`` on this host."""
    until = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")
    with sqlite3.connect(database) as db:
        db.execute(
            "update alerts set claimed_by = ?, claimed_at = ?, claimed_until = ?",
            [f"{socket.gethostname()}:{pid}:test", datetime.now(timezone.utc).isoformat(timespec="seconds"), until],
        )


def test_a_claim_of_a_live_sender_is_respected_and_one_of_a_dead_sender_taken_over(tmp_path):
    inbox = CountingInbox()
    with smtp_server(inbox) as port:
        config = desk_config(tmp_path, port)
        seed_stories(tmp_path / "news.db", 3)
        assert run_newsmon(config, "alerts").returncode == 0  # queues the three alerts
        claim_all(tmp_path / "news.db", os.getpid())
        held = run_newsmon(config, "alerts", "--send")
        assert "Alerts: 0 sent, 0 failed, 3 still pending (3 being sent by another process)." in held.stdout
        assert inbox.snapshot() == []
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        claim_all(tmp_path / "news.db", int(gone.stdout))
        taken = run_newsmon(config, "alerts", "--send")
    assert "Alerts: 3 sent, 0 failed, 0 still pending." in taken.stdout
    assert len(inbox.snapshot()) == 3
