"""Immediate alerts: one message per new story at or above its alert threshold, delivered exactly once.

An alert row is created per (story, watch) the first time a strong match of that story is seen, and
is never created again: the unique index on (story_id, watch) and the articles it covered see to that,
across restarts and re-analysis. A row is marked sent only after every configured channel delivered
it (the SMTP server accepted the email, the webhook answered 2xx); until then it is retried on every
call, and each channel that already delivered is not repeated.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from newsmon.config import Config
from newsmon.errors import NewsmonError
from newsmon.pipeline.claims import Claim, claim_lease, claim_rows, release
from newsmon.pipeline.mailer import SmtpSession, compose, message_id
from newsmon.pipeline.relevance import not_to_alert
from newsmon.pipeline.render import clean, parse_time, render
from newsmon.pipeline.signing import add_action_links
from newsmon.pipeline.stories import StoryView, assign_stories, load_stories
from newsmon.pipeline.webhook import TIMEOUT_SECONDS as WEBHOOK_TIMEOUT
from newsmon.pipeline.webhook import alert_body, post_json

# A match older than this when first seen is news for the digest, not for an alert: it keeps a new
# recipient list or a re-analysis of the archive from setting off a flood of stale alerts.
FRESH_FOR = timedelta(days=2)
DEFAULT_ALERT_THRESHOLD = 0.7  # for matches of a watch no longer in the watchlist
log = logging.getLogger(__name__)


@dataclass
class AlertResult:
    sent: int = 0
    failed: int = 0
    pending: int = 0
    elsewhere: int = 0  # claimed by another sender that is delivering them right now
    error: str | None = None

    def summary(self) -> str:
        """One line for logs and the CLI."""
        line = f"alerts: {self.sent} sent, {self.failed} failed, {self.pending} pending"
        if self.elsewhere:
            line += f" ({self.elsewhere} being sent by another process)"
        return f"{line} ({self.error})" if self.error else line


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def channels_configured(config: Config) -> bool:
    """Whether alerts go anywhere: an email recipient or a webhook."""
    return bool(config.alerts.to or config.alerts.webhook)


def alert_thresholds(config: Config) -> dict[str, float]:
    """The score each watch alerts at: ``alerts.min_score`` when set, else the watch's own
    ``alert_threshold`` from the watchlist, so a watchlist author can tune each watch."""
    from newsmon.pipeline.watchlist import load_watchlist

    watches = load_watchlist(config.watchlist_path).watches
    if config.alerts.min_score is not None:
        return {watch.name: config.alerts.min_score for watch in watches}
    return {watch.name: watch.alert_threshold for watch in watches}


def queue_alerts(
    db: sqlite_utils.Database, config: Config, *, now: datetime | None = None, to_outbox: bool = False
) -> int:
    """Create an alert for each story with a new strong match; returns how many were created.

    A story that is already alerted for a watch is not alerted again; a copy from another outlet that
    arrives while its alert is still unsent joins that alert, so the message lists every outlet.
    """
    if not (to_outbox or channels_configured(config)):
        return 0
    assign_stories(db)
    fresh_since = (now or datetime.now(timezone.utc)) - FRESH_FOR
    covered: set[tuple[int, str]] = set()
    existing: dict[tuple[int, str], dict] = {}
    for alert in db.query("select id, story_id, watch, match_ids, article_ids, sent_at from alerts"):
        existing[(alert["story_id"], alert["watch"])] = alert
        covered |= {(a, alert["watch"]) for a in json.loads(alert["article_ids"] or "[]")}
    already = {m for alert in existing.values() for m in json.loads(alert["match_ids"] or "[]")}
    strong: dict[tuple[int, str], list[dict]] = {}
    thresholds = alert_thresholds(config)
    candidates = [
        match
        for match in db.query(
            "select id, article_id, watch, score, story_id, created_at from matches "
            "where story_id is not null and created_at >= ? order by id",
            [(fresh_since - timedelta(days=1)).date().isoformat()],
        )
        if match["score"] >= thresholds.get(match["watch"], DEFAULT_ALERT_THRESHOLD)
    ]
    held = not_to_alert(db, candidates)  # muted stories, and matches the analyst's labels hold back
    for match in candidates:
        if match["id"] in held:
            continue
        created = parse_time(match["created_at"])
        if match["id"] in already or (match["article_id"], match["watch"]) in covered:
            continue
        if created is None or created < fresh_since:
            continue
        strong.setdefault((match["story_id"], match["watch"]), []).append(match)
    created_count = 0
    with db.atomic():
        for key, matches in strong.items():
            alert = existing.get(key)
            if alert and alert["sent_at"]:
                continue
            match_ids = sorted(
                {m["id"] for m in matches} | set(json.loads(alert["match_ids"] or "[]") if alert else [])
            )
            article_ids = sorted(
                {m["article_id"] for m in matches} | set(json.loads(alert["article_ids"] or "[]") if alert else [])
            )
            if alert:
                db["alerts"].update(
                    alert["id"], {"match_ids": json.dumps(match_ids), "article_ids": json.dumps(article_ids)}
                )
                continue
            db["alerts"].insert(
                {
                    "story_id": key[0],
                    "watch": key[1],
                    "match_ids": json.dumps(match_ids),
                    "article_ids": json.dumps(article_ids),
                    "created_at": _now(),
                },
                ignore=True,
            )
            created_count += 1
    return created_count


def pending_alerts(db: sqlite_utils.Database, ids: list[int] | None = None) -> list[tuple[dict, StoryView]]:
    """Alerts not yet delivered (of ``ids`` when given), oldest first, each with the story it tells."""
    pending = []
    for alert in db.query("select * from alerts where sent_at is null order by id"):
        if ids is not None and alert["id"] not in ids:
            continue
        story = alert_story(db, alert)
        if story is not None:
            pending.append((alert, story))
    return pending


def alert_story(db: sqlite_utils.Database, alert: dict) -> StoryView | None:
    """The story as it stands now: every copy of it stored so far for the alert's watch."""
    ids = [
        r["id"]
        for r in db.query(
            "select id from matches where story_id = ? and watch = ?", [alert["story_id"], alert["watch"]]
        )
    ]
    ids += json.loads(alert["match_ids"] or "[]")
    stories = load_stories(db, ids)
    return stories[0] if stories else None


def alert_message(config: Config, alert: dict, story: StoryView) -> EmailMessage:
    """The email for one alert: headline and watch in the subject, evidence and outlets in the body."""
    watch = alert["watch"]
    extra = f" (+{len(story.others)} more outlet{'s' if len(story.others) > 1 else ''})" if story.others else ""
    subject = clean(f"[newsmon] {watch}: {story.lead.title}", 180) + extra
    text, html = render("alert", story=story, watch=watch, zone=ZoneInfo(config.digest.timezone), subject=subject)
    return compose(
        sender=config.smtp.from_,
        to=config.alerts.to,
        subject=subject,
        text=text,
        html=html,
        message_id=message_id("alert", f"{alert['story_id']}.{watch}", config.smtp.from_),
    )


def send_pending_alerts(db: sqlite_utils.Database, config: Config) -> AlertResult:
    """Queue alerts for new strong matches, then deliver every alert not yet delivered.

    The alerts are claimed first (``pipeline/claims.py``), so a second sender running at the same
    time finds nothing to send instead of mailing them again. Never raises for delivery trouble:
    failures are counted, recorded on the alert row and retried on the next call;
    ``AlertResult.error`` carries the first one as one line.
    """
    queue_alerts(db, config)
    unsent = db["alerts"].count_where("sent_at is null")
    result = AlertResult(pending=unsent)
    if not unsent:
        return result
    if not channels_configured(config):
        result.error = "no alert recipients (set alerts.to or alerts.webhook)"
        return result
    claim = Claim(claim_lease(config.smtp.deadline))
    mine = claim_rows(db, "alerts", "sent_at is null", [], claim)
    result.elsewhere = unsent - len(mine)
    pending = pending_alerts(db, set(mine))
    add_action_links(db, config, [story for _, story in pending])
    errors: dict[int, str] = {}
    try:
        _email(db, config, pending, errors, claim)
        _post(db, config, pending, errors, claim)
    finally:
        _record(db, config, pending, errors, result, claim)
    result.pending = db["alerts"].count_where("sent_at is null")
    result.error = next(iter(errors.values()), None)
    if result.sent or result.failed:
        log.info(result.summary())
    return result


def _record(
    db: sqlite_utils.Database, config: Config, pending: list, errors: dict[int, str], result: AlertResult, claim: Claim
) -> None:
    """Mark each claimed alert sent (every channel delivered) or failed, and drop the claims."""
    with db.atomic():
        for alert, story in pending:
            row = db["alerts"].get(alert["id"])
            done = (not config.alerts.to or row["emailed_at"]) and (not config.alerts.webhook or row["posted_at"])
            if done:
                covered = {"match_ids": json.dumps(story.match_ids), "article_ids": json.dumps(story.article_ids)}
                db["alerts"].update(alert["id"], {"sent_at": _now(), "error": None, **covered})
                result.sent += 1
            else:
                error = errors.get(alert["id"], "not delivered")
                db["alerts"].update(alert["id"], {"error": error})
                result.failed += 1
        release(db, "alerts", claim)


def _email(
    db: sqlite_utils.Database, config: Config, pending: list, errors: dict[int, str], claim: Claim
) -> None:
    todo = [(a, s) for a, s in pending if config.alerts.to and not a["emailed_at"]]
    if not todo:
        return
    try:
        with SmtpSession(config.smtp, deadline=min(config.smtp.deadline, claim.remaining())) as smtp:
            for alert, story in todo:
                if smtp.broken:
                    errors[alert["id"]] = f"{smtp.where}: connection lost"
                    continue
                try:
                    smtp.send(alert_message(config, alert, story))
                except NewsmonError as exc:
                    errors[alert["id"]] = str(exc)
                    continue
                db["alerts"].update(alert["id"], {"emailed_at": _now()})
    except NewsmonError as exc:
        for alert, _story in todo:
            errors.setdefault(alert["id"], str(exc))


def _post(db: sqlite_utils.Database, config: Config, pending: list, errors: dict[int, str], claim: Claim) -> None:
    if not config.alerts.webhook:
        return
    for alert, story in pending:
        if alert["posted_at"]:
            continue
        if claim.remaining() < WEBHOOK_TIMEOUT:
            errors.setdefault(alert["id"], "delivery deadline reached; the webhook is tried again next time")
            continue
        try:
            post_json(config.alerts.webhook, alert_body(story, alert["watch"]))
        except NewsmonError as exc:
            errors.setdefault(alert["id"], str(exc))
            continue
        db["alerts"].update(alert["id"], {"posted_at": _now()})


def write_pending_alerts(db: sqlite_utils.Database, config: Config, outbox: Path | None = None) -> list[Path]:
    """Write every pending alert to the outbox as ``alert-STORY-WATCH.eml`` instead of delivering it.

    For the demo and dry runs: alerts are queued as for delivery, even with no recipient configured,
    and nothing is marked sent, so a later ``send_pending_alerts`` still delivers them.
    """
    queue_alerts(db, config, to_outbox=True)
    folder = Path(outbox) if outbox else config.outbox_path
    paths = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        pending = pending_alerts(db)
        add_action_links(db, config, [story for _, story in pending])
        for alert, story in pending:
            path = folder / f"alert-{alert['story_id']}-{alert['watch']}.eml"
            path.write_bytes(alert_message(config, alert, story).as_bytes())
            paths.append(path)
    except OSError as exc:
        raise NewsmonError(f"{folder}: cannot write alerts: {exc.strerror or exc}") from None
    return paths
