"""XML sitemaps, sitemap indexes and Google News sitemaps, within a look-back window.

An archive sitemap can list a site's whole history; entries (and child sitemaps) whose date is older
than ``lookback_days`` are skipped so that a first crawl does not fetch the whole site. The date is the
Google News ``news:publication_date`` when present, else ``lastmod``; undated entries are kept (the
source's ``max_articles`` still bounds them). Gzipped sitemaps are unpacked within the size limit. A sitemap index is always read in full (its
children conditionally), since a site can add to a child sitemap without changing the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from newsmon.pipeline.extract import iso_datetime
from newsmon.spiders.base import EntryError, SourceSpider

PARSER = etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True)


def read_sitemap(body: bytes) -> tuple[str, list[dict]]:
    """The root element's name (``urlset`` or ``sitemapindex``) and its entries as flat dicts."""
    try:
        root = etree.fromstring(body, parser=PARSER)
    except etree.XMLSyntaxError as exc:
        raise EntryError(f"malformed sitemap: {exc}") from None
    if root is None:
        raise EntryError("malformed sitemap: no XML found")
    entries = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        entry: dict[str, str] = {}
        for child in element.iter():
            if child is element or not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if child.text and child.text.strip():
                entry.setdefault(name, child.text.strip())
        if entry.get("loc"):
            entries.append(entry)
    return etree.QName(root).localname, entries


class SitemapSpider(SourceSpider):
    def parse_entry(self, response: Response) -> Iterable[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except OSError as exc:
                raise EntryError(f"cannot unpack gzipped sitemap: {exc}") from None
            except ValueError:  # Scrapy's size guard: a gzip bomb stops at the limit, not in memory
                raise EntryError("gzipped sitemap larger than crawl.max_page_mb once unpacked") from None
        kind, entries = read_sitemap(body)
        if kind not in ("urlset", "sitemapindex"):
            raise EntryError(f"not a sitemap (root element <{kind}>)")
        if kind == "sitemapindex":
            # Sites add entries to a child sitemap without touching the index, so a 304 on the index
            # would hide them: the index is always read in full; its children are still conditional.
            self.validators.pop(response.meta["entry_url"], None)
        oldest = datetime.now(timezone.utc) - timedelta(days=self.lookback_days)
        for entry in entries:
            when = iso_datetime(entry.get("publication_date") or entry.get("lastmod"))
            if when and datetime.fromisoformat(when) < oldest:
                continue
            url = response.urljoin(entry["loc"])
            if kind == "sitemapindex":
                yield self.entry_request(url, parent=response.url)
                continue
            hints = {"title": entry.get("title"), "published": when, "site_name": entry.get("name"),
                     "language": entry.get("language")}
            request = self.article_request(url, hints, parent=response.url)
            if request is not None:
                yield request
