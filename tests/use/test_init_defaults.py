"""`newsmon init` writes the documented defaults: the digest's time zone is the reference's UTC (a server
cannot know the analyst's zone, so init asks for it), and the user agent names the project truthfully
and asks for the operator's contact."""

from __future__ import annotations

import re
from pathlib import Path

from newsmon.cli import cli
from newsmon.config import Config, load_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def documented_default(key: str) -> str:
    row = next(line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{key}` |"))
    return row.split("|")[2].strip().strip("`")


def test_init_writes_the_documented_time_zone_and_says_to_set_yours(runner, tmp_path):
    path = tmp_path / "newsmon.toml"
    result = runner.invoke(cli, ["--config", str(path), "init"])
    assert result.exit_code == 0, result.output
    written = load_config(path)
    assert f'"{written.digest.timezone}"' == documented_default("[digest] timezone") == '"UTC"'
    assert written.digest.timezone == Config(path=path).digest.timezone
    assert "set [digest] timezone to your own zone" in result.output


def test_the_default_user_agent_names_the_project_and_init_asks_for_a_contact(runner, tmp_path):
    path = tmp_path / "newsmon.toml"
    result = runner.invoke(cli, ["--config", str(path), "init"])
    agent = load_config(path).crawl.user_agent
    assert agent == Config(path=path).crawl.user_agent == documented_default("[crawl] user_agent").strip('"')
    assert agent.startswith("newsmon/") and not re.search(r"https?://", agent)  # no placeholder URL
    assert "add your contact to [crawl] user_agent" in result.output
    check = runner.invoke(cli, ["--config", str(path), "check"])
    assert "warning  crawl.user_agent: 'newsmon/0.1 (news monitor)' has no contact" in check.output
