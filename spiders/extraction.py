"""The crawl's extraction processes: where fetched pages become articles.

Parsing a page is Python work that holds the interpreter's lock. In threads of the crawl's process it
took turns with the reactor, and while the feeds' pages poured in (the reactor at full speed) hardly a
page got extracted; in processes of its own it runs on another core. There is one process per core
beyond the first (at least one, at most ``MAX_EXTRACTION_PROCESSES``), shared by every source of the
crawl, so at most that many parsed pages are in memory at once. A worker that dies fails the pages it
held (they are fetched again by the next crawl), and the next page starts a new pool. Nothing here
imports Scrapy: a worker needs only the extraction itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from newsmon.pipeline.extract import Article, article_from_hints, extract_article
from newsmon.spiders.items import FetchedPage

MAX_EXTRACTION_PROCESSES = 2
PARENT_POLL_SECONDS = 1.0


def extract(item: FetchedPage) -> Article | None:
    """The article in a fetched page (or in its feed entry alone when no page was fetched)."""
    if item.body is None:
        return article_from_hints(item.url, item.hints)
    return extract_article(item.body, item.url, {**item.hints, "content_type": item.content_type})


def extraction_processes() -> int:
    """One per core beyond the one the reactor (and the crawl's analysis) needs."""
    return max(1, min(MAX_EXTRACTION_PROCESSES, (os.cpu_count() or 1) - 1))


def _start_worker(parent: int) -> None:
    """Load the language identifier while the first pages download (about a CPU-second), and leave as soon
    as the crawl's process is gone, however it ended: a worker never outlives its crawl. Ctrl-C is the
    crawl's to handle (it records its runs as interrupted), so the worker ignores it."""
    from newsmon.pipeline.language import load_identifier

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch_parent, name="newsmon-parent-watch", daemon=True).start()
    load_identifier()


def _ready() -> None:
    """A task that does nothing: submitted to start a worker."""


_pool: ProcessPoolExecutor | None = None


def extraction_pool() -> ProcessPoolExecutor:
    """The crawl's extraction processes, started on first use (a crawl that finds nothing new starts
    none) and stopped with the reactor. They are spawned, not forked: by now the crawl's process has
    threads, which a fork would copy half-way."""
    global _pool
    if _pool is None:
        from twisted.internet import reactor

        context = multiprocessing.get_context("spawn")
        workers = extraction_processes()
        _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),))
        for _ in range(workers):  # a pool starts a worker per task while none is idle: start them now
            _pool.submit(_ready)
        reactor.addSystemEventTrigger("during", "shutdown", _stop_pool)
    return _pool


def _stop_pool() -> None:
    """At the reactor's shutdown every page is done: the workers are idle and leave at once."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


async def extract_elsewhere(item: FetchedPage) -> Article | None:
    """:func:`extract` in an extraction process; a broken pool is replaced for the pages after this one."""
    global _pool
    pool = extraction_pool()
    try:
        return await asyncio.wrap_future(pool.submit(extract, item))
    except BrokenProcessPool:
        if _pool is pool:
            _pool = None
            pool.shutdown(wait=False, cancel_futures=True)
        raise
