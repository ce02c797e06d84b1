"""What the database says already happened: the daemon's memory across restarts.

The scheduler keeps its jobs in memory only; when it starts, and when ``newsmon status`` asks, the
last crawl of each source and the digests already sent are read back from ``crawl_runs`` and
``digests`` so that nothing is re-run early or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """A timestamp as stored in the database: ISO 8601 in UTC with its offset."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_time(text: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (UTC when the text carries no offset)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class LastRun:
    """The latest crawl of one source."""

    source: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    pages: int
    new_articles: int
    errors: str | None


def last_runs(db: sqlite_utils.Database) -> dict[str, LastRun]:
    """The latest crawl_runs row per source."""
    rows = db.query(
        """
        select source, started_at, finished_at, status, pages, new_articles, errors from crawl_runs
        where id in (select max(id) from crawl_runs group by source)
        """
    )
    return {
        row["source"]: LastRun(
            source=row["source"],
            started_at=parse_time(row["started_at"]),
            finished_at=parse_time(row["finished_at"]),
            status=row["status"] or "",
            pages=row["pages"] or 0,
            new_articles=row["new_articles"] or 0,
            errors=row["errors"],
        )
        for row in rows
    }


def digest_sent(db: sqlite_utils.Database, date: str) -> bool:
    """Whether the digest for ``date`` (YYYY-MM-DD) was accepted by the mail server."""
    rows = list(db.query("select 1 from digests where date = ? and sent_at is not null", [date]))
    return bool(rows)


def last_digest(db: sqlite_utils.Database) -> dict | None:
    """The latest digest sent: its date and when it went out."""
    rows = list(
        db.query("select date, sent_at from digests where sent_at is not null order by date desc limit 1")
    )
    return rows[0] if rows else None


def pending_alerts(db: sqlite_utils.Database) -> int:
    """Alerts created but not yet delivered."""
    return next(db.query("select count(*) as n from alerts where sent_at is null"))["n"]
