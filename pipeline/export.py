"""Stored matches as CSV, JSON or an Atom 1.0 feed: the same rows in each format, per match or per story.

Per story, the copies of one piece of news that alerts and the digest already merge become one entry,
headed by the copy ``pipeline.stories.head_order`` picks (the original), with every outlet listed.

Everything in a match came from a stranger's web page, so every string passes through ``safe_text`` (no
control or bidi-override characters, bounded length) before any format writes it, and each format
escapes in its own way: the csv module quotes and defuses spreadsheet formulas, json escapes, and the
Atom feed is built with ElementTree (XML-escaped) around HTML that was itself escaped with ``html.escape``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlite_utils

from newsmon.pipeline.matching import best_first
from newsmon.pipeline.render import clean, outlet_of
from newsmon.pipeline.stories import head_order

FORMATS = ("csv", "json", "atom")
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TITLE_MAX = 300
SENTENCE_MAX = 600
# Code points XML 1.0 cannot carry at all (``clean`` already drops controls and bidi marks).
_XML_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_QUERY = """
select m.id, m.watch, m.score, m.evidence, m.story_id, m.created_at,
       a.id as article_id, a.url, a.title, a.source, a.site_name, a.published, a.language,
       length(a.text) as text_length
from matches m join articles a on a.id = m.article_id
where (:since is null or m.created_at >= :since) and (:watch is null or m.watch = :watch)
order by m.score desc, m.created_at, m.id
"""


def safe_text(value: object, limit: int) -> str:
    """Scraped text made safe to show anywhere, XML included: see ``pipeline.render.clean``."""
    return _XML_INVALID.sub("", clean(value, limit))


@dataclass
class Term:
    text: str
    canonical: str
    group: str


@dataclass
class Evidence:
    sentence: str
    proximity: str
    terms: list[Term] = field(default_factory=list)


@dataclass
class ExportRow:
    """One stored match with what a reader needs to judge it."""

    match_id: int
    watch: str
    score: float
    created_at: str
    story_id: int | None
    article_id: int
    url: str
    title: str
    outlet: str
    source: str
    published: str | None
    language: str | None
    evidence: list[Evidence]
    also_reported_by: list[str] = field(default_factory=list)
    text_length: int = 0
    raw_score: float = 0.0

    @property
    def entities(self) -> list[str]:
        """Canonical names in the evidence, in order of first appearance."""
        names = [term.canonical for ev in self.evidence for term in ev.terms if term.canonical]
        return list(dict.fromkeys(names))


def _evidence(raw: str | None) -> list[Evidence]:
    """Parse the stored evidence JSON, tolerating rows written by older or broken versions."""
    try:
        items = json.loads(raw or "[]")
    except (TypeError, ValueError):
        return []
    result = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        terms = [
            Term(safe_text(t.get("text"), 200), safe_text(t.get("canonical"), 200), safe_text(t.get("group"), 100))
            for t in item.get("terms") or []
            if isinstance(t, dict)
        ]
        sentence = safe_text(item.get("sentence"), SENTENCE_MAX)
        result.append(Evidence(sentence, safe_text(item.get("proximity"), 40), terms))
    return result


def load_matches(db: sqlite_utils.Database, *, since: str | None = None, watch: str | None = None) -> list[ExportRow]:
    """Matches stored at or after ``since`` (ISO 8601, UTC), with their articles, best first: the order of
    ``matching.best_first``, as ``matches``, alerts and the digest show them."""
    rows = []
    for row in db.query(_QUERY, {"since": since, "watch": watch}):
        rows.append(
            ExportRow(
                match_id=row["id"],
                watch=safe_text(row["watch"], 100),
                score=round(float(row["score"] or 0), 3),
                created_at=row["created_at"] or "",
                story_id=row["story_id"],
                article_id=row["article_id"],
                url=safe_text(row["url"], 2000),
                title=safe_text(row["title"], TITLE_MAX),
                outlet=outlet_of(row["site_name"], row["url"]),
                source=safe_text(row["source"], 100),
                published=row["published"],
                language=safe_text(row["language"], 20) or None,
                evidence=_evidence(row["evidence"]),
                text_length=row["text_length"] or 0,
                raw_score=float(row["score"] or 0),
            )
        )
    _link_stories(rows)
    return rows


def _link_stories(rows: list[ExportRow]) -> None:
    """Fill ``also_reported_by``: the other outlets carrying the same story in this export."""
    outlets: dict[tuple[str, int], list[str]] = {}
    for row in rows:
        if row.story_id is not None:
            outlets.setdefault((row.watch, row.story_id), []).append(row.outlet)
    for row in rows:
        if row.story_id is not None:
            others = [o for o in outlets[(row.watch, row.story_id)] if o != row.outlet]
            row.also_reported_by = list(dict.fromkeys(others))


@dataclass
class StoryRow:
    """One story of one watch: the copy that heads it and every copy, each outlet once."""

    watch: str
    copies: list[ExportRow]

    @property
    def lead(self) -> ExportRow:
        return self.copies[0]

    @property
    def story_id(self) -> int | None:
        return self.lead.story_id

    @property
    def score(self) -> float:
        return max(copy.score for copy in self.copies)

    @property
    def best_score(self) -> float:
        """The unrounded score that orders stories (``score`` is rounded for display)."""
        return max(copy.raw_score for copy in self.copies)

    @property
    def first_found(self) -> str:
        return min(copy.created_at for copy in self.copies)

    @property
    def last_found(self) -> str:
        return max(copy.created_at for copy in self.copies)

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(copy.outlet for copy in self.copies))

    @property
    def entities(self) -> list[str]:
        return list(dict.fromkeys(name for copy in self.copies for name in copy.entities))

    @property
    def evidence(self) -> list[Evidence]:
        """The evidence of the best-scored copy: the sentences that made the story match."""
        return max(self.copies, key=lambda copy: copy.score).evidence

    @property
    def first_copy(self) -> ExportRow:
        """The copy stored first: its entry id stays the story's, whichever copy heads it later."""
        return min(self.copies, key=lambda copy: (copy.created_at, copy.match_id))


def single_copies(rows: list[ExportRow]) -> list[StoryRow]:
    """Each match as a story of its own, for a per-match feed."""
    return [StoryRow(row.watch, [row]) for row in rows]


def group_stories(rows: list[ExportRow]) -> list[StoryRow]:
    """Matches grouped into stories per watch, best first (``matching.best_first``, as the digest orders them)."""
    groups: dict[tuple[str, object], list[ExportRow]] = {}
    for row in rows:
        key = (row.watch, row.story_id if row.story_id is not None else f"match-{row.match_id}")
        groups.setdefault(key, []).append(row)
    stories = [
        StoryRow(watch, sorted(copies, key=lambda r: head_order(r.published, r.text_length, r.match_id)))
        for (watch, _), copies in groups.items()
    ]
    stories.sort(key=lambda s: best_first(s.best_score, s.first_found, s.story_id or s.lead.match_id))
    return stories


def _story_fields(story: StoryRow) -> dict:
    """What JSON and CSV share of a story: the heading copy's fields, its score and every outlet."""
    lead = story.lead
    return {
        "story_id": story.story_id, "watch": story.watch, "score": story.score,
        "first_found": story.first_found, "last_found": story.last_found,
        "title": lead.title, "url": lead.url, "outlet": lead.outlet, "published": lead.published,
        "language": lead.language, "outlets": story.outlets, "entities": story.entities,
    }  # fmt: skip


COPY_FIELDS = ("title", "url", "outlet", "source", "published", "language", "score")


def stories_to_json(stories: list[StoryRow]) -> str:
    """A JSON array, one object per story: the heading copy's fields, then every copy."""
    items = [
        {
            **_story_fields(story),
            "evidence": [asdict(ev) for ev in story.evidence],
            "copies": [{key: getattr(copy, key) for key in COPY_FIELDS} for copy in story.copies],
        }
        for story in stories
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


STORY_CSV_COLUMNS = (
    "last_found", "first_found", "watch", "score", "title", "url", "outlet", "published", "language",
    "story_id", "outlets", "urls", "entities", "evidence",
)  # fmt: skip


def _csv(columns: tuple[str, ...], records: list[dict]) -> str:
    """A header and one line per record, every cell one value and no cell a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for values in records:
        writer.writerow([_cell(values[column]) for column in columns])
    return out.getvalue()


def stories_to_csv(stories: list[StoryRow]) -> str:
    """One line per story; its outlets and copies' URLs joined with ' | '."""
    records = []
    for story in stories:
        values = _story_fields(story)
        values |= {
            "outlets": " | ".join(story.outlets),
            "urls": " | ".join(copy.url for copy in story.copies),
            "entities": " | ".join(story.entities),
            "evidence": " | ".join(ev.sentence for ev in story.evidence),
        }
        records.append(values)
    return _csv(STORY_CSV_COLUMNS, records)


def to_json(rows: list[ExportRow]) -> str:
    """A JSON array, one object per match, evidence as stored (cleaned)."""
    items = []
    for row in rows:
        item = asdict(row)
        del item["raw_score"]  # ``score`` is the figure to show; the unrounded one only orders
        item["entities"] = row.entities
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> object:
    """Defuse spreadsheet formulas: a scraped title starting with '=' must stay text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


CSV_COLUMNS = (
    "created_at", "watch", "score", "title", "url", "outlet", "source", "published", "language",
    "story_id", "also_reported_by", "entities", "evidence",
)  # fmt: skip


def to_csv(rows: list[ExportRow]) -> str:
    """One line per match; lists joined with ' | ' so that every cell stays one value."""
    records = [
        {
            **asdict(row),
            "also_reported_by": " | ".join(row.also_reported_by),
            "entities": " | ".join(row.entities),
            "evidence": " | ".join(ev.sentence for ev in row.evidence),
        }
        for row in rows
    ]
    return _csv(CSV_COLUMNS, records)


def rfc3339(value: str | None, fallback: str | None = None) -> str:
    """An ISO 8601 timestamp as RFC 3339 in UTC (``...Z``); naive times are taken as UTC."""
    for candidate in (value, fallback):
        if not candidate:
            continue
        try:
            when = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def highlight(sentence: str, terms: list[Term]) -> str:
    """The sentence as escaped HTML with the matched surface forms in bold."""
    words = sorted({t.text for t in terms if t.text}, key=len, reverse=True)
    if not words:
        return html.escape(sentence)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    parts, last = [], 0
    for found in pattern.finditer(sentence):
        parts.append(html.escape(sentence[last : found.start()]))
        parts.append(f"<b>{html.escape(found.group())}</b>")
        last = found.end()
    parts.append(html.escape(sentence[last:]))
    return "".join(parts)


def summary_html(story: StoryRow) -> str:
    """The entry's summary: score, outlet, date, language, evidence sentences, the other outlets (linked)."""
    lead = story.lead
    facts = [f"score {story.score:.2f}", lead.outlet, (lead.published or "")[:10], lead.language or ""]
    parts = [f"<p>{html.escape(' · '.join(f for f in facts if f))}</p>"]
    quoted = [ev for ev in story.evidence if ev.sentence and ev.sentence != lead.title]
    parts += [f"<blockquote>{highlight(ev.sentence, ev.terms)}</blockquote>" for ev in quoted]
    if story.entities:
        parts.append(f"<p>Entities: {html.escape(', '.join(story.entities))}</p>")
    others = [
        f'<a href="{html.escape(copy.url)}">{html.escape(copy.outlet)}</a>' if _is_web_url(copy.url) else html.escape(copy.outlet)
        for copy in story.copies[1:]
    ]
    others = others or [html.escape(outlet) for outlet in lead.also_reported_by]
    if others:
        parts.append(f"<p>Also reported by: {', '.join(others)}</p>")
    return "".join(parts)


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def feed_id(watch: str | None) -> str:
    """A stable feed id, so a reader keeps one subscription across exports."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newsmon:matches:{watch or '*'}").urn


def entry_id(row: ExportRow) -> str:
    """A stable entry id per article and watch, surviving re-analysis that renumbers matches."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newsmon:match:{row.watch}:{row.url}").urn


def to_atom(
    stories: list[StoryRow], *, watch: str | None = None, link: str | None = None, link_rel: str = "self"
) -> str:
    """A valid Atom 1.0 feed, one entry per story (a story of one copy per match for a per-match feed),
    best first; ``link`` is where the feed lives (or what it views).

    An entry's id is that of its first-stored copy, so a story keeps the id its first match had in a
    per-match feed, and keeps it when an earlier-published copy later comes to head it.
    """
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_id(watch))
    sub(feed, "title", f"newsmon matches: {watch}" if watch else "newsmon matches")
    sub(feed, "subtitle", "Articles that matched a newsmon watch, with the sentences that tie them together.")
    updated = max((rfc3339(s.last_found) for s in stories), default=rfc3339(None))
    sub(feed, "updated", updated)
    if link:
        sub(feed, "link", rel=link_rel, href=link)
    sub(sub(feed, "author"), "name", "newsmon")
    sub(feed, "generator", "newsmon")
    for story in stories:
        row = story.lead
        entry = sub(feed, "entry")
        if row.language and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", row.language):
            entry.set(XML_LANG, row.language)
        sub(entry, "id", entry_id(story.first_copy))
        sub(entry, "title", row.title or row.url, type="text")
        sub(entry, "updated", rfc3339(story.last_found))
        if row.published:
            sub(entry, "published", rfc3339(row.published, row.created_at))
        sub(sub(entry, "author"), "name", row.outlet or "unknown outlet")
        sub(entry, "category", term=story.watch)
        summary = summary_html(story)
        sub(entry, "summary", summary, type="html")
        if _is_web_url(row.url):
            sub(entry, "link", rel="alternate", type="text/html", href=row.url)
        else:
            sub(entry, "content", summary, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
