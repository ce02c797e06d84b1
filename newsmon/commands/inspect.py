"""``newsmon inspect PATH_OR_URL...``: what newsmon extracts from a page, without storing anything.

Each input becomes one record built by :func:`inspect_record`; later steps of the pipeline (entities,
watchlist matches) add their keys to that record.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from newsmon.app import AppContext
from newsmon.config import CrawlSettings
from newsmon.errors import NewsmonError


TEXT_LINE_MAX = 2000


class InputError(NewsmonError):
    """One input could not be fetched, or holds no article."""


class BadPathError(InputError):
    """A local input that does not exist or cannot be read: a mistake on the command line."""

    exit_code = 2


def read_input(source: str, crawl: CrawlSettings) -> tuple[bytes | str, str, str | None]:
    """The page (bytes, or text for ``.txt``), its URL and Content-Type, from a local path or a URL."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": crawl.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=crawl.timeout) as response:
                body = response.read(int(crawl.max_page_mb * 1024 * 1024) + 1)
                if len(body) > crawl.max_page_mb * 1024 * 1024:
                    raise InputError(f"{source}: larger than crawl.max_page_mb ({crawl.max_page_mb} MB)")
                return body, response.geturl(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            raise InputError(f"{source}: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise InputError(f"{source}: cannot fetch: {getattr(exc, 'reason', exc)}") from None
    path = Path(source).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadPathError(f"{source}: cannot read: {exc.strerror or exc}") from None
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except OSError as exc:
            raise BadPathError(f"{source}: not a gzip file: {exc}") from None
        path = path.with_suffix("")
    if path.suffix.lower() == ".txt":
        return data.decode("utf-8", errors="replace"), path.resolve().as_uri(), "text/plain"
    return data, path.resolve().as_uri(), None


def article_from_text(text: str, url: str):
    """A plain-text article: the first non-empty line is the title, the rest the body."""
    from newsmon.pipeline.extract import Article
    from newsmon.pipeline.language import detect_language

    lines = text.strip().splitlines()
    title = lines[0].strip() if lines else None
    body = "\n".join(lines[1:]).strip()
    return Article(url, url, title, body, None, None, None, None, detect_language(body), text)


def inspect_record(source: str, crawl: CrawlSettings) -> dict[str, Any]:
    """The extraction of one input as a dict: ``source`` (as given) plus the article's fields."""
    from newsmon.pipeline.extract import extract_article

    page, url, content_type = read_input(source, crawl)
    if content_type == "text/plain":
        article = article_from_text(page, url)
    else:
        article = extract_article(page, url, {"content_type": content_type})
    if article is None:
        raise InputError(f"{source}: no article found in the page")
    return {"source": source, **article.as_dict()}


def print_record(record: dict[str, Any]) -> None:
    """The record for a terminal: what the page said is cleaned of control and bidi characters, and
    every line is bounded, so a hostile page cannot rewrite or flood the screen."""
    from newsmon.pipeline.render import clean, clean_lines

    click.echo(f"== {clean(record['source'], 2000)}")
    for label, key in (("Title", "title"), ("Published", "published"), ("Language", "language"),
                       ("Author", "author"), ("Site", "site_name"), ("Canonical URL", "canonical_url")):
        if record.get(key):
            click.echo(f"{label}: {clean(record[key], 2000)}")
    click.echo("")
    click.echo(clean_lines(record.get("text") or "(no text)", TEXT_LINE_MAX))
    click.echo("")


def _model_part(config, analysis) -> dict[str, dict]:
    """The relevance model's judgement per watch, when the configured database has one."""
    from newsmon.pipeline.db import connect
    from newsmon.pipeline.relevance import judge_analysis

    if config is None or not config.database_path.exists() or not analysis.matches:
        return {}
    db = connect(config.database_path, create=False)
    try:
        return judge_analysis(db, analysis)
    finally:
        db.close()


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input per line.")
@click.pass_obj
def inspect(app: AppContext, inputs: tuple[str, ...], as_json: bool) -> None:
    """Show what newsmon extracts from local HTML/.txt files or URLs, without storing anything."""
    from newsmon.pipeline.analyze import analyze_text
    from newsmon.pipeline.render import clean_lines

    config = app.config if app.config_path.exists() else None
    crawl = config.crawl if config else CrawlSettings()
    failures = []
    for source in inputs:
        try:
            record = inspect_record(source, crawl)
        except InputError as exc:
            failures.append(exc.exit_code)
            click.echo(f"Error: {exc}", err=True)
            continue
        analysis = analyze_text(record.get("title") or "", record.get("text") or "", config=config)
        record.update(entities=analysis.entities_json(), matches=analysis.matches_json())
        judged = _model_part(config, analysis)
        for match in record["matches"]:
            match["model"] = judged.get(match["watch"])
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            print_record(record)
            click.echo(clean_lines(analysis.explain(), TEXT_LINE_MAX))
            for watch, model in judged.items():
                held = f"; held back from alerts: {model['reason']}" if model["held_back"] else ""
                leans = ", ".join(f"{p['feature']} {p['weight']:+.2f}" for p in model["leans_on"])
                click.echo(clean_lines(f"Model for {watch} ({model['labels']} labels): relevant with "
                                       f"p={model['p_relevant']:.2f}{held} (leans on {leans})", TEXT_LINE_MAX))
            click.echo("")
    if failures:
        click.get_current_context().exit(max(failures))
