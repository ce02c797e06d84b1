"""``newsmon demo``: the whole pipeline in under a minute, with no config and no internet.

It serves the bundled sample news site on 127.0.0.1, writes a config and database pointing at it, and
runs what the daemon runs: crawl (in a child process, as Scrapy's reactor runs once per process), then
analysis, alerts and the digest, both written to the outbox folder instead of mailed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from newsmon.app import AppContext
from newsmon.config import DEFAULT_CONFIG_NAME, Config, parse_config
from newsmon.errors import ConfigError, NewsmonError

MARKER = "# newsmon demo config"
CONFIG_TEMPLATE = MARKER + """: written by 'newsmon demo', which rewrites it and resets the demo database.
# The sources point at the bundled sample news site, served on 127.0.0.1 only while 'newsmon demo'
# runs ('newsmon demo --keep-serving' keeps it up). Alerts and the digest go to the outbox folder.
database = "newsmon.db"

[crawl]
obey_robots = true           # the sample site's robots.txt allows its article pages
timeout = 10

[alerts]
min_score = 0.7

[digest]
timezone = "UTC"
outbox = "outbox"

[[sources]]
name = "sample-feed"
type = "feed"
url = "{base}/feed.xml"

[[sources]]
name = "sample-news-sitemap"
type = "sitemap"
url = "{base}/news-sitemap.xml"

[[sources]]
name = "sample-gdelt"
type = "gdelt"
url = "{base}/api/v2/doc/doc"
query = "(Belarus OR Lukashenko OR Minsk) (Libya OR Haftar OR Benghazi)"
"""


def prepare_folder(folder: Path) -> Path:
    """The config path in ``folder``, after clearing a previous demo there; never touches a user's files."""
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / DEFAULT_CONFIG_NAME
    database = folder / "newsmon.db"
    advice = "run the demo with --dir NEW_FOLDER"
    if config_path.exists():
        if not config_path.read_text(encoding="utf-8", errors="replace").startswith(MARKER):
            raise ConfigError(f"{config_path}: a config that the demo did not write is here; {advice}")
    elif database.exists():
        raise ConfigError(f"{database}: a database that the demo did not write is here; {advice}")
    for stale in [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]:
        stale.unlink(missing_ok=True)
    outbox = folder / "outbox"
    for pattern in ("digest-*.eml", "digest-*.html", "alert-*.eml"):
        for stale in outbox.glob(pattern):
            stale.unlink()
    return config_path


def digest_day(config: Config, now: datetime | None = None) -> date:
    """The date of the next digest slot, whose digest covers what the demo has just found."""
    from newsmon.pipeline.digest import upcoming_day

    return upcoming_day(config, now)


def run_crawl(config_path: Path, verbose: bool) -> int:
    """``newsmon crawl`` in a child process, its progress lines shown as they come."""
    command = [sys.executable, "-m", "newsmon", "--config", str(config_path)]
    command += (["--verbose"] if verbose else []) + ["crawl", "--no-analyze", "--no-alerts"]
    return subprocess.run(command, check=False).returncode


def _step(text: str) -> None:
    click.echo(click.style("» ", fg="cyan") + text)


def _quote(sentence: str, terms: list, limit: int = 220) -> str:
    """An evidence sentence, shortened, with the watch terms in bold (plain text when not a terminal)."""
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rstrip() + "…"
    words = sorted({t.text for t in terms if t.text}, key=len, reverse=True)
    if words:
        pattern = re.compile("|".join(map(re.escape, words)))
        sentence = pattern.sub(lambda found: click.style(found.group(), bold=True), sentence)
    return f"“{sentence}”"


def print_matches(db, base_url: str) -> int:
    """Each matched story, best first (newest first among equals): score, headline, outlets, evidence, entities."""
    from newsmon.pipeline.export import load_matches, rfc3339

    rows = sorted(load_matches(db), key=lambda r: rfc3339(r.published, r.created_at), reverse=True)
    stories: dict[object, list] = {}
    for row in sorted(rows, key=lambda r: -r.score):
        stories.setdefault(row.story_id or f"match-{row.match_id}", []).append(row)
    for members in stories.values():
        lead = members[0]
        click.echo("")
        score = click.style(f"  {lead.score:.2f}  ", fg="green", bold=True)
        click.echo(score + click.style(lead.title or lead.url, bold=True))
        where = f"{lead.outlet} · {lead.language or '?'} · {lead.url.removeprefix(base_url)}"
        click.echo(f"        {where}")
        others = list(dict.fromkeys(r.outlet for r in members[1:] if r.outlet != lead.outlet))
        if others:
            click.echo(f"        also reported by: {', '.join(others)}")
        for item in [e for e in lead.evidence if e.sentence != lead.title][:2]:
            click.echo(f"        {_quote(item.sentence, item.terms)}")
        if lead.entities:
            click.echo(click.style(f"        entities: {', '.join(lead.entities[:8])}", dim=True))
    return len(stories)


def print_unmatched(db) -> None:
    """The articles that did not match, so the hard negatives can be seen to be left out."""
    from newsmon.pipeline.render import clean, outlet_of

    rows = list(
        db.query("select title, url, site_name from articles where id not in (select article_id from matches) order by id")
    )
    if not rows:
        return
    click.echo("")
    click.echo(f"  Not matched ({len(rows)}):")
    for row in rows:
        title = clean(row["title"] or row["url"], 160)
        click.echo(click.style(f"        {title}  ({outlet_of(row['site_name'], row['url'])})", dim=True))


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Where to write newsmon.toml, newsmon.db and the outbox.",
)
@click.option(
    "--keep-serving", is_flag=True, help="Keep the sample site up afterwards (Ctrl-C to stop), to browse or crawl again."
)
@click.pass_obj
def demo(app: AppContext, folder: Path, keep_serving: bool) -> None:
    """Run the whole pipeline once against a bundled sample news site: no config, no internet needed."""
    from newsmon.demo.site import DemoSite
    from newsmon.pipeline.alerts import write_pending_alerts
    from newsmon.pipeline.analyze import analyze_pending
    from newsmon.pipeline.db import connect
    from newsmon.pipeline.digest import write_digest
    from newsmon.pipeline.nlp import models_by_language

    started = time.monotonic()
    folder = folder.expanduser().resolve()
    config_path = prepare_folder(folder)
    with DemoSite() as site:
        languages = sorted({s.language for s in site.stories})
        _step(f"Sample news site on {site.base_url}/ : {len(site.stories)} articles in {', '.join(languages)}")
        text = CONFIG_TEMPLATE.format(base=site.base_url)
        config = parse_config(text, config_path)
        config_path.write_text(text, encoding="utf-8")
        db = connect(config.database_path, create=True)
        _step(f"Wrote {config_path} and {config.database_path.name}")

        _step(f"Crawling {len(config.sources)} sources (feed, news sitemap, GDELT-style search)…")
        code = run_crawl(config_path, app.verbose)
        stored = db["articles"].count
        if not stored:
            raise NewsmonError(f"the crawl stored no article (exit code {code}); run with --verbose to see why")

        models = ", ".join(f"{lang}: {model}" for lang, model in models_by_language(config.nlp).items())
        _step(f"Analysing {stored} articles with spaCy ({models})…")
        result = analyze_pending(db, config)
        _step(f"Analysed {result.articles} articles in {result.seconds:.1f}s: {result.matches} matches")

        alerts = write_pending_alerts(db, config, config.outbox_path)
        _step(f"Wrote {len(alerts)} alert{'s' if len(alerts) != 1 else ''} to {config.outbox_path}")
        digest = write_digest(db, config, digest_day(config), config.outbox_path)

        click.echo("")
        click.echo(click.style("Matches, best first:", bold=True))
        count = print_matches(db, site.base_url)
        print_unmatched(db)
        click.echo("")
        _step(f"{count} stor{'ies' if count != 1 else 'y'} matched in {time.monotonic() - started:.0f}s.")
        _step(f"Digest: {digest.with_suffix('.html')} (open it in a browser; {digest.name} is the email)")
        where = "" if folder == Path.cwd() else f" --config {config_path}"
        _step(f"Next: newsmon{where} ui   ·   newsmon{where} export --format atom -o matches.atom")
        db.close()
        if keep_serving:
            try:
                _step(f"Serving the sample site on {site.base_url}/ until Ctrl-C.")
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                click.echo("Stopped.")
