"""The daemon's jobs as data: which trigger each source and the digest run on, and when they first fire.

Everything here is computed from the config and what the database says already ran, with no running
scheduler, so that ``newsmon run`` and ``newsmon status`` agree on "next run" and tests can check the
plan without waiting for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from newsmon.config import Config, Source, parse_duration
from newsmon.pipeline.digest import latest_slot

CRAWL_EXECUTOR = "crawls"
SERVICE_EXECUTOR = "service"
DIGEST_JOB = "digest"
HEARTBEAT_JOB = "heartbeat"
JITTER_SHARE = 0.1
"""A source's start is jittered by at most this share of its interval (and at most daemon.jitter)."""


def zone(config: Config) -> ZoneInfo:
    """The analyst's time zone: the digest slot and cron expressions are read in it."""
    return ZoneInfo(config.digest.timezone)


def crawl_job_id(source: Source) -> str:
    return f"crawl:{source.name}"


def cron_trigger(source: Source, config: Config, jitter: float | None = None) -> CronTrigger:
    """A source's crontab expression, read in the analyst's time zone."""
    trigger = CronTrigger.from_crontab(source.cron, timezone=zone(config))
    trigger.jitter = jitter
    return trigger


def period_seconds(source: Source, config: Config, now: datetime) -> float:
    """The time between two runs of a source (for cron: between its next two fire times)."""
    if not source.cron:
        return float(source.interval_seconds)
    trigger = cron_trigger(source, config)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first)
    return (second - first).total_seconds()


def source_jitter(source: Source, config: Config, now: datetime) -> float:
    """Seconds of random delay added to each start, so that sources on the same interval spread out."""
    return min(float(parse_duration(config.daemon.jitter)), JITTER_SHARE * period_seconds(source, config, now))


def source_trigger(source: Source, config: Config, now: datetime) -> BaseTrigger:
    """An interval trigger from ``every`` (default 30m) or a cron trigger from ``cron``, jittered."""
    jitter = source_jitter(source, config, now)
    if source.cron:
        return cron_trigger(source, config, jitter)
    return IntervalTrigger(seconds=source.interval_seconds, jitter=jitter, timezone=zone(config))


def due_time(source: Source, config: Config, last_started: datetime | None, now: datetime) -> datetime:
    """When a source is next due, before jitter: one period after its last crawl (now if never crawled)."""
    if last_started is None:
        return now
    if source.cron:
        return cron_trigger(source, config).get_next_fire_time(None, last_started.astimezone(zone(config)))
    return last_started + timedelta(seconds=source.interval_seconds)


def first_run_times(
    config: Config,
    last_started: dict[str, datetime],
    now: datetime,
    rng: random.Random | None = None,
) -> dict[str, datetime]:
    """The first fire time of each enabled source's job when the daemon starts.

    A source crawled recently keeps its rhythm; overdue ones (never crawled, or last crawled more than
    a period ago, e.g. while the daemon was down) run soon, spread over ``daemon.jitter`` in order of
    how late they are, so that a restart does not fire every source in the same second.
    """
    rng = rng or random.Random()
    window = float(parse_duration(config.daemon.jitter))
    enabled = [s for s in config.sources if s.enabled]
    due = {s.name: due_time(s, config, last_started.get(s.name), now) for s in enabled}
    overdue = sorted((s for s in enabled if due[s.name] <= now), key=lambda s: due[s.name])
    times: dict[str, datetime] = {}
    step = window / max(len(overdue), 1)
    for rank, source in enumerate(overdue):
        spread = rng.uniform(0, min(step, source_jitter(source, config, now)))
        times[source.name] = now + timedelta(seconds=rank * step + spread)
    for source in enabled:
        if source.name not in times:
            spread = rng.uniform(0, source_jitter(source, config, now))
            times[source.name] = due[source.name] + timedelta(seconds=spread)
    return times


def digest_trigger(config: Config) -> CronTrigger:
    """The daily digest slot: ``digest.at`` in ``digest.timezone``."""
    hour, minute = config.digest.at.split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=zone(config))


def slot_date(slot: datetime) -> str:
    """The date a digest slot is for, as the digests table records it."""
    return slot.date().isoformat()


def missed_slot(config: Config, now: datetime, sent: bool, installed: datetime | None) -> datetime | None:
    """The digest slot that passed while the daemon was down and is still worth sending, if any.

    ``sent`` says whether the digest for the latest slot's date is already in the digests table;
    ``installed`` is when the database came into use. A slot from before it was never missed: a new
    install's first digest is the first slot after it, not an empty one for the day before.
    """
    slot = latest_slot(config, now)
    if sent or now - slot > timedelta(seconds=parse_duration(config.daemon.missed_digest_grace)):
        return None
    if installed is None or slot <= installed:
        return None
    return slot


@dataclass
class JobSpec:
    """One scheduler job: its ``kind`` (crawl, digest or heartbeat) names the daemon's function to run."""

    id: str
    kind: str
    name: str
    trigger: BaseTrigger
    executor: str
    next_run_time: datetime | None = None
    misfire_grace_time: int | None = None
    kwargs: dict = field(default_factory=dict)
    max_instances: int = 1
    coalesce: bool = True


def plan_jobs(
    config: Config,
    last_started: dict[str, datetime],
    now: datetime,
    rng: random.Random | None = None,
) -> list[JobSpec]:
    """Every recurring job of the daemon: one crawl per enabled source, the digest and the heartbeat.

    A crawl that is late by more than one period is skipped (the next one comes soon); a digest may
    be late by up to ``daemon.missed_digest_grace``.
    """
    first = first_run_times(config, last_started, now, rng)
    specs = [
        JobSpec(
            id=crawl_job_id(source),
            kind="crawl",
            name=f"crawl {source.name}",
            trigger=source_trigger(source, config, now),
            executor=CRAWL_EXECUTOR,
            next_run_time=first[source.name],
            misfire_grace_time=max(1, int(period_seconds(source, config, now))),
            kwargs={"source": source.name},
        )
        for source in config.sources
        if source.enabled
    ]
    specs.append(
        JobSpec(
            id=DIGEST_JOB,
            kind="digest",
            name="digest",
            trigger=digest_trigger(config),
            executor=SERVICE_EXECUTOR,
            misfire_grace_time=parse_duration(config.daemon.missed_digest_grace),
        )
    )
    heartbeat = parse_duration(config.daemon.heartbeat)
    specs.append(
        JobSpec(
            id=HEARTBEAT_JOB,
            kind="heartbeat",
            name="heartbeat",
            trigger=IntervalTrigger(seconds=heartbeat, timezone=zone(config)),
            executor=SERVICE_EXECUTOR,
            misfire_grace_time=heartbeat,
        )
    )
    return specs
