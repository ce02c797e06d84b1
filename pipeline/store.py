"""Storage for the crawl: articles (deduplicated), which sources reached them, runs and HTTP validators.

Articles are buffered and written in batches, one transaction per batch (``insert_all``), because a
crawl produces them one at a time and a commit per article would dominate the cost. An article is
stored once, under its canonical URL; every URL that led to it (feed link, redirect, ``rel=canonical``)
is remembered in ``seen_urls`` so that no later crawl fetches it again, and each source that reached
it gets an ``article_sources`` row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psutil
import sqlite_utils

from newsmon.pipeline.extract import Article
from newsmon.pipeline.urls import canonical_url

MIN_HASHED_TEXT = 300
ROBOTS_MAX_AGE = timedelta(hours=24)
# gzip level of the stored page: on 400 real pages of the htmldate set (150 KB on average) level 1 took
# 1.2 ms a page against 2.9 at level 6, for 24% of the size against 20%.
HTML_GZIP_LEVEL = 1


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(text: str) -> str:
    """A fingerprint of the article text that ignores case and whitespace."""
    return hashlib.sha1(re.sub(r"\s+", " ", text.lower()).strip().encode("utf-8")).hexdigest()


@dataclass
class _Pending:
    article: Article
    source: str
    urls: set[str]
    sources: set[str] = field(default_factory=set)


class Store:
    """The crawl's view of the database; one instance per process, used from one thread."""

    def __init__(self, db: sqlite_utils.Database, *, batch_size: int = 50, max_delay: float = 5.0) -> None:
        self.db = db
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.new_articles: dict[str, int] = {}
        self._pending: list[_Pending] = []
        self._pending_since = 0.0
        self._claims: dict[str, set[str]] = {}
        self._reached: list[dict] = []
        self.robots_parsers: dict = {}

    # -- crawl runs ---------------------------------------------------------------------------

    def start_run(self, source: str) -> int:
        """Record a run as ``running`` (with this pid) before fetching, so a killed run is visible."""
        table = self.db["crawl_runs"]
        table.insert(
            {"source": source, "started_at": utc_now(), "status": "running", "pages": 0, "new_articles": 0,
             "errors": "", "pid": os.getpid()}
        )
        return table.last_pk

    def finish_run(self, run_id: int, *, status: str, pages: int, new_articles: int, errors: list[str]) -> None:
        self.db["crawl_runs"].update(
            run_id,
            {"finished_at": utc_now(), "status": status, "pages": pages, "new_articles": new_articles,
             "errors": "\n".join(errors)},
        )

    # -- conditional requests -----------------------------------------------------------------

    def validators(self, url: str, source: str) -> dict[str, str]:
        """The ETag / Last-Modified ``source`` last saw for ``url`` (empty when it never read it)."""
        rows = self.db.execute(
            "select etag, last_modified from http_cache where url = ? and source = ?", [url, source]
        ).fetchall()
        if not rows:
            return {}
        etag, last_modified = rows[0]
        return {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}

    def save_validators(self, source: str, entries: dict[str, dict]) -> None:
        """Remember validators for the pages ``source`` fully processed."""
        now = utc_now()
        rows = [
            {"url": url, "source": source, "etag": v.get("etag"), "last_modified": v.get("last_modified"),
             "status": v.get("status"), "checked_at": now}
            for url, v in entries.items()
        ]
        if rows:
            with self.db.atomic():
                self.db["http_cache"].upsert_all(rows, pk=("url", "source"), alter=False)

    def cached_robots(self, url: str) -> str | None:
        """A robots.txt body fetched less than a day ago (RFC 9309 allows caching for 24 hours)."""
        rows = self.db.execute(
            "select body, checked_at from http_cache where url = ? and source = ''", [url]
        ).fetchall()
        if not rows or rows[0][0] is None:
            return None
        body, checked_at = rows[0]
        if datetime.fromisoformat(checked_at) < datetime.now(timezone.utc) - ROBOTS_MAX_AGE:
            return None
        return body

    def save_robots(self, url: str, status: int, body: str) -> None:
        with self.db.atomic():
            self.db["http_cache"].upsert(
                {"url": url, "source": "", "status": status, "body": body, "checked_at": utc_now()},
                pk=("url", "source"),
                alter=False,
            )

    # -- which URLs are known -----------------------------------------------------------------

    def known_article(self, url: str) -> int | None:
        """The id of the stored article ``url`` leads to; 0 for a known page without an article."""
        url = canonical_url(url)
        row = self.db.execute(
            "select coalesce(article_id, 0) from seen_urls where url = ? "
            "union all select id from articles where url = ? limit 1",
            [url, url],
        ).fetchone()
        return None if row is None else row[0]

    def should_fetch(self, url: str, source: str) -> bool:
        """Whether ``source`` should request ``url`` now.

        No when the URL is stored (the source is then recorded as having reached it too) or when
        another source of this process is already fetching it (it is credited when that one lands).
        """
        url = canonical_url(url)
        article_id = self.known_article(url)
        if article_id is not None:
            if article_id:
                self._reached.append({"article_id": article_id, "source": source, "url": url, "seen_at": utc_now()})
            return False
        if url in self._claims:
            self._claims[url].add(source)
            return False
        self._claims[url] = {source}
        return True

    def release(self, url: str) -> None:
        """Forget a claim whose fetch failed, so a later source or run may try again."""
        self._claims.pop(canonical_url(url), None)

    def mark_seen(self, urls: list[str]) -> None:
        """Remember pages that hold no article, so they are not fetched again."""
        now = utc_now()
        rows = [{"url": canonical_url(u), "article_id": None, "seen_at": now} for u in urls]
        with self.db.atomic():
            self.db["seen_urls"].insert_all(rows, pk="url", ignore=True)

    # -- articles -----------------------------------------------------------------------------

    def add(self, article: Article, source: str, urls: list[str]) -> None:
        """Queue an article reached by ``source`` through ``urls``; written by the next flush."""
        article.canonical_url = canonical_url(article.canonical_url)
        spellings = {canonical_url(u) for u in [*urls, article.url]} | {article.canonical_url}
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(_Pending(article, source, spellings, {source}))
        if len(self._pending) >= self.batch_size or time.monotonic() - self._pending_since > self.max_delay:
            self.flush()

    def flush(self) -> int:
        """Write queued articles (and sources that reached stored ones) in one transaction.

        Returns how many articles were new.
        """
        pending, self._pending = self._pending, []
        reached, self._reached = self._reached, []
        for item in pending:
            item.sources.update(*(self._claims.get(url, set()) for url in item.urls))
        if not pending and not reached:
            return 0
        try:
            with self._write_lock():
                created = self._write(pending) if pending else 0
                self.db["article_sources"].insert_all(reached, ignore=True)
        except sqlite3.Error:
            self._pending[:0], self._reached[:0] = pending, reached
            raise
        for item in pending:
            for url in item.urls:
                self._claims.pop(url, None)
        return created

    def _write(self, pending: list[_Pending]) -> int:
        now = utc_now()
        all_urls = sorted(set().union(*(p.urls for p in pending)))
        by_url = self._ids_for_urls(all_urls)
        hashes = {id(p): content_hash(p.article.text) for p in pending if len(p.article.text) >= MIN_HASHED_TEXT}
        by_hash = self._ids_for_hashes(sorted(set(hashes.values())))
        new_rows: dict[str, dict] = {}
        owner: dict[int, str | int] = {}
        for item in pending:
            found = next((by_url[u] for u in item.urls if u in by_url), None)
            digest = hashes.get(id(item))
            if found is None and digest is not None:
                found = by_hash.get(digest)
            if found is None:
                key = item.article.canonical_url
                if key not in new_rows:
                    new_rows[key] = self._row(item, digest, now)
                    for url in item.urls:
                        by_url[url] = key
                    if digest:
                        by_hash[digest] = key
                found = key
            owner[id(item)] = found
        if new_rows:
            self.db["articles"].insert_all(new_rows.values(), alter=False)
            inserted = self._ids_for_urls(list(new_rows))
            for item in pending:
                if isinstance(owner[id(item)], str):
                    owner[id(item)] = inserted[owner[id(item)]]
            for row in new_rows.values():
                self.new_articles[row["source"]] = self.new_articles.get(row["source"], 0) + 1
        self.db["article_sources"].insert_all(
            (
                {"article_id": owner[id(item)], "source": source, "url": item.article.url, "seen_at": now}
                for item in pending
                for source in sorted(item.sources)
            ),
            ignore=True,
        )
        self.db["seen_urls"].upsert_all(
            ({"url": url, "article_id": owner[id(item)], "seen_at": now} for item in pending for url in item.urls),
            pk="url",
        )
        return len(new_rows)

    @contextmanager
    def _write_lock(self):
        """A transaction that takes SQLite's write lock at once, so that the look-ups deciding what is
        new and the inserts happen with no other crawl process writing in between."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @staticmethod
    def _row(item: _Pending, digest: str | None, now: str) -> dict:
        article = item.article
        return {
            "url": article.canonical_url,
            "source": item.source,
            "title": article.title,
            "text": article.text,
            "summary": article.summary,
            "author": article.author,
            "site_name": article.site_name,
            "published": article.published,
            "language": article.language,
            "fetched_at": now,
            "content_hash": digest or content_hash(article.text),
            "html_gz": gzip.compress(article.html.encode("utf-8"), HTML_GZIP_LEVEL) if article.html else None,
            "analyzed_at": None,
        }

    def _ids_for_urls(self, urls: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(urls, 400):
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"select url, id from articles where url in ({marks})", chunk).fetchall())
            found.update(
                self.db.execute(
                    f"select url, article_id from seen_urls where article_id is not null and url in ({marks})", chunk
                ).fetchall()
            )
        return found

    def _ids_for_hashes(self, digests: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(digests, 400):
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(f"select content_hash, min(id) from articles where content_hash in ({marks}) "
                                "group by content_hash", chunk).fetchall()
            )
        return found


def finish_orphaned_runs(db: sqlite_utils.Database) -> int:
    """Mark runs left ``running`` by a process that no longer exists (a daemon killed with -9, a
    reboot) as interrupted; runs of a live process, such as a manual ``newsmon crawl``, are left alone."""
    stale = [
        row
        for row in db.query("select id, pid from crawl_runs where status = 'running'")
        if not row["pid"] or not psutil.pid_exists(row["pid"])
    ]
    for row in stale:
        db["crawl_runs"].update(
            row["id"], {"status": "interrupted", "finished_at": utc_now(), "errors": "its process ended early"}
        )
    return len(stale)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
