"""RSS 0.9x/1.0/2.0 and Atom feeds: follow each entry's link to the article page.

feedparser reads malformed feeds as far as it can; a feed is refused only when it yields no entries at
all, or none with a link. Google News entries link to news.google.com: their publisher URL is decoded
where the link holds one, and otherwise the entry is kept from the feed's own title and summary (see ``googlenews``).
"""

from __future__ import annotations

from collections.abc import Iterable

import feedparser
import scrapy
from scrapy.http import Response

from newsmon.pipeline.urls import canonical_url
from newsmon.spiders.base import EntryError, SourceSpider
from newsmon.spiders.googlenews import decode_google_news_link, is_google_news_link
from newsmon.spiders.items import FetchedPage


class FeedSpider(SourceSpider):
    def parse_entry(self, response: Response) -> Iterable[scrapy.Request | FetchedPage]:
        feed = feedparser.parse(
            response.body,
            response_headers={
                "content-type": (response.headers.get("Content-Type") or b"application/xml").decode("latin-1"),
                "content-location": response.url,
            },
        )
        if not feed.entries:
            if feed.bozo:
                raise EntryError(f"malformed feed: {_reason(feed.bozo_exception)}")
            if not feed.version and not feed.feed:
                raise EntryError("not a feed (no RSS or Atom found)")
            return
        site_name = feed.feed.get("title")
        links = [_entry_link(entry, response.url) for entry in feed.entries]
        if not any(links):
            raise EntryError(f"none of the feed's {len(links)} entries has a link to follow")
        for entry, link in zip(feed.entries, links):
            if not link:
                continue
            hints = {
                "title": entry.get("title"),
                "published": entry.get("published") or entry.get("updated"),
                "summary": entry.get("summary"),
                "author": entry.get("author"),
                "site_name": (entry.get("source") or {}).get("title") or site_name,
                "language": feed.feed.get("language"),
            }
            if is_google_news_link(link):
                publisher = decode_google_news_link(link)
                if publisher is None:
                    item = self.hint_only_item(link, hints, parent=response.url)
                    if item is not None:
                        yield item
                    continue
                link = publisher
            request = self.article_request(link, hints, parent=response.url)
            if request is not None:
                yield request


def _entry_link(entry: dict, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        guid = entry.get("id")
        if guid and entry.get("guidislink", True) and guid.startswith(("http://", "https://")):
            link = guid
    return canonical_url(link, base=base) if link else None


def _reason(exc: Exception | None) -> str:
    text = str(exc or "unreadable").strip().splitlines()
    return text[0] if text else type(exc).__name__
