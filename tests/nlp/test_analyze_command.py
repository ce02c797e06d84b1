"""``newsmon analyze`` stores entities, mentions and matches for pending articles; ``--all`` redoes them
idempotently; ``newsmon matches`` lists what was stored, best first.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from newsmon.cli import cli
from newsmon.config import load_config
from newsmon.pipeline.analyze import analyze_pending
from newsmon.pipeline.db import connect
from newsmon.pipeline.watchlist import bundled_path

SEED = Path(__file__).parent / "seed_article.txt"
ARTICLES = [
    ("Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya", SEED.read_text(encoding="utf-8")),
    ("Хафтар прибыл в Минск", "Командующий ЛНА Халифа Хафтар прибыл в Минск. Его встречал глава КГБ Иван Тертель."),
    ("Haftar in Moscow", "Khalifa Haftar held talks in Moscow with Russian officials about the Africa Corps."),
    ("Belarus to face Libya", "Belarus will play Libya in a friendly match. The national team coach named 24 players."),
]


@pytest.fixture
def config_path(write_config, tmp_path):
    path = write_config('database = "news.db"\n')
    db = connect(tmp_path / "news.db")
    db["articles"].insert_all(
        {
            "url": f"https://example.org/{i}",
            "source": "test",
            "title": title,
            "text": text,
            "fetched_at": "2025-02-18T10:00:00+00:00",
            "published": "2025-02-18T09:00:00+00:00",
        }
        for i, (title, text) in enumerate(ARTICLES)
    )
    return path


def stored(path: Path) -> dict:
    db = connect(load_config(path).database_path)
    return {
        "matches": list(db.query("select id, article_id, watch, score, evidence, created_at from matches order by id")),
        "mentions": db.execute("select count(*) from mentions").fetchone()[0],
        "entities": db.execute("select count(*) from entities").fetchone()[0],
        "pending": db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0],
        "languages": [r[0] for r in db.execute("select language from articles order by id")],
    }


def test_analyze_stores_matches_only_for_belarus_libya_stories(runner, config_path, nlp):
    result = runner.invoke(cli, ["--config", str(config_path), "analyze"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Analysed 4 articles in ") and result.stdout.endswith(": 2 matches.\n")
    after = stored(config_path)
    assert [m["article_id"] for m in after["matches"]] == [1, 2]
    assert after["pending"] == 0 and after["languages"] == ["en", "ru", "en", "en"]
    evidence = json.loads(after["matches"][1]["evidence"])
    assert evidence[0]["terms"][0] == {"text": "Хафтар", "canonical": "Khalifa Haftar", "group": "libya"}
    db = connect(load_config(config_path).database_path)
    watch_entities = {r["name"]: r for r in db.query("select * from entities where on_watchlist = 1")}
    entity = watch_entities["Ivan Tertel"]
    assert (entity["group_name"], entity["type"], entity["key"]) == ("belarus", "person", "wl:ivan-tertel")
    tertel = db.execute(
        "select m.text, m.article_id, m.sentence, m.paragraph from mentions m join entities e on e.id = m.entity_id "
        "where e.name = 'Ivan Tertel' and m.article_id = 2"
    ).fetchall()
    assert tertel == [("Иван Тертель", 2, 2, 1)]
    assert runner.invoke(cli, ["--config", str(config_path), "analyze"]).output == "Nothing to analyse.\n"


def test_reanalysing_everything_is_idempotent(runner, config_path, nlp):
    runner.invoke(cli, ["--config", str(config_path), "analyze"])
    before = stored(config_path)
    result = runner.invoke(cli, ["--config", str(config_path), "analyze", "--all"])
    assert result.exit_code == 0 and "Analysed 4 articles" in result.output
    after = stored(config_path)
    assert after["matches"] == before["matches"]  # same ids, scores, evidence and first-stored times
    assert (after["mentions"], after["entities"]) == (before["mentions"], before["entities"])


def test_a_watchlist_change_removes_matches_that_no_longer_qualify(runner, config_path, nlp, tmp_path):
    runner.invoke(cli, ["--config", str(config_path), "analyze"])
    before = stored(config_path)["matches"]
    best = max(before, key=lambda m: m["score"])
    assert sum(m["score"] == best["score"] for m in before) == 1 < len(before)
    stricter = bundled_path().read_text(encoding="utf-8").replace("threshold = 0.5 ", f"threshold = {best['score']} ")
    (tmp_path / "strict.toml").write_text(stricter, encoding="utf-8")
    config_path.write_text('database = "news.db"\nwatchlist = "strict.toml"\n', encoding="utf-8")
    assert runner.invoke(cli, ["--config", str(config_path), "analyze", "--all"]).exit_code == 0
    after = stored(config_path)["matches"]
    assert [m["id"] for m in after] == [best["id"]] and after[0]["created_at"] == best["created_at"]


def test_an_article_that_breaks_the_nlp_is_skipped_and_logged(config_path, nlp, caplog):
    config = load_config(config_path)
    db = connect(config.database_path)
    db["articles"].insert(  # a corrupt row: its text is a blob
        {"url": "https://example.org/bad", "source": "test", "title": "Bad", "text": b"\x00\xff", "fetched_at": "x"}
    )
    with caplog.at_level(logging.ERROR):
        result = analyze_pending(db, config)
    assert (result.articles, result.matches, result.failed) == (5, 2, 1)
    assert "analysis failed" in caplog.text
    assert db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0] == 0


def test_matches_lists_the_best_first_with_evidence(runner, config_path, nlp):
    runner.invoke(cli, ["--config", str(config_path), "analyze"])
    text = runner.invoke(cli, ["--config", str(config_path), "matches"])
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[0].startswith("0.99  belarus-libya  2025-02-18  Lukashenko Could Face")  # never a certain 1.00
    assert any(line.strip().startswith("[sentence]") for line in lines) and lines[-1] == "2 matches."
    data = json.loads(runner.invoke(cli, ["--config", str(config_path), "matches", "--json"]).output)
    assert [row["article_id"] for row in data] == [1, 2] and data[0]["score"] >= data[1]["score"]
    assert data[0]["evidence"][0]["proximity"] == "sentence"
    later = runner.invoke(cli, ["--config", str(config_path), "matches", "--since", "2999-01-01"])
    assert later.output == "0 matches.\n"
    same = runner.invoke(cli, ["--config", str(config_path), "matches", "--watch", "belarus-libya", "--json"])
    assert len(json.loads(same.output)) == 2


def test_a_model_that_is_not_installed_is_one_line_and_analyses_nothing(runner, config_path):
    config_path.write_text('database = "news.db"\n[nlp]\nmodel = "xx_no_such_model"\n', encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(config_path), "analyze"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{config_path}: nlp.model: spaCy model 'xx_no_such_model' is not installed" in result.output
    assert stored(config_path)["pending"] == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["matches", "--watch", "belarus-sudan"], "--watch: unknown watch 'belarus-sudan'"),
        (["matches", "--since", "last tuesday"], "--since: expected a date"),
    ],
)
def test_bad_matches_input_is_one_line(runner, config_path, args, message):
    result = runner.invoke(cli, ["--config", str(config_path), *args])
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1

