"""The command line behaves the same way everywhere: global options after the command too, --json for
every listing, --limit for long lists, and dates that do not exist called so."""

from __future__ import annotations

import json

import pytest

from newsmon.cli import cli
from newsmon.commands import COMMANDS
from newsmon.errors import ConfigError
from newsmon.pipeline.db import connect


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_command_accepts_config_and_verbose_after_its_name(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--config FILE" in result.output and "-v, --verbose" in result.output


def test_config_after_the_command_is_the_config_used(runner, seeded, tmp_path):
    result = runner.invoke(cli, ["sources", "--json", "--config", str(seeded)])
    assert result.exit_code == 0, result.output
    assert result.output == ""  # the seeded config has no sources; the default newsmon.toml would not load
    result = runner.invoke(cli, ["--config", str(tmp_path / "missing.toml"), "matches", "--config", str(seeded)])
    assert result.exit_code == 0, result.output


def test_verbose_after_the_command_shows_the_traceback(runner, seeded):
    result = runner.invoke(cli, ["search", "", "--config", str(seeded), "-v"])
    assert isinstance(result.exception, ConfigError)


def test_sources_json_is_one_object_per_source(runner, write_config, tmp_path):
    config = write_config(
        'database = "newsmon.db"\n[[sources]]\nname = "wire"\ntype = "feed"\nurl = "https://wire.example/f.xml"\n'
    )
    result = runner.invoke(cli, ["--config", str(config), "sources", "--json"])
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert record == {
        "name": "wire", "type": "feed", "url": "https://wire.example/f.xml", "schedule": "every 30m",
        "enabled": True, "articles": 0, "last_run": None,
    }  # fmt: skip


def test_alerts_json_lists_each_pending_alert(runner, write_config, seeded, tmp_path):
    config = write_config('database = "newsmon.db"\n[alerts]\nto = ["desk@example.org"]\n')
    db = connect(tmp_path / "newsmon.db")
    db["alerts"].insert(
        {"story_id": 2, "watch": "belarus-libya", "match_ids": "[2, 3]", "created_at": "2025-02-15T09:32:00+00:00"}
    )
    db.close()
    result = runner.invoke(cli, ["--config", str(config), "alerts", "--json"])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert record["outlets"] == ["Maghreb Wire", "Eastern Europe Today"] and record["score"] == 0.88


def test_matches_limit_shows_the_best_and_says_how_many_there_are(runner, seeded):
    result = runner.invoke(cli, ["--config", str(seeded), "matches", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("0.93  belarus-libya")
    assert result.output.endswith("4 matches (the best 1 shown; --limit).\n")
    assert len(json.loads(runner.invoke(cli, ["--config", str(seeded), "matches", "--limit", "2", "--json"]).output)) == 2


@pytest.mark.parametrize(
    "value, message",
    [("2025-02-30", "'2025-02-30' does not exist"), ("2025-13-01", "'2025-13-01' does not exist"), ("30.02.2025", "write it YYYY-MM-DD")],
)
def test_digest_date_that_does_not_exist_is_called_so(runner, seeded, value, message):
    result = runner.invoke(cli, ["--config", str(seeded), "digest", "--date", value])
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1
