"""`newsmon search` finds the word forms the watchlist matcher finds, shows where the hit is, and answers
a query it cannot run with one line and exit status 2."""

from __future__ import annotations

import json

import pytest

from newsmon.cli import cli
from newsmon.pipeline.db import connect

ARTICLES = [
    ("Контакты Минска с Хафтаром", "Контакты Минска с Хафтаром активизировались после визита в Беларусь."),
    ("Визит в Минск", "Делегация прибыла в Минск без маршала."),
    ("حفتر في مينسك", "والتقى المشير بالحفتر في العاصمة، وقال إن لحفتر دوراً."),
    ("Haftar visits Minsk", "Khalifa Haftar met Alexander Lukashenko in Minsk."),
]


@pytest.fixture
def library(write_config, tmp_path):
    config = write_config('database = "newsmon.db"\n')
    db = connect(tmp_path / "newsmon.db")
    db["articles"].insert_all(
        {"url": f"https://news.example/{i}", "source": "desk", "title": title, "text": text,
         "fetched_at": "2025-02-15T08:00:00+00:00", "published": "2025-02-15T07:00:00+00:00"}  # fmt: skip
        for i, (title, text) in enumerate(ARTICLES)
    )
    db.close()
    return config


def search(runner, config, *args, color=False):
    return runner.invoke(cli, ["--config", str(config), "search", *args], color=color)


@pytest.mark.parametrize("query", ["Хафтар", "Хафтара", "хафтаром"])
def test_a_russian_name_finds_its_inflected_forms(runner, library, query):
    result = search(runner, library, query, "--json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["title"] for line in result.output.splitlines()] == ["Контакты Минска с Хафтаром"]


def test_an_arabic_name_finds_it_behind_a_clitic_or_the_article(runner, library):
    result = search(runner, library, "حفتر", "--json")
    assert [json.loads(line)["title"] for line in result.output.splitlines()] == ["حفتر في مينسك"]


def test_the_stem_is_not_enough_the_form_must_be_one_the_matcher_accepts(runner, library):
    result = search(runner, library, "Минск", "--json")
    titles = {json.loads(line)["title"] for line in result.output.splitlines()}
    assert titles == {"Контакты Минска с Хафтаром", "Визит в Минск"}


def test_the_snippet_shows_the_hit_highlighted_on_a_terminal(runner, library):
    result = search(runner, library, "Хафтар", color=True)
    assert result.exit_code == 0
    assert "\x1b[" in result.output and "Хафтаром\x1b[0m активизировались" in result.output
    plain = search(runner, library, "Хафтар").output
    assert "Контакты Минска с Хафтаром активизировались" in plain and "\x1b[" not in plain


@pytest.mark.parametrize("query", ["", "   ", '"', "a AND", "(", "!!!"])
def test_an_empty_or_malformed_query_is_one_line_and_exit_2(runner, library, query):
    result = search(runner, library, query)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: search: ")
    assert "fts5" not in result.output.split("(")[0]


def test_fts5_syntax_is_still_used_as_written(runner, library):
    result = search(runner, library, '"Khalifa Haftar" OR Хафтаром', "--json")
    assert len(result.output.splitlines()) == 2
