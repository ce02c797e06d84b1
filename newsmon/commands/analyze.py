"""``newsmon analyze [--all]`` and ``newsmon matches [--since DATE] [--watch NAME] [--json]``."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from newsmon.app import AppContext
from newsmon.errors import ConfigError


@click.command()
@click.option("--all", "reanalyze_all", is_flag=True, help="Re-analyse every article (after a watchlist change).")
@click.pass_obj
def analyze(app: AppContext, reanalyze_all: bool) -> None:
    """Find entities and watchlist matches in the articles not analysed yet."""
    from newsmon.pipeline.analyze import analyze_pending
    from newsmon.pipeline.watchlist import load_watchlist

    load_watchlist(app.config.watchlist_path)  # a broken watchlist is reported before the database is touched
    result = analyze_pending(app.db(), app.config, reanalyze_all=reanalyze_all)
    if not result.articles:
        click.echo("Nothing to analyse." if not reanalyze_all else "No articles stored yet.")
        return
    failed = f", {result.failed} failed (see the log)" if result.failed else ""
    click.echo(
        f"Analysed {result.articles} article{'s' if result.articles != 1 else ''} in {result.seconds:.1f}s: "
        f"{result.matches} match{'es' if result.matches != 1 else ''}{failed}."
    )


@click.command()
@click.option("--since", help="Only matches stored since: 2025-02-14, 2025-02-14T08:00, or an age like 36h or 7d.")
@click.option("--watch", help="Only matches of this watch.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_obj
def matches(app: AppContext, since: str | None, watch: str | None, as_json: bool) -> None:
    """Stored matches, best first, with the sentences that tie the watch's groups together."""
    from newsmon.commands.export import known_watches, parse_since
    from newsmon.pipeline.export import load_matches
    from newsmon.pipeline.matching import best_first
    from newsmon.pipeline.relevance import explain_matches

    db = app.db()
    if watch and watch not in (known := known_watches(app, db)):
        raise ConfigError(f"--watch: unknown watch {watch!r} (known: {', '.join(known) or 'none'})")
    rows = load_matches(db, since=parse_since(since) if since else None, watch=watch)
    rows.sort(key=lambda r: best_first(r.score, r.created_at, r.match_id))
    scores = explain_matches(db, [{"id": row.match_id, "watch": row.watch} for row in rows])
    if as_json:
        click.echo(json.dumps([asdict(row) | scores[row.match_id] for row in rows], ensure_ascii=False, indent=2))
        return
    for row in rows:
        date = (row.published or row.created_at)[:10]
        click.echo(f"{row.score:.2f}  {row.watch}  {date}  {row.title or row.url}  ({row.outlet})")
        click.echo(f"      match #{row.match_id}" + (f", story {row.story_id}" if row.story_id else ""))
        click.echo(f"      {row.url}")
        if model := scores[row.match_id]["model"]:
            held = f", held back: {model['reason']}" if model["held_back"] else ""
            click.echo(f"      model: relevant with p={model['p_relevant']:.2f}{held}")
        for item in row.evidence:
            names = ", ".join(dict.fromkeys(t.canonical for t in item.terms if t.canonical))
            click.echo(f"      [{item.proximity}] “{item.sentence}”  ({names})")
    click.echo(f"{len(rows)} match{'es' if len(rows) != 1 else ''}.")
