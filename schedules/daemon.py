"""``newsmon run``: the long-lived monitor, on APScheduler's BlockingScheduler.

Crawls run as child processes on a small thread pool (one job per source, never two runs of the same
source at once); analysis then runs here, one pass at a time, so the spaCy model is loaded once for
the life of the daemon; alert delivery runs on a thread of its own, so a slow or stuck mail server
never holds back crawling, analysis or the digest; the digest and a heartbeat run on their own pool so
a slow crawl never delays them. The heartbeat says when delivery is failing or slow. SIGTERM or
SIGINT stops scheduling, stops running crawls (their runs are recorded as ``interrupted``), cuts open
SMTP sessions, lets a step in progress finish within the stop budget, and exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

import psutil
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger

from newsmon.config import Config, parse_duration
from newsmon.errors import DeliveryError, NewsmonError
from newsmon.pipeline.db import connect
from newsmon.pipeline.mailer import stop_all_sessions
from newsmon.pipeline.store import finish_orphaned_runs
from newsmon.schedules import history
from newsmon.schedules.crawl_child import CrawlChildren
from newsmon.schedules.jobs import (
    CRAWL_EXECUTOR,
    DIGEST_JOB,
    SERVICE_EXECUTOR,
    latest_slot,
    missed_slot,
    plan_jobs,
    slot_date,
    zone,
)
from newsmon.schedules.lock import DaemonLock
from newsmon.schedules.logs import configure_logging

log = logging.getLogger("newsmon.daemon")

CRAWL_WORKERS = max(2, min(4, os.cpu_count() or 2))
"""Crawls at once: they mostly wait on the network, but each child is a Python process with Scrapy."""
STOP_BUDGET = 25.0
"""Seconds from a stop signal to exit, inside the 30 s that service managers allow by default."""
DIGEST_RETRY = timedelta(minutes=10)
"""How long to wait before sending a refused digest again (within ``daemon.missed_digest_grace``)."""


@dataclass
class DeliveryState:
    """How alert delivery is going, for the heartbeat: since when one runs, and how the last one ended."""

    running_since: float | None = None
    last_error: str | None = None

    def describe(self, slow_after: float) -> str:
        if self.running_since is not None:
            busy = time.monotonic() - self.running_since
            if busy > slow_after:
                return f"delivery slow: sending for {busy:.0f}s"
        if self.last_error:
            return f"delivery failing: {self.last_error}"
        return "delivery ok"


class Daemon:
    """One running monitor for one config and its database."""

    def __init__(self, config: Config, *, verbose: bool = False) -> None:
        self.config = config
        self.verbose = verbose
        self.children = CrawlChildren(config)
        self.pipeline_lock = threading.Lock()
        self._more_to_process = threading.Event()
        self._more_to_deliver = threading.Event()
        self.delivery = DeliveryState()
        self.scheduler = BlockingScheduler(
            timezone=zone(config),
            executors={
                CRAWL_EXECUTOR: ThreadPoolExecutor(CRAWL_WORKERS),
                SERVICE_EXECUTOR: ThreadPoolExecutor(2),
            },
        )
        self._active: Counter[str] = Counter()
        self._active_changed = threading.Condition()
        self._began = time.monotonic()
        self._stop_signal: float | None = None
        self._started = threading.Event()
        self.scheduler.add_listener(lambda event: self._started.set(), EVENT_SCHEDULER_STARTED)

    def run(self) -> None:
        """Run until SIGTERM or SIGINT; refuses at once when another daemon holds the database."""
        connect(self.config.database_path, create=False).close()
        lock = DaemonLock(self.config.database_path).acquire()
        try:
            configure_logging(self.config, verbose=self.verbose)
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
            self._schedule(history.utcnow())
            threading.Thread(target=self._delivery_loop, name="delivery", daemon=True).start()
            self.scheduler.start()
            self._finish()
        finally:
            lock.release()

    def _schedule(self, now: datetime) -> None:
        """Add every job, resuming from what the database says already ran."""
        db = connect(self.config.database_path)
        try:
            orphaned = finish_orphaned_runs(db)
            last_started = {name: run.started_at for name, run in history.last_runs(db).items() if run.started_at}
            slot = latest_slot(self.config, now)
            sent = history.digest_sent(db, slot_date(slot))
            missed = missed_slot(self.config, now, sent)
        finally:
            db.close()
        if orphaned:
            log.info("marked %d crawl run(s) left running by a stopped process as interrupted", orphaned)
        for spec in plan_jobs(self.config, last_started, now):
            func = {"crawl": self.crawl, "digest": self.digest, "heartbeat": self.heartbeat}[spec.kind]
            options = {"next_run_time": spec.next_run_time} if spec.next_run_time else {}
            self.scheduler.add_job(
                func,
                spec.trigger,
                id=spec.id,
                name=spec.name,
                kwargs=spec.kwargs,
                executor=spec.executor,
                max_instances=spec.max_instances,
                coalesce=spec.coalesce,
                misfire_grace_time=spec.misfire_grace_time,
                **options,
            )
        enabled = sum(1 for s in self.config.sources if s.enabled)
        log.info(
            "newsmon daemon started: pid %d, %d source(s), database %s, digest daily at %s %s",
            os.getpid(), enabled, self.config.database_path, self.config.digest.at, self.config.digest.timezone,
        )  # fmt: skip
        if missed:
            log.info("digest %s: its slot passed while the daemon was down; sending it now", slot_date(missed))
            self._add_digest_run(now, missed, "digest-missed")
        elif sent:
            log.info("digest %s: already sent", slot_date(slot))

    def _add_digest_run(self, when: datetime, slot: datetime, job_id: str) -> None:
        self.scheduler.add_job(
            self.digest,
            DateTrigger(run_date=when, timezone=zone(self.config)),
            id=job_id,
            name=f"digest {slot_date(slot)}",
            kwargs={"slot": slot},
            executor=SERVICE_EXECUTOR,
            misfire_grace_time=parse_duration(self.config.daemon.missed_digest_grace),
            replace_existing=True,
        )

    @contextmanager
    def _job(self, name: str) -> Iterator[None]:
        """Track a running step for shutdown, and log its failure on one line instead of a traceback.

        A NewsmonError is expected (a refusing server, a locked database); anything else is a bug and
        keeps its traceback. Either way the schedule goes on.
        """
        with self._active_changed:
            self._active[name] += 1
        try:
            yield
        except NewsmonError as exc:
            log.error("%s: %s", name, exc)
        except Exception:
            log.exception("%s: failed", name)
        finally:
            with self._active_changed:
                self._active[name] -= 1
                self._active += Counter()
                self._active_changed.notify_all()

    def crawl(self, source: str) -> None:
        """One scheduled crawl of ``source`` in a child process, then analysis (and alerts, on their thread)."""
        if self.children.stopping.is_set():
            return
        with self._job(f"crawl {source}"):
            log.info("crawl %s: start", source)
            outcome = self.children.run(source)
            if outcome is None:
                return
            detail = f": {outcome.errors.splitlines()[0]}" if outcome.errors and outcome.status != "ok" else ""
            log.log(
                logging.INFO if outcome.status in ("ok", "partial") else logging.WARNING,
                "crawl %s: %s, %d pages, %d new articles in %.1fs%s",
                source, outcome.status, outcome.pages, outcome.new_articles, outcome.seconds, detail,
            )  # fmt: skip
        self.process()

    def process(self) -> None:
        """Analyse what the crawls stored, then ask the delivery thread to send the alerts it produced
        (and any left pending).

        One pass at a time: a crawl that ends while a pass runs leaves it a note to go again rather
        than waiting, so crawl workers are never tied up behind a long analysis.
        """
        self._more_to_process.set()
        while self._should_process() and self.pipeline_lock.acquire(blocking=False):
            try:
                while self._should_process():
                    self._more_to_process.clear()
                    self._analyze()
            finally:
                self.pipeline_lock.release()

    def _should_process(self) -> bool:
        return self._more_to_process.is_set() and not self.children.stopping.is_set()

    def _analyze(self) -> None:
        from newsmon.pipeline.analyze import analyze_pending

        db = connect(self.config.database_path)
        try:
            with self._job("analyze"):
                began = time.monotonic()
                analyzed = analyze_pending(db, self.config)
                log.log(
                    logging.INFO if analyzed.articles else logging.DEBUG,
                    "analyze: %d articles, %d matches in %.1fs",
                    analyzed.articles, analyzed.matches, time.monotonic() - began,
                )  # fmt: skip
        finally:
            db.close()
        self._more_to_deliver.set()

    def _delivery_loop(self) -> None:
        """Deliver alerts whenever an analysis pass asks, on this thread only: a mail server that
        trickles or hangs holds up this loop (for at most ``smtp.deadline``) and nothing else."""
        while not self.children.stopping.is_set():
            if not self._more_to_deliver.wait(timeout=0.5) or self.children.stopping.is_set():
                continue
            self._more_to_deliver.clear()
            self._deliver_alerts()

    def _deliver_alerts(self) -> None:
        from newsmon.pipeline.alerts import send_pending_alerts

        self.delivery.running_since = began = time.monotonic()
        try:
            with self._job("alerts"):
                db = connect(self.config.database_path)
                try:
                    alerts = send_pending_alerts(db, self.config)
                finally:
                    db.close()
                self.delivery.last_error = alerts.error if alerts.failed else None
                level = logging.WARNING if alerts.failed else logging.INFO if alerts.sent else logging.DEBUG
                log.log(level, "%s in %.1fs", alerts.summary(), time.monotonic() - began)
        finally:
            self.delivery.running_since = None

    def digest(self, slot: datetime | None = None) -> None:
        """Send the digest of ``slot`` (default: the slot that just passed); retry later if refused.

        With no ``digest.to`` it is written to the outbox instead, as ``newsmon digest`` does.
        """
        slot = slot or latest_slot(self.config, history.utcnow())
        date = slot_date(slot)
        if self.children.stopping.is_set():
            return
        with self._job(f"digest {date}"):
            from newsmon.pipeline.digest import send_digest, write_digest

            log.info("digest %s: start", date)
            began = time.monotonic()
            db = connect(self.config.database_path)
            try:
                if not self.config.digest.to:
                    path = write_digest(db, self.config, date=slot.date())
                    log.info("digest %s: written to %s (digest.to is empty)", date, path)
                    return
                try:
                    result = send_digest(db, self.config, date=slot.date())
                except DeliveryError as exc:
                    self._retry_digest(slot, exc)
                    return
                log.info("digest %s: %s in %.1fs", date, result.status.replace("_", " "), time.monotonic() - began)
            finally:
                db.close()

    def _retry_digest(self, slot: datetime, exc: DeliveryError) -> None:
        date = slot_date(slot)
        now = history.utcnow()
        grace = timedelta(seconds=parse_duration(self.config.daemon.missed_digest_grace))
        if now + DIGEST_RETRY - slot > grace:
            log.error(
                "digest %s: not sent (%s); giving up after the grace period, send it with "
                "'newsmon digest --date %s --send'", date, exc, date,
            )  # fmt: skip
            return
        retry_at = now + DIGEST_RETRY
        log.warning("digest %s: not sent (%s); retrying at %s", date, exc, retry_at.astimezone(zone(self.config)))
        self._add_digest_run(retry_at, slot, "digest-retry")

    def heartbeat(self) -> None:
        """A sign of life with what is running and what comes next, for whoever reads the log."""
        with self._job("heartbeat"):
            jobs = [job for job in self.scheduler.get_jobs() if job.next_run_time]
            crawls = [job for job in jobs if job.executor == CRAWL_EXECUTOR]
            digest = self.scheduler.get_job(DIGEST_JOB)
            db = connect(self.config.database_path)
            try:
                pending = history.pending_alerts(db)
            finally:
                db.close()
            upcoming = min(crawls, key=lambda job: job.next_run_time, default=None)
            delivery = self.delivery.describe(slow_after=self.config.smtp.timeout)
            log.log(
                logging.INFO if delivery == "delivery ok" else logging.WARNING,
                "heartbeat: up %s, %d crawl(s) running, next %s at %s, next digest at %s, %d alert(s) pending, "
                "%s, rss %d MB",
                timedelta(seconds=int(time.monotonic() - self._began)),
                self.children.running,
                upcoming.name if upcoming else "crawl: none",
                upcoming.next_run_time.isoformat(timespec="seconds") if upcoming else "-",
                digest.next_run_time.isoformat(timespec="seconds") if digest and digest.next_run_time else "-",
                pending,
                delivery,
                psutil.Process().memory_info().rss // (1024 * 1024),
            )

    def _on_signal(self, signum: int, frame: object) -> None:
        """Stop scheduling; the main thread then stops the crawls and waits for the step in progress."""
        if self._stop_signal is not None:
            log.info("%s received: already stopping", signal.Signals(signum).name)
            return
        self._stop_signal = time.monotonic()
        log.info("%s received: stopping", signal.Signals(signum).name)
        threading.Thread(target=self._stop_scheduler, name="stop", daemon=True).start()

    def _stop_scheduler(self) -> None:
        """Shut the scheduler down from a thread of its own, once it has started.

        The signal may arrive while the main thread holds the scheduler's locks, or before the
        scheduler has started at all.
        """
        self._started.wait()
        self.scheduler.shutdown(wait=False)

    def _finish(self) -> None:
        """Stop running crawls, wait for the step in progress, or abandon it when the budget runs out.

        Every write is a SQLite transaction, so an abandoned step leaves no half-written rows.
        """
        self.children.stop_all()
        stop_all_sessions()
        deadline = (self._stop_signal or time.monotonic()) + STOP_BUDGET
        with self._active_changed:
            while self._active and time.monotonic() < deadline:
                self._active_changed.wait(deadline - time.monotonic())
            unfinished = sorted(self._active)
        if unfinished:
            log.warning("stopped; abandoned unfinished: %s", ", ".join(unfinished))
            logging.shutdown()
            os._exit(0)
        log.info("stopped")
