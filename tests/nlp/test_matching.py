"""Matching: an article matches a watch when its groups co-occur, scored by how close they are.

Same sentence beats same paragraph beats same article; the title, context terms and more watch entities
raise the score, off-topic cues lower it; sentences that are long lists tie nothing. The evidence is one
to three sentences with the terms that tie the groups, and the explanation says why or why not.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from newsmon.pipeline.analyze import analyze_text

SEED = Path(__file__).parent / "seed_article.txt"


def result(title: str, text: str, language: str = "en"):
    (found,) = analyze_text(title, text, language).results
    return found


def test_the_seed_article_matches_strongly_with_evidence(nlp):
    analysis = analyze_text(
        "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya", SEED.read_text(encoding="utf-8")
    )
    (match,) = analysis.matches_json()
    assert match["watch"] == "belarus-libya" and match["score"] >= 0.7
    assert 1 <= len(match["evidence"]) <= 3
    for item in match["evidence"]:
        assert set(item) == {"sentence", "terms", "proximity"} and item["proximity"] == "sentence"
        assert {t["group"] for t in item["terms"]} >= {"belarus", "libya"}
        assert all(t["text"] in item["sentence"] for t in item["terms"])
    assert len({item["sentence"] for item in match["evidence"]}) == len(match["evidence"])


def test_closer_mentions_score_higher(nlp):
    sentence = result("", "Belarus sold spare parts to Libya.")
    paragraph = result("", "Belarus sold spare parts abroad. The buyer was not named. It was Libya, officials say.")
    neighbours = result("", "Belarus sold spare parts abroad.\nThe buyer was Libya.")
    article = result("", "Belarus sold spare parts abroad.\nPrices rose.\nNobody commented.\nLibya was mentioned.")
    assert (sentence.proximity, paragraph.proximity, neighbours.proximity, article.proximity) == (
        "sentence", "paragraph", "paragraph", "article",
    )
    assert sentence.score > paragraph.score == neighbours.score > article.score


def test_title_context_and_more_entities_raise_the_score(nlp):
    plain = result("", "Belarus and Libya talked.").score
    assert result("Belarus and Libya", "Belarus and Libya talked.").score > plain
    assert result("", "Belarus and Libya talked about arms and sanctions.").score > plain
    assert result("", "Belarus and Libya talked; Lukashenko called Haftar.").score > plain


def test_off_topic_cues_lower_the_score_below_the_threshold(nlp):
    fixture = result(
        "Belarus to face Libya in friendly",
        "Belarus will play Libya in a friendly match at the national stadium. "
        "The national team coach named 24 players.",
    )
    assert fixture.proximity == "sentence" and not fixture.matched
    assert any("off-topic" in reason and value < 0 for reason, value in fixture.parts)


def test_a_long_list_of_countries_ties_nothing(nlp):
    vote = result(
        "",
        "Voting against were Belarus, Burundi, China, Cuba, Eritrea, Iran, Libya, Mali, Nicaragua, Russia and Syria.",
    )
    assert not vote.matched and vote.missing == ["belarus", "libya"] and vote.list_sentences == 1
    sanctions = result("", "The EU renewed sanctions on Belarus, Iran, Libya, Russia, Syria and Venezuela.")
    assert not sanctions.matched


def test_both_groups_are_required(nlp):
    russia_only = result("Haftar in Moscow", "Khalifa Haftar met Russian officials in Moscow to discuss MiG-29 jets.")
    assert not russia_only.matched and russia_only.missing == ["belarus"]
    assert russia_only.found["libya"] == ["Khalifa Haftar"]


def test_the_explanation_says_which_entities_and_why(nlp):
    text = "Lukashenko received Khalifa Haftar in Minsk to discuss MiG-29 repairs."
    matched = analyze_text("Haftar in Minsk", text).explain()
    assert "Watch belarus-libya: MATCH" in matched
    assert "libya: Khalifa Haftar (Haftar, Khalifa Haftar)" in matched
    assert "same sentence" in matched and "[sentence]" in matched
    missed = analyze_text("", "Khalifa Haftar met Russian officials in Moscow.").explain()
    assert "Watch belarus-libya: no match: no belarus mention (found libya: Khalifa Haftar)." in missed
    assert "Moscow (GPE)" in missed


def test_inspect_style_json_has_entities_and_matches(nlp):
    data = analyze_text("Haftar in Minsk", "Lukashenko received Khalifa Haftar in Minsk.").to_dict()
    assert {"text": "Haftar", "label": "PERSON", "canonical": "Khalifa Haftar", "start": 0, "end": 6} == {
        k: data["entities"][0][k] for k in ("text", "label", "canonical", "start", "end")
    }
    assert [m["watch"] for m in data["matches"]] == ["belarus-libya"]
    assert analyze_text("", "Nothing to see here, just weather in Oslo.", "en").to_dict()["matches"] == []


@pytest.mark.parametrize(
    "language, title, text",
    [
        ("ru", "Хафтар в Минске", "Лукашенко принял Хафтара в Минске и обсудил поставки оружия в Ливию."),
        ("ar", "حفتر في مينسك", "استقبل لوكاشينكو خليفة حفتر في مينسك لبحث التعاون العسكري مع ليبيا."),
        ("be", "Хафтар у Мінску", "Лукашэнка сустрэўся з Хафтарам у Мінску."),
    ],
)
def test_articles_without_a_model_still_match_by_their_aliases(nlp, language, title, text):
    assert result(title, text, language).matched


def test_a_loose_tie_without_context_is_never_stored(nlp):
    migration = result(
        "Migrants take new routes into Europe",
        "Border guards say more migrants now arrive through Belarus.\n"
        "In the Mediterranean, boats continue to leave from Libya, the UN said.",
    )
    assert migration.proximity == "paragraph" and not migration.matched
    assert any(reason.startswith("weak tie") for reason, _ in migration.parts)
    advisers = result("", "Military advisers from Belarus were seen at a base.\nResidents of Benghazi confirmed it.")
    assert advisers.proximity == "paragraph" and advisers.found["belarus"] == ["Belarus"]
    assert advisers.features["context"] == 1 and advisers.score > migration.score  # then the score decides
    assert not any(reason.startswith("weak tie") for reason, _ in advisers.parts)


def test_a_context_term_ties_only_beside_a_side_of_the_story(nlp):
    far = result(
        "Markets and football",
        "Saddam Haftar toured oil fields near Brega on Monday.\n"
        "Officials in Jakarta said the talks with Unilever would continue next week.\n"
        "Red Star Belgrade won in Minsk on Sunday.",
    )
    assert far.proximity == "article" and far.features["context"] == 1 and not far.matched
    assert any(reason.startswith("weak tie") for reason, _ in far.parts)
    near = result(
        "",
        "Saddam Haftar toured oil fields near Brega after talks with his father.\n"
        "Officials in Jakarta said prices would stay high.\n"
        "A delegation from Minsk arrived in Cairo on Sunday.",
    )
    assert near.proximity == "article" and not any(reason.startswith("weak tie") for reason, _ in near.parts)


def test_a_club_named_after_a_city_does_not_name_its_country(nlp):
    football = result("Haftar meets Yevkurov", "Khalifa Haftar met Yunus-Bek Yevkurov in Benghazi.\nAl Ahly beat Dinamo Minsk 2-1.")
    assert football.missing == ["belarus"]


def test_caption_lines_tie_nothing(nlp):
    caption = result("Haftar's son tours oil fields", "News of Belarus\nSaddam Haftar toured oil fields near Brega.")
    assert not caption.matched and caption.missing == ["belarus"]
    prose = result(
        "Haftar's son tours oil fields", "Saddam Haftar toured oil fields near Brega.\nHe then flew to Belarus."
    )
    assert prose.missing == []


def test_the_score_is_a_probability_that_ranks_relations_above_co_mentions(nlp):
    relations = result(
        "Lukashenko receives Haftar in Minsk",
        "Alexander Lukashenko received Khalifa Haftar in Minsk to discuss MiG-29 repairs and arms supplies. "
        "KGB chairman Ivan Tertel attended the talks with the Libyan National Army delegation.",
    )
    co_mention = result("", "Belarus and Libya were among the countries mentioned in the report.")
    assert 0 < co_mention.score < relations.score < 1
    assert relations.score >= 0.7 > co_mention.score
    assert set(relations.features) == {"sentence", "title", "context", "entities", "support", "negative"}
    logit = sum(value for _, value in relations.parts)
    assert abs(relations.score - 1 / (1 + math.exp(-logit))) < 1e-6
