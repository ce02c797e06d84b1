"""The command line around crawling: help for every command, ``inspect``, ``sources``, ``search`` and
the one-line errors of ``crawl``. (Real crawls run in a child process: see test_crawl_run.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from newsmon.cli import cli
from newsmon.localsite import LocalSite
from newsmon.pipeline.db import connect
from newsmon.pipeline.extract import Article
from newsmon.pipeline.store import Store

SITE = Path(__file__).parent / "site"
SEED_PAGE = SITE / "news/2025/02/haftar-minsk-visit.html"


def all_commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix}{name} ")


def test_every_command_has_help_text(runner):
    commands = dict(all_commands(cli))
    assert {"crawl", "sources", "search", "inspect", "init"} <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), f"'newsmon {name}' has no help text"
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0 and command.help.strip().split("\n")[0][:40] in result.output


@pytest.fixture
def config(write_config, tmp_path):
    path = write_config(
        """
        database = "news.db"
        [[sources]]
        name = "libya-herald"
        type = "feed"
        url = "http://127.0.0.1:9/feed/"
        [[sources]]
        name = "paused"
        type = "feed"
        url = "http://127.0.0.1:9/paused/"
        enabled = false
        """
    )
    db = connect(tmp_path / "news.db")
    store = Store(db)
    run = store.start_run("libya-herald")
    article = Article("https://libyaherald.example/2025/02/haftar-minsk/", "https://libyaherald.example/2025/02/haftar-minsk/",
                      "Haftar ends Minsk visit", "Khalifa Haftar ended his visit to Minsk after meeting Lukashenko.",
                      None, None, "Libya Herald", "2025-02-20T10:00:00+00:00", "en", "")
    store.add(article, "libya-herald", [])
    store.flush()
    store.finish_run(run, status="ok", pages=3, new_articles=1, errors=[])
    db.close()
    return path


def test_sources_lists_each_source_with_its_last_run_and_articles(runner, config):
    result = runner.invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 0, result.output
    herald, paused = result.output.splitlines()
    assert herald.startswith("libya-herald") and "1 articles" in herald and "ok (3 pages, 1 new)" in herald
    assert paused.startswith("paused") and "never run" in paused and "[disabled]" in paused


def test_search_uses_full_text_search(runner, config):
    result = runner.invoke(cli, ["--config", str(config), "search", "Lukashenko"])
    assert result.exit_code == 0, result.output
    assert "Haftar ends Minsk visit" in result.output and "1 result." in result.output
    rows = runner.invoke(cli, ["--config", str(config), "search", "--json", '"visit to" AND Minsk']).output
    assert json.loads(rows.splitlines()[0])["url"] == "https://libyaherald.example/2025/02/haftar-minsk/"
    odd = runner.invoke(cli, ["--config", str(config), "search", 'Haftar"s (visit'])
    assert odd.exit_code == 2 and "Traceback" not in odd.output and odd.output.count("\n") == 1


def test_crawl_refuses_an_unknown_source_in_one_line(runner, config):
    result = runner.invoke(cli, ["--config", str(config), "crawl", "--source", "nope"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no source named 'nope'" in result.output


def test_inspect_prints_the_extraction_as_json_lines(runner, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Belarus and Libya talk trade\nOfficials from Minsk and Benghazi met on Tuesday.", encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "inspect", "--json", str(SEED_PAGE), str(note)])
    assert result.exit_code == 0, result.output
    page, text = (json.loads(line) for line in result.output.splitlines())
    assert page["source"] == str(SEED_PAGE)
    assert page["title"] == "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya"
    assert page["published"] == "2025-02-20T14:05:00+03:00" and page["language"] == "en"
    assert "Khalifa Haftar" in page["text"] and "html" not in page
    assert text["title"] == "Belarus and Libya talk trade" and text["text"].startswith("Officials from Minsk")


def test_inspect_fetches_urls_and_reports_bad_inputs_in_one_line_each(runner, tmp_path):
    with LocalSite(SITE) as site:
        result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "inspect",
                                     site.url("/news/2025/02/belarus-libya-trade.html"), str(tmp_path / "missing.html")])
        assert site.count("/news/2025/02/belarus-libya-trade.html") == 1
    assert result.exit_code == 2  # a path that does not exist is a command-line mistake
    assert "Title: Belarus and Libya sign memorandum on trade and agriculture" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "missing.html: cannot read" in errors[0]
    assert "Traceback" not in result.output
