"""The ``newsmon`` command: a click group whose commands live one module each in ``newsmon.commands``.

Expected failures (``NewsmonError``) become one line on stderr and an exit code; ``--verbose`` shows
the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from functools import cached_property
from pathlib import Path

import click
import sqlite_utils
from click.exceptions import NoArgsIsHelpError

from newsmon.config import DEFAULT_CONFIG_NAME, Config, load_config
from newsmon.errors import NewsmonError


class AppContext:
    """What commands share: the config path, loaded lazily so that ``init`` and ``demo`` need none."""

    def __init__(self, config_path: Path, verbose: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    def db(self, *, create: bool = False) -> sqlite_utils.Database:
        from pipeline.db import connect

        return connect(self.config.database_path, create=create)


class OneLineUsageError(click.ClickException):
    """A command-line mistake (unknown option, bad value, unknown command): one line, exit status 2."""

    exit_code = 2


def _one_line(exc: click.UsageError) -> click.ClickException:
    """Click's usage error without the usage block, naming where to find help."""
    if isinstance(exc, NoArgsIsHelpError):
        return exc  # a bare command: its help is the answer
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
    return OneLineUsageError(" ".join(exc.format_message().split()) + where)


class NewsmonGroup(click.Group):
    """Turns expected errors and command-line mistakes into one line and an exit code, unless ``--verbose``."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from None
        except NewsmonError as exc:
            if _verbose(ctx):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.OperationalError as exc:  # a write refused mid-command: locked, read-only, disk full
            if _verbose(ctx):
                raise
            from pipeline.db import describe_sqlite_error

            click.echo(f"Error: {_database(ctx)}{describe_sqlite_error(exc)}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


def _database(ctx: click.Context) -> str:
    """``PATH: `` of the configured database, for an error about it (empty when there is no config)."""
    obj = ctx.find_object(AppContext)
    try:
        return f"{obj.config.database_path}: " if obj else ""
    except NewsmonError:
        return ""


def _verbose(ctx: click.Context) -> bool:
    obj = ctx.find_object(AppContext)
    return bool(obj and obj.verbose)


@click.group(cls=NewsmonGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG_NAME,
    envvar="NEWSMON_CONFIG",
    show_default=True,
    help="Config file (env NEWSMON_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging, and tracebacks on errors.")
@click.version_option(package_name="newsmon")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """Monitor news sources for watchlist matches, alert on strong ones and mail a daily digest."""
    ctx.obj = AppContext(config_path, verbose)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli(prog_name="newsmon")


import newsmon.commands  # noqa: E402,F401  (registers the commands on ``cli``)
