"""A place that only says where a person comes from ties nothing: "a Libyan-born soprano at the Minsk
opera" is no Belarus–Libya story. The constructions are grammar (born, descent, native of, and their
equivalents per language family), so the same place as the subject of a story still counts, and a story
with such a person in it still matches through its other names."""

from __future__ import annotations

import pytest

from newsmon.pipeline.aliases import find_mentions
from newsmon.pipeline.analyze import analyze_text
from newsmon.pipeline.origin import names_origin
from newsmon.pipeline.watchlist import load_watchlist

BUNDLED = load_watchlist()
TYPES = {e.key: e.type for e in BUNDLED.entities}


def origins(text: str, language: str) -> list[str]:
    """The place mentions of ``text`` that name someone's origin."""
    return [
        text[h.start : h.end]
        for h in find_mentions(BUNDLED, text, language)
        if TYPES[h.key] in ("country", "city", "nationality") and names_origin(text, h.start, h.end)
    ]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("en", "A Libyan-born soprano sang in Minsk.", ["Libyan"]),
        ("en", "a Swedish citizen of Libyan descent", ["Libyan"]),
        ("en", "The pilot, born in Minsk, flew for the air force.", ["Minsk"]),
        ("en", "a native of Benghazi", ["Benghazi"]),
        ("ru", "Уроженка Ливии выступила в театре.", ["Ливии"]),
        ("ru", "Генерал, родом из Бенгази, прибыл.", ["Бенгази"]),
        ("be", "Ураджэнец Мінска працуе ў клініцы.", ["Мінска"]),
        ("uk", "Він народився в Мінську.", ["Мінську"]),
        ("fr", "La soprano née en Libye a chanté.", ["Libye"]),
        ("de", "Der in Minsk geborene Architekt", ["Minsk"]),
        ("es", "Un cirujano nacido en Minsk", ["Minsk"]),
        ("it", "Il tenore nato in Libia canta.", ["Libia"]),
        ("pt", "O médico nascido na Líbia chegou.", ["Líbia"]),
        ("pl", "Urodzony w Mińsku pianista", ["Mińsku"]),
        ("tr", "Belarus doğumlu iş insanı", ["Belarus"]),
        ("ar", "عازفة بريطانية من أصل ليبي", ["ليبي"]),
        ("ar", "رجل أعمال ليبي المولد", ["ليبي"]),
        ("fa", "یک نقاش لیبیایی‌تبار در مینسک", ["لیبیایی"]),
        ("fa", "پزشک متولد لیبی", ["لیبی"]),
        ("de", "Er ist gebürtiger Libyer.", ["Libyer"]),
        ("zh", "一位白俄罗斯裔画家", ["白俄罗斯"]),
        ("ja", "リビア出身の歌手", ["リビア"]),
    ],
)
def test_a_place_that_says_where_someone_is_from_is_an_origin(language, text, expected):
    assert origins(text, language) == expected


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "Lukashenko said the NATO bombing in Libya was a crime."),
        ("en", "Investigators found mortar rounds of Belarusian origin in Libya."),  # goods: a real tie
        ("en", "A delegation from Minsk arrived in Benghazi."),
        ("en", "Libyan officers were born again as instructors."),
        ("it", "L'intervento della Nato in Libia fu condannato da Minsk."),
        ("ru", "Делегация из Минска прибыла в Бенгази."),
        ("de", "Belarussische Ingenieure arbeiten in Libyen."),
        ("zh", "白俄罗斯与利比亚关系"),
    ],
)
def test_the_same_places_as_the_subject_of_a_story_are_not_origins(language, text):
    assert origins(text, language) == []


def test_an_origin_alone_ties_nothing_and_inspect_says_why(nlp):
    analysis = analyze_text(
        "Libyan-born soprano debuts at Minsk opera",
        "A Libyan-born soprano who grew up in Italy made her debut at the Minsk opera house on Saturday.",
        "en",
    )
    (result,) = analysis.results
    assert not result.matched and result.missing == ["libya"] and result.origins == ["Libyan"]
    assert "Libyan: only where someone is from" in analysis.explain()


def test_a_story_with_such_a_person_in_it_still_matches(nlp):
    (result,) = analyze_text(
        "Libyan-born broker behind truck sale to Haftar's forces",
        "A Libyan-born businessman brokered the sale of Belarusian MAZ trucks to Khalifa Haftar's Libyan "
        "National Army, according to shipping documents seen by investigators.",
        "en",
    ).results
    assert result.matched and result.proximity == "sentence"
