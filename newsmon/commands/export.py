"""``newsmon export`` (matches as CSV, JSON or Atom) and ``newsmon ui`` (Datasette over the database)."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import webbrowser
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import click

from newsmon.app import AppContext
from newsmon.config import parse_duration
from newsmon.errors import ConfigError, NewsmonError
from newsmon.files import write_atomically


def parse_since(text: str, now: datetime | None = None) -> str:
    """``--since`` as an ISO 8601 UTC timestamp: a date (UTC midnight), a date-time, or an age like ``36h``."""
    now = now or datetime.now(timezone.utc)
    try:
        return (now - timedelta(seconds=parse_duration(text))).isoformat(timespec="seconds")
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        expected = "a date (2025-02-14), a date-time or an age like 36h"
        raise ConfigError(f"--since: expected {expected}, got {text!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def known_watches(app: AppContext, db) -> list[str]:
    """Watch names a user may ask for: those of the watchlist, and any already stored."""
    names = {row["watch"] for row in db.query("select distinct watch from matches")}
    try:
        from newsmon.pipeline.watchlist import load_watchlist

        names.update(watch.name for watch in load_watchlist(app.config.watchlist_path).watches)
    except ImportError:
        pass
    return sorted(names)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "atom"]), default="csv", show_default=True,
    help="A spreadsheet, JSON with the evidence as stored, or an Atom 1.0 feed.",
)  # fmt: skip
@click.option(
    "--per", type=click.Choice(["story", "match"]),
    help="One entry per story (copies merged, every outlet listed) or per match. Default: story for atom, match otherwise.",
)  # fmt: skip
@click.option("--since", help="Only matches stored since: 2025-02-14, 2025-02-14T08:00, or an age like 36h or 7d.")
@click.option("--watch", help="Only matches of this watch.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
@click.option("--feed-url", help="Atom only: the URL the feed will be published at (its rel=self link).")
@click.pass_obj
def export(
    app: AppContext,
    fmt: str,
    per: str | None,
    since: str | None,
    watch: str | None,
    output: Path | None,
    feed_url: str | None,
) -> None:
    """Export stored matches with their evidence as CSV, JSON or an Atom feed for any feed reader."""
    from newsmon.pipeline import export as formats
    from newsmon.pipeline.export import load_matches
    from newsmon.pipeline.stories import assign_stories

    since_iso = parse_since(since) if since else None
    db = app.db()
    if watch:
        known = known_watches(app, db)
        if watch not in known:
            raise ConfigError(f"--watch: no watch named {watch!r} (known: {', '.join(known) or 'none yet'})")
    per = per or ("story" if fmt == "atom" else "match")
    assign_stories(db)
    rows = load_matches(db, since=since_iso, watch=watch)
    stories = formats.group_stories(rows) if per == "story" else formats.single_copies(rows)
    if fmt == "csv":
        text = formats.stories_to_csv(stories) if per == "story" else formats.to_csv(rows)
    elif fmt == "json":
        text = formats.stories_to_json(stories) if per == "story" else formats.to_json(rows)
    else:
        if feed_url:
            link, rel = feed_url, "self"
        elif output:
            link, rel = output.resolve().as_uri(), "self"
        else:
            link, rel = app.config.database_path.as_uri(), "via"
        text = formats.to_atom(stories, watch=watch, link=link, link_rel=rel)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text, "utf-8-sig" if fmt == "csv" else "utf-8", what="the export")
    count = f"{len(rows)} match{'es' if len(rows) != 1 else ''}"
    if per == "story":
        count = f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'} ({count})"
    click.echo(f"Wrote {count} to {output} ({fmt})", err=True)


def datasette_metadata(database_path: Path) -> dict:
    """The bundled Datasette metadata, keyed by this database's name (its file name without suffix)."""
    import yaml  # comes with Datasette, the only user of this metadata

    text = resources.files("newsmon").joinpath("datasette/metadata.yml").read_text(encoding="utf-8")
    metadata = yaml.safe_load(text)
    databases = metadata.get("databases", {})
    if "newsmon" in databases:
        databases[database_path.stem] = databases.pop("newsmon")
    return metadata


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or exc
            raise NewsmonError(f"cannot listen on {host}:{port}: {reason} (choose another --port)") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open a browser on it.")
@click.pass_obj
def ui(app: AppContext, host: str, port: int, open_browser: bool) -> None:
    """Browse the database in Datasette, with canned queries for matches, entities, sources and search."""
    if importlib.util.find_spec("datasette") is None:
        raise NewsmonError("Datasette is not installed: run pip install -e '.[ui]' (or pip install datasette)")
    import uvicorn
    from datasette.app import Datasette

    db_path = app.config.database_path
    app.db().close()
    _check_port_free(host, port)
    ds = Datasette([str(db_path)], metadata=datasette_metadata(db_path))
    asyncio.run(ds.invoke_startup())
    url = f"http://{host}:{port}/{db_path.stem}"
    click.echo(f"Datasette on {url} (Ctrl-C to stop)", err=True)
    if open_browser:
        webbrowser.open(url)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
