"""The item pipeline: hands each fetched page to ``pipeline`` for extraction and storage.

This is the only place where Scrapy meets the plain-Python pipeline. A page that cannot be extracted
is counted as an error of its source and never stops the crawl.

Extraction runs in one small thread pool of the crawl process, off the reactor's thread: one slow page
(trafilatura's time grows with the square of a page's paragraphs) then holds one extraction thread,
while the reactor keeps fetching and storing every other source's articles. The pool is shared by all
sources so that at most ``EXTRACTION_THREADS`` parsed pages are in memory at once. Storage stays on the
reactor's thread, which owns the SQLite connection.
"""

from __future__ import annotations

import logging
import sqlite3

from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.threadpool import ThreadPool

from newsmon.pipeline.db import describe_sqlite_error
from newsmon.pipeline.extract import Article, article_from_hints, extract_article
from newsmon.spiders.items import FetchedPage

logger = logging.getLogger(__name__)

EXTRACTION_THREADS = 2


def extract(item: FetchedPage) -> Article | None:
    """The article in a fetched page (or in its feed entry alone when no page was fetched)."""
    if item.body is None:
        return article_from_hints(item.url, item.hints)
    return extract_article(item.body, item.url, {**item.hints, "content_type": item.content_type})


_pool: ThreadPool | None = None


def extraction_pool() -> ThreadPool:
    """The crawl process's extraction threads, started on first use and stopped with the reactor."""
    global _pool
    if _pool is None:
        from twisted.internet import reactor

        _pool = ThreadPool(minthreads=0, maxthreads=EXTRACTION_THREADS, name="newsmon-extraction")
        _pool.start()
        reactor.addSystemEventTrigger("during", "shutdown", _pool.stop)
    return _pool


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.pool = extraction_pool()

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        spider = self.crawler.spider
        try:
            article = await maybe_deferred_to_future(deferToThreadPool(reactor, self.pool, extract, item))
        except Exception as exc:  # one bad page must not stop the others
            logger.debug("extraction failed for %s", item.url, exc_info=True)
            spider.page_failed(item, f"extraction failed: {type(exc).__name__}: {exc}")
            return item
        try:
            if article is None:
                spider.store.mark_seen(item.urls)
            else:
                spider.store.add(article, item.source, item.urls)
        except sqlite3.Error as exc:  # queued again: the next write retries it
            spider.page_failed(item, f"could not store yet: {describe_sqlite_error(exc)}")
        except Exception as exc:
            logger.debug("storing failed for %s", item.url, exc_info=True)
            spider.page_failed(item, f"could not store: {type(exc).__name__}: {exc}")
        return item

    def close_spider(self) -> None:
        self.crawler.spider.store.flush()
