"""The item pipeline: hands each fetched page to ``pipeline`` for extraction and storage.

This is the only place where Scrapy meets the plain-Python pipeline. Extraction happens in the
crawl's extraction processes (``extraction.py``); storage stays in the crawl's process, on the
reactor's thread, which owns the SQLite connection. A page that cannot be extracted is counted as an
error of its source and never stops the crawl.
"""

from __future__ import annotations

import logging
import sqlite3

from scrapy.crawler import Crawler

from newsmon.pipeline.db import describe_sqlite_error
from newsmon.spiders.extraction import extract_elsewhere
from newsmon.spiders.items import FetchedPage

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        spider = self.crawler.spider
        try:
            article = await extract_elsewhere(item)
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
