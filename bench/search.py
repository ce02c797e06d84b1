"""Does search find inflected forms? Plain FTS5, a trigram index, a stemmed index and newsmon's query
expansion, side by side on the same articles and queries.

Usage: python bench/search.py [SHARED]   (default: the shared folder beside the checkout)

Articles: the demo site's stories, plus every page of ``SHARED/extraction-dev/htmldate-eval`` whose
text (trafilatura) is mostly Cyrillic or Arabic, the scripts the watchlist matcher inflects; skipped
with a message when the folder is absent. Queries: each one-word Cyrillic or Arabic alias of the bundled
watchlist (dictionary forms), plus every 7th distinct word of 5+ letters of those articles (any form).

Two truths, since neither is neutral: "matcher" counts an article relevant when a token of it is a
form the watchlist matcher accepts for the query word (what search must agree with); "snowball"
when a token has the query's Snowball stem (Russian or Arabic), an independent stemmer. Recall and
precision are micro-averaged over all queries. Index size is the FTS tables' pages; CPU seconds from
rusage. The last line is the same as JSON.
"""

from __future__ import annotations

import gzip
import json
import re
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_SHARED = ROOT.parent / "shared"
WORD = re.compile(r"\w+")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
ARABIC = re.compile(r"[\u0600-\u06FF]")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def script(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    cyr = sum(1 for c in letters if CYRILLIC.match(c)) / len(letters)
    ara = sum(1 for c in letters if ARABIC.match(c)) / len(letters)
    return "cyrillic" if cyr > 0.5 else "arabic" if ara > 0.5 else None


def load_articles(shared: Path) -> list[tuple[str, str]]:
    """(title, text) of the demo stories and of the shared Cyrillic/Arabic pages."""
    from newsmon.demo.site import load_stories

    articles = [(s.title, s.body) for s in load_stories(datetime.now(timezone.utc))]
    folder = shared / "extraction-dev" / "htmldate-eval"
    if not folder.is_dir():
        print(f"{folder} not found: measuring the demo stories only", file=sys.stderr)
        return articles
    import trafilatura

    for path in sorted((folder / "html").glob("*.html.gz")):
        raw = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        if len(CYRILLIC.findall(raw)) + len(ARABIC.findall(raw)) < 500:
            continue
        text = trafilatura.extract(raw) or ""
        if script(text):
            articles.append(("", text))
    return articles


def queries(articles: list[tuple[str, str]]) -> list[str]:
    from newsmon.pipeline.watchlist import load_watchlist

    words = {
        alias
        for entity in load_watchlist().entities
        for alias in entity.aliases
        if " " not in alias and "*" not in alias and (CYRILLIC.search(alias) or ARABIC.search(alias))
    }
    seen = sorted({w.lower() for _, text in articles for w in WORD.findall(text) if len(w) >= 5 and script(w)})
    return sorted(words) + seen[::7]


@lru_cache(maxsize=None)
def stem(word: str) -> str:
    """The Snowball stem of a Cyrillic (Russian) or Arabic word; other words as they are."""
    import snowballstemmer

    if not script(word):
        return word.lower()
    return snowballstemmer.stemmer("russian" if CYRILLIC.search(word) else "arabic").stemWord(word.lower())


def stem_text(text: str) -> str:
    return " ".join(stem(w) for w in WORD.findall(text))


def truths(articles, token_sets: list[set[str]], query: str) -> tuple[set[int], set[int]]:
    from newsmon.pipeline.search import word_matcher

    accepts = word_matcher(query)
    wanted = stem(query)
    matcher = {i for i, (title, text) in enumerate(articles, 1) if accepts(f"{title}\n{text}")}
    snowball = {i for i, tokens in enumerate(token_sets, 1) if any(stem(t) == wanted for t in tokens)}
    return matcher, snowball


def fts_size(conn: sqlite3.Connection, table: str) -> int:
    page = conn.execute("pragma page_size").fetchone()[0]
    names = [r[0] for r in conn.execute("select name from sqlite_master where name like ?", [f"{table}_%"])]
    return sum(conn.execute("select count(*) from dbstat where name = ?", [n]).fetchone()[0] for n in names) * page


def build(folder: Path, articles):
    """A newsmon database (its own unicode61 index) plus a trigram and a stemmed index of the same rows."""
    from newsmon.pipeline.db import connect

    db = connect(folder / "bench.db")
    began = cpu()
    db["articles"].insert_all(
        {"id": i, "url": f"https://bench.example/{i}", "source": "bench", "title": title, "text": text,
         "fetched_at": "2025-01-01T00:00:00+00:00"}  # fmt: skip
        for i, (title, text) in enumerate(articles, 1)
    )
    costs = {"plain": cpu() - began, "expansion": cpu() - began}
    conn = db.conn
    began = cpu()
    conn.execute("create virtual table tri using fts5(title, text, tokenize='trigram')")
    conn.executemany("insert into tri(rowid, title, text) values (?, ?, ?)", [(i, t, x) for i, (t, x) in enumerate(articles, 1)])
    costs["trigram"] = cpu() - began
    began = cpu()
    conn.execute("create virtual table stem using fts5(title, text, tokenize='unicode61 remove_diacritics 2')")
    conn.executemany(
        "insert into stem(rowid, title, text) values (?, ?, ?)",
        [(i, stem_text(t), stem_text(x)) for i, (t, x) in enumerate(articles, 1)],
    )
    costs["stemming"] = cpu() - began
    conn.commit()
    sizes = {"plain": fts_size(conn, "articles_fts"), "trigram": fts_size(conn, "tri"), "stemming": fts_size(conn, "stem")}
    sizes["expansion"] = sizes["plain"]
    return db, costs, sizes


def run(db, approach: str, query: str) -> set[int]:
    from newsmon.pipeline.search import search

    quoted = '"' + query.replace('"', '""') + '"'
    if approach == "plain":
        sql, arg = "select rowid from articles_fts where articles_fts match ?", quoted
    elif approach == "trigram":
        sql, arg = "select rowid from tri where tri match ?", quoted
    elif approach == "stemming":
        sql, arg = "select rowid from stem where stem match ?", '"' + stem(query) + '"'
    else:
        return {hit.id for hit in search(db, query, 10**6)}
    return {row[0] for row in db.conn.execute(sql, [arg])}


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    articles = load_articles(shared)
    words = queries(articles)
    approaches = ("plain", "trigram", "stemming", "expansion")
    with tempfile.TemporaryDirectory() as tmp:
        db, costs, sizes = build(Path(tmp), articles)
        token_sets = [{t.lower() for t in WORD.findall(f"{title} {text}")} for title, text in articles]
        expected = {q: truths(articles, token_sets, q) for q in words}
        run(db, "expansion", words[0])  # the matcher's patterns load with spaCy: not part of a query's time
        report = {}
        for approach in approaches:
            found, began, wall = {}, cpu(), time.perf_counter()
            for q in words:
                found[q] = run(db, approach, q)
            query_cpu, query_wall = cpu() - began, time.perf_counter() - wall
            row = {"index_cpu_s": round(costs[approach], 3), "fts_bytes": sizes[approach],
                   "query_ms_wall": round(1000 * query_wall / len(words), 2),
                   "query_ms_cpu": round(1000 * query_cpu / len(words), 2)}  # fmt: skip
            for k, truth in enumerate(("matcher", "snowball")):
                relevant = sum(len(expected[q][k]) for q in words)
                returned = sum(len(found[q]) for q in words)
                hits = sum(len(found[q] & expected[q][k]) for q in words)
                row[f"{truth}_recall"] = round(hits / relevant, 3) if relevant else None
                row[f"{truth}_precision"] = round(hits / returned, 3) if returned else None
            report[approach] = row
        db.close()
    print(f"{len(articles)} articles, {len(words)} queries")
    columns = list(report["plain"])
    print(f"{'approach':<10} " + " ".join(f"{c:>18}" for c in columns))
    for approach, row in report.items():
        print(f"{approach:<10} " + " ".join(f"{str(row[c]):>18}" for c in columns))
    print(json.dumps({"articles": len(articles), "queries": len(words), **report}))


if __name__ == "__main__":
    main()
