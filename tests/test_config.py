"""The config file is a contract: every key is checked, and every mistake is one line naming the key."""

from __future__ import annotations

import pytest

from newsmon.cli import cli
from newsmon.config import load_config
from newsmon.errors import ConfigError

GOOD_SOURCE = '[[sources]]\nname = "a"\ntype = "feed"\nurl = "http://127.0.0.1/feed.xml"\n'


def test_relative_paths_resolve_against_the_config_folder(write_config, tmp_path):
    config = load_config(write_config('database = "data/news.db"\n' + GOOD_SOURCE))
    assert config.database_path == tmp_path / "data" / "news.db"
    assert config.sources[0].interval_seconds == 30 * 60


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[crawl]\ntimeoutt = 3\n", "crawl.timeoutt: unknown key"),
        ("[crawl]\ntimeout = 'x'\n", "crawl.timeout: expected a number"),
        ("database = 3\n", "database: expected a string"),
        ("a = [\n", "TOML syntax error"),
        ('[[sources]]\nname = "a"\ntype = "feed"\n', "sources[0].url: missing required key"),
        ('[[sources]]\nname = "a"\ntype = "rss"\nurl = "http://x"\n', "sources[0].type: unknown source type 'rss'"),
        (GOOD_SOURCE + 'every = "5 minutes"\n', "sources[0].every: not a duration"),
        (GOOD_SOURCE + 'cron = "61 * * * *"\n', "sources[0].cron"),
        (GOOD_SOURCE + GOOD_SOURCE, "sources[1].name: duplicate source name 'a'"),
        ('[[sources]]\nname = "a"\ntype = "feed"\nurl = "ftp://x"\n', "sources[0].url: expected an http(s) URL"),
        ('[[sources]]\nname = "a"\ntype = "listing"\nurl = "http://x"\n', "sources[0].links"),
        ('[[sources]]\nname = "a"\ntype = "gdelt"\nurl = "http://x"\n', "sources[0].query"),
        ("[smtp]\nsecurity = 'tls'\n", "smtp.security"),
        ("[digest]\nat = '25:00'\n", "digest.at"),
        ("[digest]\ntimezone = 'Mars/Olympus'\n", "digest.timezone"),
        ("[alerts]\nmin_score = 2\n", "alerts.min_score"),
        ("[alerts]\nto = 'a@b.c'\n", "alerts.to: expected a list of strings"),
        ("[crawl]\nobey_robots = 1\n", "crawl.obey_robots: expected true or false"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(write_config, runner, text, expected):
    path = write_config(text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert expected in message and str(path) in message and "\n" not in message
    result = runner.invoke(cli, ["--config", str(path), "sources"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_missing_config_says_how_to_make_one(runner, tmp_path):
    result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "sources"])
    assert result.exit_code == 2
    assert "newsmon init" in result.output
