"""``newsmon serve [--host H] [--port P]``: the triage page and the targets of the email action links."""

from __future__ import annotations

import click

from newsmon.app import AppContext


@click.command()
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [web] port).")
@click.pass_obj
def serve(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve the triage page: stories best first, with buttons to label them or mute them."""
    import uvicorn

    from newsmon.web import create_app

    config = app.config
    app.db().close()  # a missing database is one line here, not an error page later
    host = host or config.web.host
    port = port or config.web.port
    click.echo(f"Triage page on http://{host}:{port}/ (Ctrl-C stops it)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Note: anyone who can reach {host}:{port} can read and label these stories; "
                   "put it behind a login if that is not this machine only.", err=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", server_header=False)
