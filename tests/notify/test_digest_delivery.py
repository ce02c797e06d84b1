"""Mailing the digest exactly once per date.

The digest is recorded as sent only after the SMTP server accepted it. Sending the same date again is
a no-op that says so (exit 0). A refusing or absent server gives one line and a non-zero exit, marks
nothing, and the next ``newsmon digest --send`` (or the daemon's retry through ``send_digest``)
delivers it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from newsmon.cli import cli
from newsmon.errors import DeliveryError
from newsmon.pipeline.db import connect
from newsmon.pipeline.digest import latest_slot, send_digest, slot

DAY = date(2024, 5, 2)


def send(runner, path, *extra):
    return runner.invoke(cli, ["--config", str(path), "digest", "--send", *extra])


def test_sent_once_then_a_second_send_for_the_same_date_is_a_no_op(db, seed, smtp_server, make_config, runner):
    path, config = make_config(smtp_server.port)
    seed(db, slot(config, DAY))
    first = send(runner, path, "--date", "2024-05-02")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "digest for 2024-05-02 sent to desk@example.org, editor@example.org (5 stories)"
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["desk@example.org", "editor@example.org"]
    assert received.message["Subject"] == "newsmon digest 2024-05-02: 5 stories"

    second = send(runner, path, "--date", "2024-05-02")
    assert second.exit_code == 0
    assert "already sent" in second.output and "nothing to do" in second.output
    assert len(smtp_server.received) == 1
    row = next(db.query("select * from digests where date = '2024-05-02'"))
    assert row["sent_at"] and row["error"] is None
    assert row["window_start"] == "2024-05-01T05:00:00+00:00" and row["window_end"] == "2024-05-02T05:00:00+00:00"


def test_a_refusing_server_fails_in_one_line_marks_nothing_and_the_next_send_delivers(
    db, seed, refusing_smtp_server, smtp_server, make_config, runner
):
    refusing_path, config = make_config(refusing_smtp_server.port)
    seed(db, slot(config, DAY))
    refused = send(runner, refusing_path, "--date", "2024-05-02")
    assert refused.exit_code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"Error: SMTP 127.0.0.1:{refusing_smtp_server.port}: message refused: 554")
    row = next(db.query("select sent_at, error from digests where date = '2024-05-02'"))
    assert row["sent_at"] is None and "554" in row["error"]

    working_path, _ = make_config(smtp_server.port)
    delivered = send(runner, working_path, "--date", "2024-05-02")
    assert delivered.exit_code == 0, delivered.output
    assert len(smtp_server.received) == 1
    assert "already sent" in send(runner, working_path, "--date", "2024-05-02").output
    assert len(smtp_server.received) == 1


def test_a_server_that_is_down_fails_in_one_line_and_marks_nothing(db, seed, dead_port, make_config, runner):
    path, config = make_config(dead_port)
    seed(db, slot(config, DAY))
    result = send(runner, path, "--date", "2024-05-02")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: SMTP 127.0.0.1:{dead_port}: cannot connect:")
    assert db["digests"].count_where("sent_at is not null") == 0


def test_the_daemons_entry_point_is_idempotent_and_retryable(
    tmp_path, seed, refusing_smtp_server, smtp_server, make_config
):
    _, refusing = make_config(refusing_smtp_server.port)
    db = connect(refusing.database_path)
    seed(db, slot(refusing, DAY))
    with pytest.raises(DeliveryError):
        send_digest(db, refusing, DAY)
    db.close()

    _, working = make_config(smtp_server.port)
    db = connect(working.database_path)  # as after a restart
    assert send_digest(db, working, DAY).status == "sent"
    again = send_digest(db, working, DAY)
    assert again.status == "already_sent" and len(smtp_server.received) == 1
    db.close()


def test_without_a_date_the_latest_slot_that_has_passed_is_sent(db, seed, smtp_server, make_config, runner):
    path, config = make_config(smtp_server.port)
    due = latest_slot(config)
    seed(db, due)
    result = send(runner, path)
    assert result.exit_code == 0, result.output
    assert smtp_server.messages[0]["Subject"] == f"newsmon digest {due.date().isoformat()}: 5 stories"


def test_a_slot_that_has_not_come_yet_cannot_be_sent(db, make_config, smtp_server, runner):
    path, config = make_config(smtp_server.port)
    tomorrow = (latest_slot(config) + timedelta(days=2)).date().isoformat()
    result = send(runner, path, "--date", tomorrow)
    assert result.exit_code == 2 and "cannot be sent before then" in result.stderr
    assert smtp_server.received == []


def test_an_empty_day_is_mailed_as_nothing_matched_unless_send_empty_is_off(db, smtp_server, make_config, runner):
    path, _ = make_config(smtp_server.port)
    assert send(runner, path, "--date", "2024-05-02").exit_code == 0
    assert smtp_server.messages[0]["Subject"] == "newsmon digest 2024-05-02: nothing matched"

    quiet_path, _ = make_config(smtp_server.port, send_empty=False)
    result = send(runner, quiet_path, "--date", "2024-05-03")
    assert result.exit_code == 0 and "nothing matched, and digest.send_empty is false" in result.output
    assert len(smtp_server.received) == 1


def test_with_no_recipients_the_digest_goes_to_the_outbox(db, seed, smtp_server, make_config, runner, tmp_path):
    path, config = make_config(smtp_server.port, digest_to=[])
    seed(db, slot(config, DAY))
    result = send(runner, path, "--date", "2024-05-02")
    assert result.exit_code == 0 and "digest.to is empty" in result.output
    assert (tmp_path / "outbox" / "digest-2024-05-02.eml").exists() and smtp_server.received == []


def test_send_and_outbox_together_are_refused(make_config, smtp_server, runner, tmp_path):
    path, _ = make_config(smtp_server.port)
    result = send(runner, path, "--outbox", str(tmp_path / "x"))
    assert result.exit_code == 2 and "either --send or --outbox" in result.stderr


def test_matches_stored_after_the_slot_wait_for_the_next_digest(db, seed, smtp_server, make_config):
    _, config = make_config(smtp_server.port)
    seed(db, slot(config, DAY) + timedelta(hours=12))  # the same day of news, 12 hours later
    send_digest(db, config, DAY)
    (message,) = smtp_server.messages
    assert message["Subject"] == "newsmon digest 2024-05-02: 1 story"
    assert "Belarusian delegation lands in Benghazi" in message.get_body(("plain",)).get_content()
