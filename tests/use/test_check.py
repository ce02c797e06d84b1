"""`newsmon check` validates the config and everything it points at; `newsmon run` refuses to start on
what it finds fatal."""

from __future__ import annotations

import pytest
from loopback import RecordingHandler, free_port, smtp_server

from newsmon.cli import cli

GOOD = """
    database = "newsmon.db"

    [alerts]
    to = ["Desk <desk@example.org>"]

    [digest]
    to = ["analyst@example.org"]
    timezone = "Europe/Minsk"

    [smtp]
    host = "127.0.0.1"
    port = {port}
    from = "newsmon@example.org"
    timeout = 5

    [[sources]]
    name = "wire"
    type = "feed"
    url = "https://wire.example/feed.xml"
    cron = "*/20 6-22 * * *"
"""


def check(runner, config, *args):
    return runner.invoke(cli, ["--config", str(config), "check", *args])


def test_a_good_config_is_ready_and_its_smtp_server_answers(runner, write_config):
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        result = check(runner, write_config(GOOD.format(port=port)), "--smtp")
    assert result.exit_code == 0, result.output
    assert "ok       smtp: 127.0.0.1:" in result.output and result.output.endswith("Ready to run.\n")
    assert "fatal" not in result.output and handler.received == []  # nothing was sent


def test_an_smtp_server_that_does_not_answer_is_fatal_with_smtp(runner, write_config):
    result = check(runner, write_config(GOOD.format(port=free_port())), "--smtp")
    assert result.exit_code == 2
    assert "fatal    smtp: SMTP 127.0.0.1:" in result.output and "cannot connect" in result.output


@pytest.mark.parametrize(
    "change, finding",
    [
        (('database = "newsmon.db"', 'database = "newsmon.db"\nwatchlist = "missing.toml"'), "fatal    watchlist: "),
        (('to = ["analyst@example.org"]', 'to = ["not-an-email"]'), "fatal    digest.to: not a mail address: 'not-an-email'"),
        (('to = ["Desk <desk@example.org>"]', 'to = ["desk@"]'), "fatal    alerts.to: not a mail address"),
        (('from = "newsmon@example.org"', 'from = "newsmon at example"'), "fatal    smtp.from: not a mail address"),
        (("[alerts]", '[alerts]\nwebhook = "ftp://hooks.example/x"'), "fatal    alerts.webhook: expected an http(s) URL"),
    ],
)
def test_what_the_config_points_at_is_checked(runner, write_config, change, finding):
    result = check(runner, write_config(GOOD.format(port=25).replace(*change)))
    assert result.exit_code == 2
    assert finding in result.output
    assert result.output.splitlines()[-1].startswith("Error: 1 fatal problem: ")


@pytest.mark.parametrize(
    "change, message",
    [
        (('timezone = "Europe/Minsk"', 'timezone = "Europe/Atlantis"'), "unknown time zone 'Europe/Atlantis'"),
        (('cron = "*/20 6-22 * * *"', 'cron = "*/20 6-25 * * *"'), "sources[0].cron"),
        (('url = "https://wire.example/feed.xml"', 'url = "file:///etc/passwd"'), "expected an http(s) URL"),
        (('to = ["analyst@example.org"]', "to = [1]"), "expected a string"),
        (('to = ["analyst@example.org"]', 'to = "analyst@example.org"'), "expected a list of strings, got str"),
    ],
)
def test_config_mistakes_are_one_line(runner, write_config, change, message):
    result = check(runner, write_config(GOOD.format(port=25).replace(*change)))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output


def test_run_refuses_to_start_on_a_fatal_finding(runner, write_config):
    config = write_config(GOOD.format(port=25).replace('to = ["analyst@example.org"]', 'to = ["not-an-email"]'))
    result = runner.invoke(cli, ["--config", str(config), "run"])
    assert result.exit_code == 2
    assert "not starting: digest.to: not a mail address" in result.output and "newsmon check" in result.output


def test_sources_warns_about_a_missing_watchlist(runner, write_config):
    config = write_config(GOOD.format(port=25).replace('database = "newsmon.db"', 'watchlist = "missing.toml"'))
    result = runner.invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 0
    assert "missing.toml" in result.stderr and "wire" in result.stdout
