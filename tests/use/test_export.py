"""`newsmon export`: the same matches as CSV, JSON or an Atom 1.0 feed, with scraped text made harmless."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest

from newsmon.cli import cli
from newsmon.commands.export import parse_since

ATOM = "{http://www.w3.org/2005/Atom}"
ALL_URLS = {
    "https://monitor.example/2025/02/lukashenko-sanctions-libya",
    "https://maghreb-wire.example/belarus-mig29-haftar",
    "https://eetoday.example/world/belarus-to-service-haftar-mig29s",
    "https://hostile.example/ru/haftar-minsk",
}


def export(runner, config, *args: str):
    result = runner.invoke(cli, ["--config", str(config), "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def urls_in(fmt: str, text: str) -> list[str]:
    if fmt == "csv":
        return [row["url"] for row in csv.DictReader(io.StringIO(text))]
    if fmt == "json":
        return [item["url"] for item in json.loads(text)]
    root = ET.fromstring(text)
    return [entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")]


def test_each_format_carries_the_same_matches_best_first_as_matches_shows_them(runner, seeded):
    orders = {
        fmt: urls_in(fmt, export(runner, seeded, "--format", fmt, "--per", "match")) for fmt in ("csv", "json", "atom")
    }
    assert set(orders["csv"]) == ALL_URLS
    assert orders["csv"] == orders["json"] == orders["atom"]
    assert orders["csv"] == [  # by score, as `newsmon matches`, alerts and the digest order them
        "https://monitor.example/2025/02/lukashenko-sanctions-libya",
        "https://maghreb-wire.example/belarus-mig29-haftar",
        "https://eetoday.example/world/belarus-to-service-haftar-mig29s",
        "https://hostile.example/ru/haftar-minsk",
    ]
    assert "https://monitor.example/2025/02/lukashenko-zimbabwe" not in orders["csv"]


def test_json_has_evidence_entities_and_the_other_outlets_of_a_story(runner, seeded):
    items = {item["url"]: item for item in json.loads(export(runner, seeded, "--format", "json"))}
    wire = items["https://maghreb-wire.example/belarus-mig29-haftar"]
    assert wire["watch"] == "belarus-libya" and wire["score"] == 0.88
    assert wire["evidence"][0]["sentence"].startswith("Belarus will overhaul MiG-29")
    assert wire["evidence"][0]["terms"][0] == {"text": "Belarus", "canonical": "Belarus", "group": "belarus"}
    assert wire["entities"] == ["Belarus", "MiG-29", "Khalifa Haftar"]
    assert wire["also_reported_by"] == ["Eastern Europe Today"]
    assert items["https://monitor.example/2025/02/lukashenko-sanctions-libya"]["also_reported_by"] == []


def test_csv_is_one_row_per_match_with_evidence_and_defused_formulas(runner, seeded):
    rows = list(csv.DictReader(io.StringIO(export(runner, seeded, "--format", "csv"))))
    assert len(rows) == 4
    (hostile,) = [row for row in rows if row["url"] == "https://hostile.example/ru/haftar-minsk"]
    assert hostile["outlet"].startswith("'=HYPERLINK(")
    assert hostile["language"] == "ru" and "Хафтар" in hostile["evidence"]
    assert hostile["entities"] == "Khalifa Haftar | Minsk | Alexander Lukashenko"
    assert "\u202e" not in hostile["evidence"]


@pytest.mark.parametrize(
    "since, expected",
    [
        ("2025-02-15", 3),
        ("2025-02-15T09:00", 2),
        ("2025-02-16T06:31:00+00:00", 1),
        ("2025-02-17", 0),
    ],
)
def test_since_keeps_matches_stored_at_or_after_it(runner, seeded, since, expected):
    assert len(json.loads(export(runner, seeded, "--format", "json", "--since", since))) == expected


def test_since_accepts_an_age():
    from datetime import datetime, timezone

    now = datetime(2025, 2, 16, 12, 0, tzinfo=timezone.utc)
    assert parse_since("36h", now) == "2025-02-15T00:00:00+00:00"
    assert parse_since("2025-02-14T10:00+03:00", now) == "2025-02-14T07:00:00+00:00"


def test_watch_filters_and_an_unknown_watch_is_one_line(runner, seeded):
    assert len(json.loads(export(runner, seeded, "--format", "json", "--watch", "belarus-libya"))) == 4
    result = runner.invoke(cli, ["--config", str(seeded), "export", "--watch", "belarus-chad"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no watch named 'belarus-chad'" in result.output
    assert "belarus-libya" in result.output


def test_atom_feed_is_valid_atom_1_0(runner, seeded):
    text = export(runner, seeded, "--format", "atom", "--per", "match", "--feed-url", "https://desk.example/newsmon.atom")
    root = ET.fromstring(text)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}link").attrib == {"rel": "self", "href": "https://desk.example/newsmon.atom"}
    assert root.find(f"{ATOM}updated").text == "2025-02-16T06:31:00Z"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        for tag in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert len({e.find(f"{ATOM}id").text for e in entries}) == 4

    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    first = parsed.entries[0]
    assert first.link == "https://monitor.example/2025/02/lukashenko-sanctions-libya"
    assert "<b>Khalifa Haftar</b>" in first.summary and "score 0.93" in first.summary


def test_atom_ids_are_stable_so_a_reader_does_not_show_old_entries_again(runner, seeded):
    def ids():
        feed = ET.fromstring(export(runner, seeded, "--format", "atom"))
        return [entry.find(f"{ATOM}id").text for entry in feed.iter(f"{ATOM}entry")]

    assert ids() == ids()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_scraped_markup_in_the_atom_feed_stays_text(runner, seeded):
    root = ET.fromstring(export(runner, seeded, "--format", "atom"))
    hostile = next(e for e in root.iter(f"{ATOM}entry") if "hostile" in e.find(f"{ATOM}link").get("href"))
    assert hostile.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru", "readers lay out entries by language"
    assert hostile.find(f"{ATOM}title").get("type") == "text"
    assert hostile.find(f"{ATOM}title").text.startswith("<script>alert(1)</script>")
    summary = hostile.find(f"{ATOM}summary").text
    parser = _Tags()
    parser.feed(summary)
    assert {tag for tag, _ in parser.tags} <= {"p", "blockquote", "b"}
    assert all(attrs == [] for _, attrs in parser.tags)
    assert "&lt;b onmouseover=alert(3)&gt;" in summary
    assert "<b>Хафтар</b>" in summary and "\u202e" not in summary


def test_output_file_gets_the_export_and_a_summary_line(runner, seeded, tmp_path):
    target = tmp_path / "out" / "matches.csv"
    result = runner.invoke(cli, ["--config", str(seeded), "export", "--format", "csv", "--output", str(target)])
    assert result.exit_code == 0
    assert result.stderr.strip() == f"Wrote 4 matches to {target} (csv)"
    assert result.stdout == ""
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM lets spreadsheets read Cyrillic and Arabic correctly"
    assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))) == 4

    feed = tmp_path / "matches.atom"
    runner.invoke(cli, ["--config", str(seeded), "export", "--format", "atom", "-o", str(feed)])
    assert ET.parse(feed).getroot().find(f"{ATOM}link").get("href") == feed.as_uri()


def test_an_empty_database_exports_an_empty_but_valid_feed(runner, write_config, tmp_path):
    from newsmon.pipeline.db import connect

    config = write_config('database = "empty.db"\n')
    connect(tmp_path / "empty.db").close()
    root = ET.fromstring(export(runner, config, "--format", "atom"))
    assert root.find(f"{ATOM}updated").text.endswith("Z") and root.findall(f"{ATOM}entry") == []
    assert export(runner, config, "--format", "json") == "[]\n"
    assert export(runner, config, "--format", "csv").startswith("created_at,watch,score,title,url")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--since", "last tuesday"], 2, "--since: expected a date"),
        (["--output", "{tmp}/newsmon.toml/out.csv"], 1, "cannot write the export"),
    ],
)
def test_bad_export_input_is_one_line(runner, seeded, tmp_path, args, code, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(cli, ["--config", str(seeded), "export", *args])
    assert result.exit_code == code, result.output
    assert result.output.count("\n") == 1 and message in result.output

