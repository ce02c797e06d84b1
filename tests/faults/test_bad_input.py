"""Bad command-line input: every mistake is one line that names the problem (and where to find help),
exit status 2, no traceback and no usage block, and nothing is written. Bad configuration gets the
same treatment in ``tests/test_config.py``.
"""

from __future__ import annotations

import sqlite3

import pytest

from newsmon.cli import cli
from newsmon.pipeline.db import connect

GOOD_CONFIG = """\
database = "news.db"

[[sources]]
name = "libya-herald"
type = "feed"
url = "http://127.0.0.1:9/feed/"
"""

CASES = [
    (["digest", "--date", "2024-13-45"], "Invalid value for '--date': '2024-13-45'"),
    (["digest", "--date", "yesterday"], "Invalid value for '--date'"),
    (["digest", "--date", "2099-01-01", "--send"], "the digest for 2099-01-01 is due at 08:00 UTC"),
    (["digest", "--send", "--outbox", "preview"], "use either --send or --outbox, not both"),
    (["export", "--since", "last week"], "--since: expected a date (2025-02-14), a date-time or an age"),
    (["export", "--since", "2025-02-30"], "--since: expected a date"),
    (["matches", "--since", "7x"], "--since: expected a date"),
    (["export", "--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'csv', 'json', 'atom'"),
    (["export", "--watch", "belarus-chad"], "--watch: no watch named 'belarus-chad' (known: belarus-libya"),
    (["matches", "--watch", "belarus-chad"], "--watch: unknown watch 'belarus-chad'"),
    (["crawl", "--source", "libya-heral"], "no source named 'libya-heral' (known: libya-herald)"),
    (["inspect", "missing/page.html"], "missing/page.html: cannot read: No such file or directory"),
    (["inspect", "not-gzip.html.gz"], "not-gzip.html.gz: not a gzip file"),
    (["inspect"], "Missing argument 'PATH_OR_URL...'"),
    (["search"], "Missing argument 'QUERY'"),
    (["search", "--limit", "0", "Haftar"], "Invalid value for '--limit': 0 is not in the range x>=1"),
    (["ui", "--port", "70000"], "Invalid value for '--port': 70000 is not in the range 1<=x<=65535"),
    (["status", "--json", "now"], "Got unexpected extra argument (now)"),
    (["crawl", "--no-analyse"], "No such option '--no-analyse'. (Did you mean one of: '--no-alerts', '--no-analyze'?)"),
    (["analyse"], "No such command 'analyse'"),
    (["export", "-o", "."], "Invalid value for '--output'"),
]


@pytest.fixture
def config(write_config, tmp_path):
    path = write_config(GOOD_CONFIG)
    connect(tmp_path / "news.db").close()
    (tmp_path / "not-gzip.html.gz").write_text("<html>plain</html>", encoding="utf-8")
    return path


def snapshot(path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


@pytest.mark.parametrize("args, expected", CASES, ids=[" ".join(args) for args, _ in CASES])
def test_bad_command_line_input_is_one_line_naming_it_and_exit_2(runner, config, tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path / "news.db")
    result = runner.invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: ") and expected in result.output
    assert "Traceback" not in result.output and "Usage:" not in result.output
    assert snapshot(tmp_path / "news.db") == before


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--config", "."], "Invalid value for '--config': File '.' is a directory"),
        (["--frobnicate"], "No such option '--frobnicate'"),
    ],
)
def test_mistakes_in_the_global_options_are_one_line_too(runner, tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, [*args, "status"], prog_name="newsmon")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and expected in result.output and "(see 'newsmon --help')" in result.output


def test_a_bad_busy_timeout_in_the_environment_is_named(runner, config, monkeypatch):
    monkeypatch.setenv("NEWSMON_BUSY_TIMEOUT", "soon")
    result = runner.invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "NEWSMON_BUSY_TIMEOUT: expected seconds" in result.output


def test_help_is_still_help(runner, config):
    result = runner.invoke(cli, ["--config", str(config), "export", "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and "--since" in result.output
