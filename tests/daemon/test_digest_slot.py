"""The daemon mails the digest once per slot, also across restarts and refusals.

A slot that passed while the daemon was down (within ``daemon.missed_digest_grace``) is sent as soon
as the daemon starts, and a second start does not send it again: the digests table remembers. A
server that refuses leaves the digest unsent and the daemon tries again ten minutes later.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

from installed import installed_days_ago

from newsmon.config import load_config
from newsmon.schedules.daemon import DIGEST_RETRY, Daemon


def digest_config(write_config, at: str, port: int) -> str:
    return write_config(
        f"""
        [digest]
        to = ["desk@example.org"]
        at = "{at}"
        timezone = "UTC"

        [smtp]
        host = "127.0.0.1"
        port = {port}
        from = "newsmon@example.org"
        timeout = 5
        """
    )


def test_a_slot_missed_while_down_is_sent_on_start_and_not_again_on_the_next_start(
    write_config, rows, smtp_server, start_daemon
):
    port, inbox = smtp_server
    an_hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%H:%M")
    config = digest_config(write_config, an_hour_ago, port)
    installed_days_ago(load_config(config).database_path, 3)

    first = start_daemon(config)
    first.wait_for("the missed digest to be sent", lambda: rows("select date from digests where sent_at is not null"))
    assert first.stop() == 0
    assert len(inbox.received) == 1
    assert "its slot passed while the daemon was down; sending it now" in first.log

    second = start_daemon(config)
    second.wait_for_log("already sent")
    assert second.stop() == 0
    assert len(inbox.received) == 1
    (message,) = inbox.messages
    assert message["To"] == "desk@example.org"
    assert message["Subject"].startswith("newsmon digest ")
    assert len(rows("select * from digests")) == 1


def test_a_refused_digest_stays_unsent_and_is_retried_ten_minutes_later(write_config, rows, caplog):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = load_config(digest_config(write_config, "00:00", port))
    daemon = Daemon(config)
    slot = datetime.now(timezone.utc) - timedelta(minutes=1)

    daemon.digest(slot)

    assert rows("select sent_at, error from digests")[0]["sent_at"] is None
    retry = daemon.scheduler.get_job("digest-retry")
    assert retry.kwargs == {"slot": slot}
    wait = retry.trigger.run_date - datetime.now(timezone.utc)
    assert DIGEST_RETRY - timedelta(minutes=1) < wait <= DIGEST_RETRY
    (line,) = [r.getMessage() for r in caplog.records if r.name == "newsmon.daemon"]
    assert line.startswith(f"digest {slot.date()}: not sent (") and "retrying at" in line


def test_a_new_install_never_sends_the_slot_that_passed_before_it_existed(
    write_config, rows, smtp_server, start_daemon
):
    port, inbox = smtp_server
    an_hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%H:%M")
    config = digest_config(write_config, an_hour_ago, port)

    daemon = start_daemon(config)
    daemon.wait_for_log("newsmon daemon started")
    assert daemon.stop() == 0
    assert "sending it now" not in daemon.log
    assert inbox.received == [] and rows("select * from digests") == []
