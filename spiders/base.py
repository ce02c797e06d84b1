"""What every source spider shares: entry pages fetched conditionally, article pages fetched at most
once ever, and an account of the run (pages, errors, status) for ``crawl_runs``.

A source type only says how to read its entry page (``parse_entry``); everything about politeness,
deduplication and bookkeeping lives here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from newsmon.config import CrawlSettings, Source
from newsmon.pipeline.db import describe_sqlite_error
from newsmon.pipeline.render import clean
from newsmon.pipeline.store import Store
from newsmon.pipeline.urls import canonical_url, is_http_url
from newsmon.spiders.extraction import extraction_pool
from newsmon.spiders.items import FetchedPage
from newsmon.spiders.safety import RefusedRequest

MAX_ERRORS_KEPT = 20
MAX_ERROR_CHARS = 500
EMPTY_PAGE = "empty response (HTTP 200 with no content)"


@dataclass
class RunReport:
    """How one source's run went; becomes its ``crawl_runs`` row and its summary line."""

    source: str
    run_id: int
    status: str = "running"
    pages: int = 0
    new_articles: int = 0
    entry_pages: int = 0
    entry_failures: int = 0
    article_failures: int = 0
    limits_hit: int = 0  # a per-run limit (such as crawl.max_sitemaps) left something unread
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        """Keep a reason, as one bounded line: it may quote a stranger's URL or markup."""
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(clean(message, MAX_ERROR_CHARS))
        elif len(self.errors) == MAX_ERRORS_KEPT:
            self.errors.append("(more errors not shown)")

    @property
    def error_count(self) -> int:
        return self.entry_failures + self.article_failures + self.limits_hit

    def final_status(self, reason: str = "finished") -> str:
        """failed when no entry page could be read, partial when anything else failed, else ok;
        interrupted when the process was asked to stop."""
        if reason == "shutdown":
            return "interrupted"
        if self.entry_pages == 0 or self.entry_failures >= self.entry_pages:
            return "failed"
        return "partial" if self.error_count else "ok"


class SourceSpider(scrapy.Spider):
    """Base of the four source spiders; subclasses implement ``entry_urls`` and ``parse_entry``."""

    def __init__(self, source: Source, store: Store, crawl: CrawlSettings, report: RunReport, **kwargs) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.store = store
        self.report = report
        self.lookback_days = source.lookback_days if source.lookback_days is not None else crawl.lookback_days
        self.article_budget = source.max_articles
        self.validators: dict[str, dict] = {}
        self.parents: dict[str, str | None] = {}
        self.incomplete: set[str] = set()

    def entry_urls(self) -> Iterable[str]:
        return [self.source.url]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.entry_urls():
            yield self.entry_request(url)

    def entry_request(self, url: str, parent: str | None = None) -> scrapy.Request:
        """A feed/sitemap/listing/API page: conditional, never deduplicated away."""
        self.report.entry_pages += 1
        self.parents[url] = parent
        return scrapy.Request(
            url,
            callback=self._entry_response,
            errback=self._entry_failed,
            dont_filter=True,
            meta={"conditional": True, "handle_httpstatus_list": [304], "entry_url": url},
        )

    def article_request(self, url: str, hints: dict, parent: str) -> scrapy.Request | None:
        """A request for an article page, or None when it is stored, being fetched, or over budget."""
        if not is_http_url(url):
            return None
        url = canonical_url(url)
        if not self.store.should_fetch(url, self.source.name):
            return None
        if self.article_budget <= 0:
            self.store.release(url)
            self.mark_incomplete(parent)
            return None
        self.article_budget -= 1
        extraction_pool()  # started by the first page to fetch, they load while it downloads
        return scrapy.Request(
            url,
            callback=self._article_response,
            errback=self._article_failed,
            # the store already deduplicates; Scrapy's filter would silently drop a redirect that
            # loops or lands on a URL requested before, so that no failure would be recorded
            dont_filter=True,
            meta={"hints": hints, "parent": parent, "link_url": url},
        )

    def hint_only_item(self, url: str, hints: dict, parent: str) -> FetchedPage | None:
        """An entry kept from what the feed said, for links that cannot be followed."""
        url = canonical_url(url)
        if not self.store.should_fetch(url, self.source.name):
            return None
        return FetchedPage(self.source.name, url, None, urls=[url], hints=hints, parent=parent)

    def parse_entry(self, response: TextResponse) -> Iterable[scrapy.Request | FetchedPage]:
        raise NotImplementedError

    def _entry_response(self, response: Response):
        self.report.pages += 1
        url = response.meta["entry_url"]
        if response.status == 304:
            return
        if "validators" in response.meta:
            self.validators[url] = response.meta["validators"]
        try:
            if not response.body.strip():
                raise EntryError(EMPTY_PAGE)
            yield from self.parse_entry(response)
        except EntryError as exc:
            self.report.entry_failures += 1
            self.report.error(f"{url}: {exc}")
            self.mark_incomplete(url)

    def _article_response(self, response: Response):
        self.report.pages += 1
        link = response.meta["link_url"]
        urls = [link, *response.meta.get("redirect_urls", []), response.url]
        if not response.body.strip():
            self.store.release(link)
            self.report.article_failures += 1
            self.report.error(f"{response.url}: {EMPTY_PAGE}")
            self.mark_incomplete(response.meta["parent"])
            return
        if not isinstance(response, TextResponse):
            self.store.mark_seen(urls)
            return
        yield FetchedPage(
            source=self.source.name,
            url=response.url,
            body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            urls=urls,
            hints=response.meta["hints"],
            parent=response.meta["parent"],
        )

    def _entry_failed(self, failure: Failure) -> None:
        url = failure.request.meta["entry_url"]
        self.report.entry_failures += 1
        self.report.error(f"{url}: {describe_failure(failure)}")
        self.mark_incomplete(url)

    def _article_failed(self, failure: Failure) -> None:
        request = failure.request
        link = request.meta["link_url"]
        self.store.release(link)
        if is_robots_refusal(failure):
            return
        self.report.article_failures += 1
        self.report.error(f"{link}: {describe_failure(failure)}")
        if is_too_large(failure) or failure.check(RefusedRequest):
            self.store.mark_seen([link])
        else:
            self.mark_incomplete(request.meta["parent"])

    def page_failed(self, page: FetchedPage, reason: str) -> None:
        """Called by the item pipeline when a fetched page could not be extracted or stored."""
        self.report.article_failures += 1
        self.report.error(f"{page.url}: {reason}")
        if page.parent:
            self.mark_incomplete(page.parent)

    def mark_incomplete(self, url: str | None) -> None:
        """This entry page (and the index that listed it) must be read again next time."""
        while url and url not in self.incomplete:
            self.incomplete.add(url)
            url = self.parents.get(url)

    def settle(self, reason: str) -> None:
        """Once the spider has closed: save validators of fully handled entry pages, then settle and
        record the run."""
        report = self.report
        if report.status != "running":
            return
        if reason != "finished":
            report.error(f"crawl stopped: {reason}")
            self.incomplete.update(self.validators)
        try:
            self.store.flush()
            self.store.save_validators(
                self.source.name, {u: v for u, v in self.validators.items() if u not in self.incomplete}
            )
        except sqlite3.Error as exc:
            report.article_failures += 1
            report.error(f"could not store articles: {describe_sqlite_error(exc)}")
        report.new_articles = self.store.new_articles.get(self.source.name, 0)
        report.status = report.final_status(reason)
        try:
            self.store.finish_run(
                report.run_id, status=report.status, pages=report.pages, new_articles=report.new_articles,
                errors=report.errors,
            )
        except sqlite3.Error as exc:  # the row stays 'running'; the daemon later marks it interrupted
            report.error(f"could not record this run: {describe_sqlite_error(exc)}")

    def spider_error(self, failure: Failure, response: Response) -> None:
        """An exception in a callback: the page (or the whole entry page) counts as failed."""
        message = f"{response.url}: {type(failure.value).__name__}: {failure.value}"
        if "entry_url" in response.meta:
            self.report.entry_failures += 1
            self.report.error(message)
            self.mark_incomplete(response.meta["entry_url"])
        else:
            self.report.article_failures += 1
            self.report.error(message)
            self.mark_incomplete(response.meta.get("parent"))


class EntryError(Exception):
    """An entry page was fetched but cannot be read (malformed feed, an API error message)."""


def is_too_large(failure: Failure) -> bool:
    """A page over ``crawl.max_page_mb`` as sent or once decompressed (a gzip bomb): it will be as
    large next time, so it is not retried."""
    if failure.check(DownloadCancelledError):  # a page sent without a length is cut at the limit, silently
        return "max size" in str(failure.value) or not str(failure.value)
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def is_robots_refusal(failure: Failure) -> bool:
    """A link robots.txt forbids: the site's wish, not a failure worth reporting."""
    if not failure.check(IgnoreRequest) or failure.check(HttpError):
        return False
    return "robots" in str(failure.value).lower()


def describe_failure(failure: Failure) -> str:
    """One line for a failed request: an HTTP status, a timeout, a refused connection, robots.txt."""
    if failure.check(HttpError):
        response = failure.value.response
        return f"HTTP {response.status}"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timed out"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "DNS lookup failed"
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection refused"
    if is_too_large(failure):
        return "larger than crawl.max_page_mb"
    if failure.check(ResponseDataLossError):
        return "the connection closed before the whole page arrived"
    if failure.check(RefusedRequest):
        return str(failure.value)
    if failure.check(IgnoreRequest) and "max redirections" in str(failure.value):
        return "too many redirects (a redirect loop?)"
    if failure.check(IgnoreRequest):
        text = str(failure.value) or "request ignored"
        return "forbidden by robots.txt" if "robots" in text.lower() else text
    text = str(failure.value).strip().splitlines()
    return f"{type(failure.value).__name__}: {text[0] if text else ''}".rstrip(": ")
