"""The daemon's log: stderr (for the journal or a terminal) and, with ``[log] file``, a rotating file."""

from __future__ import annotations

import logging
import logging.handlers

from newsmon.config import Config
from newsmon.errors import ConfigError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure_logging(config: Config, *, verbose: bool = False) -> None:
    """Log at ``[log] level`` (DEBUG with ``--verbose``) to stderr and the optional rotating file.

    APScheduler's own per-run lines repeat the daemon's, so they are shown only with ``--verbose``.
    """
    level = "DEBUG" if verbose else config.log.level.upper()
    if level not in LEVELS:
        raise ConfigError(f"{config.path}: log.level: expected {' | '.join(LEVELS)}, got {config.log.level!r}")
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        logging.basicConfig(format=FORMAT)
    if config.log.file:
        path = config.resolve(config.log.file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError as exc:
            raise ConfigError(f"{config.path}: log.file: cannot write {path}: {exc.strerror}") from None
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    logging.getLogger("apscheduler").setLevel("DEBUG" if verbose else "WARNING")
