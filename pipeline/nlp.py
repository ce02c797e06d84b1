"""The spaCy pipelines: the configured model for its language, blank pipelines for the others.

Each pipeline is built once per process and cached: the model without the components entities do not
need (tagger, parser, lemmatizer...; en_core_web_sm's NER has its own tok2vec), the rule-based
``sentencizer`` for sentence boundaries, and the watchlist's component placed after the NER, so watch
terms replace the model's wrong labels ("Belarus" as ORG, "the KGB Ivan Tertel" as one ORG) while the
model still finds names the watchlist lacks. Languages without a model
(Russian, Belarusian, Arabic, French...) get a blank pipeline of that language with the same component,
so they match by their aliases. What an alias matches (inflection, accents, clitics, unspaced scripts)
is decided in ``aliases.py`` alone.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from newsmon.config import NlpSettings
from newsmon.errors import ConfigError
from newsmon.pipeline import language
from newsmon.pipeline.aliases import alias_index
from newsmon.pipeline.matching import Mention, Sentence
from newsmon.pipeline.watchlist import Watchlist

log = logging.getLogger(__name__)

# Components that entity recognition never needs; tok2vec/transformer are dropped too when nothing listens.
UNNEEDED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "trainable_lemmatizer", "morphologizer", "senter"]
EMBEDDERS = ("tok2vec", "transformer")
NER_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "LAW"}  # model labels worth storing
CHUNK_CHARS = 5_000  # longer paragraphs are cut at a sentence end so one doc never grows unbounded

@dataclass
class Unit:
    """One piece of an article sent through spaCy: the title (paragraph 0) or part of a body paragraph.

    ``offset`` is where the piece starts in the title (paragraph 0) or in the article text, so every
    entity's offsets point into what is stored.
    """

    paragraph: int
    offset: int
    text: str


_lock = threading.Lock()
_pipelines: dict[tuple[str, str, str], Language] = {}


def get_pipeline(language: str, settings: NlpSettings, watchlist: Watchlist) -> Language:
    """The cached pipeline for ``language``: the configured model for its own language, else blank."""
    model_lang = model_language(settings.model)
    lang = language if language == model_lang else blank_language(language)
    key = (settings.model, watchlist.fingerprint or str(watchlist.path), lang)
    with _lock:
        if key not in _pipelines:
            for stale in [k for k in _pipelines if (k[0], k[2]) == (key[0], key[2])]:
                del _pipelines[stale]  # the watchlist file changed: its old patterns are no use any more
            nlp = _load_model(settings.model) if lang == model_lang else _blank(lang)
            add_watchlist(nlp, watchlist)
            _pipelines[key] = nlp
            log.debug("built %s pipeline %s", lang, nlp.pipe_names)
        return _pipelines[key]


@functools.lru_cache(maxsize=None)
def model_language(model: str) -> str:
    """The language of the configured model (a package name or a folder), read from its meta without
    loading its weights."""
    try:
        folder = Path(model) if Path(model).is_dir() else spacy.util.get_package_path(model)
        return spacy.util.get_model_meta(folder)["lang"]
    except Exception:
        raise ConfigError(
            f"nlp.model: spaCy model {model!r} is not installed (pip install it, or set nlp.model)"
        ) from None


@functools.lru_cache(maxsize=None)
def blank_language(language: str) -> str:
    """The spaCy language code to use for a blank pipeline; ``xx`` (multi-language) when spaCy has none."""
    try:
        spacy.blank(language)  # some need a segmenter package (Japanese, Thai...): try, do not guess
    except Exception:
        return "xx"
    return language


def _blank(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def _load_model(model: str) -> Language:
    nlp = spacy.load(model, exclude=UNNEEDED)
    for name in EMBEDDERS:
        if name in nlp.pipe_names and not getattr(nlp.get_pipe(name), "listening_components", None):
            nlp.remove_pipe(name)
    nlp.add_pipe("sentencizer", first=True)
    return nlp


def add_watchlist(nlp: Language, watchlist: Watchlist) -> None:
    """Add the watchlist's component after the model's NER (or alone in a blank pipeline)."""
    where = {"after": "ner"} if "ner" in nlp.pipe_names else {}
    component = nlp.add_pipe("newsmon_watchlist", name="watchlist", **where)
    component.index = alias_index(watchlist, nlp.lang if nlp.lang != "xx" else None)
    for entity in watchlist.entities:  # interned now, so a memory zone never frees them
        nlp.vocab.strings.add(entity.key)
        nlp.vocab.strings.add(entity.ner_label)


class WatchlistComponent:
    """Sets the watchlist's hits (``aliases.find_mentions``) as the doc's entities; they replace the
    model's entities they overlap, so watch terms win over the model's wrong labels."""

    def __init__(self) -> None:
        self.index = None

    def __call__(self, doc: Doc) -> Doc:
        hits = self.index.find(doc.text) if self.index is not None else []
        if not hits:
            return doc
        _split_at(doc, {h.start for h in hits} | {h.end for h in hits})
        spans = []
        for hit in hits:
            span = doc.char_span(hit.start, hit.end, label=hit.label, span_id=hit.key, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        spans = filter_spans(spans)
        taken = {i for span in spans for i in range(span.start, span.end)}
        kept = [e for e in doc.ents if not any(i in taken for i in range(e.start, e.end))]
        doc.ents = sorted(kept + spans, key=lambda span: span.start)
        return doc


@Language.factory("newsmon_watchlist")
def _make_watchlist_component(nlp: Language, name: str) -> WatchlistComponent:
    return WatchlistComponent()


def _split_at(doc: Doc, offsets: set[int]) -> None:
    """Split tokens that a hit starts or ends inside (unspaced scripts, Turkish Libya'da), so every hit
    is a whole number of tokens."""
    starts = [token.idx for token in doc]
    cuts: dict[int, list[int]] = {}
    for offset in sorted(offsets):
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and starts[i] < offset < starts[i] + len(doc[i].text):
            cuts.setdefault(i, []).append(offset - starts[i])
    splits = []
    for i, inner in cuts.items():
        token = doc[i]
        bounds = [0, *inner, len(token.text)]
        splits.append((token, [token.text[a:b] for a, b in zip(bounds, bounds[1:])]))
    if splits:
        with doc.retokenize() as retokenizer:
            for token, orths in splits:
                retokenizer.split(token, orths, heads=[(token, 0)] * len(orths))
        for token in doc[1:]:  # a piece of a split token never starts a sentence
            if token.is_sent_start is None:
                token.is_sent_start = False


def detect_language(text: str, fallback: str = "en") -> str:
    """The language of ``text``; ``fallback`` for text too short to tell."""
    return language.detect_language(text, fallback=fallback) or fallback


def split_units(title: str, text: str, max_chars: int) -> list[Unit]:
    """The title as paragraph 0, then each non-empty line of the text as a paragraph (1, 2, ...).

    The text is cut at ``max_chars``; paragraphs longer than ``CHUNK_CHARS`` are cut at a sentence end,
    so memory per doc stays bounded however long the article.
    """
    units = [Unit(0, 0, title)] if title and title.strip() else []
    text = text[:max_chars]
    paragraph = 0
    for found in re.finditer(r"[^\n]+", text):
        if not found.group().strip():
            continue
        paragraph += 1
        start, line = found.start(), found.group()
        while len(line) > CHUNK_CHARS:
            cut = _cut_point(line)
            units.append(Unit(paragraph, start, line[:cut]))
            start, line = start + cut, line[cut:]
        units.append(Unit(paragraph, start, line))
    return units


def _cut_point(line: str) -> int:
    window = line[:CHUNK_CHARS]
    ends = [m.end() for m in re.finditer(r"[.!?؟。]\s", window)]
    if ends and ends[-1] > CHUNK_CHARS // 2:
        return ends[-1]
    space = window.rfind(" ")
    return space + 1 if space > CHUNK_CHARS // 2 else CHUNK_CHARS


def read_doc(doc, unit: Unit, first_sentence: int, watchlist: Watchlist) -> tuple[list[Sentence], list[Mention]]:
    """The sentences and entities of one processed unit, numbered from ``first_sentence``.

    Watchlist entities carry their canonical name and group; the model's own entities are kept for the
    labels worth storing, keyed by label and text.
    """
    entities = watchlist.by_key
    sentences: list[Sentence] = []
    index_of: dict[int, int] = {}
    for i, sent in enumerate(doc.sents):
        index_of[sent.start] = first_sentence + i
        sentences.append(Sentence(first_sentence + i, unit.paragraph, unit.offset + sent.start_char, sent.text))
    mentions: list[Mention] = []
    for ent in doc.ents:
        entity = entities.get(ent.ent_id_) if ent.ent_id_ else None
        if entity is None and ent.label_ not in NER_LABELS:
            continue
        text = " ".join(ent.text.split())
        mentions.append(
            Mention(
                text=text,
                label=ent.label_,
                key=entity.key if entity else f"ner:{ent.label_}:{text.lower()}",
                start=unit.offset + ent.start_char,
                end=unit.offset + ent.end_char,
                sentence=index_of[ent.sent.start],
                paragraph=unit.paragraph,
                canonical=entity.name if entity else None,
                group=entity.group if entity else None,
                type=entity.type if entity else None,
            )
        )
    return sentences, mentions
