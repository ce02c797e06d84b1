"""Downloader middlewares that make newsmon a considerate client.

- ``ConditionalRequestMiddleware``: feeds, sitemaps and listing pages are requested with the ETag /
  Last-Modified remembered in ``http_cache``, so an unchanged one costs a single 304.
- ``BackoffRetryMiddleware``: Scrapy's retries (5xx, timeouts, 429) with an exponential pause before
  each new attempt, honouring ``Retry-After``, instead of hammering a struggling server.
- ``CachedRobotsTxtMiddleware``: Scrapy's robots.txt handling, with each robots.txt fetched once per
  process (shared by all spiders) and reused for up to 24 hours (RFC 9309), so frequent re-crawls do
  not fetch it every time.

Each reaches the database through the running spider's ``store``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

MAX_RETRY_AFTER = 120.0


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since to requests marked ``meta["conditional"]``.

    Validators of a fresh 200 are put in ``meta["validators"]``; the spider saves them only once every
    article the page listed has been handled, so a failure is retried next time instead of hidden
    behind a 304.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return None
        spider = self.crawler.spider
        cached = spider.store.validators(request.url, spider.source.name)
        if "etag" in cached:
            request.headers.setdefault("If-None-Match", cached["etag"])
        if "last_modified" in cached:
            request.headers.setdefault("If-Modified-Since", cached["last_modified"])
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("conditional") and response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                request.meta["validators"] = {
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": last_modified.decode("latin-1") if last_modified else None,
                    "status": response.status,
                }
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry like Scrapy, but wait ``RETRY_BACKOFF_BASE * 2**(attempt-1)`` seconds first."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await sleep(self._pause(result, response))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await sleep(self._pause(result, None))
        return result

    def _pause(self, retry: Request, response: Response | None) -> float:
        pause = self.backoff_base * 2 ** (retry.meta.get("retry_times", 1) - 1)
        header = response.headers.get("Retry-After") if response is not None else None
        if header:
            pause = max(pause, _retry_after_seconds(header.decode("latin-1")))
        return min(pause, MAX_RETRY_AFTER)


def _retry_after_seconds(value: str) -> float:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
    except (TypeError, ValueError):
        return 0.0


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, reusing a robots.txt fetched in the last 24 hours."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._parsers = crawler.spider.store.robots_parsers
        crawler.signals.connect(self._remember, signal=signals.response_received)

    async def robot_parser(self, request: Request):
        url = urlparse_cached(request)
        if url.netloc not in self._parsers:
            cached = self.crawler.spider.store.cached_robots(f"{url.scheme}://{url.netloc}/robots.txt")
            if cached is not None:
                self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, cached.encode())
        return await super().robot_parser(request)

    def _remember(self, response: Response, request: Request) -> None:
        if not request.meta.get("dont_obey_robotstxt") or not request.url.endswith("/robots.txt"):
            return
        if response.status < 500:
            body = response.body.decode("utf-8", errors="replace") if response.status == 200 else ""
            self.crawler.spider.store.save_robots(request.url, response.status, body)
