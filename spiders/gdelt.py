"""The GDELT DOC 2.0 API in article-list mode: each URL it returns is fetched as an article.

The query asks for the articles GDELT saw within the source's schedule interval plus one GDELT update
cycle (15 minutes), newest first, so consecutive runs overlap a little instead of leaving gaps; URLs
already stored are skipped before any request. GDELT answers errors (a bad query, too many requests)
with a plain-text message instead of JSON: that message becomes the run's failure reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from newsmon.config import Source
from newsmon.spiders.base import EntryError, SourceSpider

GDELT_MAX_RECORDS = 250
GDELT_UPDATE_SECONDS = 15 * 60


def schedule_seconds(source: Source) -> int:
    """The interval between two runs of ``source``: its ``every``, or the gap between cron firings."""
    if source.cron:
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger.from_crontab(source.cron, timezone=timezone.utc)
        first = trigger.get_next_fire_time(None, datetime.now(timezone.utc))
        second = trigger.get_next_fire_time(first, first)
        return int((second - first).total_seconds())
    return source.interval_seconds


def timespan(seconds: int) -> str:
    """GDELT's TIMESPAN syntax: whole minutes ("75min"), or hours ("6h") when they divide evenly."""
    minutes = max(15, -(-seconds // 60))
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}min"


def gdelt_url(source: Source) -> str:
    """The artlist/json query URL for ``source``."""
    params = {
        "query": source.query,
        "mode": "artlist",
        "format": "json",
        "maxrecords": min(source.max_articles, GDELT_MAX_RECORDS),
        "timespan": timespan(schedule_seconds(source) + GDELT_UPDATE_SECONDS),
        "sort": "datedesc",
    }
    return f"{source.url}?{urlencode(params)}"


class GdeltSpider(SourceSpider):
    def entry_urls(self) -> list[str]:
        return [gdelt_url(self.source)]

    def parse_entry(self, response: Response) -> Iterable[scrapy.Request]:
        text = response.body.decode("utf-8", errors="replace").strip()
        try:
            answer = json.loads(text, strict=False) if text else {}
        except ValueError:
            raise EntryError(f"GDELT said: {text.splitlines()[0][:200]}") from None
        if not isinstance(answer, dict):
            raise EntryError("unexpected GDELT answer (not a JSON object)")
        for found in answer.get("articles") or []:
            url = found.get("url")
            if not url:
                continue
            hints = {"title": found.get("title"), "published": found.get("seendate"), "site_name": found.get("domain")}
            request = self.article_request(url, hints, parent=response.url)
            if request is not None:
                yield request
