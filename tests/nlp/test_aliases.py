"""What an alias matches, per language family: the forms it must find, and the words it must not.

Aliases are written once, in their dictionary form; the matcher folds accents and Arabic orthography,
adds the endings of the text's language, the clitics of Arabic, and finds CJK names inside unspaced
text. Short stems match only as written, so they never swallow longer, unrelated words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.pipeline.aliases import find_mentions
from newsmon.pipeline.analyze import analyze_text
from newsmon.pipeline.watchlist import load_watchlist, parse_watchlist

BUNDLED = load_watchlist()
SHORT = parse_watchlist(
    """
name = "short stems"
[groups]
a = "A"
[[watches]]
name = "a"
groups = ["a"]
[[entities]]
name = "Mali"
type = "country"
group = "a"
aliases = ["Mali"]
[[entities]]
name = "Oman"
type = "country"
group = "a"
aliases = ["Oman"]
""",
    Path("short.toml"),
)


def found(text: str, language: str, watchlist=BUNDLED) -> list[tuple[str, str]]:
    """(surface form, canonical name) of every alias hit."""
    names = {e.key: e.name for e in watchlist.entities}
    return [(text[h.start : h.end], names[h.key]) for h in find_mentions(watchlist, text, language)]


def forms(text: str, language: str) -> list[str]:
    return [form for form, _ in found(text, language)]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("ar", "وحفتر وفحفتر", ["وحفتر"]),  # the conjunction alone, once
        ("ar", "فحفتر قال", ["فحفتر"]),
        ("ar", "وليبيا ولليبيا وبليبيا", ["وليبيا", "ولليبيا", "وبليبيا"]),
        ("ar", "حَفْتَر وحفـتر", ["حَفْتَر", "وحفـتر"]),  # harakat and tatweel
        ("ar", "الليبيّة والليبيين", ["الليبيّة", "والليبيين"]),
        ("ar", "بيلوروسيا وبلاروسيا", ["بيلوروسيا", "وبلاروسيا"]),  # long-vowel spellings of a long name
        ("ar", "إلى مصراته", ["مصراته"]),  # ة written as ه
        ("fa", "لیبی و بلاروس و مینسک", ["لیبی", "بلاروس", "مینسک"]),  # Persian ی and ک
    ],
)
def test_arabic_script_takes_clitics_and_folds_its_orthography(language, text, expected):
    assert forms(text, language) == expected


@pytest.mark.parametrize(
    "text",
    [
        "وقعت ليبيريا اتفاقا",  # Liberia is not Libya plus an ending
        "التقى بالروس في موسكو",  # "with the Russians": not a spelling of Belarus
        "أداء مناسك الحج",  # Hajj rituals: Minsk's long-vowel variants need a longer name
        "روسيا وحدها",  # Russia alone is not White Russia
    ],
)
def test_arabic_affixes_and_variants_do_not_swallow_other_words(text):
    assert found(text, "ar") == []


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("pl", "w Mińsku, z Białorusią, o Libii, Kaddafiego, o Łukaszence, z Chaftarem",
         ["Mińsku", "Białorusią", "Libii", "Kaddafiego", "Łukaszence", "Chaftarem"]),
        ("pl", "białoruscy najemnicy", ["białoruscy", "najemnicy"]),
        ("cs", "v Libyi a v Bělorusku", ["Libyi"]),  # "Libya" takes Czech endings; Bělorusko needs an alias
        ("lt", "Baltarusijos prezidentas Lukašenka Minske, Libijoje",
         ["Baltarusijos", "Lukašenka", "Minske", "Libijoje"]),
        ("tr", "Libya'daki Libyalı Hafter'in silahları", ["Libya", "Libyalı", "Hafter", "silahları"]),
        ("it", "forze libiche e libici, la Bielorussia", ["libiche", "libici", "Bielorussia"]),
        ("pt", "na Líbia, forças líbias, bielorrussos", ["Líbia", "líbias", "bielorrussos"]),
        ("de", "des libyschen Militärs, Libyens", ["libyschen", "Libyens"]),
        ("es", "en Líbia y Libia", ["Líbia", "Libia"]),  # accents folded
    ],
)
def test_latin_script_words_take_the_endings_of_the_texts_language(language, text, expected):
    assert forms(text, language) == expected


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("pl", "Mali, Malin, Malinowski, malowany", ["Mali"]),  # a three-letter stem takes no endings
        ("pl", "Omanu, Omanie, omanowski", ["Omanu", "Omanie"]),  # four letters do, but only real endings
        ("tr", "Omanlı, Omanda, Omansız", ["Omanlı", "Omanda"]),
        ("en", "Omani, Omans", []),  # English has no endings: forms are aliases of their own
        ("pl", "libido", []),
    ],
)
def test_short_stems_do_not_swallow_unrelated_words(language, text, expected):
    watchlist = BUNDLED if text == "libido" else SHORT
    assert forms_of(text, language, watchlist) == expected


def forms_of(text: str, language: str, watchlist) -> list[str]:
    return [form for form, _ in found(text, language, watchlist)]


def test_cyrillic_words_take_case_endings_in_any_text():
    assert forms("Хафтара, Ливией, Белоруссии, наёмников, МиГах", "ru") == [
        "Хафтара", "Ливией", "Белоруссии", "наёмников", "МиГах",
    ]
    assert forms("Ливан и Лига", "ru") == []


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("zh", "白俄罗斯总统卢卡申科在明斯克会见哈夫塔尔。", ["白俄罗斯", "卢卡申科", "明斯克", "哈夫塔尔"]),
        ("zh", "盧卡申科會見利比亞國民軍司令", ["盧卡申科", "利比亞國民軍"]),  # the longest wins
        ("ja", "ベラルーシのルカシェンコ大統領はリビアを訪問した。", ["ベラルーシ", "ルカシェンコ", "リビア", "訪問"]),
        ("zh", "白色的俄国汽车", []),
    ],
)
def test_chinese_and_japanese_names_are_found_without_spaces(language, text, expected):
    assert forms(text, language) == expected


def test_unspaced_and_apostrophe_forms_become_entities_of_their_own(nlp):
    japanese = analyze_text("", "リビア国民軍のハフタル司令官がミンスクを訪問し、ルカシェンコ大統領と会談した。", "ja")
    assert [m.text for m in japanese.mentions] == ["リビア国民軍", "ハフタル", "ミンスク", "訪問", "ルカシェンコ"]
    assert japanese.matches
    turkish = analyze_text("", "Lukaşenko, Hafter'i Minsk'te kabul etti ve askeri işbirliğini görüştü.", "tr")
    assert [m.text for m in turkish.mentions if m.canonical] == ["Lukaşenko", "Hafter", "Minsk", "askeri işbirliğini"]


def test_case_sensitive_aliases_keep_their_case():
    assert forms("MiG-29 and LNA", "en") == ["MiG-29", "LNA"]
    assert forms("mig-29 and lna", "en") == []


@pytest.mark.parametrize("language", ["en", "ru", "ar", "pl", "zh"])
def test_the_pipeline_stores_exactly_the_hits_find_mentions_returns(nlp, language):
    """The contract a pre-filter relies on: ``find_mentions`` is what the NLP's watchlist component sets."""
    text = {
        "en": "Khalifa Haftar met Lukashenko's KGB chief in Minsk; the Minsk agreements were not discussed.",
        "ru": "Лукашенко принял Хафтара в Минске и обсудил поставки оружия в Ливию.",
        "ar": "استقبل لوكاشينكو وحفتر في مينسك لبحث التعاون العسكري مع ليبيا.",
        "pl": "Łukaszenka spotkał się z Chaftarem w Mińsku i rozmawiał o Libii.",
        "zh": "白俄罗斯总统卢卡申科在明斯克会见哈夫塔尔。",
    }[language]
    analysis = analyze_text("", text, language)
    stored = [(m.start, m.end, m.key) for m in analysis.mentions if m.canonical]
    assert stored == [(h.start, h.end, h.key) for h in find_mentions(BUNDLED, text, language)]


@pytest.mark.parametrize(
    "language, text, inflected",
    [
        ("bs", "Lukašenka je u Minsku primio Haftara i razgovarao o Libiji.", ["Minsku", "Haftara"]),
        ("no", "Lukasjenko tok imot Haftars delegasjon i Minsk for å drøfte Libyas luftvåpen.", ["Haftars", "Libyas"]),
        ("be", "Лукашэнка прыняў Хафтара ў Мінску і абмеркаваў пастаўкі ў Лівію.", ["Хафтара", "Мінску", "Лівію"]),
    ],
)
def test_a_language_without_a_spacy_tokenizer_still_takes_its_own_endings(language, text, inflected):
    """spaCy has no tokenizer for Bosnian, Norwegian ("no") or Belarusian, so their pipelines run on the
    multi-language one; the alias index is still built for the article's language, so its endings apply."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline.nlp import WATCHLIST_PIPE, get_pipeline

    nlp = get_pipeline(language, NlpSettings(), BUNDLED)
    assert nlp.lang == "xx"
    assert nlp.get_pipe(WATCHLIST_PIPE).index.language == language
    stored = [m.text for m in analyze_text("", text, language).mentions if m.canonical]
    assert set(inflected) <= set(stored)
    assert stored == [text[h.start : h.end] for h in find_mentions(BUNDLED, text, language)]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("it", "Lukašenko ha ricevuto i vertici dell'Esercito nazionale libico (Lna).",
         ["Alexander Lukashenko", "Libyan National Army"]),
        ("pt", "O Exército Nacional da Líbia enviou pilotos a Minsk.", ["Libyan National Army", "pilots", "Minsk"]),
        ("tr", "Libya Ulusal Ordusu (LUO) Trablus'a ilerledi.", ["Libyan National Army", "Libyan National Army", "Tripoli"]),
        ("ar", "وصلت خمس رحلات شحن من بيلا روسيا إلى سبها.", ["cargo flights", "Belarus", "Sebha"]),
        ("zh", "利比亚前领导人格达费", ["Libya", "Muammar Gaddafi"]),
    ],
)
def test_forms_seen_in_public_reporting_are_found(language, text, expected):
    """Spellings found when the pl, pt, it, tr, fa and zh forms were checked against public reporting."""
    assert [name for _, name in found(text, language)] == expected
