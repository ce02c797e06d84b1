"""What every command is handed: the config path and, loaded lazily, the config and the database."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import sqlite_utils

from newsmon.config import Config, load_config


class AppContext:
    """What commands share: the config path, loaded lazily so that ``init`` and ``demo`` need none."""

    def __init__(self, config_path: Path, verbose: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    def db(self, *, create: bool = False) -> sqlite_utils.Database:
        from newsmon.pipeline.db import connect

        return connect(self.config.database_path, create=create)
