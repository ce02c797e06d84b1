"""Date a test database's install back, as if newsmon had been running on it for a while.

A digest slot from before the database existed is never sent, so tests of a slot missed while the
daemon was down need a database older than that slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsmon.pipeline.db import connect


def installed_days_ago(database: Path, days: float) -> None:
    db = connect(database)
    moment = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    db["meta"].upsert({"key": "installed_at", "value": moment}, pk="key")
    db.close()
