"""Reconcile a page's declared publication time with the date in its URL.

A URL such as ``/2020/02/24/story`` is the publisher's own day of publication, written when the page
was made. Metadata often states the same instant in UTC (``2020-02-25T02:25:54Z``), which falls on
the next day; or it holds the last modification under a "published" name. So: when a UTC time is one
day off the URL's day, the same instant is written with the nearest whole-hour offset that puts it on
that day (the instant stays exact, only its written offset is inferred); when the metadata is more
than a day later than the URL's day, the URL's day is the original date, as htmldate's
``original_date`` prefers. A page without any other date gets its URL's day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)\d\d)([/_-])(\d{1,2})\2(\d{1,2})(?=$|[/_.?#])"
    r"|/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=$|[/_.-])"
)
# Offsets where news is published: from Hawaii (UTC-10) to the Line Islands (UTC+14).
WEST, EAST = 10, 14


def url_day(url: str) -> date | None:
    """The full date (year, month, day) written in the URL's path or query, if any."""
    parts = urlsplit(url)
    found = URL_DATE.search(f"{parts.path}?{parts.query}")
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups() if g is not None and g.isdigit())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def agree_with_url(published: str | None, url: str) -> str | None:
    """``published`` (ISO 8601 with offset) made consistent with the URL's date, as the module says."""
    day = url_day(url)
    if day is None or published is None:
        return published
    moment = datetime.fromisoformat(published)
    gap = (moment.date() - day).days
    if gap == 0:
        return published
    day_only = moment.utcoffset() == timedelta(0) and moment.time() == datetime.min.time()
    if abs(gap) == 1 and day_only:
        return url_midnight(day)
    if abs(gap) == 1 and moment.utcoffset() == timedelta(0):
        sign, limit = (-1, WEST) if gap > 0 else (1, EAST)
        for hours in range(1, limit + 1):
            shifted = moment.astimezone(timezone(timedelta(hours=sign * hours)))
            if shifted.date() == day:
                return shifted.isoformat(timespec="seconds")
        return published
    if gap > 1:
        return url_midnight(day)
    return published


def url_midnight(day: date) -> str:
    """A day alone, stored as midnight UTC like every other day-only date."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).isoformat(timespec="seconds")
