"""The daemon's schedule, built from the config and the database's history, checked without waiting.

Each source gets its own job: an interval trigger from ``every`` (30 minutes by default) or a cron
trigger from ``cron``, read in the digest's time zone. Starts are jittered by at most 10% of the
period and at most ``daemon.jitter``. A job never runs twice at once and missed runs coalesce. On
start, a source crawled recently keeps its rhythm, and overdue ones are spread over the jitter
window instead of all firing at once. A digest slot missed while the daemon was down is sent on
start only within ``daemon.missed_digest_grace`` and only if the digests table has no record of it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from newsmon.config import parse_config
from newsmon.schedules.jobs import (
    CRAWL_EXECUTOR,
    DIGEST_JOB,
    HEARTBEAT_JOB,
    first_run_times,
    missed_slot,
    plan_jobs,
    source_jitter,
)

NOW = datetime(2025, 3, 14, 10, 7, 30, tzinfo=timezone.utc)


def config(sources: str = "", extra: str = ""):
    return parse_config(
        f"""
        [digest]
        at = "08:00"
        timezone = "Europe/Minsk"
        {extra}
        {sources}
        """.replace("\n        ", "\n"),
        Path("/srv/newsmon/newsmon.toml"),
    )


def source(name: str, schedule: str = "", enabled: bool = True) -> str:
    return (
        f'[[sources]]\nname = "{name}"\ntype = "feed"\nurl = "http://127.0.0.1/{name}.xml"\n'
        f"{schedule}\nenabled = {'true' if enabled else 'false'}\n"
    )


def crawl_jobs(specs):
    return {spec.id: spec for spec in specs if spec.executor == CRAWL_EXECUTOR}


def test_each_enabled_source_gets_one_crawl_job_that_never_overlaps_itself():
    specs = plan_jobs(config(source("a") + source("b", 'every = "6h"') + source("off", enabled=False)), {}, NOW)
    jobs = crawl_jobs(specs)
    assert set(jobs) == {"crawl:a", "crawl:b"}
    assert all(job.max_instances == 1 and job.coalesce for job in specs)
    assert jobs["crawl:a"].kwargs == {"source": "a"}


def test_every_gives_an_interval_trigger_and_thirty_minutes_is_the_default():
    jobs = crawl_jobs(plan_jobs(config(source("default") + source("fast", 'every = "10s"')), {}, NOW))
    default, fast = jobs["crawl:default"].trigger, jobs["crawl:fast"].trigger
    assert isinstance(default, IntervalTrigger) and default.interval == timedelta(minutes=30)
    assert isinstance(fast, IntervalTrigger) and fast.interval == timedelta(seconds=10)
    assert jobs["crawl:default"].misfire_grace_time == 1800


def test_cron_gives_a_cron_trigger_in_the_digest_time_zone():
    cfg = config(source("night", 'cron = "30 2 * * *"'))
    trigger = crawl_jobs(plan_jobs(cfg, {}, NOW))["crawl:night"].trigger
    assert isinstance(trigger, CronTrigger)
    trigger.jitter = None
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire.isoformat() == "2025-03-15T02:30:00+03:00"


def test_jitter_is_at_most_a_tenth_of_the_period_and_at_most_daemon_jitter():
    cfg = config(source("fast", 'every = "10s"') + source("slow", 'every = "6h"') + source("q", 'cron = "*/15 * * * *"'))
    by_name = {s.name: s for s in cfg.sources}
    assert source_jitter(by_name["fast"], cfg, NOW) == 1.0
    assert source_jitter(by_name["slow"], cfg, NOW) == 30.0
    assert source_jitter(by_name["q"], cfg, NOW) == 30.0


def test_successive_fire_times_stay_within_the_jitter_bound():
    trigger = crawl_jobs(plan_jobs(config(source("fast", 'every = "10s"')), {}, NOW))["crawl:fast"].trigger
    previous = NOW
    for _ in range(200):
        fire = trigger.get_next_fire_time(previous, previous)
        assert timedelta(seconds=10) <= fire - previous <= timedelta(seconds=11)
        previous = fire


def test_a_recently_crawled_source_keeps_its_rhythm_across_a_restart():
    cfg = config(source("a", 'every = "30m"'))
    first = first_run_times(cfg, {"a": NOW - timedelta(minutes=5)}, NOW, random.Random(1))
    assert NOW + timedelta(minutes=25) <= first["a"] <= NOW + timedelta(minutes=25, seconds=30)


def test_a_cron_source_whose_slot_passed_while_down_is_overdue():
    cfg = config(source("q", 'cron = "0 * * * *"'))
    crawled_in_time = first_run_times(cfg, {"q": NOW - timedelta(minutes=7)}, NOW, random.Random(1))
    missed_one = first_run_times(cfg, {"q": NOW - timedelta(minutes=70)}, NOW, random.Random(1))
    assert crawled_in_time["q"] >= NOW.replace(minute=0, second=0) + timedelta(hours=1)
    assert missed_one["q"] <= NOW + timedelta(seconds=30)


def test_overdue_sources_start_soon_spread_over_the_jitter_window_most_late_first():
    names = [f"s{i:02d}" for i in range(40)]
    cfg = config("".join(source(name) for name in names))
    last = {name: NOW - timedelta(hours=1, minutes=i) for i, name in enumerate(names)}
    first = first_run_times(cfg, last, NOW, random.Random(7))
    times = [first[name] for name in names]
    assert all(NOW <= t <= NOW + timedelta(seconds=30) for t in times)
    assert len({t.replace(microsecond=0) for t in times}) >= 20
    assert sorted(names, key=first.get) == list(reversed(names))


def test_digest_job_fires_at_its_local_slot_and_may_run_late_within_the_grace():
    specs = {spec.id: spec for spec in plan_jobs(config(), {}, NOW)}
    digest = specs[DIGEST_JOB]
    assert digest.trigger.get_next_fire_time(None, NOW).isoformat() == "2025-03-15T08:00:00+03:00"
    assert digest.misfire_grace_time == 12 * 3600
    assert specs[HEARTBEAT_JOB].trigger.interval == timedelta(minutes=10)


def test_a_missed_digest_is_sent_on_start_only_within_the_grace_and_only_once():
    cfg = config(extra='[daemon]\nmissed_digest_grace = "6h"')
    two_hours_late = datetime(2025, 3, 14, 7, 0, tzinfo=timezone.utc)
    ten_hours_late = datetime(2025, 3, 14, 15, 0, tzinfo=timezone.utc)
    installed = datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert missed_slot(cfg, two_hours_late, False, installed).isoformat() == "2025-03-14T08:00:00+03:00"
    assert missed_slot(cfg, two_hours_late, True, installed) is None
    assert missed_slot(cfg, ten_hours_late, False, installed) is None


def test_a_slot_from_before_the_database_existed_is_never_missed():
    cfg = config(extra='[daemon]\nmissed_digest_grace = "6h"')
    two_hours_late = datetime(2025, 3, 14, 7, 0, tzinfo=timezone.utc)
    just_installed = two_hours_late - timedelta(minutes=5)
    assert missed_slot(cfg, two_hours_late, False, just_installed) is None
    assert missed_slot(cfg, two_hours_late, False, None) is None
