"""Immediate alerts: every new story at or above alerts.min_score is mailed once, with all its outlets.

A real SMTP server on 127.0.0.1 receives the alerts; the tests read back what it got. An alert counts
as sent only once the server accepted it: a refusing or absent server leaves it pending for the next
run, and nothing is ever alerted twice, across runs, restarts and re-analysis.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from safe_html_check import assert_safe_html, visible_text

from newsmon.cli import cli
from newsmon.pipeline.alerts import send_pending_alerts, write_pending_alerts
from newsmon.pipeline.db import connect
from newsmon.pipeline.watchlist import bundled_path

ALERTED = ("wire", "vestnik", "sahel", "hostile", "yesterday")  # score >= 0.7; "unvote" scores 0.45


def by_subject(messages, text):
    found = [m for m in messages if text in m["Subject"]]
    assert len(found) == 1, [m["Subject"] for m in messages]
    return found[0]


def test_one_email_per_strong_story_listing_every_outlet(db, seed, smtp_server, make_config):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(smtp_server.port)
    result = send_pending_alerts(db, config)
    assert (result.sent, result.failed, result.pending, result.error) == (5, 0, 0, None)
    messages = smtp_server.messages
    assert len(messages) == 5
    assert len({r.peer for r in smtp_server.received}) == 1  # one SMTP connection for the batch
    assert all(
        r.rcpt_tos == ["analyst@example.org"] and r.mail_from == "newsmon@example.org" for r in smtp_server.received
    )
    wire = by_subject(messages, "MiG-29 fighters under deal")
    assert wire["Subject"].startswith("[newsmon] belarus-libya: Belarus to overhaul")
    assert wire["Subject"].endswith("(+2 more outlets)")
    assert wire.get_content_type() == "multipart/alternative"
    text = wire.get_body(("plain",)).get_content()
    html = wire.get_body(("html",)).get_content()
    for outlet in ("Mediterranean Wire", "Tripoli Ledger", "Eastern Europe Monitor"):
        assert outlet in text and outlet in visible_text(html)
    assert "*Khalifa Haftar*" in text  # watch terms highlighted in the text part too
    assert '<mark style="' in html and ">Khalifa Haftar</mark>" in html
    assert "https://tripoli-ledger.example/news/belarus-overhaul-libyan-migs" in html
    assert not [m for m in messages if "General Assembly" in m["Subject"]]


def test_alerts_in_russian_and_arabic_arrive_readable(db, seed, smtp_server, make_config):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(smtp_server.port)
    send_pending_alerts(db, config)
    russian = by_subject(smtp_server.messages, "Лукашенко провёл переговоры с Хафтаром")
    arabic = by_subject(smtp_server.messages, "حفتر يبحث مع لوكاشينكو")
    for message in (russian, arabic):
        assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert "Президент *Беларуси*" in russian.get_body(("plain",)).get_content()
    assert 'dir="auto"' in arabic.get_body(("html",)).get_content()
    assert "خليفة <mark" in arabic.get_body(("html",)).get_content()


def test_a_hostile_headline_arrives_as_text_and_its_javascript_link_is_not_a_link(db, seed, smtp_server, make_config):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(smtp_server.port)
    send_pending_alerts(db, config)
    hostile = by_subject(smtp_server.messages, "meets Belarus envoy")
    assert "\n" not in hostile["Subject"]
    html = hostile.get_body(("html",)).get_content()
    assert_safe_html(html)
    assert "&lt;script&gt;" in html and "javascript:" not in html
    assert "<img src=x onerror=alert(1)>" in visible_text(html)


def test_nothing_is_alerted_twice_across_runs_restarts_and_reanalysis(tmp_path, seed, smtp_server, make_config):
    _, config = make_config(smtp_server.port)
    db = connect(config.database_path)
    ids = seed(db, datetime.now(timezone.utc))
    assert send_pending_alerts(db, config).sent == 5
    db.close()

    db = connect(config.database_path)  # a restart
    assert send_pending_alerts(db, config).sent == 0
    # Re-analysis keeps match ids and first-stored times but may rewrite evidence and scores.
    db.execute("update matches set story_id = null, score = min(score + 0.05, 1.0), evidence = '[]'")
    assert send_pending_alerts(db, config).sent == 0
    # Even a re-analysis that deleted and re-created a match under a new id alerts nothing new.
    old = db["matches"].get(ids["match:sahel"])
    db["matches"].delete(old["id"])
    db["matches"].insert({**old, "id": None, "story_id": None})
    assert send_pending_alerts(db, config).sent == 0
    assert len(smtp_server.messages) == 5
    db.close()


def test_a_copy_that_arrives_after_the_alert_does_not_set_off_another(db, seed, smtp_server, make_config):
    now = datetime.now(timezone.utc)
    ids = seed(db, now)
    _, config = make_config(smtp_server.port)
    send_pending_alerts(db, config)
    wire = db["articles"].get(ids["wire"])
    late = (
        db["articles"]
        .insert(
            {**wire, "id": None, "url": "https://late.example/x", "site_name": "Late", "fetched_at": now.isoformat()}
        )
        .last_pk
    )
    db["matches"].insert(
        {"article_id": late, "watch": "belarus-libya", "score": 0.95, "evidence": "[]", "created_at": now.isoformat()}
    )
    assert send_pending_alerts(db, config).sent == 0
    assert len(smtp_server.messages) == 5


def test_a_refusing_server_leaves_every_alert_pending_and_the_next_run_delivers(
    db, seed, refusing_smtp_server, smtp_server, make_config
):
    seed(db, datetime.now(timezone.utc))
    _, refusing = make_config(refusing_smtp_server.port)
    result = send_pending_alerts(db, refusing)
    assert (result.sent, result.failed, result.pending) == (0, 5, 5)
    assert "554" in result.error and "\n" not in result.error
    assert db["alerts"].count_where("sent_at is null and emailed_at is null and error like '%554%'") == 5

    _, working = make_config(smtp_server.port)
    result = send_pending_alerts(db, working)
    assert (result.sent, result.failed, result.pending) == (5, 0, 0)
    assert len(smtp_server.messages) == 5
    assert db["alerts"].count_where("sent_at is not null and error is null") == 5


def test_a_server_that_is_down_is_one_line_and_nothing_is_marked_sent(db, seed, dead_port, make_config):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(dead_port)
    result = send_pending_alerts(db, config)
    assert result.sent == 0 and result.pending == 5
    assert result.error.startswith(f"SMTP 127.0.0.1:{dead_port}: cannot connect") and "\n" not in result.error


def test_old_matches_are_left_to_the_digest(db, seed, smtp_server, make_config):
    seed(db, datetime.now(timezone.utc) - timedelta(days=5))
    _, config = make_config(smtp_server.port)
    assert send_pending_alerts(db, config).sent == 0
    assert smtp_server.messages == []


def test_without_recipients_or_webhook_nothing_is_queued_or_mailed(db, seed, smtp_server, make_config, runner):
    seed(db, datetime.now(timezone.utc))
    path, config = make_config(smtp_server.port, alerts_to=[])
    assert send_pending_alerts(db, config).sent == 0
    assert db["alerts"].count == 0 and smtp_server.messages == []
    result = runner.invoke(cli, ["--config", str(path), "alerts"])
    assert result.exit_code == 0 and result.output == "Alerts: off (set alerts.to or alerts.webhook in the config).\n"
    assert send_pending_alerts(db, config).summary() == "alerts: off (set alerts.to or alerts.webhook in the config)"


def test_the_alerts_command_lists_pending_alerts_then_sends_them(db, seed, smtp_server, make_config, runner):
    seed(db, datetime.now(timezone.utc))
    path, _ = make_config(smtp_server.port)
    listed = runner.invoke(cli, ["--config", str(path), "alerts"])
    assert listed.exit_code == 0, listed.output
    assert "5 alerts pending" in listed.output and "Tripoli Ledger" in listed.output
    assert smtp_server.messages == []
    sent = runner.invoke(cli, ["--config", str(path), "alerts", "--send"])
    assert sent.exit_code == 0 and "5 sent, 0 failed, 0 still pending" in sent.output
    assert len(smtp_server.messages) == 5
    again = runner.invoke(cli, ["--config", str(path), "alerts"])
    assert "0 alerts pending" in again.output


def test_alerts_send_against_a_refusing_server_exits_non_zero_with_one_line(
    db, seed, refusing_smtp_server, make_config, runner
):
    seed(db, datetime.now(timezone.utc))
    path, _ = make_config(refusing_smtp_server.port)
    result = runner.invoke(cli, ["--config", str(path), "alerts", "--send"])
    assert result.exit_code == 1
    error_lines = result.stderr.strip().splitlines()
    assert len(error_lines) == 1 and error_lines[0].startswith("Error: SMTP 127.0.0.1:") and "554" in error_lines[0]
    assert "Traceback" not in result.output


def test_an_alert_records_the_matches_and_articles_it_covered(db, seed, smtp_server, make_config):
    ids = seed(db, datetime.now(timezone.utc))
    _, config = make_config(smtp_server.port)
    send_pending_alerts(db, config)
    alert = next(db.query("select * from alerts where story_id = ?", [ids["match:wire"]]))
    assert json.loads(alert["match_ids"]) == [ids["match:wire"], ids["match:ledger"], ids["match:monitor"]]
    assert json.loads(alert["article_ids"]) == [ids["wire"], ids["ledger"], ids["monitor"]]
    assert alert["emailed_at"] and alert["sent_at"] and alert["posted_at"] is None


def test_alerts_can_be_written_to_the_outbox_instead_and_stay_pending(db, seed, make_config, dead_port, tmp_path):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(dead_port, alerts_to=[])
    paths = write_pending_alerts(db, config, tmp_path / "outbox")
    assert len(paths) == 5 and all(p.name.startswith("alert-") and p.suffix == ".eml" for p in paths)
    assert db["alerts"].count_where("sent_at is null") == 5


def test_without_min_score_each_watch_alerts_at_its_own_threshold(db, seed, smtp_server, make_config, tmp_path):
    seed(db, datetime.now(timezone.utc))
    _, config = make_config(smtp_server.port)
    strict = tmp_path / "strict.toml"
    strict.write_text(bundled_path().read_text(encoding="utf-8").replace("alert_threshold = 0.7", "alert_threshold = 0.8"))
    config.alerts.min_score = None
    config.watchlist = str(strict)
    result = send_pending_alerts(db, config)
    assert result.sent == 2  # the wire story (0.91, with its two copies) and vestnik (0.84); not sahel (0.79)
