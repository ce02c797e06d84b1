"""The daily digest: every story first stored in the day before a slot, mailed once per date.

A date's slot is ``digest.at`` on that date in ``digest.timezone``; its digest covers matches first
stored from the previous day's slot up to that slot (24 hours, or 23/25 across a daylight-saving
change, so that no match ever falls between two digests). ``digests.sent_at`` is written only after
the SMTP server accepted the message, which makes sending idempotent: a date already sent is a no-op,
a date whose sending failed is delivered by the next attempt.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from newsmon.config import Config, parse_duration
from newsmon.errors import ConfigError, DeliveryError, NewsmonError
from newsmon.pipeline.claims import Claim, claim_lease, held_by_other, release
from newsmon.pipeline.mailer import SmtpSession, compose, message_id
from newsmon.pipeline.new_names import NewName, new_names
from newsmon.pipeline.render import clean, parse_time, render
from newsmon.pipeline.signing import add_action_links
from newsmon.pipeline.stories import StoryView, assign_stories, load_stories
from newsmon.pipeline.triage import Triaged, triage
from newsmon.pipeline.watchlist import load_watchlist

MAX_STORIES = 100
PROBLEM_STATUSES = ("failed", "partial", "interrupted")
log = logging.getLogger(__name__)


def slot(config: Config, day: date) -> datetime:
    """The moment the digest for ``day`` is due: ``digest.at`` on that day in ``digest.timezone``."""
    hour, minute = (int(part) for part in config.digest.at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(config.digest.timezone))


def latest_slot(config: Config, now: datetime | None = None) -> datetime:
    """The most recent digest slot at or before ``now``: the daemon's catch-up and the CLI's default date."""
    zone = ZoneInfo(config.digest.timezone)
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    local_day = moment.astimezone(zone).date()
    today = slot(config, local_day)
    return today if today.astimezone(timezone.utc) <= moment else slot(config, local_day - timedelta(days=1))


def digest_window(config: Config, day: date) -> tuple[datetime, datetime]:
    """The start (previous day's slot) and end (this day's slot) of the digest for ``day``."""
    return slot(config, day - timedelta(days=1)), slot(config, day)


@dataclass
class SourceHealth:
    """One source's crawling since the last digest, for the footer."""

    name: str
    runs: int = 0
    failed: int = 0
    new_articles: int = 0
    last_error: str = ""
    last_new: str | None = None
    silent: bool = False

    @property
    def failing(self) -> bool:
        return self.failed > 0


@dataclass
class Digest:
    day: date
    start: datetime
    end: datetime
    stories: list[StoryView]
    more_stories: int = 0
    new_names: list[NewName] = field(default_factory=list)
    sources: list[SourceHealth] = field(default_factory=list)
    health_since: datetime | None = None
    held_back: list[Triaged] = field(default_factory=list)  # not alerted: the analyst's labels say why
    muted: int = 0

    @property
    def problems(self) -> list[SourceHealth]:
        return [s for s in self.sources if s.failing or s.silent]

    @property
    def subject(self) -> str:
        count = len(self.stories) + self.more_stories
        if not count:
            return f"newsmon digest {self.day.isoformat()}: nothing matched"
        return f"newsmon digest {self.day.isoformat()}: {count} stor{'y' if count == 1 else 'ies'}"


@dataclass
class DigestResult:
    date: date
    status: str  # sent | already_sent | in_progress (another sender has it) | skipped (empty, send_empty off)
    # | written (no recipients: outbox)
    message: str
    path: Path | None = None
    stories: int = 0


def resolve_day(config: Config, day: date | None) -> date:
    """The date asked for, or the date of the latest slot that has passed."""
    return day or latest_slot(config).date()


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _matches_between(db: sqlite_utils.Database, start: datetime, end: datetime) -> list[int]:
    """Ids of matches first stored in [start, end), whatever ISO spelling ``created_at`` uses."""
    low = (start.astimezone(timezone.utc) - timedelta(days=1)).date().isoformat()
    high = (end.astimezone(timezone.utc) + timedelta(days=2)).date().isoformat()
    ids = []
    for row in db.query("select id, created_at from matches where created_at >= ? and created_at < ?", [low, high]):
        moment = parse_time(row["created_at"])
        if moment is not None and start <= moment < end:
            ids.append(row["id"])
    return ids


def build_digest(db: sqlite_utils.Database, config: Config, day: date) -> Digest:
    """Everything the digest for ``day`` shows, read from the database."""
    assign_stories(db)
    start, end = digest_window(config, day)
    match_ids = _matches_between(db, start, end)
    triaged = triage(db, load_stories(db, match_ids))
    stories = [t.story for t in triaged if not (t.held_back or t.muted)]
    add_action_links(db, config, stories)
    article_ids = sorted({a for s in stories for a in s.article_ids})
    since = _health_since(db, day, start)
    return Digest(
        day=day,
        start=start,
        end=end,
        stories=stories[:MAX_STORIES],
        more_stories=max(0, len(stories) - MAX_STORIES),
        new_names=new_names(db, article_ids, load_watchlist(config.watchlist_path)),
        sources=source_health(db, config, since, start, end),
        health_since=since,
        held_back=[t for t in triaged if t.held_back and not t.muted],
        muted=sum(t.muted for t in triaged),
    )


def _health_since(db: sqlite_utils.Database, day: date, start: datetime) -> datetime:
    """The end of the last digest sent before this one, when that was earlier than this window's start."""
    row = next(
        iter(
            db.query(
                "select window_end from digests where sent_at is not null and date < ? order by date desc limit 1",
                [day.isoformat()],
            )
        ),
        None,
    )
    previous = parse_time(row["window_end"]) if row else None
    return min(previous, start) if previous else start


def _first_error(raw: str | None) -> str:
    try:
        value = json.loads(raw or "")
    except ValueError:
        value = raw
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("error") or value.get("message") or json.dumps(value)
    return clean(value, 160)


def source_health(
    db: sqlite_utils.Database, config: Config, since: datetime, start: datetime, end: datetime
) -> list[SourceHealth]:
    """Per source: runs and failures since ``since``, new articles in [start, end), and silence.

    A source is silent when its newest article is older than ``daemon.silent_after`` at ``end``.
    """
    health: dict[str, SourceHealth] = {s.name: SourceHealth(s.name) for s in config.sources if s.enabled}
    since_iso, start_iso, end_iso = _utc_iso(since), _utc_iso(start), _utc_iso(end)
    for row in db.query(
        "select source, status, errors from crawl_runs where started_at >= ? and started_at < ? order by started_at",
        [since_iso, end_iso],
    ):
        item = health.setdefault(row["source"], SourceHealth(row["source"]))
        item.runs += 1
        if row["status"] in PROBLEM_STATUSES:
            item.failed += 1
            item.last_error = _first_error(row["errors"]) or row["status"]
    for row in db.query(
        "select source, count(*) as n from articles where fetched_at >= ? and fetched_at < ? group by source",
        [start_iso, end_iso],
    ):
        health.setdefault(row["source"], SourceHealth(row["source"])).new_articles = row["n"]
    newest: dict[str, str] = defaultdict(str)
    for row in db.query(
        """select source, max(at) as at from (
             select source, fetched_at as at from articles
             union all select source, seen_at as at from article_sources)
           where at < ? group by source""",
        [end_iso],
    ):
        newest[row["source"]] = row["at"] or ""
    quiet_since = end - timedelta(seconds=parse_duration(config.daemon.silent_after))
    for item in health.values():
        last = parse_time(newest.get(item.name))
        item.last_new = newest.get(item.name) or None
        item.silent = last is None or last < quiet_since
    return sorted(health.values(), key=lambda s: s.name)


def digest_message(config: Config, digest: Digest) -> EmailMessage:
    """The digest as a multipart/alternative email (text and HTML)."""
    zone = ZoneInfo(config.digest.timezone)
    text, html = render("digest", digest=digest, zone=zone, timezone_name=config.digest.timezone)
    return compose(
        sender=config.smtp.from_,
        to=config.digest.to or ["undisclosed-recipients:;"],
        subject=digest.subject,
        text=text,
        html=html,
        message_id=message_id("digest", digest.day.isoformat(), config.smtp.from_),
    )


def _record(db: sqlite_utils.Database, digest: Digest, **fields: object) -> None:
    row = {
        "date": digest.day.isoformat(),
        "window_start": _utc_iso(digest.start),
        "window_end": _utc_iso(digest.end),
        **fields,
    }
    with db.atomic():
        existing = next(iter(db.query("select id from digests where date = ?", [row["date"]])), None)
        if existing:
            db["digests"].update(existing["id"], row)
        else:
            db["digests"].insert({"created_at": _utc_iso(datetime.now(timezone.utc)), **row})


def write_digest(
    db: sqlite_utils.Database, config: Config, date: date | None = None, outbox: Path | None = None
) -> Path:
    """Write the digest for a date to the outbox as ``digest-DATE.eml`` and ``digest-DATE.html``; returns the .eml."""
    day = resolve_day(config, date)
    digest = build_digest(db, config, day)
    msg = digest_message(config, digest)
    folder = Path(outbox) if outbox else config.outbox_path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        eml = folder / f"digest-{day.isoformat()}.eml"
        eml.write_bytes(msg.as_bytes())
        html_part = msg.get_body(preferencelist=("html",))
        eml.with_suffix(".html").write_text(html_part.get_content().replace("\r\n", "\n"), encoding="utf-8")
    except OSError as exc:
        raise NewsmonError(f"{folder}: cannot write the digest: {exc.strerror or exc}") from None
    _record(db, digest, path=str(eml))
    return eml


def send_digest(db: sqlite_utils.Database, config: Config, date: date | None = None) -> DigestResult:
    """Mail the digest for a date (default: the latest slot that has passed), exactly once.

    A date already sent returns ``already_sent`` and mails nothing, and so does a date another process
    is sending right now (``in_progress``: the row is claimed first, see ``pipeline/claims.py``); with
    no ``digest.to`` the digest goes to the outbox instead (``written``). Raises ``DeliveryError`` (one
    line) when the server refuses, cannot be reached or passes ``smtp.deadline``; the date then stays
    unsent for a retry.
    """
    day = resolve_day(config, date)
    due = slot(config, day)
    if due > datetime.now(timezone.utc):
        raise ConfigError(
            f"the digest for {day} is due at {due:%H:%M} {config.digest.timezone}: it cannot be sent before then "
            "(write a preview with --outbox)"
        )
    if not config.digest.to:
        sent = next(
            iter(db.query("select sent_at from digests where date = ? and sent_at is not null", [day.isoformat()])),
            None,
        )
        if sent:
            return DigestResult(day, "already_sent", _already(day, sent))
        path = write_digest(db, config, day)
        return DigestResult(day, "written", f"digest.to is empty, so the digest for {day} was written to {path}", path)
    claim = Claim(claim_lease(config.smtp.deadline))
    taken = _claim(db, config, day, claim)
    if taken is not None:
        return taken
    try:
        return _deliver(db, config, day, claim)
    finally:
        with db.atomic():
            release(db, "digests", claim)


def _already(day: date, row: dict) -> str:
    return f"digest for {day} was already sent at {row['sent_at']}; nothing to do"


def _claim(db: sqlite_utils.Database, config: Config, day: date, claim: Claim) -> DigestResult | None:
    """Claim the date's digest row for this sender; a result instead when it is sent or being sent."""
    start, end = digest_window(config, day)
    with db.atomic():
        row = next(iter(db.query("select * from digests where date = ?", [day.isoformat()])), None)
        if row and row["sent_at"]:
            return DigestResult(day, "already_sent", _already(day, row))
        if row and held_by_other(row, claim):
            return DigestResult(
                day, "in_progress", f"digest for {day} is being sent by another process since {row['claimed_at']}"
            )
        window = {"window_start": _utc_iso(start), "window_end": _utc_iso(end)}
        if row:
            db["digests"].update(row["id"], claim.columns)
        else:
            created = _utc_iso(datetime.now(timezone.utc))
            db["digests"].insert({"date": day.isoformat(), "created_at": created, **window, **claim.columns})
    return None


def _deliver(db: sqlite_utils.Database, config: Config, day: date, claim: Claim) -> DigestResult:
    digest = build_digest(db, config, day)
    count = len(digest.stories) + digest.more_stories
    if not count and not config.digest.send_empty:
        return DigestResult(day, "skipped", f"digest for {day}: nothing matched, and digest.send_empty is false")
    msg = digest_message(config, digest)
    try:
        with SmtpSession(config.smtp, deadline=min(config.smtp.deadline, claim.remaining())) as smtp:
            smtp.send(msg)
            # Recorded before QUIT, so a crash can fall between "accepted" and this record only briefly.
            _record(db, digest, sent_at=_utc_iso(datetime.now(timezone.utc)), error=None)
    except DeliveryError as exc:
        _record(db, digest, error=str(exc))
        raise
    log.info("digest for %s sent to %s (%d stories)", day, ", ".join(config.digest.to), count)
    return DigestResult(
        day, "sent", f"digest for {day} sent to {', '.join(config.digest.to)} ({count} stories)", stories=count
    )
