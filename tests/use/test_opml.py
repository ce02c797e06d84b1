"""Sources from and to OPML, as feed readers and monitoring tools exchange them: `newsmon sources
--import feeds.opml` adds the new http(s) feeds to the config (comments kept), `--export` writes them."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from newsmon.cli import cli
from newsmon.config import load_config

FIXTURE = Path(__file__).parent / "fixtures" / "feeds.opml"
CONFIG = """\
# the desk's config: this comment survives an import
database = "newsmon.db"

[[sources]]
name = "wire"
type = "feed"
url = "https://wire.example/feed.xml"

[[sources]]
name = "map"
type = "sitemap"
url = "https://wire.example/sitemap.xml"
"""


def test_import_adds_the_new_feeds_and_keeps_the_config_file_as_it_was(runner, write_config, tmp_path):
    config = write_config(CONFIG)
    opml = shutil.copy(FIXTURE, tmp_path / "feeds.opml")
    result = runner.invoke(cli, ["sources", "--import", str(opml), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "Added 3 feed sources" in result.stdout and "Skipped 1 already configured." in result.stdout
    assert "'file:///etc/passwd': not an http(s) URL" in result.stderr
    loaded = load_config(config)
    assert [(s.name, s.type, s.url) for s in loaded.sources[2:]] == [
        ("libya-herald", "feed", "https://www.libyaherald.com/feed/"),
        ("libya-observer", "feed", "https://libyaobserver.ly/rss.xml"),
        ("naviny-example", "feed", "https://naviny.example/rss/"),
    ]
    assert config.read_text(encoding="utf-8").startswith(CONFIG)  # comments and order untouched
    again = runner.invoke(cli, ["sources", "--import", str(opml), "--config", str(config)])
    assert "Added 0 feed sources" in again.stdout and len(load_config(config).sources) == 5


def test_export_writes_opml_2_with_every_feed_source(runner, write_config, tmp_path):
    config = write_config(CONFIG)
    result = runner.invoke(cli, ["--config", str(config), "sources", "--export", "-"])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    assert root.tag == "opml" and root.get("version") == "2.0"
    outlines = [(o.get("type"), o.get("text"), o.get("xmlUrl")) for o in root.iter("outline")]
    assert outlines == [("rss", "wire", "https://wire.example/feed.xml")]
    assert "Left out 1 source that is not a feed." in result.stderr


def test_an_export_imports_back_to_the_same_feeds(runner, write_config, tmp_path):
    first = write_config(CONFIG)
    exported = tmp_path / "out.opml"
    assert runner.invoke(cli, ["--config", str(first), "sources", "--export", str(exported)]).exit_code == 0
    second = write_config('database = "other.db"\n', name="other.toml")
    runner.invoke(cli, ["--config", str(second), "sources", "--import", str(exported)])
    assert [s.url for s in load_config(second).sources] == ["https://wire.example/feed.xml"]


def test_a_file_that_is_not_opml_is_one_line_and_changes_nothing(runner, write_config, tmp_path):
    config = write_config(CONFIG)
    bad = tmp_path / "feeds.opml"
    for content in ("<opml><body><outline", "<rss/>", '<!DOCTYPE x [<!ENTITY a "b">]><opml/>'):
        bad.write_text(content, encoding="utf-8")
        result = runner.invoke(cli, ["--config", str(config), "sources", "--import", str(bad)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert config.read_text(encoding="utf-8") == CONFIG
