"""The ``newsmon`` command: a click group that adds the commands of ``newsmon.commands`` (they never import it).

Expected failures (``NewsmonError``) become one line on stderr and an exit code; ``--verbose`` shows
the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from pathlib import Path

import click
from click.exceptions import NoArgsIsHelpError

from newsmon.app import AppContext
from newsmon.commands import COMMANDS
from newsmon.config import DEFAULT_CONFIG_NAME
from newsmon.errors import NewsmonError


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
            from newsmon.pipeline.db import describe_sqlite_error

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


def _late_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_object(AppContext).config_path = value


def _late_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_object(AppContext).verbose = True
        logging.getLogger().setLevel(logging.DEBUG)


def accept_global_options(command: click.Command) -> click.Command:
    """Let ``--config`` and ``-v`` follow the subcommand too (``newsmon status --config x.toml``).

    They set what the group's own options set; given in both places, the later one wins.
    """
    command.params += [
        click.Option(
            ["--config", "late_config"], type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
            callback=_late_config, help="Config file (also accepted before the command).",
        ),
        click.Option(
            ["-v", "--verbose", "late_verbose"], is_flag=True, expose_value=False, callback=_late_verbose,
            help="Debug logging, and tracebacks on errors.",
        ),
    ]  # fmt: skip
    return command


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


for _command in COMMANDS:
    cli.add_command(accept_global_options(_command))


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli(prog_name="newsmon")

