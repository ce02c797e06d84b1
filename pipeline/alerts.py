"""Placeholder until the alerts issue lands: immediate alerts for strong matches."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from newsmon.config import Config


@dataclass
class AlertResult:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def send_pending_alerts(db: sqlite_utils.Database, config: Config) -> AlertResult:
    """Send every alert not yet delivered."""
    return AlertResult()
