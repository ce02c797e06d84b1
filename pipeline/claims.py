"""Claiming delivery rows before sending them, so that two processes never mail the same thing.

Two senders can run on one database at once (the daemon and a manual ``newsmon alerts --send``, two
``digest --send --date D``). Each one first claims the rows it is about to deliver, in one
``BEGIN IMMEDIATE`` transaction, by writing its own token and an expiry into them; only then does it
send, and it records the outcome (and drops the claim) after the server answered. A row claimed by
another sender is left alone until that claim expires or its process is gone (a sender killed with -9),
after which anyone may take it over. A sender never sends past its own claim's expiry: the SMTP session's
deadline is cut to fit inside it.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psutil
import sqlite_utils

CLAIM_MARGIN = 60.0
"""Seconds a claim outlives the longest delivery it covers, so it never expires while a sender works."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Claim:
    """This process's claim on some rows: its token, and how long it holds."""

    lease: float
    token: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}")
    _began: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.at = datetime.now(timezone.utc)
        self.until = self.at + timedelta(seconds=self.lease)

    def remaining(self) -> float:
        """Seconds of the claim left for sending, keeping the margin for recording what was sent."""
        return self.lease - CLAIM_MARGIN - (time.monotonic() - self._began)

    @property
    def columns(self) -> dict[str, str]:
        return {"claimed_by": self.token, "claimed_at": _iso(self.at), "claimed_until": _iso(self.until)}


def claim_lease(deadline: float) -> float:
    """How long a claim lasts for a delivery bounded by ``deadline`` seconds."""
    return deadline + CLAIM_MARGIN


def is_live(row: dict, now: datetime | None = None) -> bool:
    """Whether ``row`` carries a claim that still holds: not expired, and its process not gone."""
    token = row.get("claimed_by")
    if not token or not row.get("claimed_until"):
        return False
    if datetime.fromisoformat(row["claimed_until"]) <= (now or datetime.now(timezone.utc)):
        return False
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    return not (host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid)))


def held_by_other(row: dict, claim: Claim, now: datetime | None = None) -> bool:
    """Whether ``row`` is claimed by another sender whose claim still holds."""
    return row.get("claimed_by") != claim.token and is_live(row, now)


def claim_rows(db: sqlite_utils.Database, table: str, where: str, params: list, claim: Claim) -> list[int]:
    """Claim every row of ``table`` matching ``where`` that no live sender holds; their ids, oldest first.

    One write transaction: another sender running the same query at the same moment waits for this
    one to commit and then finds the rows taken.
    """
    with db.atomic():
        rows = list(db.query(f"select id, claimed_by, claimed_until from {table} where {where} order by id", params))
        mine = [row["id"] for row in rows if not held_by_other(row, claim)]
        for start in range(0, len(mine), 500):
            chunk = mine[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            db.execute(
                f"update {table} set claimed_by = ?, claimed_at = ?, claimed_until = ? where id in ({marks})",
                [*claim.columns.values(), *chunk],
            )
    return mine


def release(db: sqlite_utils.Database, table: str, claim: Claim) -> None:
    """Drop every claim of ``claim`` on ``table``: called with the update recording the outcome."""
    db.execute(
        f"update {table} set claimed_by = null, claimed_at = null, claimed_until = null where claimed_by = ?",
        [claim.token],
    )
