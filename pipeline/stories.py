"""Stories: copies of one piece of news from several outlets, grouped so the analyst reads it once.

Wire copies and syndicated rewrites keep most of their title or most of their wording, so two matched
articles stored within a few days of each other belong to one story when their normalised titles are
close or when they share many word 4-grams (shingles). ``matches.story_id`` is the id of the story's
first match; it is filled once and never changed, which is what lets alerts say "never twice".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from difflib import SequenceMatcher

import sqlite_utils

from newsmon.pipeline.matching import best_first
from newsmon.pipeline.render import Segment, clean, highlight, outlet_of, parse_time, safe_url

WINDOW = timedelta(days=3)
SHINGLE_WORDS = 4
MAX_WORDS = 800
TITLE_SIMILAR = 0.85
TEXT_SIMILAR = 0.5
TITLE_AND_TEXT = (0.6, 0.25)
MIN_TITLE_WORDS = 4

_WORD = re.compile(r"\w+")
_SUFFIX = re.compile(r"\s[|–—-]\s+((?:(?!\s[|–—-]\s).)*)$")


def normalise_title(title: str | None) -> str:
    """Case-folded words of a title, without punctuation or a short outlet suffix such as " | Outlet"."""
    text = unicodedata.normalize("NFKC", title or "")
    found = _SUFFIX.search(text)
    if (
        found
        and len(_WORD.findall(found.group(1))) <= 3
        and len(_WORD.findall(text[: found.start()])) >= MIN_TITLE_WORDS
    ):
        text = text[: found.start()]
    return " ".join(_WORD.findall(text.casefold()))


def shingles(text: str | None) -> set[int]:
    """Hashes of the word 4-grams of the first words of a text: a fingerprint that survives light edits."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())[:MAX_WORDS]
    return {hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(max(0, len(words) - SHINGLE_WORDS + 1))}


def title_similarity(a: str, b: str) -> float:
    """How alike two normalised titles are (0..1); titles too short to tell apart count as unlike."""
    if len(a.split()) < MIN_TITLE_WORDS or len(b.split()) < MIN_TITLE_WORDS:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def same_story(title_sim: float, text_sim: float) -> bool:
    """The rule that decides: a near-identical title, mostly shared wording, or fairly close in both."""
    return (
        title_sim >= TITLE_SIMILAR
        or text_sim >= TEXT_SIMILAR
        or (title_sim >= TITLE_AND_TEXT[0] and text_sim >= TITLE_AND_TEXT[1])
    )


@dataclass
class _Article:
    id: int
    story_id: int | None
    created: float
    title: str
    shingles: set[int]
    title_words: set[str] = field(default_factory=set)


class _Index:
    """Recent articles by shingle and title word, so each new article is compared only with likely kin."""

    def __init__(self) -> None:
        self.articles: dict[int, _Article] = {}
        self.by_shingle: dict[int, list[int]] = defaultdict(list)
        self.by_word: dict[str, list[int]] = defaultdict(list)

    def add(self, article: _Article) -> None:
        if article.id in self.articles:
            return
        self.articles[article.id] = article
        for value in article.shingles:
            self.by_shingle[value].append(article.id)
        for word in article.title_words:
            self.by_word[word].append(article.id)

    def story_for(self, article: _Article, window: timedelta) -> int | None:
        shared = Counter(other for value in article.shingles for other in self.by_shingle.get(value, ()))
        title_kin = Counter(other for word in article.title_words for other in self.by_word.get(word, ()))
        best: tuple[float, int] | None = None
        for other_id in set(shared) | set(title_kin):
            other = self.articles[other_id]
            if other.story_id is None or abs(article.created - other.created) > window.total_seconds():
                continue
            common = shared.get(other_id, 0)
            union = len(article.shingles) + len(other.shingles) - common
            text_sim = common / union if union else 0.0
            words = len(article.title_words) + len(other.title_words)
            close_titles = words and 2 * title_kin.get(other_id, 0) / words >= 0.5
            title_sim = title_similarity(article.title, other.title) if close_titles else 0.0
            if same_story(title_sim, text_sim):
                strength = max(title_sim, text_sim)
                if best is None or strength > best[0]:
                    best = (strength, other.story_id)
        return best[1] if best else None


def _timestamp(value: str | None) -> float:
    moment = parse_time(value)
    return moment.timestamp() if moment else 0.0


def assign_stories(db: sqlite_utils.Database, *, window: timedelta = WINDOW) -> int:
    """Give every match without a story one: an earlier copy's story, or a new story of its own.

    Matches are taken in id order, so a story's id is always its first match. Returns how many
    matches were assigned.
    """
    pending = list(db.query("select id, article_id, created_at from matches where story_id is null order by id"))
    if not pending:
        return 0
    oldest = min(_timestamp(m["created_at"]) for m in pending) - window.total_seconds()
    since = datetime.fromtimestamp(oldest, timezone.utc) - timedelta(days=1)  # a bound any ISO spelling passes
    known = [
        m
        for m in db.query(
            "select id, article_id, story_id, created_at from matches where story_id is not null and created_at >= ?",
            [since.date().isoformat()],
        )
        if _timestamp(m["created_at"]) >= oldest
    ]
    story_of_article: dict[int, int] = {}
    for row in _rows_for(
        db,
        "select article_id, min(story_id) as story_id from matches "
        "where story_id is not null and article_id in ({ids}) group by article_id",
        {m["article_id"] for m in pending},
    ):
        story_of_article[row["article_id"]] = row["story_id"]  # another watch's match of the same article
    texts = {
        row["id"]: (row["title"] or "", row["text"] or "")
        for row in _rows_for(
            db,
            "select id, title, text from articles where id in ({ids})",
            {m["article_id"] for m in pending} | {m["article_id"] for m in known},
        )
    }
    index = _Index()
    for m in sorted(known, key=lambda m: m["id"]):
        index.add(_features(m["article_id"], m["story_id"], m["created_at"], texts))
    updates: list[tuple[int, int]] = []
    for m in pending:
        story_id = story_of_article.get(m["article_id"])
        if story_id is None:
            article = _features(m["article_id"], None, m["created_at"], texts)
            story_id = index.story_for(article, window) or m["id"]
            article.story_id = story_id
            index.add(article)
            story_of_article[m["article_id"]] = story_id
        updates.append((story_id, m["id"]))
    with db.atomic():
        db.conn.executemany("update matches set story_id = ? where id = ? and story_id is null", updates)
    return len(updates)


def _rows_for(db: sqlite_utils.Database, sql: str, ids: Iterable[int]) -> Iterator[dict]:
    """Run ``sql`` (with ``{ids}`` where the id list goes) over the ids in chunks SQLite accepts."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        yield from db.query(sql.format(ids=",".join("?" * len(chunk))), chunk)


def _features(article_id: int, story_id: int | None, created_at: str | None, texts: dict) -> _Article:
    title, text = texts.get(article_id, ("", ""))
    norm = normalise_title(title)
    return _Article(
        id=article_id,
        story_id=story_id,
        created=_timestamp(created_at),
        title=norm,
        shingles=shingles(text),
        title_words=set(norm.split()),
    )


@dataclass
class Copy:
    """One outlet's article within a story."""

    match_id: int
    article_id: int
    score: float
    title: str
    url: str | None
    outlet: str
    published: str | None
    language: str | None
    source: str


@dataclass
class StoryView:
    """What an email shows of a story: its best copy, the other outlets, entities and evidence."""

    story_id: int
    watches: list[str]
    score: float
    lead: Copy
    others: list[Copy]
    entities: list[str]
    evidence: list[list[Segment]]
    match_ids: list[int]
    article_ids: list[int]
    first_stored: str
    actions: dict[str, str] = field(default_factory=dict)  # label -> signed link, when [web] base_url is set

    @property
    def outlets(self) -> list[str]:
        return [self.lead.outlet] + [c.outlet for c in self.others]


def load_stories(db: sqlite_utils.Database, match_ids: Iterable[int]) -> list[StoryView]:
    """The given matches grouped by story, best score first (earliest first among equals)."""
    ids = sorted(set(match_ids))
    if not ids:
        return []
    rows = list(
        _rows_for(
            db,
            """select m.id, m.article_id, m.watch, m.score, m.evidence, m.story_id, m.created_at,
                      a.url, a.source, a.title, a.published, a.language, a.site_name
               from matches m join articles a on a.id = m.article_id
               where m.id in ({ids})""",
            ids,
        )
    )
    groups: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["story_id"] or row["id"]].append(row)
    watch_names = _watchlist_names(db, {r["article_id"] for r in rows})
    stories = [_story(story_id, members, watch_names) for story_id, members in groups.items()]
    stories.sort(key=lambda s: best_first(s.score, s.first_stored, s.story_id))
    return stories


def _watchlist_names(db: sqlite_utils.Database, article_ids: set[int]) -> dict[int, list[str]]:
    """The watch entities mentioned in each article, in order of first mention."""
    names: dict[int, list[str]] = defaultdict(list)
    for row in _rows_for(
        db,
        """select mn.article_id, e.name, min(mn.start) as first
           from mentions mn join entities e on e.id = mn.entity_id
           where e.on_watchlist = 1 and mn.article_id in ({ids})
           group by mn.article_id, e.id order by mn.article_id, first""",
        article_ids,
    ):
        names[row["article_id"]].append(row["name"])
    return names


def _evidence(raw: str | None) -> list[dict]:
    try:
        items = json.loads(raw or "[]")
    except (TypeError, ValueError):
        return []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _terms(item: dict) -> list[dict]:
    terms = item.get("terms")
    return [t for t in terms if isinstance(t, dict)] if isinstance(terms, list) else []


def _story(story_id: int, members: list[dict], watch_names: dict[int, list[str]]) -> StoryView:
    members.sort(key=lambda r: best_first(r["score"], r["created_at"], r["id"]))
    copies: dict[int, Copy] = {}
    for row in members:
        copies.setdefault(
            row["article_id"],
            Copy(
                match_id=row["id"],
                article_id=row["article_id"],
                score=row["score"] or 0.0,
                title=clean(row["title"], 300) or "(untitled)",
                url=safe_url(row["url"]),
                outlet=outlet_of(row["site_name"], row["url"]),
                published=row["published"],
                language=row["language"],
                source=clean(row["source"], 80),
            ),
        )
    lead, *rest = copies.values()
    others: list[Copy] = []
    for copy in rest:
        if copy.outlet != lead.outlet and all(copy.outlet != o.outlet for o in others):
            others.append(copy)
    entities: list[str] = []
    for row in members:
        for item in _evidence(row["evidence"]):
            entities += [clean(t.get("canonical") or t.get("text"), 80) for t in _terms(item)]
    for copy in copies.values():
        entities += [clean(name, 80) for name in watch_names.get(copy.article_id, [])]
    return StoryView(
        story_id=story_id,
        watches=sorted({r["watch"] for r in members}),
        score=members[0]["score"] or 0.0,
        lead=lead,
        others=others,
        entities=list(dict.fromkeys(e for e in entities if e))[:12],
        evidence=_evidence_lines(members),
        match_ids=sorted(r["id"] for r in members),
        article_ids=sorted(copies),
        first_stored=min(r["created_at"] or "" for r in members),
    )


def _evidence_lines(members: list[dict], count: int = 2) -> list[list[Segment]]:
    """One or two evidence sentences, from the best copy first, with its watch terms highlighted."""
    lines: list[list[Segment]] = []
    seen: set[str] = set()
    for row in members:
        items = _evidence(row["evidence"])
        surface = [str(t.get("text") or "") for item in items for t in _terms(item)]
        for item in items:
            sentence = clean(item.get("sentence"), 400)
            if sentence and sentence.casefold() not in seen:
                seen.add(sentence.casefold())
                lines.append(highlight(sentence, surface))
            if len(lines) == count:
                return lines
        if lines:
            return lines
    return lines
