"""``newsmon check``: is this config ready to run? The config and everything it points at."""

from __future__ import annotations

import click

from newsmon.app import AppContext
from newsmon.errors import ConfigError


@click.command()
@click.option("--smtp", "test_smtp", is_flag=True, help="Also connect (and log in) to the SMTP server; nothing is sent.")
@click.pass_obj
def check(app: AppContext, test_smtp: bool) -> None:
    """Check the config and what it points at: watchlist, addresses, time zone, schedules, source URLs,
    folders, the spaCy model and, with --smtp, the mail server. Exits 2 when something is fatal."""
    from newsmon.checks import check_config, fatal

    findings = check_config(app.config, smtp=test_smtp)
    for finding in findings:
        click.echo(finding.line())
    problems = fatal(findings)
    if problems:
        raise ConfigError(f"{len(problems)} fatal problem{'s' if len(problems) != 1 else ''}: {problems[0].what}: {problems[0].detail}")
    click.echo("Ready to run.")
