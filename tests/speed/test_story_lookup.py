"""Story grouping stays linear in the matches of its window: shingles and title words that many stories
share (stop words, the boilerplate every outlet appends, the names every report on the topic uses) are
not walked, and a story copied a hundred times is looked up as cheaply as one copied four times, without
losing a copy or merging two stories.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from newsmon.pipeline.db import connect
from newsmon.pipeline.stories import COMMON_STORIES, assign_stories

BOILERPLATE = "Subscribe to our newsletter for the latest news on Belarus and Libya from the region every morning."


def _story_text(rng: random.Random, words: int = 120) -> str:
    return " ".join(f"w{rng.randrange(10**6)}" for _ in range(words))


def test_a_hundred_copies_group_once_and_stories_sharing_boilerplate_stay_apart(tmp_path):
    db = connect(tmp_path / "news.db")
    rng = random.Random(14)
    now = datetime.now(timezone.utc)
    wire = _story_text(rng)
    rows = []
    for i in range(3 * COMMON_STORIES):  # other stories first: the boilerplate is common before the copies come
        rows.append((f"Belarus and Libya talks {i} {_story_text(rng, 3)}", f"{_story_text(rng)} {BOILERPLATE}"))
    for i in range(100):  # the wire story, each outlet with its own last sentence
        rows.append((f"Outlet {i}: Lukashenko receives Haftar", f"{wire} {_story_text(rng, 8)} {BOILERPLATE}"))
    match_ids = []
    for i, (title, text) in enumerate(rows):
        article = {"url": f"https://o{i}.example/a", "source": f"o{i}", "title": title, "text": text}
        article_id = db["articles"].insert({**article, "fetched_at": now.isoformat()}).last_pk
        created = (now - timedelta(minutes=len(rows) - i)).isoformat()
        match = {"article_id": article_id, "watch": "belarus-libya", "score": 0.8, "evidence": "[]"}
        match_ids.append(db["matches"].insert({**match, "created_at": created}).last_pk)
    assert assign_stories(db) == len(rows)
    story = {row["id"]: row["story_id"] for row in db.query("select id, story_id from matches")}
    others, copies = match_ids[: 3 * COMMON_STORIES], match_ids[3 * COMMON_STORIES :]
    assert all(story[m] == m for m in others)
    assert {story[m] for m in copies} == {copies[0]}
