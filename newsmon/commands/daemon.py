"""``newsmon run`` (the scheduled daemon) and ``newsmon status`` (how it is doing)."""

from __future__ import annotations

import json

import click

from newsmon.app import AppContext


@click.command()
@click.pass_obj
def run(app: AppContext) -> None:
    """Keep monitoring: crawl each source on its schedule, analyse, alert, and mail the daily digest.

    Runs until SIGTERM or Ctrl-C. One daemon per database: a second one exits at once. Refuses to
    start on anything 'newsmon check' finds fatal.
    """
    from newsmon.checks import check_config, fatal
    from newsmon.errors import ConfigError
    from newsmon.schedules.daemon import Daemon

    problems = fatal(check_config(app.config))
    if problems:
        details = "; ".join(f"{p.what}: {p.detail}" for p in problems)
        raise ConfigError(f"not starting: {details} (see 'newsmon check')")
    Daemon(app.config, verbose=app.verbose).run()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_obj
def status(app: AppContext, as_json: bool) -> None:
    """Show whether the daemon runs, each source's last and next run, failing and silent sources,
    pending alerts and the last digest sent."""
    from newsmon.schedules.history import utcnow
    from newsmon.schedules.status import collect, render

    db = app.db()
    try:
        report = collect(app.config, db, utcnow())
    finally:
        db.close()
    click.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else render(report))
