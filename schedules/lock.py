"""One daemon per database: an advisory lock on a file beside the database, holding the daemon's pid.

``flock`` is released by the kernel when the process dies, however it dies, so a crashed daemon never
leaves a stale lock behind; the pid written inside only serves to name the holder.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from newsmon.errors import DatabaseError, NewsmonError


class DaemonRunning(NewsmonError):
    """Another daemon already works on this database."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class DaemonLock:
    """The lock a running daemon holds for as long as it lives."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> DaemonLock:
        """Take the lock, or fail at once naming the daemon that holds it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DatabaseError(f"{self.path}: cannot create the daemon's lock file: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            holder = f"pid {pid}" if pid else "another process"
            raise DaemonRunning(f"a newsmon daemon is already running on this database ({holder}, lock {self.path})")
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def running_daemon(database: Path) -> int | None:
    """The pid of the daemon working on ``database`` (0 if not yet written), or None when none runs."""
    path = lock_path(database)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None
