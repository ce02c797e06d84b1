"""Story-level exports: the copies of one story that alerts and the digest merge are one entry, with every
outlet, headed by the original (earliest published) copy. The default for Atom, so a feed reader's
subscriber never sees the wire story twice."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import feedparser

from newsmon.cli import cli

ATOM = "{http://www.w3.org/2005/Atom}"
WIRE = "https://maghreb-wire.example/belarus-mig29-haftar"  # published 07:30, before its copy
COPY = "https://eetoday.example/world/belarus-to-service-haftar-mig29s"


def export(runner, config, *args: str) -> str:
    result = runner.invoke(cli, ["--config", str(config), "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_atom_is_one_entry_per_story_headed_by_the_original_with_every_outlet(runner, seeded):
    text = export(runner, seeded, "--format", "atom")
    entries = ET.fromstring(text).findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert len(entries) == 3 and WIRE in links and COPY not in links
    parsed = feedparser.parse(text)
    assert not parsed.bozo
    (story,) = [e for e in parsed.entries if e.link == WIRE]
    assert f'<a href="{COPY}">Eastern Europe Today</a>' in story.summary
    assert story.updated == "2025-02-15T09:31:00Z"  # when its latest copy was found


def test_a_storys_entry_keeps_the_id_its_first_match_had_in_a_per_match_feed(runner, seeded):
    def ids(*args):
        feed = ET.fromstring(export(runner, seeded, "--format", "atom", *args))
        return {e.find(f"{ATOM}link").get("href"): e.find(f"{ATOM}id").text for e in feed.iter(f"{ATOM}entry")}

    per_match, per_story = ids("--per", "match"), ids()
    assert per_story[WIRE] == per_match[WIRE]
    assert set(per_story.values()) < set(per_match.values())


def test_json_and_csv_per_story_list_every_copy(runner, seeded):
    stories = json.loads(export(runner, seeded, "--format", "json", "--per", "story"))
    assert len(stories) == 3
    (wire,) = [s for s in stories if s["url"] == WIRE]
    assert wire["outlets"] == ["Maghreb Wire", "Eastern Europe Today"]
    assert [c["url"] for c in wire["copies"]] == [WIRE, COPY]
    assert wire["score"] == 0.88 and wire["first_found"] == "2025-02-15T08:01:00+00:00"
    rows = list(csv.DictReader(io.StringIO(export(runner, seeded, "--format", "csv", "--per", "story"))))
    assert [r["url"] for r in rows] == [s["url"] for s in stories]
    assert rows[[r["url"] for r in rows].index(WIRE)]["urls"] == f"{WIRE} | {COPY}"


def test_csv_and_json_stay_one_entry_per_match_by_default(runner, seeded):
    assert len(json.loads(export(runner, seeded, "--format", "json"))) == 4
