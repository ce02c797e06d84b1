"""``newsmon status``: is the monitor healthy? Answered from the lock file and the database alone.

Next runs are computed from the same triggers the daemon uses (``schedules.jobs``), so the answer is
right whether or not the daemon runs, give or take the jitter added to each start.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from newsmon.config import Config, Source, parse_duration
from newsmon.pipeline.claims import is_live
from newsmon.pipeline.render import clean
from newsmon.schedules import history
from newsmon.schedules.jobs import digest_trigger, due_time, latest_slot, missed_slot, slot_date, zone
from newsmon.schedules.lock import lock_path, running_daemon


def collect(config: Config, db: sqlite_utils.Database, now: datetime) -> dict[str, Any]:
    """The status report as plain data (what ``--json`` prints)."""
    pid = running_daemon(config.database_path)
    runs = history.last_runs(db)
    first = history.first_started(db)
    fresh = history.last_new_article(db)
    silent_after = timedelta(seconds=parse_duration(config.daemon.silent_after))
    sources = []
    for source in config.sources:
        run = runs.get(source.name)
        since = fresh.get(source.name) or first.get(source.name)
        due = due_time(source, config, run.started_at if run else None, now) if source.enabled else None
        sources.append(
            {
                "name": source.name,
                "type": source.type,
                "enabled": source.enabled,
                "schedule": _schedule(source),
                "last_run": _run(run, now) if run else None,
                "next_run": history.iso(max(due, now)) if due else None,
                "overdue": bool(due and due <= now),
                "last_new_article_at": history.iso(fresh[source.name]) if source.name in fresh else None,
                "failing": bool(run and run.status == "failed"),
                "silent": bool(source.enabled and since and now - since > silent_after),
            }
        )
    slot = latest_slot(config, now)
    missed = missed_slot(config, now, history.digest_sent(db, slot_date(slot)))
    next_digest = digest_trigger(config).get_next_fire_time(None, now.astimezone(zone(config)))
    return {
        "now": history.iso(now),
        "daemon": {"running": pid is not None, "pid": pid or None, "lock": str(lock_path(config.database_path))},
        "sources": sources,
        "failing": [s["name"] for s in sources if s["failing"]],
        "silent": [s["name"] for s in sources if s["silent"]],
        "pending_alerts": history.pending_alerts(db),
        "delivery": delivery(config, db, now),
        "digest": {
            "at": config.digest.at,
            "timezone": config.digest.timezone,
            "next_run": next_digest.isoformat(timespec="seconds"),
            "missed": slot_date(missed) if missed else None,
            "last_sent": history.last_digest(db),
        },
    }


def delivery(config: Config, db: sqlite_utils.Database, now: datetime) -> dict[str, Any]:
    """Whether mail is going out: a delivery running longer than ``smtp.timeout`` is slow (a session
    normally takes less than one read timeout), and unsent alerts or digests that carry an error are
    failing. Read from the claims (those of live senders) and errors the senders record, so it holds
    with or without a daemon."""
    claims = [
        row["claimed_at"]
        for table in ("alerts", "digests")
        for row in db.query(
            f"select claimed_by, claimed_at, claimed_until from {table} "
            "where claimed_by is not null and sent_at is null"
        )
        if is_live(row, now)
    ]
    since = min((history.parse_time(c) for c in claims if c), default=None)
    errors = [
        row["error"]
        for table in ("alerts", "digests")
        for row in db.query(f"select error from {table} where sent_at is null and error is not null order by id desc")
    ]
    busy = int((now - since).total_seconds()) if since else None
    return {
        "sending_since": history.iso(since) if since else None,
        "slow": busy is not None and busy > config.smtp.timeout,
        "failing": bool(errors),
        "failed": len(errors),
        "last_error": errors[0] if errors else None,
    }


def _schedule(source: Source) -> str:
    return f"cron {source.cron}" if source.cron else f"every {source.every or '30m'}"


def _run(run: history.LastRun, now: datetime) -> dict[str, Any]:
    return {
        "status": run.status,
        "started_at": history.iso(run.started_at) if run.started_at else None,
        "finished_at": history.iso(run.finished_at) if run.finished_at else None,
        "age_seconds": int((now - run.started_at).total_seconds()) if run.started_at else None,
        "pages": run.pages,
        "new_articles": run.new_articles,
        "errors": run.errors,
    }


def render(report: dict[str, Any]) -> str:
    """The report as a few lines for a terminal."""
    now = datetime.fromisoformat(report["now"])
    daemon = report["daemon"]
    lines = [f"daemon: running (pid {daemon['pid']})" if daemon["running"] else "daemon: not running"]
    width = max((len(s["name"]) for s in report["sources"]), default=0)
    plan = max((len(s["schedule"]) for s in report["sources"]), default=0)
    lines.append(f"sources: {len(report['sources'])}")
    for source in report["sources"]:
        run = source["last_run"]
        if run and run["started_at"]:
            age = now - datetime.fromisoformat(run["started_at"])
            last = f"last {run['status']} {_span(age)} ago ({run['new_articles']} new)"
        else:
            last = "never run"
        if not source["enabled"]:
            upcoming = "disabled"
        elif source["overdue"]:
            upcoming = "due now" if daemon["running"] else "due when the daemon starts"
        else:
            upcoming = f"next in {_span(datetime.fromisoformat(source['next_run']) - now)}"
        flags = "".join(f"  [{flag}]" for flag in ("failing", "silent") if source[flag])
        lines.append(f"  {source['name']:<{width}}  {source['schedule']:<{plan}}  {last:<32} {upcoming}{flags}")
    for source in report["sources"]:
        run = source["last_run"]
        if source["failing"] and run:
            reason = clean((run["errors"] or "no reason recorded").splitlines()[0], 300)
            lines.append(f"failing: {source['name']}: {reason}")
        if source["silent"]:
            fresh = source["last_new_article_at"]
            since = f"for {_span(now - datetime.fromisoformat(fresh))}" if fresh else "ever"
            lines.append(f"silent: {source['name']}: no new article {since}")
    lines.append(f"pending alerts: {report['pending_alerts']}")
    mail = report["delivery"]
    if mail["sending_since"]:
        busy = _span(now - datetime.fromisoformat(mail["sending_since"]))
        lines.append(f"delivery: sending for {busy}" + ("  [slow]" if mail["slow"] else ""))
    if mail["failing"]:
        lines.append(f"delivery: failing: {mail['failed']} unsent, last error: {clean(mail['last_error'], 300)}")
    digest = report["digest"]
    next_digest = datetime.fromisoformat(digest["next_run"])
    lines.append(f"digest: next {digest['next_run']} ({digest['timezone']}), in {_span(next_digest - now)}")
    sent = digest["last_sent"]
    lines.append(f"digest: last sent for {sent['date']} at {sent['sent_at']}" if sent else "digest: none sent yet")
    if digest["missed"]:
        lines.append(f"digest: the one for {digest['missed']} is not sent yet (the daemon sends it on start)")
    return "\n".join(lines)


def _span(delta: timedelta) -> str:
    """A duration the way people say it: 45s, 12m, 3h 5m, 2d 4h."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{seconds}s"
