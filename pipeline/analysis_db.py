"""Store analyses: entities, mentions and matches, one transaction per batch of articles.

Re-analysis is idempotent: an article's mentions are replaced, a match that still qualifies keeps its
id, ``created_at`` and ``story_id`` (alerts and the digest rely on ``created_at`` being when it was first
stored) and only its score, evidence and score parts change; a match that no longer qualifies is removed.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlite_utils

from newsmon.pipeline.watchlist import Watchlist


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class AnalysisStore:
    """Writes analyses for one watchlist; keeps entity ids in memory across batches."""

    def __init__(self, db: sqlite_utils.Database, watchlist: Watchlist) -> None:
        self.db = db
        self.ids: dict[str, int] = {}
        self._sync_watchlist(watchlist)

    def _sync_watchlist(self, watchlist: Watchlist) -> None:
        """Upsert the watchlist's entities; entities dropped from the watchlist stop being on it."""
        rows = [
            {
                "key": e.key,
                "name": e.name,
                "type": e.type,
                "group_name": e.group,
                "label": e.ner_label,
                "on_watchlist": 1,
            }
            for e in watchlist.entities
        ]
        with self.db.atomic():
            self.db.execute("update entities set on_watchlist = 0 where on_watchlist = 1")
            self.db["entities"].upsert_all(rows, pk="key")
        self._load_ids([row["key"] for row in rows])

    def _load_ids(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self.db.query(f"select id, key from entities where key in ({marks})", chunk):
                self.ids[row["key"]] = row["id"]

    def save(self, rows: list[dict], analyses: list) -> int:
        """Store the analyses of ``rows`` (None for an article that failed); the number of matches."""
        now = utc_now()
        article_ids = [row["id"] for row in rows]
        marks = ", ".join("?" for _ in article_ids)
        with self.db.atomic():
            self._add_entities([a for a in analyses if a is not None])
            self.db.execute(f"delete from mentions where article_id in ({marks})", article_ids)
            self.db["mentions"].insert_all(
                {
                    "article_id": row["id"],
                    "entity_id": self.ids[m.key],
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "sentence": m.sentence,
                    "paragraph": m.paragraph,
                }
                for row, analysis in zip(rows, analyses)
                if analysis is not None
                for m in analysis.mentions
            )
            stored = self._save_matches(article_ids, marks, rows, analyses, now)
            self.db.conn.executemany(
                "update articles set analyzed_at = ?, language = coalesce(language, ?) where id = ?",
                [(now, a.language if a else None, row["id"]) for row, a in zip(rows, analyses)],
            )
        return stored

    def _add_entities(self, analyses: list) -> None:
        new = {}
        for analysis in analyses:
            for m in analysis.mentions:
                if m.key not in self.ids and m.key not in new:
                    new[m.key] = {"key": m.key, "name": m.text, "label": m.label, "on_watchlist": 0}
        if new:
            self.db["entities"].insert_all(new.values(), ignore=True)
            self._load_ids(list(new))

    def _save_matches(self, article_ids: list[int], marks: str, rows: list[dict], analyses: list, now: str) -> int:
        query = f"select id, article_id, watch from matches where article_id in ({marks})"
        existing = {(r["article_id"], r["watch"]): r["id"] for r in self.db.query(query, article_ids)}
        fresh = {
            (row["id"], result.watch): {
                "article_id": row["id"],
                "watch": result.watch,
                "score": result.score,
                "evidence": json.dumps(result.evidence, ensure_ascii=False),
                "parts": json.dumps(dict(result.parts), ensure_ascii=False),
            }
            for row, analysis in zip(rows, analyses)
            if analysis is not None
            for result in analysis.matches
        }
        gone = [match_id for key, match_id in existing.items() if key not in fresh]
        if gone:
            self.db.execute(f"delete from matches where id in ({', '.join('?' for _ in gone)})", gone)
        kept = [record for key, record in fresh.items() if key in existing]
        if kept:
            self.db["matches"].upsert_all(kept, pk=("article_id", "watch"))
        added = [{**record, "created_at": now} for key, record in fresh.items() if key not in existing]
        if added:
            self.db["matches"].insert_all(added)
        return len(fresh)
