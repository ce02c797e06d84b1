"""Analysis spread over worker processes (``[nlp] processes``) stores exactly what one process stores,
batch by batch in order, and a batch's results never get attached to another batch's articles.
"""

from __future__ import annotations

import os
from pathlib import Path

from newsmon.config import load_config
from newsmon.pipeline.analyze import analyze_pending
from newsmon.pipeline.db import connect
from newsmon.pipeline.workers import in_workers

SEED = Path(__file__).resolve().parents[1] / "nlp" / "seed_article.txt"
TEXTS = [
    ("Lukashenko hosts Haftar in Minsk", "Alexander Lukashenko received Khalifa Haftar in Minsk for talks on MiG-29 repairs."),
    ("Хафтар прибыл в Минск", "Командующий ЛНА Халифа Хафтар прибыл в Минск. Его встречал глава КГБ Иван Тертель."),
    ("Rates rise in Kenya", "The central bank of Kenya raised its key rate on Thursday, Reuters reported."),
    ("Haftar in Moscow", "Khalifa Haftar held talks in Moscow with Russian officials about the Africa Corps."),
    ("Belarus to face Libya", "Belarus will play Libya in a friendly match. The national team coach named 24 players."),
]


def _pids(rows: list[dict]) -> list[tuple[int, int]]:
    return [(row["n"], os.getpid()) for row in rows]


def test_batches_come_back_in_order_each_with_its_own_results():
    batches = [[{"n": i}, {"n": i + 100}] for i in range(7)]
    results = list(in_workers(_pids, iter(batches), 2))
    assert [batch for batch, _ in results] == batches
    assert all([n for n, _ in found] == [row["n"] for row in batch] for batch, found in results)
    assert all(pid != os.getpid() for _, found in results for _, pid in found)


def test_one_process_runs_the_task_here():
    (batch, found), = in_workers(_pids, [[{"n": 1}]], 1)
    assert found == [(1, os.getpid())]


def test_a_single_batch_is_not_worth_forking_workers_for():
    (batch, found), = in_workers(_pids, iter([[{"n": 1}, {"n": 2}]]), 2)
    assert found == [(1, os.getpid()), (2, os.getpid())]


def test_while_the_crawl_runs_its_analysis_leaves_it_a_core(tmp_path, write_config):
    from newsmon.pipeline.background import _while_crawling

    config = load_config(write_config("[nlp]\nprocesses = 2\n"))
    assert _while_crawling(config).nlp.processes == 1
    assert config.nlp.processes == 2  # the last pass, after the crawl, uses them all
    single = load_config(write_config("[nlp]\nprocesses = 1\n", name="one.toml"))
    assert _while_crawling(single) is single


def _store(tmp_path: Path, write_config, processes: int) -> dict:
    folder = tmp_path / f"p{processes}"
    folder.mkdir()
    config_path = write_config(
        f'database = "{folder / "news.db"}"\n[nlp]\nprocesses = {processes}\nbatch_size = 2\n', name=f"p{processes}.toml"
    )
    db = connect(folder / "news.db")
    articles = TEXTS * 3 + [("Lukashenko Could Face New U.S. Sanctions", SEED.read_text(encoding="utf-8"))]
    db["articles"].insert_all(
        {"url": f"https://example.org/{i}", "source": "test", "title": t, "text": x, "fetched_at": "2025-02-18T10:00:00+00:00"}
        for i, (t, x) in enumerate(articles)
    )
    result = analyze_pending(db, load_config(config_path))
    assert (result.articles, result.failed) == (len(articles), 0)
    return {
        "matches": list(db.query("select article_id, watch, score, evidence from matches order by article_id, watch")),
        "mentions": list(db.query("select article_id, text, start, [end], sentence, paragraph from mentions order by id")),
        "pending": db.execute("select count(*) from articles where analyzed_at is null").fetchone()[0],
    }


def test_two_worker_processes_store_the_same_as_one(tmp_path, write_config, nlp):
    one = _store(tmp_path, write_config, 1)
    two = _store(tmp_path, write_config, 2)
    assert one["pending"] == two["pending"] == 0
    assert {m["article_id"] for m in one["matches"]} == {1, 2, 6, 7, 11, 12, 16}
    assert two == one
