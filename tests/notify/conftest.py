"""Fixtures for the alert and digest tests: real SMTP servers on 127.0.0.1 that record what they receive
(one of them refusing every message), a day of matched news seeded straight into a real SQLite file from
``newsroom.json``, and configs that point newsmon at both.
"""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from loopback import RecordingHandler, free_port, start_smtp

from newsmon.config import Config, load_config
from newsmon.pipeline.db import connect

NEWSROOM = Path(__file__).with_name("newsroom.json")
SOURCES = (
    "mediterranean-wire",
    "tripoli-ledger",
    "eem-feed",
    "minsk-vestnik",
    "sahel-news",
    "libya-herald",
    "belsat-en",
)


@pytest.fixture
def smtp_server():
    """An SMTP server on 127.0.0.1 that accepts and records every message."""
    controller, server = start_smtp(RecordingHandler())
    yield server
    controller.stop()


@pytest.fixture
def refusing_smtp_server():
    """An SMTP server on 127.0.0.1 that answers every message with 554."""
    controller, server = start_smtp(RecordingHandler(refuse=True))
    yield server
    controller.stop()


@pytest.fixture
def dead_port() -> int:
    """A loopback port nothing listens on: an SMTP server that is down."""
    return free_port()


@pytest.fixture
def make_config(tmp_path: Path):
    """Write newsmon.toml for an SMTP port (and optional overrides) and return (path, Config)."""

    def make(
        port: int,
        *,
        alerts_to: list[str] | None = None,
        digest_to: list[str] | None = None,
        webhook: str | None = None,
        send_empty: bool = True,
        smtp_extra: str = "",
    ) -> tuple[Path, Config]:
        alerts_to = ["analyst@example.org"] if alerts_to is None else alerts_to
        digest_to = ["desk@example.org", "editor@example.org"] if digest_to is None else digest_to
        sources = "".join(
            f'\n[[sources]]\nname = "{name}"\ntype = "feed"\nurl = "https://{name}.example/feed"\n' for name in SOURCES
        )
        text = textwrap.dedent(
            f"""\
            database = "newsmon.db"

            [alerts]
            to = {json.dumps(alerts_to)}
            min_score = 0.7
            {f'webhook = "{webhook}"' if webhook else ""}

            [digest]
            to = {json.dumps(digest_to)}
            at = "08:00"
            timezone = "Europe/Minsk"
            send_empty = {"true" if send_empty else "false"}
            outbox = "outbox"

            [smtp]
            host = "127.0.0.1"
            port = {port}
            security = "none"
            from = "newsmon@example.org"
            timeout = 10
            """
        )
        path = tmp_path / "newsmon.toml"
        path.write_text(text + smtp_extra + sources, encoding="utf-8")
        return path, load_config(path)

    return make


@pytest.fixture
def db(tmp_path: Path):
    """The real SQLite database the configs point at."""
    database = connect(tmp_path / "newsmon.db")
    yield database
    database.close()


def seed_newsroom(db, now: datetime) -> dict[str, int]:
    """Store the articles, entities, mentions, matches and crawl runs of newsroom.json, dated before ``now``.

    Returns the ids of the articles (by key) and of the matches (by ``match:<article key>``).
    """
    data = json.loads(NEWSROOM.read_text(encoding="utf-8"))

    def at(hours: float) -> str:
        return (now - timedelta(hours=hours)).astimezone(timezone.utc).isoformat(timespec="seconds")

    ids: dict[str, int] = {}
    for article in data["articles"]:
        row = {k: v for k, v in article.items() if k not in ("key", "hours_ago")}
        row |= {"fetched_at": at(article["hours_ago"]), "published": at(article["hours_ago"] + 1.5)}
        ids[article["key"]] = db["articles"].insert(row).last_pk
        db["article_sources"].insert(
            {
                "article_id": ids[article["key"]],
                "source": row["source"],
                "url": row["url"],
                "seen_at": row["fetched_at"],
            }
        )
    entities = {e["key"]: db["entities"].insert(e).last_pk for e in data["entities"]}
    for mention in data["mentions"]:
        db["mentions"].insert(
            {
                "article_id": ids[mention["article"]],
                "entity_id": entities[mention["entity"]],
                "text": mention["text"],
                "start": mention["start"],
                "end": mention["start"] + len(mention["text"]),
                "sentence": mention["sentence"],
                "paragraph": 0,
            }
        )
    for match in data["matches"]:
        ids[f"match:{match['article']}"] = (
            db["matches"]
            .insert(
                {
                    "article_id": ids[match["article"]],
                    "watch": match["watch"],
                    "score": match["score"],
                    "evidence": json.dumps(match["evidence"], ensure_ascii=False),
                    "created_at": at(match["hours_ago"]),
                }
            )
            .last_pk
        )
    for run in data["crawl_runs"]:
        db["crawl_runs"].insert(
            {
                "source": run["source"],
                "started_at": at(run["hours_ago"]),
                "finished_at": at(run["hours_ago"] - 0.05),
                "status": run["status"],
                "pages": run["pages"],
                "new_articles": run["new_articles"],
                "errors": run.get("errors"),
            }
        )
    return ids


@pytest.fixture
def seed():
    """``seed(db, now)``: the newsroom's rows, stored as if the day before ``now`` had happened."""
    return seed_newsroom
