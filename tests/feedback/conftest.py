"""Fixtures for the feedback tests: a config, a real SQLite database, and articles from ``articles.json``
stored and analysed by the real pipeline (the English model, loaded once per session)."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsmon.config import load_config
from newsmon.pipeline.db import connect

ARTICLES = {a["key"]: a for a in json.loads(Path(__file__).with_name("articles.json").read_text(encoding="utf-8"))}


@pytest.fixture
def config(tmp_path: Path, nlp):
    path = tmp_path / "newsmon.toml"
    path.write_text(
        textwrap.dedent(
            """\
            database = "newsmon.db"

            [alerts]
            to = ["analyst@example.org"]

            [digest]
            outbox = "outbox"

            [smtp]
            host = "127.0.0.1"
            port = 9

            [web]
            base_url = "http://127.0.0.1:8750"
            """
        ),
        encoding="utf-8",
    )
    return load_config(path)


@pytest.fixture
def db(config):
    database = connect(config.database_path)
    yield database
    database.close()


@pytest.fixture
def store(db, config):
    """Store articles by key (optionally under another URL and outlet, as a copy) and analyse them;
    returns the match id of each stored article by key."""
    from newsmon.pipeline.analyze import analyze_pending

    def add(*keys: str, copy_of: dict | None = None, **changes: str) -> dict[str, int]:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        ids = {}
        for key in keys:
            row = {k: v for k, v in ARTICLES[key].items() if k != "key"} | changes
            ids[key] = db["articles"].insert(row | {"fetched_at": now, "language": "en"}).last_pk
        analyze_pending(db, config)
        return {
            key: db.execute("select id from matches where article_id = ?", [article_id]).fetchone()[0]
            for key, article_id in ids.items()
        }

    return add


@pytest.fixture
def server(config, db):
    """``newsmon serve``'s app in a real uvicorn server on a free loopback port; yields its base URL."""
    import threading
    import time

    import uvicorn
    from loopback import free_port

    from newsmon.web import create_app

    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)
