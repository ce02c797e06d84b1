"""Progress of long work, for a person watching or a log being written.

On a terminal: one bar redrawn in place (done / total, rate, time left). Piped or logged: a plain
line every ``every`` seconds, so a log shows long work moving without a line per item, and short work
(or work that fails at once) adds nothing to the command's own output.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

BAR = 24
PLAIN_EVERY = 10.0
"""Seconds between two plain progress lines when not on a terminal."""


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


class WorkProgress:
    """``progress(done, total)`` as a callback; ``close()`` ends the bar's line.

    ``interactive`` defaults to whether ``stream`` is a terminal.
    """

    def __init__(
        self, label: str, unit: str, *, stream: TextIO | None = None, interactive: bool | None = None, every: float | None = None
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.every = PLAIN_EVERY if every is None else every
        self.started = time.monotonic()
        self.last_line = self.started
        self.drawn = False
        self.done = self.total = 0

    def text(self, done: int, total: int, now: float) -> str:
        """``analysing: 130/1000 articles (13%), 4.2/s, 3m 27s left``."""
        share = f" ({100 * done // total}%)" if total else ""
        if not done:
            return f"{self.label}: {done}/{total} {self.unit}{share}"
        rate = done / max(now - self.started, 1e-6)
        left = f", {_span((total - done) / rate)} left" if done < total else ""
        return f"{self.label}: {done}/{total} {self.unit}{share}, {rate:.1f}/s{left}"

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; a call with ``done == 0`` marks the start (for the rate)."""
        now = time.monotonic()
        if done == 0:
            self.started = self.last_line = now
        self.done, self.total = done, total
        if self.interactive:
            filled = BAR * done // total if total else BAR
            line = f"[{'#' * filled}{'-' * (BAR - filled)}] {self.text(done, total, now)}"
            width = shutil.get_terminal_size().columns - 1
            self.stream.write(f"\r\033[K{line[:width]}")
            self.stream.flush()
            self.drawn = True
        elif done and now - self.last_line >= self.every:
            self.stream.write(self.text(done, total, now) + "\n")
            self.stream.flush()
            self.last_line = now

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
