"""Stories: syndicated and near-duplicate copies of one piece of news are grouped, everything else is not.

A story's id is the id of its first match, assigned once; copies that arrive later join it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from newsmon.pipeline.stories import assign_stories, load_stories, normalise_title, same_story, shingles


def story_of(db, match_id: int) -> int:
    return db["matches"].get(match_id)["story_id"]


def test_three_outlets_carrying_one_wire_story_form_one_story_named_by_its_first_match(db, seed):
    ids = seed(db, datetime.now(timezone.utc))
    assign_stories(db)
    first = ids["match:wire"]
    assert story_of(db, ids["match:wire"]) == first
    assert story_of(db, ids["match:ledger"]) == first  # same text, title with an outlet suffix
    assert story_of(db, ids["match:monitor"]) == first  # different title, mostly the same wording


def test_other_stories_and_other_languages_stay_apart(db, seed):
    ids = seed(db, datetime.now(timezone.utc))
    assign_stories(db)
    for key in ("vestnik", "sahel", "hostile", "unvote", "yesterday"):
        assert story_of(db, ids[f"match:{key}"]) == ids[f"match:{key}"], key


def test_grouping_is_done_once_and_a_later_copy_joins_the_story(db, seed):
    now = datetime.now(timezone.utc)
    ids = seed(db, now)
    assert assign_stories(db) == 8
    assert assign_stories(db) == 0
    wire = db["articles"].get(ids["wire"])
    copy = (
        db["articles"]
        .insert(
            {
                "url": "https://late-outlet.example/belarus-migs",
                "source": "late-outlet",
                "site_name": "Late Outlet",
                "title": "Belarus to overhaul Libya's MiG-29 fighters in a deal with Haftar's forces",
                "text": wire["text"].replace("officials said", "two officials told reporters"),
                "language": "en",
                "fetched_at": now.isoformat(),
            }
        )
        .last_pk
    )
    late = (
        db["matches"]
        .insert(
            {
                "article_id": copy,
                "watch": "belarus-libya",
                "score": 0.8,
                "evidence": "[]",
                "created_at": now.isoformat(),
            }
        )
        .last_pk
    )
    assert assign_stories(db) == 1
    assert story_of(db, late) == ids["match:wire"]


def test_copies_too_far_apart_in_time_are_separate_stories(db, seed):
    now = datetime.now(timezone.utc)
    ids = seed(db, now - timedelta(days=10))
    assign_stories(db)
    wire = db["articles"].get(ids["wire"])
    rerun = (
        db["articles"]
        .insert(
            {
                "url": "https://anniversary.example/a",
                "source": "x",
                "title": wire["title"],
                "text": wire["text"],
                "fetched_at": now.isoformat(),
            }
        )
        .last_pk
    )
    match = (
        db["matches"]
        .insert(
            {
                "article_id": rerun,
                "watch": "belarus-libya",
                "score": 0.9,
                "evidence": "[]",
                "created_at": now.isoformat(),
            }
        )
        .last_pk
    )
    assign_stories(db)
    assert story_of(db, match) == match


def test_a_second_watch_on_the_same_article_shares_its_story(db, seed):
    ids = seed(db, datetime.now(timezone.utc))
    assign_stories(db)
    other = (
        db["matches"]
        .insert(
            {
                "article_id": ids["ledger"],
                "watch": "arms-deals",
                "score": 0.9,
                "evidence": "[]",
                "created_at": datetime.now(timezone.utc).isoformat(),
            }
        )
        .last_pk
    )
    assign_stories(db)
    assert story_of(db, other) == ids["match:wire"]


def test_a_story_lists_its_best_copy_first_and_the_other_outlets_as_also_reported_by(db, seed):
    ids = seed(db, datetime.now(timezone.utc))
    assign_stories(db)
    stories = load_stories(db, [ids[f"match:{k}"] for k in ("ledger", "monitor", "wire", "vestnik")])
    assert [s.story_id for s in stories] == [ids["match:wire"], ids["match:vestnik"]]
    wire = stories[0]
    assert wire.lead.outlet == "Mediterranean Wire" and wire.score == 0.91
    assert [c.outlet for c in wire.others] == ["Tripoli Ledger", "Eastern Europe Monitor"]
    assert {"Belarus", "Khalifa Haftar", "Alexander Lukashenko", "MiG-29"} <= set(wire.entities)
    assert 1 <= len(wire.evidence) <= 2
    highlighted = [seg.text for line in wire.evidence for seg in line if seg.term]
    assert "Khalifa Haftar" in highlighted and "MiG-29" in highlighted


def test_evidence_that_is_not_valid_json_is_shown_as_no_evidence(db, seed):
    ids = seed(db, datetime.now(timezone.utc))
    db["matches"].update(ids["match:vestnik"], {"evidence": "{not json"})
    (story,) = load_stories(db, [ids["match:vestnik"]])
    assert story.evidence == [] and story.lead.title.startswith("Лукашенко")


def test_the_similarity_rule_on_its_own():
    assert normalise_title("Lukashenko meets Haftar in Minsk | BelTA") == "lukashenko meets haftar in minsk"
    assert normalise_title("Belarus - Libya talks") == "belarus libya talks"
    text = " ".join(f"word{i}" for i in range(200))
    assert len(shingles(text)) == 197
    assert same_story(0.9, 0.0) and same_story(0.0, 0.6) and same_story(0.65, 0.3)
    assert not same_story(0.7, 0.1) and not same_story(0.3, 0.4)


def test_a_story_is_headed_by_its_earliest_published_copy_then_its_longest_text(db, seed):
    now = datetime.now(timezone.utc)
    ids = seed(db, now)
    assign_stories(db)
    story = ids["match:wire"]
    members = [r["article_id"] for r in db.query("select article_id from matches where story_id = ?", [story])]
    published = (now - timedelta(hours=20)).isoformat(timespec="seconds")
    db["articles"].update(members[-1], {"published": published})  # the original, republished by the others
    (view,) = [s for s in load_stories(db, [r["id"] for r in db.query("select id from matches")]) if s.story_id == story]
    assert view.lead.article_id == members[-1]
    assert view.score == max(r["score"] for r in db.query("select score from matches where story_id = ?", [story]))

    for article in members:
        db["articles"].update(article, {"published": published})  # a tie: the full text heads, not a short copy
    (view,) = [s for s in load_stories(db, [r["id"] for r in db.query("select id from matches")]) if s.story_id == story]
    assert len(db["articles"].get(view.lead.article_id)["text"]) == max(
        len(db["articles"].get(a)["text"] or "") for a in members
    )
