"""``newsmon init``: write a commented default config and create the database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from newsmon.app import AppContext
from newsmon.config import parse_config
from newsmon.errors import ConfigError


def default_config_text() -> str:
    """The bundled default config, with its comments."""
    return resources.files("newsmon").joinpath("default_config.toml").read_text(encoding="utf-8")


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(app: AppContext, force: bool) -> None:
    """Write a default config (real public sources) and create its database."""
    from newsmon.pipeline.db import connect

    path: Path = app.config_path.expanduser().resolve()
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists (use --force to overwrite)")
    text = default_config_text()
    config = parse_config(text, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    connect(config.database_path, create=True).close()
    click.echo(f"Wrote {path}")
    click.echo(f"Created {config.database_path}")
    click.echo(
        f"Before crawling: add your contact to [crawl] user_agent (now {config.crawl.user_agent!r}), e.g. "
        "'newsmon/0.1 (news monitor; +mailto:you@example.org)', so site owners can reach you."
    )
    click.echo(
        f"The digest goes out daily at {config.digest.at} {config.digest.timezone}: set [digest] timezone to "
        "your own zone (e.g. Europe/Minsk)."
    )
    click.echo("Then: 'newsmon check', 'newsmon crawl' to fetch once, or 'newsmon run' to keep monitoring.")
