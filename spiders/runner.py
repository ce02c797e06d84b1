"""Run a set of sources once, all in one Scrapy ``CrawlerProcess``, one ``crawl_runs`` row per source.

Each run is recorded as ``running`` (with the process id) before anything is fetched and settled when
its spider closes, so a process killed half-way leaves rows that the daemon, or the next crawl, marks
``interrupted``. On
SIGTERM or SIGINT every open run is settled as ``interrupted`` and the process exits at once (status
128 + the signal number), without waiting for downloads in flight.
A crawl started by the daemon (``NEWSMON_PARENT_PID`` in its environment) stops the same way as
soon as that parent is gone, even one killed with SIGKILL, so no crawl outlives its daemon unsupervised.
Scrapy's reactor can start only once per process: call :func:`crawl_sources` at most once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from functools import partial

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from twisted.python.failure import Failure

from newsmon.config import Config, Source
from newsmon.pipeline.db import connect
from newsmon.pipeline.store import Store, finish_orphaned_runs
from newsmon.spiders import spider_class
from newsmon.spiders.base import RunReport
from newsmon.spiders.settings import scrapy_settings

PARENT_ENV = "NEWSMON_PARENT_PID"


def crawl_sources(
    config: Config,
    sources: list[Source],
    *,
    on_start: Callable[[RunReport], None] | None = None,
    on_finish: Callable[[RunReport], None] | None = None,
    verbose: bool = False,
) -> list[RunReport]:
    """Crawl ``sources`` concurrently and return one report per source, in the given order."""
    store = Store(connect(config.database_path))
    finish_orphaned_runs(store.db)  # a crawl killed earlier, with no daemon to tidy up after it
    if not verbose:
        logging.disable(logging.WARNING)
    try:
        process = CrawlerProcess(settings=scrapy_settings(config.crawl))
    finally:
        logging.disable(logging.NOTSET)
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    reports, crawlers = [], []
    for source in sources:
        report = RunReport(source.name, store.start_run(source.name))
        reports.append(report)
        crawler = process.create_crawler(spider_class(source.type))
        crawlers.append(crawler)
        _watch(crawler, report, on_finish)
        if on_start:
            on_start(report)
        deferred = process.crawl(crawler, source=source, store=store, crawl=config.crawl, report=report)
        deferred.addErrback(partial(_could_not_start, store, report, on_finish))

    def stop_now(signum: int) -> None:
        """Record every open run as interrupted, then leave at once: Scrapy's own shutdown (even its
        forced one) waits for downloads in flight, up to ``crawl.timeout`` each."""
        for crawler, report in zip(crawlers, reports):
            if crawler.spider is not None and report.status == "running":
                crawler.spider.settle("shutdown")
                if on_finish:
                    on_finish(report)
        store.flush()
        store.db.close()
        sys.stdout.flush()
        sys.stderr.write("Interrupted: the open runs are recorded as interrupted.\n")
        sys.stderr.flush()
        os._exit(128 + signum)

    def on_signal(signum, frame) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(stop_now, signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    _stop_with_parent(stop_now)
    try:
        process.start(install_signal_handlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    store.flush()
    store.db.close()
    return reports


def _stop_with_parent(stop_now: Callable[[int], None]) -> None:
    """When started by the daemon, stop (runs recorded as interrupted) once the daemon has died."""
    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return
    from twisted.internet import task

    def check() -> None:
        if os.getppid() != int(parent):
            stop_now(signal.SIGHUP)

    task.LoopingCall(check).start(1.0, now=True)


def _watch(crawler: Crawler, report: RunReport, on_finish: Callable[[RunReport], None] | None) -> None:
    """Route callback exceptions to the spider's report; record and announce the run when it closes."""

    def spider_error(failure: Failure, response) -> None:
        crawler.spider.spider_error(failure, response)

    def spider_closed(reason: str) -> None:
        crawler.spider.settle(reason)
        if on_finish:
            on_finish(report)

    crawler.signals.connect(spider_error, signal=signals.spider_error, weak=False)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed, weak=False)


def _could_not_start(store: Store, report: RunReport, on_finish, failure: Failure) -> None:
    """A spider that failed before or while closing: record the run as failed with the reason."""
    if report.status != "running":
        return
    report.error(f"{type(failure.value).__name__}: {failure.value}")
    report.status = "failed"
    store.finish_run(report.run_id, status="failed", pages=report.pages, new_articles=0, errors=report.errors)
    if on_finish:
        on_finish(report)
