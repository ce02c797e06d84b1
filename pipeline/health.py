"""Source activity and the one definition of a silent source, shared by ``newsmon status`` and the digest.

A source is *silent* at a moment when it is enabled, was first crawled longer than
``daemon.silent_after`` before that moment, and brought no article (new, or already stored from another
source) in the last ``daemon.silent_after``. A source never crawled is not silent (status says "never
run"), and nor is one crawled for the first time a minute ago. "First crawled" is its earliest run or
article, whichever is older, so that a database with imported history judges its sources by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlite_utils

from newsmon.config import Config, parse_duration
from newsmon.pipeline.render import parse_time


@dataclass
class Activity:
    """One source's crawling history up to a moment."""

    name: str
    first_run: datetime | None
    last_new: datetime | None
    silent: bool


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def installed_at(db: sqlite_utils.Database) -> datetime | None:
    """When the database came into use: its recorded install time, or earlier data imported into it."""
    candidates = [
        row["at"]
        for row in db.query(
            "select value as at from meta where key = 'installed_at' "
            "union all select min(started_at) from crawl_runs union all select min(fetched_at) from articles"
        )
    ]
    moments = [moment for text in candidates if (moment := parse_time(text))]
    return min(moments, default=None)


_EVENTS = """select source, {agg}(at) as at from (
    select source, fetched_at as at from articles
    union all select source, seen_at as at from article_sources
    union all select source, {runs} as at from crawl_runs {where})
  where at < ? group by source"""
"""When a source first did anything (min) or last brought an article (max): stored, seen or counted by a run."""


def _per_source(db: sqlite_utils.Database, sql: str, at: str) -> dict[str, datetime]:
    return {row["source"]: moment for row in db.query(sql, [at]) if (moment := parse_time(row["at"]))}


def source_activity(db: sqlite_utils.Database, config: Config, at: datetime) -> dict[str, Activity]:
    """Every configured source's first run, newest article and silence, as known at ``at``."""
    at_iso = _utc_iso(at)
    first = _per_source(db, _EVENTS.format(agg="min", runs="started_at", where=""), at_iso)
    newest = _per_source(
        db, _EVENTS.format(agg="max", runs="coalesce(finished_at, started_at)", where="where new_articles > 0"), at_iso
    )
    quiet = timedelta(seconds=parse_duration(config.daemon.silent_after))
    result = {}
    for source in config.sources:
        began, last = first.get(source.name), newest.get(source.name)
        since = max(filter(None, (began, last)), default=None)
        silent = bool(source.enabled and since and since <= at - quiet)
        result[source.name] = Activity(source.name, began, last, silent)
    return result
