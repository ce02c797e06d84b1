"""Entities: the real spaCy model finds names, and the watchlist claims its own terms in any language.

Watch terms override the model's wrong labels, every watch entity carries its canonical name, Russian and
Belarusian case endings and Arabic clitics are matched by rule, and look-alikes (the surname Wagner, the
Minsk agreements, MiG-29 in the wrong case) are not taken for watch terms.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.pipeline.analyze import analyze_text
from newsmon.pipeline.nlp import split_units

SEED = Path(__file__).parent / "seed_article.txt"
SEED_TITLE = "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya"


@pytest.fixture(scope="module")
def seed(nlp):
    return analyze_text(SEED_TITLE, SEED.read_text(encoding="utf-8"))


def canonical(analysis) -> set[str]:
    return {m.canonical for m in analysis.mentions if m.canonical}


def test_the_seed_article_names_the_people_and_things_analysts_follow(seed):
    assert {
        "Alexander Lukashenko",
        "Khalifa Haftar",
        "Ivan Tertel",
        "Viktor Khrenin",
        "Libyan National Army",
        "KGB",
        "MiG-29",
        "Libya Stabilization Act",
        "Belarus",
        "Libya",
        "Minsk",
    } <= canonical(seed)


def test_watch_terms_override_the_models_wrong_labels(seed):
    labels = {(m.text, m.label) for m in seed.mentions}
    assert ("Belarus", "GPE") in labels and ("Belarus", "ORG") not in labels
    assert not any(m.text == "the KGB Ivan Tertel" for m in seed.mentions)
    assert ("KGB", "ORG") in labels and ("Ivan Tertel", "PERSON") in labels


def test_the_model_still_finds_names_the_watchlist_lacks(seed):
    others = {(m.text, m.label) for m in seed.mentions if m.canonical is None}
    assert ("Joe Wilson", "PERSON") in others
    assert ("Moscow", "GPE") in others


def test_offsets_point_into_the_title_and_the_stored_text(seed):
    text = SEED.read_text(encoding="utf-8")
    for m in seed.mentions:
        source = SEED_TITLE if m.paragraph == 0 else text
        assert " ".join(source[m.start : m.end].split()) == m.text


RU_CASES = "Хафтара встретили в Минске, переговоры с Хафтаром прошли в Беларуси."
RU_LIBYA = "Лукашенко обсудил ситуацию в Ливии и поставки в Ливию с Ливийской национальной армией."
AR_CLITICS = "التقى لوكاشينكو بحفتر وقال إن بيلاروسيا تدعم الاستقرار في ليبيا وللجيش الوطني الليبي دور."
LUKASHENKO_LIBYAN_HAFTAR_MINSK = ["Alexander Lukashenko", "Libya", "Khalifa Haftar", "Minsk"]
FR_COMPOUND = "Loukachenko a reçu le maréchal Haftar ; la coopération biélorusso-libyenne progresse."


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("ru", RU_CASES, ["Khalifa Haftar", "Minsk", "Khalifa Haftar", "Belarus"]),
        ("ru", RU_LIBYA, ["Alexander Lukashenko", "Libya", "Libya", "Libyan National Army"]),
        ("be", "Лукашэнка сустрэўся з Хафтарам у Мінску.", ["Alexander Lukashenko", "Khalifa Haftar", "Minsk"]),
        ("uk", "Лукашенко прийняв Хафтара в Мінську.", ["Alexander Lukashenko", "Khalifa Haftar", "Minsk"]),
        ("ar", AR_CLITICS, ["Alexander Lukashenko", "Khalifa Haftar", "Belarus", "Libya", "Libyan National Army"]),
        ("ar", "وصل الوفد البيلاروسي إلى بنغازي ثم إلى طرابلس.", ["Belarus", "Benghazi", "Tripoli"]),
        ("fr", FR_COMPOUND, ["Alexander Lukashenko", "Khalifa Haftar", "Belarus", "Libya"]),
        ("de", "Lukaschenko empfing den libyschen General Haftar in Minsk.", LUKASHENKO_LIBYAN_HAFTAR_MINSK),
        ("es", "Lukashenko recibió al mariscal libio Haftar en Minsk.", LUKASHENKO_LIBYAN_HAFTAR_MINSK),
    ],
)
def test_inflected_forms_and_other_languages_find_the_same_entities(nlp, language, text, expected):
    analysis = analyze_text("", text, language)
    assert [m.canonical for m in analysis.mentions if m.group in ("belarus", "libya")] == expected


def test_the_language_is_detected_when_not_given(nlp):
    russian = "Командующий Ливийской национальной армией прибыл в Минск с визитом."
    arabic = "وصل القائد العام للجيش الوطني الليبي إلى العاصمة مينسك في زيارة رسمية."
    assert analyze_text("", russian).language == "ru" and analyze_text("", arabic).language == "ar"


def test_mig_29_is_matched_case_sensitively_as_a_word(nlp):
    def found(text: str) -> list[str]:
        return [m.text for m in analyze_text("", text, "en").mentions if m.canonical == "MiG-29"]

    assert found("Four MiG-29 jets and two MiG-29s landed.") == ["MiG-29", "MiG-29s"]
    assert found("The mig-29 club and MiG-290 are not the jet.") == []


def test_the_surname_wagner_is_not_the_wagner_group(nlp):
    def group(text: str) -> list[str]:
        return [m.canonical for m in analyze_text("", text, "en").mentions if m.canonical]

    assert "Wagner Group" not in group("The orchestra played Richard Wagner, and Anna Wagner spoke.")
    assert "Wagner Group" in group("Fighters of the Wagner Group moved to Belarus in 2023.")


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "Diplomats compared the deal to the Minsk agreements."),
        ("ru", "Дипломаты сравнили сделку с Минскими соглашениями."),
        ("ar", "قارن دبلوماسيون الاتفاق باتفاقيات مينسك."),
        ("de", "Diplomaten verglichen das mit dem Minsker Abkommen."),
    ],
)
def test_the_minsk_agreements_do_not_count_as_belarus(nlp, language, text):
    analysis = analyze_text("", text, language)
    found = [(m.canonical, m.group) for m in analysis.mentions if m.canonical]
    assert found == [("Minsk agreements", None)]


def test_long_texts_are_cut_into_bounded_paragraph_chunks():
    paragraph = "Lukashenko met Haftar in Minsk. " * 400
    units = split_units("Title", paragraph + "\nSecond paragraph.", max_chars=100_000)
    assert units[0].paragraph == 0 and units[-1].paragraph == 2
    assert all(len(u.text) <= 5_000 for u in units)
    body = [u for u in units if u.paragraph == 1]
    assert "".join(u.text for u in body) == paragraph and all(u.text.endswith(". ") for u in body[:-1])
    assert len(split_units("", "x" * 50_000, max_chars=1_000)[0].text) == 1_000
