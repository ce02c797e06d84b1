"""The digest's new names are worth reading: no outlet names, one entry per person or organisation,
nothing the watchlist says is something else, the names in most stories first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.pipeline.db import connect
from newsmon.pipeline.new_names import new_names
from newsmon.pipeline.watchlist import load_watchlist

FIXTURE = Path(__file__).parent / "new_names.json"


@pytest.fixture
def stored(tmp_path):
    """Four articles, each naming a watch entity (Belarus) in sentence 0 beside the names of the fixture."""
    db = connect(tmp_path / "names.db")
    belarus = db["entities"].insert({"key": "wl:belarus", "name": "Belarus", "type": "country", "label": "GPE",
                                     "on_watchlist": 1}).last_pk
    haftar = db["entities"].insert({"key": "wl:khalifa-haftar", "name": "Khalifa Haftar", "type": "person",
                                    "label": "PERSON", "on_watchlist": 1}).last_pk
    ids = []
    for article in json.loads(FIXTURE.read_text(encoding="utf-8"))["articles"]:
        row = {"url": article["url"], "site_name": article["site_name"], "title": "t", "text": "x", "source": "s",
               "fetched_at": "2025-02-18T10:00:00+00:00"}
        article_id = db["articles"].insert(row).last_pk
        ids.append(article_id)
        db["matches"].insert({"article_id": article_id, "watch": "belarus-libya", "score": 0.9, "evidence": "[]",
                              "story_id": article["story"], "created_at": "2025-02-18T10:00:00+00:00"})
        for entity_id, text in ((belarus, "Belarus"), (haftar, "Khalifa Haftar")):
            db["mentions"].insert({"article_id": article_id, "entity_id": entity_id, "text": text, "start": 0,
                                   "end": len(text), "sentence": 0, "paragraph": 1})
        for name, label in article["names"]:
            key = f"ner:{label}:{name.lower()}"
            entity = db["entities"].lookup({"key": key}, {"name": name, "label": label, "on_watchlist": 0})
            db["mentions"].insert({"article_id": article_id, "entity_id": entity, "text": name, "start": 0,
                                   "end": len(name), "sentence": 0, "paragraph": 1})
    yield db, ids
    db.close()


def test_new_names_are_clean_and_ranked_by_stories(stored):
    db, ids = stored
    names = new_names(db, ids, load_watchlist())
    assert [(n.name, n.kind, n.stories, n.articles) for n in names] == [
        ("Joe Wilson", "person", 3, 4),  # "Wilson" merged into the full name it abbreviates
        ("Dmitri Volkov", "person", 1, 2),
        ("Orsha Avionics Plant", "organisation", 1, 1),
        ("United Nations", "organisation", 1, 1),  # "UN" merged, "the" dropped
    ]  # no Maghreb Wire, Libya Herald or EETODAY (the outlets), no MiG-23 (equipment), no Haftar (a watch name)


def test_without_articles_there_are_no_names(stored):
    db, _ = stored
    assert new_names(db, []) == []
