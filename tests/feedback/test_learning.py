"""What the labels change: a match the model judges probably irrelevant is not alerted but shown in the
digest's "held back" section with the reason; an important label lifts its story to the top; a muted
story's later copies are never alerted and only counted; with no labels nothing changes."""

from __future__ import annotations

import json
from datetime import timedelta

from newsmon.pipeline.alerts import write_pending_alerts
from newsmon.pipeline.digest import build_digest, latest_slot, write_digest
from newsmon.pipeline.feedback import mute_story, record_label
from newsmon.pipeline.relevance import load_models, not_to_alert
from newsmon.pipeline.stories import assign_stories
from newsmon.pipeline.triage import triage


def alerted(db) -> set[int]:
    return {m for row in db.query("select match_ids from alerts") for m in json.loads(row["match_ids"])}


def today(config) -> object:
    """A digest date whose window holds matches stored just now."""
    return latest_slot(config).date() + timedelta(days=1)


def label_three_of_each(db, ids):
    for key in ("visit", "memorandum", "flights"):
        record_label(db, ids[key], "relevant")
    for key in ("migrants-1", "migrants-2", "migrants-3"):
        record_label(db, ids[key], "irrelevant")


def test_with_no_labels_alerts_and_the_digest_order_are_the_rules_alone(config, db, store, tmp_path):
    ids = store("visit", "memorandum", "migrants-1", "migrants-4")
    assert not_to_alert(db, [{"id": i, "watch": "belarus-libya", "story_id": i} for i in ids.values()]) == set()
    write_pending_alerts(db, config, tmp_path / "out")
    assert alerted(db) == set(ids.values())
    digest = build_digest(db, config, today(config))
    assert [s.score for s in digest.stories] == sorted((s.score for s in digest.stories), reverse=True)
    assert not digest.held_back and digest.muted == 0


def test_a_match_like_those_marked_not_relevant_is_held_back_with_the_reason(config, db, store, tmp_path):
    ids = store("visit", "memorandum", "flights", "migrants-1", "migrants-2", "migrants-3")
    label_three_of_each(db, ids)
    later = store("migrants-4")["migrants-4"]
    write_pending_alerts(db, config, tmp_path / "out")
    assert later not in alerted(db), "the model holds the migration story back from alerts"
    assert {ids["visit"], ids["memorandum"], ids["flights"]} <= alerted(db)

    digest = build_digest(db, config, today(config))
    held = {item.story.lead.match_id: item.reason for item in digest.held_back}
    assert later in held, "held back, never dropped: the digest shows it"
    assert held[later].startswith("like 3 stories you marked not relevant: ")
    assert "Frontex" in held[later] or "International Organization for Migration" in held[later]
    text = write_digest(db, config, today(config), tmp_path / "digest").read_text(encoding="utf-8")
    assert "HELD BACK (not alerted because of your labels" in text and "like 3 stories you marked not relevant" in text
    assert later not in {s.lead.match_id for s in digest.stories}


def test_the_model_is_fitted_once_per_set_of_labels_and_refitted_when_a_label_changes(db, store):
    ids = store("visit", "memorandum", "flights", "migrants-1", "migrants-2", "migrants-3")
    label_three_of_each(db, ids)
    first = load_models(db)
    assert load_models(db) is first
    record_label(db, ids["migrants-3"], "relevant")
    assert load_models(db) is not first


def test_an_important_label_lifts_its_story_to_the_top(config, db, store):
    ids = store("visit", "flights", "migrants-1")
    digest = build_digest(db, config, today(config))
    assert digest.stories[0].lead.match_id == ids["visit"]  # the rules' best score (the most context terms)
    record_label(db, ids["migrants-1"], "important")
    digest = build_digest(db, config, today(config))
    assert digest.stories[0].lead.match_id == ids["migrants-1"]
    ranked = triage(db, digest.stories)
    assert ranked[0].important


def test_a_muted_story_gets_no_alert_for_later_copies_and_is_counted_in_the_digest(config, db, store, tmp_path):
    ids = store("visit")
    assign_stories(db)
    story = db["matches"].get(ids["visit"])["story_id"]
    mute_story(db, story)
    copy = store("visit", url="https://other.example/haftar-in-minsk", source="other", site_name="Other Outlet")["visit"]
    assign_stories(db)
    assert db["matches"].get(copy)["story_id"] == story, "the copy joins the muted story"
    write_pending_alerts(db, config, tmp_path / "out")
    assert alerted(db) == set()
    digest = build_digest(db, config, today(config))
    assert digest.muted == 1 and not digest.stories
    text = write_digest(db, config, today(config), tmp_path / "digest").read_text(encoding="utf-8")
    assert "1 muted story not shown" in text


def test_unmute_from_the_terminal_brings_the_alerts_of_later_copies_back(config, db, store, tmp_path):
    from click.testing import CliRunner

    from newsmon.cli import cli

    def run(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config.path), *args])

    ids = store("visit")
    assign_stories(db)
    story = db["matches"].get(ids["visit"])["story_id"]
    assert run("mute", str(story)).exit_code == 0
    first = store("visit", url="https://other.example/haftar-in-minsk", source="other", site_name="Other")["visit"]
    write_pending_alerts(db, config, tmp_path / "out")
    assert alerted(db) == set(), "muted: no alert for the later copy"

    result = run("unmute", str(story))
    assert result.exit_code == 0, result.output
    assert f"Story {story} is no longer muted" in result.output
    second = store("visit", url="https://third.example/haftar-in-minsk", source="third", site_name="Third")["visit"]
    write_pending_alerts(db, config, tmp_path / "out")
    assert db["matches"].get(second)["story_id"] == story
    assert {first, second} <= alerted(db), "unmuted: the story's copies are alerted again"
    assert build_digest(db, config, today(config)).muted == 0


def test_matches_json_shows_the_rules_parts_beside_the_models_part(config, db, store):
    from click.testing import CliRunner

    from newsmon.cli import cli

    ids = store("visit", "memorandum", "flights", "migrants-1", "migrants-2", "migrants-3", "migrants-4")
    label_three_of_each(db, ids)
    result = CliRunner().invoke(cli, ["--config", str(config.path), "matches", "--json"])
    rows = {row["match_id"]: row for row in json.loads(result.output)}
    later = rows[ids["migrants-4"]]
    assert later["rules"]["same sentence"] > 0
    assert later["model"]["held_back"] is True and later["model"]["p_relevant"] < 0.35
    assert later["model"]["labels"] == 6 and later["model"]["leans_on"]
    assert rows[ids["visit"]]["model"] == {
        "p_relevant": 1.0, "held_back": False, "reason": None, "labels": 6, "leans_on": [],
    }  # fmt: skip


def test_inspect_shows_the_models_part_beside_the_rules_parts(config, db, store, tmp_path):
    from click.testing import CliRunner

    from newsmon.cli import cli

    ids = store("visit", "memorandum", "flights", "migrants-1", "migrants-2", "migrants-3")
    label_three_of_each(db, ids)
    page = tmp_path / "migrants.txt"
    page.write_text("Frontex report names Belarus and Libya on the central Mediterranean route\n"
                    "A Frontex report says travel agencies in Minsk sell packages from Belarus to Libya to migrants "
                    "heading for Europe. The International Organization for Migration called the route deadly.\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config.path), "inspect", str(page), "--json"])
    (match,) = json.loads(result.output)["matches"]
    assert match["parts"]["same sentence"] > 0
    assert match["model"]["held_back"] is True and match["model"]["reason"].startswith("like 3 stories")
    text = CliRunner().invoke(cli, ["--config", str(config.path), "inspect", str(page)]).output
    assert "Model for belarus-libya (6 labels): relevant with p=" in text and "held back from alerts: like 3" in text
