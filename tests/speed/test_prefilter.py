"""The statistical NER runs only on articles where a match is possible (``[nlp] ner = "possible"``).

Whether a match is possible is decided by the watchlist's own alias index run over the raw text before
spaCy, so the pre-filter can never disagree with matching: every match, score and piece of evidence is the same as
with the model on every article (``ner = "all"``), decoys do not make an article possible, and an
article that cannot match keeps its watchlist mentions and loses only the model's other names, and an
article that names nothing on the watchlist is not read by spaCy at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.config import NlpSettings, load_config
from newsmon.pipeline.analyze import Analyzer, Item, analyze_pending
from newsmon.pipeline.db import connect
from newsmon.pipeline.prefilter import could_match
from newsmon.pipeline.watchlist import load_watchlist

CASES = Path(__file__).resolve().parents[1] / "eval" / "cases.jsonl"
OFF_TOPIC = (
    "Peace talks stall",
    "Diplomats in Paris said the Minsk agreements were never implemented. Emmanuel Macron met "
    "Olaf Scholz and spoke about Libya and the Libyan dinar.",
)


def _both(items: list[Item]):
    watchlist = load_watchlist()
    return (
        Analyzer(NlpSettings(ner="possible"), watchlist).analyze(items),
        Analyzer(NlpSettings(ner="all"), watchlist).analyze(items),
    )


def _watchlist_mentions(analysis, *, numbered: bool = True) -> list[tuple]:
    return [
        (m.key, m.text, m.start, m.end, m.paragraph, *([m.sentence] if numbered else []))
        for m in analysis.mentions
        if m.on_watchlist
    ]


def test_matches_scores_and_evidence_are_identical_with_and_without_the_prefilter(nlp):
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    # the evaluation set's cases, and each again with the positives' groups split over two articles
    items = [Item(c["title"], c["text"], c["language"]) for c in cases]
    items += [Item(c["title"], "", c["language"]) for c in cases] + [Item("", c["text"], c["language"]) for c in cases]
    prefiltered, full = _both(items)
    watchlist = load_watchlist()
    assert sum(bool(a.matches) for a in full) >= 60
    for item, fast, slow in zip(items, prefiltered, full):
        assert fast.matches_json() == slow.matches_json(), item.title
        assert [r.score for r in fast.results] == [r.score for r in slow.results], item.title
        if could_match(watchlist, {m.group for m in slow.mentions if m.group}):
            # it could match, so the model read all of it: the very same mentions and sentences
            assert _watchlist_mentions(fast) == _watchlist_mentions(slow), item.title
            assert [vars(s) for s in fast.sentences] == [vars(s) for s in slow.sentences], item.title
        else:  # it cannot match: never tokenised, its watchlist mentions straight from the alias index
            assert _watchlist_mentions(fast, numbered=False) == _watchlist_mentions(slow, numbered=False), item.title
            assert {m.sentence for m in fast.mentions} <= {None} and fast.sentences == [], item.title
        if fast.matches:
            assert fast.entities_json() == slow.entities_json(), item.title


def test_an_article_that_cannot_match_keeps_its_watchlist_mentions_but_skips_spacy(nlp):
    (fast,), (slow,) = _both([Item(*OFF_TOPIC, "en")])
    names = {m.canonical for m in fast.mentions}
    assert {"Minsk agreements", "Libya", "Libyan dinar"} <= names  # decoys: no Belarus, so no match possible
    assert all(m.on_watchlist for m in fast.mentions)
    assert {"Emmanuel Macron", "Olaf Scholz"} <= {m.text for m in slow.mentions}
    assert _watchlist_mentions(fast, numbered=False) == _watchlist_mentions(slow, numbered=False)
    assert fast.sentences == [] and not fast.matches and not slow.matches


def test_a_hit_inside_a_token_is_the_same_mention_without_spacy(nlp):
    """spaCy's component splits a token a hit starts or ends inside (Turkish Libya'da, unspaced Chinese);
    the alias index's hit is that mention already."""
    items = [Item("Ankara", "Heyet Libya'da temaslarda bulundu.", "tr"), Item("新闻", "代表团访问了利比亚。", "zh")]
    prefiltered, full = _both(items)
    for fast, slow in zip(prefiltered, full):
        assert _watchlist_mentions(fast, numbered=False) == _watchlist_mentions(slow, numbered=False) != []


def test_a_possible_article_gets_the_model_s_names_too(nlp):
    text = "Khalifa Haftar met Alexander Lukashenko and Emmanuel Macron in Minsk."
    (fast,), _ = _both([Item("Haftar in Minsk", text, "en")])
    assert fast.matches
    assert "Emmanuel Macron" in {m.text for m in fast.mentions if not m.on_watchlist}


@pytest.mark.parametrize("ner", ["possible", "all"])
def test_stored_analysis_follows_the_setting_and_the_stored_language(nlp, tmp_path, write_config, ner):
    config = load_config(write_config(f'database = "{tmp_path / "news.db"}"\n[nlp]\nner = "{ner}"\n'))
    db = connect(config.database_path)
    stored = {"source": "test", "fetched_at": "2025-02-18T10:00:00+00:00", "title": OFF_TOPIC[0], "text": OFF_TOPIC[1]}
    db["articles"].insert_all(
        [
            {**stored, "url": "https://example.org/1", "language": None},
            {**stored, "url": "https://example.org/2", "language": "de-DE"},
        ]
    )
    assert analyze_pending(db, config).articles == 2
    names = {
        (row["article_id"], row["name"])
        for row in db.query("select article_id, e.name from mentions m join entities e on e.id = m.entity_id")
    }
    for article in (1, 2):
        assert {(article, "Minsk agreements"), (article, "Libya")} <= names
    # no stored language: detected (English, the model's); "de-DE": the German blank pipeline, never the model
    assert ((1, "Emmanuel Macron") in names) == (ner == "all")
    assert (2, "Emmanuel Macron") not in names


def test_the_setting_is_checked(tmp_path, write_config):
    from newsmon.errors import ConfigError

    with pytest.raises(ConfigError, match=r"nlp\.ner: expected possible \| all"):
        load_config(write_config('[nlp]\nner = "some"\n'))


def test_an_article_naming_nothing_on_the_watchlist_is_not_read_at_all(nlp):
    item = Item("Rain in Lisbon", "Heavy rain closed three roads in Lisbon on Tuesday, the city said.", "en")
    (fast,), (slow,) = _both([item])
    assert fast.mentions == [] and fast.sentences == [] and not fast.matches
    assert "Lisbon" in {m.text for m in slow.mentions} and slow.sentences
