"""``newsmon crawl``, ``newsmon sources`` and ``newsmon search``: collect articles and look at them."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import click

from newsmon.app import AppContext
from newsmon.config import Config, Source
from newsmon.errors import ConfigError, NewsmonError
from newsmon.pipeline.render import clean


def select_sources(config: Config, names: tuple[str, ...]) -> list[Source]:
    """The sources named on the command line (even disabled ones), or every enabled source."""
    if names:
        return [config.source(name) for name in dict.fromkeys(names)]
    sources = [s for s in config.sources if s.enabled]
    if not sources:
        raise ConfigError(f"{config.path}: no enabled sources to crawl (add [[sources]] to the config)")
    return sources


def summary_line(report, width: int = 24) -> str:
    """One line per source: name, status, pages, new articles, errors (and the first reason)."""
    line = (
        f"{report.source:<{width}} {report.status:<11} {report.pages:>5} pages {report.new_articles:>5} new"
        f" {report.error_count:>4} errors"
    )
    if report.errors and report.status in ("failed", "partial", "interrupted"):
        line += f"  ({report.errors[0]})"
    return line


class Progress:
    """Per-source progress: a summary line as each source finishes; on a terminal, also a status line
    naming the sources still running, redrawn in place."""

    def __init__(self, sources: list[Source], interactive: bool) -> None:
        self.width = max(len(s.name) for s in sources)
        self.total = len(sources)
        self.running: list[str] = []
        self.done = 0
        self.interactive = interactive

    def started(self, report) -> None:
        self.running.append(report.source)
        self._redraw()

    def finished(self, report) -> None:
        if report.source in self.running:
            self.running.remove(report.source)
        self.done += 1
        self._clear()
        click.echo(summary_line(report, self.width))
        self._redraw()

    def close(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.interactive:
            click.echo("\r\033[K", nl=False)

    def _redraw(self) -> None:
        if self.interactive and self.running:
            names = ", ".join(self.running)
            text = f"[{self.done}/{self.total}] crawling: {names}"
            click.echo(f"\r\033[K{text[: shutil.get_terminal_size().columns - 1]}", nl=False)


@click.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@click.option("--no-analyze", is_flag=True, help="Do not analyse the new articles afterwards.")
@click.option("--no-alerts", is_flag=True, help="Do not send alerts afterwards.")
@click.pass_obj
def crawl(app: AppContext, names: tuple[str, ...], no_analyze: bool, no_alerts: bool) -> None:
    """Fetch every enabled source once, store new articles, then analyse them and send alerts.

    Exits 0 when the crawl ran, even if some sources failed (see 'newsmon sources'); 1 only when every
    selected source failed.
    """
    from newsmon.spiders.runner import crawl_sources

    config = app.config
    sources = select_sources(config, names)
    app.db(create=True).close()
    progress = Progress(sources, interactive=sys.stdout.isatty())
    started = time.monotonic()
    analysis = None
    if not no_analyze:  # analyses each batch as soon as it is stored, while the crawl goes on
        from newsmon.pipeline.background import BackgroundAnalysis
        from newsmon.progress import WorkProgress

        analysis = BackgroundAnalysis(config, progress=WorkProgress("analysing", "articles"))
    try:
        reports = crawl_sources(
            config, sources, on_start=progress.started, on_finish=progress.finished, verbose=app.verbose
        )
    except BaseException:
        if analysis is not None:
            analysis.cancel()
        raise
    finally:
        progress.close()
    new = sum(r.new_articles for r in reports)
    failed = [r for r in reports if r.status in ("failed", "interrupted")]
    click.echo(
        f"Crawled {len(reports)} source{'s' if len(reports) != 1 else ''} in {time.monotonic() - started:.1f}s:"
        f" {new} new article{'s' if new != 1 else ''}, {len(failed)} failed."
    )
    if analysis is not None:
        result = analysis.finish()
        failed_analysis = f", {result.failed} failed" if result.failed else ""
        click.echo(f"Analysed {result.articles} articles: {result.matches} matches{failed_analysis}.")
    if not no_alerts:
        from newsmon.pipeline.alerts import send_pending_alerts

        line = send_pending_alerts(app.db(), config).summary()
        click.echo(line[:1].upper() + line[1:])
    if len(failed) == len(reports):
        raise NewsmonError("every selected source failed; see the reasons above")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source per line.")
@click.option(
    "--import", "import_from", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Add the feeds of an OPML file (from a feed reader) to the config as feed sources.",
)  # fmt: skip
@click.option(
    "--export", "export_to", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the feed sources as OPML to FILE ('-' for stdout).",
)  # fmt: skip
@click.pass_obj
def sources(app: AppContext, as_json: bool, import_from: Path | None, export_to: Path | None) -> None:
    """List the configured sources with their last run, its status, and how many articles each found;
    or import feeds from OPML, or export them to it."""
    from newsmon.checks import watchlist_finding

    config = app.config
    if import_from or export_to:
        _opml(config, import_from, export_to)
        return
    finding = watchlist_finding(config)
    if finding.level == "fatal":
        click.echo(f"Warning: {finding.detail} (nothing can match until it is fixed; see 'newsmon check')", err=True)
    runs: dict[str, dict] = {}
    reached: dict[str, int] = {}
    if config.database_path.exists():
        db = app.db()
        for row in db.query(
            "select source, started_at, status, pages, new_articles, errors from crawl_runs "
            "where id in (select max(id) from crawl_runs group by source)"
        ):
            runs[row["source"]] = row
        reached = dict(db.execute("select source, count(*) from article_sources group by source").fetchall())
    if as_json:
        for source in config.sources:
            click.echo(json.dumps(_source_record(source, runs.get(source.name), reached.get(source.name, 0)), ensure_ascii=False))
        return
    if not config.sources:
        click.echo(f"No sources in {config.path}.")
        return
    width = max(len(s.name) for s in config.sources)
    for source in config.sources:
        run = runs.get(source.name)
        last = (
            f"last run {run['started_at']} {run['status']} ({run['pages']} pages, {run['new_articles']} new)"
            if run
            else "never run"
        )
        state = "" if source.enabled else "  [disabled]"
        click.echo(
            f"{source.name:<{width}}  {source.type:<7}  {_schedule(source):<14}  {reached.get(source.name, 0):>6} articles"
            f"  {last}{state}"
        )


def _opml(config: Config, import_from: Path | None, export_to: Path | None) -> None:
    from newsmon.files import write_atomically
    from newsmon.opml import export_opml, import_opml

    if import_from and export_to:
        raise ConfigError("use either --import or --export, not both")
    if import_from:
        result = import_opml(config, import_from)
        click.echo(f"Added {len(result.added)} feed source{'s' if len(result.added) != 1 else ''} to {config.path}"
                   + (f": {', '.join(result.added)}" if result.added else "") + ".")  # fmt: skip
        if result.already:
            click.echo(f"Skipped {len(result.already)} already configured.")
        for url in result.refused:
            click.echo(f"Skipped {url!r}: not an http(s) URL.", err=True)
        return
    text, others = export_opml(config)
    if str(export_to) == "-":
        click.echo(text, nl=False)
    else:
        write_atomically(export_to, text, what="the OPML file")
        click.echo(f"Wrote {len(config.sources) - others} feed sources to {export_to}.", err=True)
    if others:
        click.echo(f"Left out {others} source{'s' if others != 1 else ''} that {'are' if others != 1 else 'is'} not a feed.", err=True)


def _schedule(source: Source) -> str:
    return f"cron {source.cron}" if source.cron else f"every {source.every or '30m'}"


def _source_record(source: Source, run: dict | None, articles: int) -> dict:
    """A source as ``sources --json`` prints it: its config, articles reached and its last run."""
    return {
        "name": source.name,
        "type": source.type,
        "url": source.url,
        "schedule": _schedule(source),
        "enabled": source.enabled,
        "articles": articles,
        "last_run": dict(run) if run else None,
    }


@click.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Most results to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result per line.")
@click.pass_obj
def search(app: AppContext, query: str, limit: int, as_json: bool) -> None:
    """Full-text search over stored titles and texts, finding the word forms the watchlist matcher finds
    (Хафтар finds Хафтара). FTS5 syntax (AND, OR, "phrases", prefix*) is used as written."""
    from newsmon.pipeline.search import search as run_search
    from newsmon.pipeline.search import snippet_parts

    hits = run_search(app.db(), query, limit)
    for hit in hits:
        parts = snippet_parts(hit.snippet)
        if as_json:
            row = {"id": hit.id, "published": hit.published, "source": hit.source, "title": hit.title, "url": hit.url}
            row["snippet"] = "".join(text for text, _ in parts)
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        title = clean(hit.title) or "(no title)"
        click.echo(f"{(hit.published or '')[:10]:<10}  {clean(hit.source, 20):<20}  {title}")
        click.echo(f"{'':<10}  {clean(hit.url, 2000)}")
        if parts:
            text = "".join(click.style(t, bold=True, fg="yellow") if hit_ else t for t, hit_ in parts)
            click.echo(f"{'':<10}  {text}")
    if not as_json:
        click.echo(f"{len(hits)} result{'s' if len(hits) != 1 else ''}.")
