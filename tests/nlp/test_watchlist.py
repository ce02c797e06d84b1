"""The watchlist is data: a TOML file of groups, entities with aliases in many languages, and watches.

Every alias of the bundled watchlist finds itself in every kind of pipeline; another analyst can watch
another pair of countries with a file of their own; and a mistake in the file is one line naming the
file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.cli import cli
from newsmon.config import NlpSettings
from newsmon.errors import ConfigError
from newsmon.pipeline.analyze import analyze_text
from newsmon.pipeline.nlp import get_pipeline
from newsmon.pipeline.watchlist import load_watchlist

HERE = Path(__file__).parent
MINIMAL = """
name = "x"
[groups]
a = "A"
b = "B"
[[watches]]
name = "a-b"
groups = ["a", "b"]
[[entities]]
name = "Aland"
type = "country"
group = "a"
aliases = ["Aland"]
"""


def test_the_bundled_watchlist_has_the_belarus_libya_watch():
    watchlist = load_watchlist()
    watch = watchlist.watch("belarus-libya")
    assert watch.groups == ["belarus", "libya"]
    names = {e.name for e in watchlist.entities}
    assert {"Alexander Lukashenko", "Khalifa Haftar", "Ivan Tertel", "Viktor Khrenin", "MiG-29"} <= names
    assert 0 < watch.threshold <= watch.alert_threshold <= 1


@pytest.mark.parametrize("language", ["en", "ru", "ar", "fr", "be"])
def test_every_alias_finds_its_own_entity(nlp, language):
    watchlist = load_watchlist()
    pipeline = get_pipeline(language, NlpSettings(), watchlist)
    missed = []
    for entity in watchlist.entities:
        for alias in entity.aliases:
            text = alias.replace("*", "")
            if not any(ent.ent_id_ == entity.key and ent.text == text for ent in pipeline(text).ents):
                missed.append(f"{entity.name}: {alias}")
    assert missed == []


def test_another_watchlist_watches_another_pair_of_countries(write_config, nlp):
    config_path = write_config(f'watchlist = "{HERE / "other_watchlist.toml"}"\n')
    from newsmon.config import load_config

    config = load_config(config_path)
    analysis = analyze_text("Belgrade and Algiers sign a deal", "Serbia will sell howitzers to Algeria.", config=config)
    assert [(m["watch"], m["score"] > 0.5) for m in analysis.matches_json()] == [("serbia-algeria", True)]
    belarus_libya = analyze_text("Haftar in Minsk", "Lukashenko met Haftar in Minsk.", config=config)
    assert belarus_libya.matches == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda t: t.replace('type = "country"', 'type = "nation"'), "entities[0].type: unknown type 'nation'"),
        (lambda t: t.replace('group = "a"', 'group = "c"'), "entities[0].group: unknown group 'c'"),
        (lambda t: t.replace('groups = ["a", "b"]', 'groups = ["a", "z"]'), "watches[0].groups: unknown group 'z'"),
        (lambda t: t.replace('aliases = ["Aland"]', "aliases = []"), "entities[0].aliases"),
        (lambda t: t.replace('aliases = ["Aland"]', 'aliases = "Aland"'), "entities[0].aliases: expected a list"),
        (
            lambda t: t.replace('groups = ["a", "b"]', 'groups = ["a", "b"]\nthreshold = 2'),
            "watches[0].threshold: expected a number from 0 to 1",
        ),
        (lambda t: t.replace('name = "a-b"', 'name = "a-b"\ntreshold = 0.5'), "watches[0].treshold: unknown key"),
        (lambda t: t.replace("[[watches]]", "[[watch]]"), "watch: unknown key"),
        (lambda t: t + "[[\n", "TOML syntax error"),
        (lambda t: t + t[t.index("[[entities]]"):], "entities[1].name: duplicate entity 'Aland'"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_the_key(tmp_path, change, expected):
    path = tmp_path / "watch.toml"
    path.write_text(change(MINIMAL), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_watchlist(path)
    message = str(excinfo.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_a_missing_watchlist_file_stops_the_cli_with_one_line(write_config, runner, tmp_path):
    config = write_config('watchlist = "nowhere.toml"\n')
    result = runner.invoke(cli, ["--config", str(config), "analyze"])
    assert result.exit_code == 2
    assert "nowhere.toml: no such watchlist file" in result.output
    assert result.output.count("\n") == 1
