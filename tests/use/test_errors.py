"""Mistakes a user can make get one clear line and an exit code, from every command alike: no config,
a bad config, a missing or locked database, an unknown source name. `--verbose` shows the traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from newsmon.cli import cli

NEEDS_CONFIG = [
    ["crawl"],
    ["analyze"],
    ["matches"],
    ["export"],
    ["ui"],
    ["alerts"],
    ["digest"],
    ["sources"],
    ["search", "Haftar"],
    ["status"],
    ["run"],
]
NEEDS_DATABASE = [
    ["analyze"],
    ["matches"],
    ["export", "--format", "atom"],
    ["ui"],
    ["alerts"],
    ["digest"],
    ["search", "Haftar"],
]


def one_line(result) -> str:
    assert result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize("args", NEEDS_CONFIG, ids=lambda a: a[0])
def test_no_config_says_how_to_write_one(runner, tmp_path, args):
    result = runner.invoke(cli, ["--config", str(tmp_path / "newsmon.toml"), *args])
    assert result.exit_code == 2
    assert "no such config file (run 'newsmon init' to write one)" in one_line(result)


@pytest.mark.parametrize("args", NEEDS_CONFIG, ids=lambda a: a[0])
def test_a_bad_config_key_is_named_with_its_file(runner, write_config, args):
    path = write_config('database = "newsmon.db"\n[crawl]\ntimeout = "soon"\n')
    result = runner.invoke(cli, ["--config", str(path), *args])
    assert result.exit_code == 2
    assert f"{path}: crawl.timeout: expected a number" in one_line(result)


@pytest.mark.parametrize("args", NEEDS_DATABASE, ids=lambda a: a[0])
def test_a_missing_database_is_reported_not_created(runner, write_config, tmp_path, args):
    path = write_config('database = "data/newsmon.db"\n')
    result = runner.invoke(cli, ["--config", str(path), *args])
    assert result.exit_code == 1
    assert "data/newsmon.db: database not found (run 'newsmon init' first)" in one_line(result)
    assert not (tmp_path / "data" / "newsmon.db").exists()


def test_an_unknown_source_name_lists_the_known_ones(runner, write_config):
    path = write_config('[[sources]]\nname = "libya-herald"\ntype = "feed"\nurl = "http://127.0.0.1:9/feed"\n')
    result = runner.invoke(cli, ["--config", str(path), "crawl", "--source", "libya-herld"])
    assert result.exit_code == 2
    assert "no source named 'libya-herld' (known: libya-herald)" in one_line(result)


def test_a_locked_database_is_one_line_after_waiting(runner, seeded, monkeypatch):
    from newsmon import pipeline

    monkeypatch.setattr(pipeline.db, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(seeded.parent / "newsmon.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("insert into crawl_runs (source) values ('lock-holder')")
        result = runner.invoke(cli, ["--config", str(seeded), "export"])
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "database is locked by another writer" in one_line(result)


def test_verbose_turns_the_one_line_into_a_traceback(tmp_path):
    missing = str(tmp_path / "newsmon.toml")
    quiet = subprocess.run(
        [sys.executable, "-m", "newsmon", "--config", missing, "export"], capture_output=True, text=True
    )
    loud = subprocess.run(
        [sys.executable, "-m", "newsmon", "--verbose", "--config", missing, "export"], capture_output=True, text=True
    )
    assert quiet.returncode == 2 and quiet.stderr.startswith("Error: ") and quiet.stderr.count("\n") == 1
    assert "Traceback (most recent call last)" in loud.stderr and "no such config file" in loud.stderr
