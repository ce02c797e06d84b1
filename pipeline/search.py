"""Full-text search that finds the word forms the watchlist matcher finds.

The FTS5 index (unicode61, diacritics removed) knows no morphology, so ``Хафтар`` would miss
``Хафтара``. A plain query (words only) is rewritten: each word of a script the matcher inflects
(Cyrillic case endings, Arabic clitics and article) becomes a prefix query broad enough to reach every
form (``хафт*``; ``حفتر*`` with each clitic prefix), and each candidate is kept only when the watchlist
matcher itself (``pipeline.aliases``), given the word as an alias, finds it in the title or text. Other words are searched as they
are. A query in FTS5 syntax (quotes, ``*``, parentheses, AND/OR/NOT/NEAR, ``column:``) is passed on
untouched. ``bench/search.py`` compares this with a trigram index and a stemmed index.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from newsmon.errors import ConfigError
from newsmon.pipeline.render import clean

_WORD = re.compile(r"\w+")
_FTS_SYNTAX = re.compile(r'["*()^:{}+]|\b(?:AND|OR|NOT|NEAR)\b')
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
ALEFS = "اأإآ"
ARABIC_CLITICS = ("", "و", "ف", "ب", "ك", "ل", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل")
MARK_START, MARK_END = "\ue000", "\ue001"
"""Private-use characters that bracket a hit in FTS5's snippet: they never occur in stored text."""
SNIPPET_TOKENS = 16
MIN_STEM = 4
STEM_SLACK = 3
"""A Cyrillic word's FTS prefix drops up to this many final letters (its dictionary ending), keeping
``MIN_STEM``; the matcher then decides which of the words found are forms of it."""
_DATABASE_TROUBLE = ("locked", "disk", "readonly", "no such", "corrupt", "unable to open")
"""SQLite errors that are about the database, not the query: they reach the CLI's database message."""


@dataclass
class Query:
    """What is sent to FTS5, and the patterns a candidate must satisfy (one per inflected word)."""

    fts: str
    checks: list[Callable[[str], bool]] = field(default_factory=list)


@dataclass
class Hit:
    id: int
    published: str | None
    source: str
    title: str
    url: str
    snippet: str  # hits bracketed by MARK_START / MARK_END


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def word_matcher(word: str) -> Callable[[str], bool]:
    """Whether a text holds a form of ``word`` that the watchlist matcher accepts: the matcher itself,
    given the word as the one alias of a one-entity watchlist."""
    from newsmon.pipeline.aliases import AliasIndex
    from newsmon.pipeline.watchlist import Entity, Watchlist

    index = AliasIndex(Watchlist(Path("search"), "search", {}, [Entity(word, "term", [word])], []))
    return lambda text: bool(index.find(text))


def _arabic_bodies(word: str) -> list[str]:
    """The literal starts every form of an Arabic word begins with, after its clitics: the word without
    its article and final ة/ي (spelt either way), once per alef spelling."""
    body = word[2:] if word.startswith("ال") and len(word) > 4 else word
    if len(body) > 2 and body[-1] in "ةهيى":
        body = body[:-1]
    variants = [""]
    for char in body:
        options = ALEFS if char in ALEFS else char
        variants = [v + o for v in variants for o in options]
    return variants


def _word_query(word: str) -> tuple[str, Callable[[str], bool] | None]:
    """FTS5 for one word, and the check its forms must pass (None: taken as written)."""
    if _ARABIC.search(word):
        terms = (f"{_quote(prefix + body)}*" for prefix in ARABIC_CLITICS for body in _arabic_bodies(word))
        return "(" + " OR ".join(terms) + ")", word_matcher(word)
    if _CYRILLIC.search(word) and len(word) > MIN_STEM:
        stem = word.lower()[: max(MIN_STEM, len(word) - STEM_SLACK)]
        return f"{_quote(stem)}*", word_matcher(word)
    return _quote(word), None


def parse_query(text: str) -> Query:
    """The FTS5 query for what the user typed; an empty one is a one-line error (exit 2)."""
    if not text.strip():
        raise ConfigError("search: the query is empty; give a word, a \"phrase\" or an FTS5 expression")
    if _FTS_SYNTAX.search(text):
        return Query(text)
    words = _WORD.findall(text)
    if not words:
        raise ConfigError(f"search: {text!r} has no word to search for")
    parts, checks = [], []
    for word in words:
        fts, check = _word_query(word)
        parts.append(fts)
        if check is not None:
            checks.append(check)
    return Query(" AND ".join(parts), checks)


def _accepts(query: Query, title: str | None, text: str | None) -> bool:
    whole = f"{title or ''}\n{text or ''}"
    return all(check(whole) for check in query.checks)


def search(db: sqlite_utils.Database, text: str, limit: int) -> list[Hit]:
    """Articles matching the query, best first, each with a snippet around its hits."""
    query = parse_query(text)
    sql = f"""
        select a.id, a.published, a.source, a.title, a.url, a.text,
               snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_TOKENS}) as snippet
        from articles_fts join articles a on a.rowid = articles_fts.rowid
        where articles_fts match ? order by rank"""
    hits: list[Hit] = []
    try:
        for row in db.execute(sql, [query.fts]):
            if not _accepts(query, row[3], row[5]):
                continue
            hits.append(Hit(row[0], row[1], row[2] or "", row[3] or "", row[4] or "", row[6] or ""))
            if len(hits) == limit:
                break
    except sqlite3.OperationalError as exc:
        if any(word in str(exc) for word in _DATABASE_TROUBLE):
            raise
        raise ConfigError(
            f"search: malformed query {text!r} ({exc}); quote words with \"...\" or drop AND/OR/NOT/NEAR, *, ( )"
        ) from None
    return hits


def snippet_parts(snippet: str, limit: int = 400) -> list[tuple[str, bool]]:
    """The snippet as (text, is_hit) runs, each cleaned for a terminal."""
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        text = clean(piece, limit)
        if piece[:1].isspace():
            text = " " + text
        if piece[-1:].isspace() and text.strip():
            text += " "
        if text:
            parts.append((text, i % 2 == 1))
    return parts
