"""``newsmon crawl`` analyses articles while it is still crawling: a separate process picks up each batch
as soon as it is stored, and when the crawl is over it makes a last pass, so every stored article ends
up analysed exactly once; its failures reach the crawl's process as the same one-line errors.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsmon.config import load_config
from newsmon.errors import ConfigError
from newsmon.pipeline.background import BackgroundAnalysis
from newsmon.pipeline.db import connect

POSITIVE = ("Lukashenko hosts Haftar", "Alexander Lukashenko received Khalifa Haftar in Minsk for talks on MiG-29 repairs.")
NEGATIVE = ("Rates rise in Kenya", "The central bank of Kenya raised its key rate on Thursday, Reuters reported.")


def _store(db, start: int, articles: list[tuple[str, str]]) -> None:
    db["articles"].insert_all(
        {"url": f"https://example.org/{start + i}", "source": "test", "title": t, "text": x, "fetched_at": "2025-02-18T10:00:00+00:00"}
        for i, (t, x) in enumerate(articles)
    )


def _config(write_config, tmp_path: Path, nlp: str = "") -> Path:
    return write_config(f'database = "{tmp_path / "news.db"}"\n[nlp]\nprocesses = 2\nbatch_size = 2\n{nlp}')


def test_articles_stored_during_and_after_the_crawl_are_all_analysed_once(write_config, tmp_path, nlp):
    config = load_config(_config(write_config, tmp_path))
    db = connect(config.database_path)
    analysis = BackgroundAnalysis(config)
    _store(db, 0, [POSITIVE, NEGATIVE] * 3)
    time.sleep(1.0)
    _store(db, 100, [POSITIVE, NEGATIVE])
    totals = analysis.finish()
    assert (totals.articles, totals.matches, totals.failed) == (8, 4, 0)
    assert db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0] == 0
    assert db.execute("select count(*) from matches").fetchone()[0] == 4


def test_a_missing_model_is_reported_in_the_crawls_process(write_config, tmp_path):
    config = load_config(_config(write_config, tmp_path, 'model = "no_such_model_installed"\n'))
    connect(config.database_path).close()
    analysis = BackgroundAnalysis(config)
    with pytest.raises(ConfigError, match="no_such_model_installed"):
        analysis.finish()


def test_cancel_stops_the_process_and_leaves_articles_pending(write_config, tmp_path):
    config = load_config(_config(write_config, tmp_path))
    db = connect(config.database_path)
    analysis = BackgroundAnalysis(config)
    analysis.cancel()
    _store(db, 0, [NEGATIVE])
    assert db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0] == 1
