"""The SQLite database: connection settings and the schema, built by sqlite-utils migrations.

Every table other tools query is created here, in numbered migrations, so that an older database is
brought up to date on open and a new column never needs a hand-written ALTER elsewhere. Append new
migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsmon.errors import ConfigError, DatabaseError

BUSY_TIMEOUT_MS = 15_000
BUSY_TIMEOUT_ENV = "NEWSMON_BUSY_TIMEOUT"
migrations = Migrations("newsmon")


class Database(sqlite_utils.Database):
    """sqlite-utils' database, but every outermost transaction starts with ``BEGIN IMMEDIATE``.

    A deferred ``BEGIN`` takes the write lock only at the first write; when another process commits
    after this transaction's first read (sqlite-utils reads the schema before most writes), SQLite
    answers BUSY at once instead of waiting the busy timeout. Taking the write lock up front makes
    every write wait up to the busy timeout, so "waited Ns" is true. Table methods (insert, update,
    upsert) go through ``atomic`` too, so single writes get the same treatment.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


@migrations()
def m001_core(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "source": str,
            "title": str,
            "text": str,
            "summary": str,
            "author": str,
            "site_name": str,
            "published": str,
            "language": str,
            "fetched_at": str,
            "content_hash": str,
            "html_gz": bytes,
            "analyzed_at": str,
        },
        pk="id",
        not_null={"url", "source", "fetched_at"},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["analyzed_at"])
    db["articles"].create_index(["fetched_at"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db["article_sources"].create(
        {"article_id": int, "source": str, "url": str, "seen_at": str},
        pk=("article_id", "source"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["crawl_runs"].create(
        {
            "id": int,
            "source": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "pages": int,
            "new_articles": int,
            "errors": str,
            "pid": int,
        },
        pk="id",
    )
    db["crawl_runs"].create_index(["source", "started_at"])
    db["http_cache"].create(
        {"url": str, "etag": str, "last_modified": str, "status": int, "checked_at": str},
        pk="url",
    )


@migrations()
def m002_analysis(db: sqlite_utils.Database) -> None:
    db["entities"].create(
        {"id": int, "key": str, "name": str, "type": str, "group_name": str, "label": str, "on_watchlist": int},
        pk="id",
    )
    db["entities"].create_index(["key"], unique=True)
    db["mentions"].create(
        {
            "id": int,
            "article_id": int,
            "entity_id": int,
            "text": str,
            "start": int,
            "end": int,
            "sentence": int,
            "paragraph": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("entity_id", "entities", "id")],
    )
    db["mentions"].create_index(["article_id"])
    db["mentions"].create_index(["entity_id"])
    db["matches"].create(
        {
            "id": int,
            "article_id": int,
            "watch": str,
            "score": float,
            "evidence": str,
            "story_id": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["matches"].create_index(["article_id", "watch"], unique=True)
    db["matches"].create_index(["created_at"])
    db["matches"].create_index(["story_id"])


@migrations()
def m003_delivery(db: sqlite_utils.Database) -> None:
    db["alerts"].create(
        {
            "id": int,
            "story_id": int,
            "watch": str,
            "match_ids": str,
            "created_at": str,
            "sent_at": str,
            "error": str,
        },
        pk="id",
    )
    db["alerts"].create_index(["story_id", "watch"], unique=True)
    db["digests"].create(
        {
            "id": int,
            "date": str,
            "window_start": str,
            "window_end": str,
            "created_at": str,
            "sent_at": str,
            "path": str,
            "error": str,
        },
        pk="id",
    )
    db["digests"].create_index(["date"], unique=True)


def connect(path: str | Path, *, create: bool = True) -> Database:
    """Open the database in WAL mode with a busy timeout, applying any pending migrations.

    With ``create=False`` a missing file is an error rather than a new empty database, so a typo in a
    path is reported instead of silently starting over.
    """
    path = Path(path)
    if not create and not path.exists():
        raise DatabaseError(f"{path}: database not found (run 'newsmon init' first)")
    timeout_ms = busy_timeout_ms()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=timeout_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        db = Database(conn)
        if db.journal_mode != "wal":
            db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"{path}: {describe_sqlite_error(exc)}") from None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not a usable newsmon database: {exc}") from None
    return db


def busy_timeout_ms() -> int:
    """How long a write waits for another writer to finish before giving up: ``NEWSMON_BUSY_TIMEOUT``
    seconds when set (a slow disk, or a test that wants the error soon), else ``BUSY_TIMEOUT_MS``."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not value:
        return BUSY_TIMEOUT_MS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= 3600:
        raise ConfigError(f"{BUSY_TIMEOUT_ENV}: expected seconds from 0 to 3600, got {value!r}")
    return int(seconds * 1000)


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    """A user-facing reason for a SQLite failure (locked, read-only, full)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"database is locked by another writer (waited {busy_timeout_ms() / 1000:g}s): {text}"
    if "readonly" in text or "read-only" in text:
        return f"database is read-only: {text}"
    if "full" in text:
        return f"disk is full: {text}"
    return text


@migrations()
def m004_alert_channels(db: sqlite_utils.Database) -> None:
    """When each channel delivered an alert (so a failed webhook is retried without mailing twice), and
    which articles it covered (so a re-analysis that renumbers matches cannot alert them again)."""
    db["alerts"].add_column("emailed_at", str)
    db["alerts"].add_column("posted_at", str)
    db["alerts"].add_column("article_ids", str)


@migrations()
def m005_crawl_memory(db: sqlite_utils.Database) -> None:
    """Every URL that led to a stored article (feed link, redirect, rel=canonical) or to a page with no
    article, so a re-crawl never fetches it again; and robots.txt bodies, cached for a day."""
    db["seen_urls"].create({"url": str, "article_id": int, "seen_at": str}, pk="url")
    db["seen_urls"].create_index(["article_id"])
    db["http_cache"].add_column("body", str)


@migrations()
def m006_fts_on_text_only(db: sqlite_utils.Database) -> None:
    """Re-index full text only when the title or text changes, not when analysis stamps ``analyzed_at``."""
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        'CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN\n'
        '  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") '
        "VALUES('delete', old.rowid, old.\"title\", old.\"text\");\n"
        '  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");\n'
        "END"
    )


@migrations()
def m007_http_cache_per_source(db: sqlite_utils.Database) -> None:
    """HTTP validators per source: two sources may read one page differently (a listing page with two
    selectors), so one source's 304 must not hide the page from the other. Source '' is shared (the
    robots.txt cache)."""
    db["http_cache"].add_column("source", str, not_null_default="")
    db["http_cache"].transform(pk=("url", "source"))


@migrations()
def m012_delivery_claims(db: sqlite_utils.Database) -> None:
    """Who is delivering an alert or a digest right now, since when and until when, so that two
    senders on one database never mail the same row (``pipeline/claims.py``)."""
    for table in ("alerts", "digests"):
        for column in ("claimed_by", "claimed_at", "claimed_until"):
            db[table].add_column(column, str)


@migrations()
def m008_feedback(db: sqlite_utils.Database) -> None:
    """The analyst's labels, one row per labelling (the latest per article and watch is the current one,
    the rest its history), keyed by article and watch so re-analysis that renumbers a match keeps them;
    and each match's score breakdown, which the relevance model learns from."""
    db["feedback"].create(
        {
            "id": int,
            "article_id": int,
            "watch": str,
            "match_id": int,
            "label": str,
            "note": str,
            "channel": str,
            "created_at": str,
        },
        pk="id",
        not_null={"article_id", "watch", "label", "channel", "created_at"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["feedback"].create_index(["article_id", "watch"])
    db["matches"].add_column("parts", str)


@migrations()
def m009_muted_stories(db: sqlite_utils.Database) -> None:
    """Stories the analyst muted: later copies are stored and counted, never alerted."""
    db["muted_stories"].create({"story_id": int, "muted_at": str, "channel": str, "note": str}, pk="story_id")
