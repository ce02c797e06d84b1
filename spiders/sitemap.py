"""XML sitemaps, sitemap indexes and Google News sitemaps, within a look-back window.

An archive sitemap can list a site's whole history; entries (and child sitemaps) whose date is older
than ``lookback_days`` are skipped so that a first crawl does not fetch the whole site. The date is the
Google News ``news:publication_date`` when present, else ``lastmod``; undated entries are kept (the
source's ``max_articles`` still bounds them). Gzipped sitemaps are unpacked within the size limit. A sitemap index is always read in full (its
children conditionally), since a site can add to a child sitemap without changing the index.

A hostile or broken site cannot keep a crawl reading indexes: within one run no sitemap is requested
twice (an index that lists itself, or two that list each other), indexes are followed at most
``crawl.sitemap_depth`` levels below the source's URL (a chain of ever-new child URLs), and at most
``crawl.max_sitemaps`` child sitemaps are requested. Each limit reached is recorded in the run's errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from newsmon.config import CrawlSettings, Source
from newsmon.pipeline.extract import iso_datetime
from newsmon.pipeline.store import Store
from newsmon.spiders.base import EntryError, RunReport, SourceSpider

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
    def __init__(self, source: Source, store: Store, crawl: CrawlSettings, report: RunReport, **kwargs) -> None:
        super().__init__(source, store, crawl, report, **kwargs)
        self.max_depth = crawl.sitemap_depth
        self.max_sitemaps = crawl.max_sitemaps
        self.child_sitemaps = 0
        self._told: set[str] = set()

    def depth(self, url: str) -> int:
        """How many indexes lie between the source's URL and ``url`` (0 for the source's URL)."""
        levels = 0
        while (url := self.parents.get(url)) is not None:
            levels += 1
        return levels

    def child_sitemap(self, url: str, index: str) -> scrapy.Request | None:
        """A request for a sitemap listed by ``index``, or None when a per-run limit forbids it."""
        if url in self.parents:
            self._tell("loop", f"{index}: lists {url}, already read in this run (a sitemap loop); not read again")
            return None
        if self.depth(index) + 1 > self.max_depth:
            self._tell("depth", f"{index}: sitemap indexes nested deeper than crawl.sitemap_depth "
                                f"({self.max_depth}); {url} and its siblings not read", limit=True)  # fmt: skip
            return None
        if self.child_sitemaps >= self.max_sitemaps:
            self._tell("cap", f"{index}: more than crawl.max_sitemaps ({self.max_sitemaps}) child sitemaps in one "
                              "run; the rest are not read", limit=True)  # fmt: skip
            return None
        self.child_sitemaps += 1
        return self.entry_request(url, parent=index)

    def _tell(self, kind: str, message: str, *, limit: bool = False) -> None:
        """Record each kind of limit once per run; one that may hide articles makes the run partial."""
        if kind in self._told:
            return
        self._told.add(kind)
        self.report.error(message)
        if limit:
            self.report.limits_hit += 1

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
                request = self.child_sitemap(url, response.meta["entry_url"])
                if request is None and self.report.limits_hit:
                    self.mark_incomplete(response.meta["entry_url"])
                if request is not None:
                    yield request
                continue
            hints = {"title": entry.get("title"), "published": when, "site_name": entry.get("name"),
                     "language": entry.get("language")}
            request = self.article_request(url, hints, parent=response.url)
            if request is not None:
                yield request
