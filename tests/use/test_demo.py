"""`newsmon demo`: a newcomer's first minute. With no config and no internet it serves the sample site,
writes a config and database, crawls, analyses, writes alerts and the digest to the outbox, and prints
the matches with their evidence; it never overwrites a folder that is not its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsmon.cli import cli
from newsmon.commands.demo import MARKER, digest_day
from newsmon.config import load_config
from newsmon.demo.site import load_stories
from newsmon.pipeline.db import connect


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One real `newsmon demo --keep-serving` in a child process, stopped with Ctrl-C once it serves."""
    folder = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "demo", "--dir", str(folder), "--keep-serving"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=folder,
    )  # fmt: skip
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Serving the sample site on" in line:
                break
        else:
            pytest.fail("the demo stopped before serving:\n" + "".join(lines))
        base = line.split(" on ", 1)[1].split("/ ", 1)[0]
        with urllib.request.urlopen(base + "/feed.xml", timeout=10) as response:
            still_serving = response.status == 200
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return {"folder": folder, "output": "".join(lines) + rest, "code": proc.returncode, "served": still_serving}


def matched_titles(folder: Path) -> set[str]:
    db = connect(folder / "newsmon.db", create=False)
    return {row["title"] for row in db.query("select title from articles where id in (select article_id from matches)")}


def test_demo_finds_exactly_the_stories_that_are_about_belarus_and_libya(demo_run):
    assert demo_run["code"] == 0, demo_run["output"]
    stories = load_stories(datetime.now(timezone.utc))
    expected = {s.title for s in stories if s.expect == "match"}
    assert "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya" in expected
    assert matched_titles(demo_run["folder"]) == expected, demo_run["output"]


def test_hard_negatives_are_shown_as_not_matched(demo_run):
    matches, not_matched = demo_run["output"].split("Matches, best first:", 1)[1].split("Not matched", 1)
    for title in (
        "Lukashenko welcomes Zimbabwe's Mnangagwa, signs tractor and fertiliser deals",
        "Ten years on, what the Minsk agreements teach about ceasefires in Ukraine",
        "Russian deputy defence minister meets Haftar in Benghazi",
    ):
        assert title in not_matched
        assert title not in matches


def test_output_shows_matches_with_evidence_and_the_other_outlets_of_a_story(demo_run):
    output = demo_run["output"]
    assert "Matches, best first:" in output
    assert "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya" in output
    assert "“The recent visit of Khalifa Haftar, commander of the Libyan National Army" in output
    assert "also reported by: " in output
    assert "\x1b[" not in output, "no colour codes when the output is not a terminal"


def test_stores_each_article_once_across_sources(demo_run):
    db = connect(demo_run["folder"] / "newsmon.db", create=False)
    assert db["articles"].count == len(load_stories(datetime.now(timezone.utc)))
    assert all("utm_" not in row["url"] for row in db.query("select url from articles"))
    runs = {row["source"]: row["status"] for row in db.query("select source, status from crawl_runs")}
    assert runs == {"sample-feed": "ok", "sample-news-sitemap": "ok", "sample-gdelt": "ok"}
    copies = list(
        db.query(
            "select distinct m.story_id from matches m join articles a on a.id = m.article_id"
            " where a.title like 'Belarus to %MiG-29%'"
        )
    )
    assert len(copies) == 1, "the syndicated copies are one story"


def test_writes_a_config_a_database_and_the_outbox(demo_run):
    folder = demo_run["folder"]
    config = load_config(folder / "newsmon.toml")
    assert (folder / "newsmon.toml").read_text(encoding="utf-8").startswith(MARKER)
    assert {s.type for s in config.sources} == {"feed", "sitemap", "gdelt"}
    digests = sorted((folder / "outbox").glob("digest-*.html"))
    assert len(digests) == 1 and digests[0].with_suffix(".eml").exists()
    assert f"Digest: {digests[0]}" in demo_run["output"]
    html = digests[0].read_text(encoding="utf-8")
    assert "Lukashenko Could Face New U.S. Sanctions" in html and "Also reported by" in html
    assert list((folder / "outbox").glob("alert-*.eml"))


def test_keep_serving_keeps_the_site_up_until_ctrl_c(demo_run):
    assert demo_run["served"] and demo_run["code"] == 0
    assert demo_run["output"].rstrip().endswith("Stopped.")


def test_the_digest_is_the_one_due_next_so_it_covers_what_was_just_found(write_config):
    config = load_config(write_config('[digest]\nat = "08:00"\ntimezone = "UTC"\n'))
    assert str(digest_day(config, datetime(2025, 2, 16, 7, 0, tzinfo=timezone.utc))) == "2025-02-16"
    assert str(digest_day(config, datetime(2025, 2, 16, 9, 0, tzinfo=timezone.utc))) == "2025-02-17"


def test_never_overwrites_a_folder_it_did_not_write(runner, tmp_path):
    (tmp_path / "newsmon.toml").write_text('database = "mine.db"\n', encoding="utf-8")
    result = runner.invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--dir" in result.output
    assert (tmp_path / "newsmon.toml").read_text(encoding="utf-8") == 'database = "mine.db"\n'

    other = tmp_path / "other"
    other.mkdir()
    (other / "newsmon.db").write_bytes(b"")
    result = runner.invoke(cli, ["demo", "--dir", str(other)])
    assert result.exit_code == 2 and "newsmon.db" in result.output


def test_after_the_demo_a_plain_digest_tells_what_was_crawled_and_calls_no_source_silent(demo_run, runner):
    config = demo_run["folder"] / "newsmon.toml"
    result = runner.invoke(cli, ["--config", str(config), "digest"])
    assert result.exit_code == 0, result.output
    eml = Path(result.output.split("Wrote ", 1)[1].split(" and ", 1)[0])
    text = eml.read_text(encoding="utf-8")
    assert "nothing matched" not in text.lower() and "silent" not in text
    assert "13 new articles stored from 3 sources so far" in text.replace("=\n", "")
    assert "0 source problems" in text
    status = runner.invoke(cli, ["--config", str(config), "status", "--json"])
    assert json.loads(status.output)["silent"] == []


def test_a_digest_for_a_day_before_the_database_existed_says_so(demo_run, runner):
    config = demo_run["folder"] / "newsmon.toml"
    result = runner.invoke(cli, ["--config", str(config), "digest", "--date", "2020-01-02"])
    assert result.exit_code == 0, result.output
    text = (demo_run["folder"] / "outbox" / "digest-2020-01-02.eml").read_text(encoding="utf-8").replace("=\n", "")
    assert "after this window closed: nothing was crawled in it" in text
    assert "newsmon ran" not in text and "0 source problems" in text


def test_after_the_demo_every_command_says_alerts_are_off_and_counts_nothing_pending(demo_run, runner):
    config = str(demo_run["folder"] / "newsmon.toml")
    off = "off (set alerts.to or alerts.webhook in the config)"
    assert runner.invoke(cli, ["alerts", "--config", config]).output == f"Alerts: {off}.\n"
    status = runner.invoke(cli, ["status", "--config", config])
    assert f"alerts: {off}" in status.output and "pending" not in status.output
    report = json.loads(runner.invoke(cli, ["status", "--json", "--config", config]).output)
    assert report["alerts_off"] is True and report["pending_alerts"] is None
