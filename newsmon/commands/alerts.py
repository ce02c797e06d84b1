"""``newsmon alerts [--send]`` and ``newsmon digest [--date D] [--send | --outbox DIR]``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from newsmon.app import AppContext
from newsmon.errors import ConfigError, DeliveryError


@click.command()
@click.option("--send", is_flag=True, help="Deliver every pending alert now (default: only list them).")
@click.pass_obj
def alerts(app: AppContext, send: bool) -> None:
    """List the alerts waiting to be delivered, or deliver them with --send."""
    from newsmon.pipeline.alerts import channels_configured, pending_alerts, queue_alerts, send_pending_alerts
    from newsmon.pipeline.render import clean

    config = app.config
    db = app.db()
    if not channels_configured(config):
        click.echo("Alerts are off: set alerts.to (email) or alerts.webhook in the config.")
        return
    if send:
        result = send_pending_alerts(db, config)
        elsewhere = f" ({result.elsewhere} being sent by another process)" if result.elsewhere else ""
        click.echo(f"Alerts: {result.sent} sent, {result.failed} failed, {result.pending} still pending{elsewhere}.")
        if result.failed:
            raise DeliveryError(result.error or "some alerts were not delivered; they are retried next time")
        return
    queue_alerts(db, config)
    pending = pending_alerts(db)
    for alert, story in pending:
        outlets = ", ".join(story.outlets)
        line = f"#{alert['id']}  {story.score:.2f}  {alert['watch']}  {story.lead.title}  ({outlets})"
        if alert["error"]:
            line += f"  last error: {clean(alert['error'], 160)}"
        click.echo(line)
    click.echo(
        f"{len(pending)} alert{'' if len(pending) == 1 else 's'} pending." + (" Send with --send." if pending else "")
    )


@click.command()
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The digest's date, YYYY-MM-DD (default: the latest slot that has passed).",
)
@click.option("--send", is_flag=True, help="Mail it to digest.to (once per date; a second send is a no-op).")
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the .eml and .html here instead of the configured outbox folder.",
)
@click.pass_obj
def digest(app: AppContext, day: datetime | None, send: bool, outbox: Path | None) -> None:
    """Build the daily digest: write it to the outbox (default) or mail it with --send."""
    from newsmon.pipeline.digest import send_digest, write_digest

    if send and outbox:
        raise ConfigError("use either --send or --outbox, not both")
    config = app.config
    db = app.db()
    date = day.date() if day else None
    if send:
        click.echo(send_digest(db, config, date).message)
        return
    path = write_digest(db, config, date, outbox)
    click.echo(f"Wrote {path} and {path.with_suffix('.html').name}")
