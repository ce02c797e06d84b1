"""Decide whether an article matches a watch, how strongly (0..1), and which sentences show why.

Plain Python over the mentions the NLP found: a watch names groups that must co-occur; the closer they
are (same sentence > same paragraph or neighbouring sentences > same article) the higher the score,
which the title, context terms, distinct entities and repeated ties raise and off-topic cues lower.
Sentences that are long lists (UN roll-calls, currency tables, sanctions lists naming many countries)
tie nothing, so two countries among dozens never make a story. The evidence is one to three sentences
with the terms that tie the groups together.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from newsmon.pipeline.origin import PLACE_TYPES, names_origin
from newsmon.pipeline.watchlist import Watch

EVIDENCE_CHARS = 320
_LIST_SEPARATORS = re.compile(r"[,;،؛|]")
CAPTION_WORDS = 5
_WORD = re.compile(r"\w+")
_CLOSING = re.compile(r"[.!?؟。！？…:\"»”)]$")


@dataclass
class Mention:
    """An entity found in an article. Offsets point into the title for paragraph 0, else into the text."""

    text: str
    label: str
    key: str
    start: int
    end: int
    sentence: int | None  # None where no sentencizer read the article (it could not match)
    paragraph: int
    canonical: str | None = None
    group: str | None = None
    type: str | None = None

    @property
    def on_watchlist(self) -> bool:
        return self.canonical is not None


@dataclass
class Sentence:
    index: int
    paragraph: int
    start: int
    text: str

    @property
    def items(self) -> int:
        """How many list items the sentence has (separators + 1): a roll-call has dozens."""
        return len(_LIST_SEPARATORS.findall(self.text)) + 1


@dataclass
class WatchResult:
    watch: str
    score: float
    matched: bool
    proximity: str | None
    evidence: list[dict] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    parts: list[tuple[str, float]] = field(default_factory=list)  # (reason, log-odds added)
    list_sentences: int = 0
    features: dict[str, float] = field(default_factory=dict)  # what the score was computed from
    origins: list[str] = field(default_factory=list)  # place mentions that only say where someone is from


def evaluate(watch: Watch, mentions: list[Mention], sentences: list[Sentence]) -> WatchResult:
    """Score ``watch`` against one article's mentions and sentences."""
    places: dict[int, set[str]] = defaultdict(set)
    for m in mentions:
        if m.label == "GPE":
            places[m.sentence].add(m.key)
    listed = {
        s.index for s in sentences if s.items > watch.max_list_items or len(places[s.index]) > watch.max_places
    } | captions(sentences)
    sentence_by_index = {s.index: s for s in sentences}
    origins = origin_mentions(mentions, sentence_by_index)
    usable = [m for m in mentions if m.group and m.sentence not in listed and id(m) not in origins]
    required = [m for m in usable if m.group in watch.groups]
    context = [m for m in usable if m.group in watch.context]
    negative = [m for m in mentions if m.group in watch.negative]
    need = set(watch.groups)
    found: dict[str, list[str]] = {g: [] for g in watch.groups}
    for m in required:
        if m.canonical not in found[m.group]:
            found[m.group].append(m.canonical)
    missing = [g for g in watch.groups if not found[g]]
    skipped = len({m.sentence for m in mentions if m.group in need and m.sentence in listed})
    origin_texts = list(dict.fromkeys(m.text for m in mentions if id(m) in origins and m.group in need))
    if missing:
        return WatchResult(watch.name, 0.0, False, None, found=found, missing=missing, list_sentences=skipped,
                           origins=origin_texts)

    by_sentence: dict[int, set[str]] = defaultdict(set)
    by_paragraph: dict[int, set[str]] = defaultdict(set)
    for m in required:
        by_sentence[m.sentence].add(m.group)
        by_paragraph[m.paragraph].add(m.group)
    ties = sorted(s for s, groups in by_sentence.items() if groups >= need)
    paragraphs = sorted(p for p, groups in by_paragraph.items() if groups >= need)
    neighbours = [s for s in by_sentence if by_sentence[s] | by_sentence.get(s + 1, set()) >= need]
    proximity = "sentence" if ties else "paragraph" if paragraphs or neighbours else "article"

    context_keys = {m.key for m in context}
    features = {
        proximity: 1.0,
        "title": len({m.group for m in required if m.paragraph == 0}) / len(need),
        "context": float(len(context_keys)),
        "entities": float(max(0, len(_distinct(required)) - len(need))),
        "support": float(max(0, len(ties) - 1)),
        "negative": float(len(_distinct(negative))),
    }
    parts = _parts(watch, features, required, context, negative)
    # kept to six places, not two: strong stories differ in the third place and beyond, and order by it
    score = round(1 / (1 + math.exp(-sum(value for _, value in parts))), 6)
    # a context term ties only where it stands beside a side of the story: "talks with Unilever" in a
    # paragraph about markets says nothing about two countries named paragraphs apart
    named_paragraphs = {m.paragraph for m in required}
    weak = proximity != "sentence" and not {m.key for m in context if m.paragraph in named_paragraphs}
    if weak:
        parts.append(("weak tie: no sentence names both and no context term beside either; not stored", 0.0))
    evidence = _evidence(proximity, ties, paragraphs, neighbours, required, context, sentence_by_index, watch.groups)
    return WatchResult(
        watch.name, score, score >= watch.threshold and not weak, proximity, evidence, found, [], parts, skipped,
        features, origin_texts,
    )


def origin_mentions(mentions: list[Mention], sentences: dict[int, Sentence]) -> set[int]:
    """The ids of place mentions that say where a person comes from ("Libyan-born", "born in Minsk",
    ``origin.py``): they name no country of the story, so they tie nothing."""
    found = set()
    for m in mentions:
        sentence = sentences.get(m.sentence)
        if m.group and m.type in PLACE_TYPES and sentence is not None:
            if names_origin(sentence.text, m.start - sentence.start, m.end - sentence.start):
                found.add(id(m))
    return found


def _parts(
    watch: Watch, features: dict[str, float], required: list[Mention], context: list[Mention], negative: list[Mention]
) -> list[tuple[str, float]]:
    """Each feature's contribution to the log-odds, with the reason ``inspect`` prints beside it."""
    w = watch.weights
    proximity = next(p for p in ("sentence", "paragraph", "article") if p in features)
    parts = [("base", w.bias), (f"same {proximity}", getattr(w, proximity))]
    if features["title"]:
        in_title = sorted({m.group for m in required if m.paragraph == 0})
        parts.append((f"title names {', '.join(in_title)}", w.title * features["title"]))
    counted = [
        ("context", w.context_max, lambda n: f"context: {', '.join(_distinct(context).values())}"),
        ("entities", w.entities_max, lambda n: f"{n} more watch entities"),
        ("support", w.support_max, lambda n: f"{n + 1} sentences tie the groups"),
        ("negative", w.negative_max, lambda n: f"off-topic cues: {', '.join(_distinct(negative).values())}"),
    ]
    for name, most, reason in counted:
        n = int(features[name])
        if n:
            parts.append((reason(n), getattr(w, name) * scaled(name, n, most)))
    return parts


LOG_SCALED = ("context", "entities", "support")


def scaled(name: str, n: float, most: int) -> float:
    """What a counted feature multiplies its weight by: context terms, further entities and further tying
    sentences on a log scale, log2(1 + n) up to ``most`` (the second term adds 0.58 of the first, the
    fourth 0.32), so a long article's dozen terms rank it above a short one without adding a dozen
    times the log-odds one term earns; off-topic cues count one by one."""
    n = min(n, most)
    return math.log2(1 + n) if name in LOG_SCALED else float(n)


def best_first(score: float | None, first_stored: object, ident: int) -> tuple:
    """The one order of matches and stories everywhere (``matches``, the digest, alerts, exports): the
    higher score first, then the earlier stored, then the lower id."""
    return (-(score or 0.0), first_stored or "", ident)


def captions(sentences: list[Sentence]) -> set[int]:
    """Body lines that are labels, not prose: a paragraph of one short sentence without closing
    punctuation ("News of Belarus", "Libya | World", a menu line kept by extraction). They tie nothing."""
    per_paragraph: dict[int, list[Sentence]] = defaultdict(list)
    for s in sentences:
        per_paragraph[s.paragraph].append(s)
    found = set()
    for paragraph, members in per_paragraph.items():
        if paragraph == 0 or len(members) != 1:
            continue
        text = members[0].text.strip()
        if len(_WORD.findall(text)) <= CAPTION_WORDS and not _CLOSING.search(text):
            found.add(members[0].index)
    return found


def _distinct(mentions: list[Mention]) -> dict[str, str]:
    """Entity key -> canonical name, in order of first mention."""
    keys: dict[str, str] = {}
    for m in mentions:
        keys.setdefault(m.key, m.canonical or m.text)
    return keys


def _evidence(
    proximity: str,
    ties: list[int],
    paragraphs: list[int],
    neighbours: list[int],
    required: list[Mention],
    context: list[Mention],
    sentences: dict[int, Sentence],
    groups: list[str],
) -> list[dict]:
    terms_by_sentence: dict[int, list[Mention]] = defaultdict(list)
    for m in sorted(required + context, key=lambda m: (m.paragraph, m.start)):
        terms_by_sentence[m.sentence].append(m)

    def richness(index: int) -> int:
        return len({m.key for m in terms_by_sentence[index]})

    if proximity == "sentence":
        chosen, texts = [], set()
        for i in sorted(ties, key=lambda i: (-richness(i), i)):
            if sentences[i].text.strip() not in texts and len(chosen) < 3:
                chosen.append(i)
                texts.add(sentences[i].text.strip())
    else:
        if proximity == "article":
            pool = required
        elif paragraphs:
            pool = [m for m in required if m.paragraph == _best(paragraphs, required)]
        else:
            pool = [m for m in required if m.sentence in (neighbours[0], neighbours[0] + 1)]
        chosen = []
        for group in groups:
            first = min((m.sentence for m in pool if m.group == group), default=None)
            if first is not None and first not in chosen:
                chosen.append(first)
        chosen = chosen[:3]
    return [_item(sentences[i], terms_by_sentence[i], proximity) for i in sorted(chosen)]


def _best(paragraphs: list[int], required: list[Mention]) -> int:
    return max(paragraphs, key=lambda p: (len({m.key for m in required if m.paragraph == p}), -p))


def _item(sentence: Sentence, mentions: list[Mention], proximity: str) -> dict:
    terms, seen = [], set()
    for m in mentions:
        if (m.text, m.canonical) not in seen:
            seen.add((m.text, m.canonical))
            terms.append({"text": m.text, "canonical": m.canonical, "group": m.group})
    return {"sentence": _excerpt(sentence, mentions), "terms": terms, "proximity": proximity}


def _excerpt(sentence: Sentence, mentions: list[Mention]) -> str:
    """The sentence, or a window of it around its first term when it is very long."""
    text = " ".join(sentence.text.split())
    if len(text) <= EVIDENCE_CHARS:
        return text
    first = min((m.start - sentence.start for m in mentions), default=0)
    begin = max(0, min(first - EVIDENCE_CHARS // 4, len(text) - EVIDENCE_CHARS))
    window = text[begin : begin + EVIDENCE_CHARS]
    return ("…" if begin else "") + window.strip() + ("…" if begin + EVIDENCE_CHARS < len(text) else "")
