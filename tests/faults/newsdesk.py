"""Databases and configs the concurrency tests start from: strong, unrelated stories each owed one
alert (what the concurrent-sender tests mail), a config that mails them, and a one-feed config.

Titles and texts are drawn from disjoint word sets, so story grouping keeps every article a story of
its own; every match is fresh and above the alert threshold.
"""

from __future__ import annotations

import json
import random
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsmon.pipeline.db import connect

WATCH = "belarus-libya"


def _words(rng: random.Random, count: int) -> list[str]:
    letters = "bcdfghklmnprstvz"
    vowels = "aeiou"
    return ["".join(rng.choice(letters) + rng.choice(vowels) for _ in range(3)) for _ in range(count)]


def seed_stories(database: Path, stories: int, *, now: datetime | None = None) -> None:
    """Store ``stories`` matched articles from the last hours in ``database``."""
    rng = random.Random(18)
    now = now or datetime.now(timezone.utc)
    db = connect(database)
    vocabulary = _words(rng, stories * 80)
    for n in range(stories):
        words = vocabulary[n * 80 : (n + 1) * 80]
        at = (now - timedelta(minutes=30 + n)).isoformat(timespec="seconds")
        article = db["articles"].insert(
            {
                "url": f"https://desk.example/{n}.html", "source": "desk", "site_name": "Desk",
                "title": " ".join(words[:8]).capitalize(), "text": " ".join(words[8:]) + ".",
                "language": "en", "fetched_at": at, "published": at,
            }  # fmt: skip
        ).last_pk
        db["article_sources"].insert(
            {"article_id": article, "source": "desk", "url": f"https://desk.example/{n}.html", "seen_at": at}
        )
        evidence = [{"sentence": " ".join(words[8:20]), "proximity": "sentence", "terms": []}]
        db["matches"].insert(
            {"article_id": article, "watch": WATCH, "score": 0.9, "evidence": json.dumps(evidence), "created_at": at}
        )
    db.close()


def desk_config(folder: Path, smtp_port: int, *, timeout: float = 10, extra: str = "") -> Path:
    """A config that mails alerts and the digest through the SMTP server on ``smtp_port``; ``extra``
    continues its ``[smtp]`` table."""
    path = folder / "newsmon.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            database = "news.db"
            [alerts]
            to = ["analyst@example.org"]
            min_score = 0.7
            [digest]
            to = ["desk@example.org"]
            at = "08:00"
            timezone = "UTC"
            [smtp]
            host = "127.0.0.1"
            port = {smtp_port}
            from = "newsmon@example.org"
            timeout = {timeout}
            """
        )
        + extra,
        encoding="utf-8",
    )
    return path


def feed_config(folder: Path, name: str, url: str) -> Path:
    """A config with one feed source, ``name`` at ``url``, and the database ``news.db``."""
    path = folder / "newsmon.toml"
    path.write_text(
        f'database = "news.db"\n[[sources]]\nname = "{name}"\ntype = "feed"\nurl = "{url}"\n', encoding="utf-8"
    )
    return path
