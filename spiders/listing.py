"""An HTML section page plus a CSS selector for its article links (``links`` in the source)."""

from __future__ import annotations

from collections.abc import Iterable

import scrapy
from scrapy.http import Response, TextResponse

from newsmon.spiders.base import EntryError, SourceSpider


class ListingSpider(SourceSpider):
    def parse_entry(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            raise EntryError("not an HTML page")
        try:
            selected = response.css(self.source.links)
        except ValueError as exc:
            raise EntryError(f"bad CSS selector {self.source.links!r}: {exc}") from None
        if not selected:
            raise EntryError(f"the selector {self.source.links!r} matched nothing (has the page changed?)")
        for node in selected:
            href = node.xpath("self::a/@href | .//a/@href").get()
            if not href:
                continue
            title = " ".join(node.xpath("string(.)").get("").split()) or None
            request = self.article_request(response.urljoin(href), {"title": title}, parent=response.url)
            if request is not None:
                yield request
