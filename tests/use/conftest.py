"""Fixtures for the "Use" tests: a config and a database seeded with realistic rows, hostile ones included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.pipeline.db import connect

FIXTURES = Path(__file__).parent / "fixtures"
TABLE_ORDER = ("articles", "article_sources", "entities", "mentions", "matches", "crawl_runs")


def seed_database(path: Path) -> None:
    """Create a newsmon database at ``path`` holding the rows of ``fixtures/seed_rows.json``."""
    rows = json.loads((FIXTURES / "seed_rows.json").read_text(encoding="utf-8"))
    db = connect(path, create=True)
    for table in TABLE_ORDER:
        db[table].insert_all(rows[table])
    db.close()


@pytest.fixture
def seeded(write_config, tmp_path: Path) -> Path:
    """A config whose database already holds five articles, four matches (two of one story) and crawl runs."""
    config = write_config('database = "newsmon.db"\n')
    seed_database(tmp_path / "newsmon.db")
    return config
