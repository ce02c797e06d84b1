"""Browsing with Datasette: the bundled metadata's canned queries answer from a real newsmon database,
scraped markup comes back escaped, and `newsmon ui` starts it (or says in one line how to install it)."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from loopback import free_port

from newsmon.cli import cli
from newsmon.commands.export import datasette_metadata

pytest.importorskip("datasette", reason="Datasette is the optional [ui] extra")
from datasette.app import Datasette  # noqa: E402

QUERIES = (
    "latest_matches",
    "matches_by_entity",
    "entities_in_matches",
    "articles_by_source",
    "source_health",
    "search_articles",
)


def fetch(db_path: Path, *paths: str) -> list:
    """Answers of Datasette's own test client for ``paths`` (JSON decoded when the path asks for JSON)."""

    async def run():
        ds = Datasette([str(db_path)], metadata=datasette_metadata(db_path))
        await ds.invoke_startup()
        answers = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            answers.append(response.json() if ".json" in path else response.text)
        return answers

    return asyncio.run(run())


def rows(db_path: Path, query: str, **params: str) -> list[dict]:
    args = "".join(f"&{k}={v}" for k, v in params.items())
    return fetch(db_path, f"/newsmon/{query}.json?_shape=array{args}")[0]


@pytest.fixture
def db_path(seeded: Path) -> Path:
    return seeded.parent / "newsmon.db"


def test_metadata_ships_every_canned_query_with_a_title_and_description(db_path):
    queries = datasette_metadata(db_path)["databases"]["newsmon"]["queries"]
    assert set(QUERIES) <= set(queries)
    assert all(q["title"] and q["description"] and q["sql"] for q in queries.values())


def test_metadata_follows_the_database_file_name():
    assert "news" in datasette_metadata(Path("/data/news.db"))["databases"]


def test_latest_matches_is_one_row_per_story_newest_first_with_their_evidence(db_path):
    found = rows(db_path, "latest_matches")
    assert [r["article_id"] for r in found] == [4, 2, 1]  # 2 and 3 are one story; 2 was published first
    assert found[1]["copies"] == 2 and found[1]["also_reported_by"] == "Eastern Europe Today"
    assert found[2]["evidence"].startswith("The recent visit of Khalifa Haftar")
    assert found[2]["outlet"] == "Belarus Monitor" and found[2]["score"] == 0.93
    assert rows(db_path, "latest_matches", watch="belarus-chad") == []


def test_matches_by_entity(db_path):
    haftar = rows(db_path, "matches_by_entity", entity="Haftar")
    assert {r["title"][:30] for r in haftar} >= {"Belarus to service Haftar's Mi", "Lukashenko Could Face New U.S."}
    assert {r["entity"] for r in haftar} == {"Khalifa Haftar"}
    mig = rows(db_path, "matches_by_entity", entity="MiG")
    assert [r["entity"] for r in mig] == ["MiG-29"]
    assert len(rows(db_path, "matches_by_entity")) > len(haftar)


def test_entities_in_matches_leaves_out_names_only_seen_in_unmatched_articles(db_path):
    found = {r["entity"]: r for r in rows(db_path, "entities_in_matches")}
    assert found["Khalifa Haftar"]["matched_articles"] == 4
    assert "Emmerson Mnangagwa" not in found


def test_articles_by_source_counts_a_shared_article_for_each_source(db_path):
    found = {r["source"]: r for r in rows(db_path, "articles_by_source")}
    assert found["demo-feed"]["articles"] == 3 and found["demo-feed"]["matched"] == 2
    assert found["demo-gdelt"]["articles"] == 2 and found["demo-gdelt"]["matched"] == 2
    assert found["demo-sitemap"]["articles"] == 1


def test_source_health_puts_failing_sources_first(db_path):
    found = rows(db_path, "source_health")
    assert found[0]["source"] == "demo-gdelt" and found[0]["last_status"] == "failed"
    assert found[0]["last_errors"] == "HTTP 503 from the GDELT endpoint"
    assert found[0]["last_ok"] == "2025-02-15T09:00:00+00:00"
    assert {r["source"] for r in found} == {"demo-feed", "demo-gdelt", "demo-sitemap"}


def test_full_text_search_over_articles(db_path):
    assert [r["id"] for r in rows(db_path, "search_articles", q="Baranovichi")] in ([2, 3], [3, 2])
    russian = rows(db_path, "search_articles", q="Хафтар")
    assert [r["id"] for r in russian] == [4] and russian[0]["matched"] == 1
    assert rows(db_path, "search_articles", q="") == []
    assert rows(db_path, "search_articles", q='"unbalanced OR (') == []


def test_scraped_markup_comes_back_escaped_in_html_pages(db_path):
    pages = fetch(db_path, "/newsmon/articles", "/newsmon/latest_matches", "/newsmon/articles/4")
    for page in pages:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_ui_without_datasette_says_how_to_install_it(runner, seeded, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    result = runner.invoke(cli, ["--config", str(seeded), "ui"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "pip install -e '.[ui]'" in result.output


def test_ui_needs_an_existing_database(runner, write_config):
    result = runner.invoke(cli, ["--config", str(write_config('database = "missing.db"\n')), "ui"])
    assert result.exit_code == 1 and "database not found" in result.output


def test_newsmon_ui_serves_the_canned_queries(seeded):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(seeded), "ui", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/newsmon/latest_matches.json?_shape=array"
        for _ in range(300):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    answer = json.load(response)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.1)
        else:
            pytest.fail("Datasette did not start")
        assert len(answer) == 3  # one row per story
    finally:
        proc.terminate()
        code = proc.wait(timeout=30)
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), "a clean shutdown on SIGTERM"


def test_ui_on_a_busy_port_is_one_line(runner, seeded):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["--config", str(seeded), "ui", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output
