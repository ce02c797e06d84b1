"""The spaCy pipelines: each language's configured model (``[nlp] models``), blank pipelines for the others.

Each pipeline is built once per process and cached, in the same shape for every model: the rule-based
``sentencizer`` for sentence boundaries, the model's NER without the components entities do not need
(tagger, parser, lemmatizer...; the NER of en_core_web_sm and fr_core_news_sm has its own tok2vec; for
Russian, natasha's NER as the ``natasha_ner`` component), ``entity_labels`` renaming the model's labels to
newsmon's where they differ, and the watchlist's component after them, so watch terms replace the
model's wrong labels ("Belarus" as ORG, "the KGB Ivan Tertel" as one ORG) while the model still finds
names the watchlist lacks. Languages without a model (Belarusian, Arabic...) get a blank pipeline of that
language with the same component, so they match by their aliases. What an alias matches (inflection, accents, clitics, unspaced scripts)
is decided in ``aliases.py`` alone.

Pipelines are built on first use, so only the languages that occur cost start-up (French's tokenizer
data alone takes about 2 CPU-s to import).
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
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
from newsmon.pipeline import entity_labels, language, natasha_ner
from newsmon.pipeline.aliases import CYRILLIC, Hit, alias_index, fold_word, script_of
from newsmon.pipeline.matching import Mention, Sentence
from newsmon.pipeline.watchlist import Watchlist

log = logging.getLogger(__name__)

# Components that entity recognition never needs; tok2vec/transformer are dropped too when nothing listens.
UNNEEDED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "trainable_lemmatizer", "morphologizer", "senter"]
EMBEDDERS = ("tok2vec", "transformer")
NER_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "LAW"}  # model labels worth storing
WATCHLIST_PIPE = "watchlist"  # the watchlist's component; the pre-filter runs it without the model
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
NATASHA = "natasha"  # not a spaCy package: natasha's NER as a component of a blank pipeline
BLANK = "blank"  # no model: the language matches by its watchlist aliases only


def get_pipeline(language: str, settings: NlpSettings, watchlist: Watchlist) -> Language:
    """The cached pipeline for ``language``, built on first use (only languages that occur cost start-up):
    its configured model, else a blank one."""
    model = model_for(language, settings)
    key = (model or BLANK, watchlist.fingerprint or str(watchlist.path), language)
    with _lock:
        if key not in _pipelines:
            for stale in [k for k in _pipelines if (k[0], k[2]) == (key[0], key[2])]:
                del _pipelines[stale]  # the watchlist file changed: its old patterns are no use any more
            nlp = _load_model(model, language) if model else _blank(language)
            add_watchlist(nlp, watchlist, language)
            _pipelines[key] = nlp
            log.debug("built %s pipeline %s", nlp.lang, nlp.pipe_names)
        return _pipelines[key]


def model_for(language: str, settings: NlpSettings) -> str | None:
    """The model ``language`` gets (a spaCy package or folder, or ``natasha``); None for a blank pipeline.

    ``[nlp] models`` names one per language; ``[nlp] model``, when set, takes the place of its own
    language's entry.
    """
    return models_by_language(settings).get(language)


def models_by_language(settings: NlpSettings) -> dict[str, str]:
    """Every language that has a model, with its model; checks that each is installed (without loading
    weights) and is a model of that language."""
    return _resolve(tuple(sorted(settings.models.items())), settings.model)


@functools.lru_cache(maxsize=None)
def _resolve(models: tuple[tuple[str, str], ...], model: str | None) -> dict[str, str]:
    table = {lang: name for lang, name in models if name != BLANK}
    for lang, name in table.items():
        turn_off = f'or set nlp.models.{lang} = "{BLANK}"'
        if name == NATASHA:
            if importlib.util.find_spec("natasha") is None:
                raise ConfigError(f"nlp.models.{lang}: natasha is not installed (pip install natasha, {turn_off})")
        elif (found := _installed(name, f"nlp.models.{lang}", turn_off)) != lang:
            raise ConfigError(f"nlp.models.{lang}: {name!r} is a model for {found!r}, not {lang!r}")
    if model:
        table[_installed(model, "nlp.model", "or set nlp.models instead")] = model
    return table


def _installed(model: str, key: str, fix: str) -> str:
    """The language of an installed model; a one-line error naming the setting and the package if none."""
    lang = model_language(model)
    if lang is None:
        folder = "/" in model or model.startswith(".")
        how = "no spaCy model in that folder" if folder else f"pip install {model.replace('_', '-')}"
        raise ConfigError(f"{key}: spaCy model {model!r} is not installed ({how}, {fix})")
    return lang


@functools.lru_cache(maxsize=None)
def model_language(model: str) -> str | None:
    """The language of a spaCy model (a package name or a folder), read from its meta without loading
    its weights; None when no such model is installed."""
    try:
        folder = Path(model) if Path(model).is_dir() else spacy.util.get_package_path(model)
        return spacy.util.get_model_meta(folder)["lang"]
    except Exception:
        return None


def _tokenizer_only(language: str) -> Language:
    """spaCy's blank ``language``, or the multi-language ``xx`` when spaCy has none (or it needs a
    segmenter package, as Japanese and Thai do): tried, never guessed."""
    try:
        return spacy.blank(language)
    except Exception:
        return spacy.blank("xx")


def _blank(language: str) -> Language:
    """A blank pipeline: tokenizer and sentencizer, for the watchlist's component alone."""
    nlp = _tokenizer_only(language)
    nlp.add_pipe("sentencizer")
    return nlp


def _load_model(model: str, lang: str) -> Language:
    """The model's NER with newsmon's labels, after a sentencizer: the same shape for every model."""
    if model == NATASHA:  # natasha runs on spaCy's tokens
        nlp = _tokenizer_only(lang)
        nlp.add_pipe(natasha_ner.FACTORY, name="ner")
    else:
        nlp = spacy.load(model, exclude=UNNEEDED)
        for name in EMBEDDERS:
            if name in nlp.pipe_names and not getattr(nlp.get_pipe(name), "listening_components", None):
                nlp.remove_pipe(name)
    nlp.add_pipe("sentencizer", first=True)
    labels = entity_labels.label_map(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else {}
    if labels:
        nlp.add_pipe(entity_labels.FACTORY, after="ner", config={"labels": labels})
    return nlp


def add_watchlist(nlp: Language, watchlist: Watchlist, language: str | None = None) -> None:
    """Add the watchlist's component after the model's NER (or alone in a blank pipeline).

    Its alias index is built for the article's ``language``, not the tokenizer's: a language spaCy has
    no tokenizer for (Belarusian, Bosnian, Norwegian...) runs on the multi-language ``xx`` one, yet its
    words still take its own endings."""
    model_parts = [name for name in ("ner", entity_labels.FACTORY) if name in nlp.pipe_names]
    where = {"after": model_parts[-1]} if model_parts else {}
    component = nlp.add_pipe("newsmon_watchlist", name=WATCHLIST_PIPE, **where)
    language = language or (nlp.lang if nlp.lang != "xx" else None)
    component.index = alias_index(watchlist, language)
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
        spans = [doc.char_span(h.start, h.end, label=h.label, span_id=h.key) for h in hits]
        if any(span is None for span in spans):  # some hit starts or ends inside a token
            _split_at(doc, {h.start for h in hits} | {h.end for h in hits})
            spans = [doc.char_span(h.start, h.end, label=h.label, span_id=h.key, alignment_mode="expand") for h in hits]
        spans = [span for span in spans if span is not None]
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


# Case endings stripped from the words of a name the model found (folded, as the watchlist's Cyrillic
# inflection writes them); not -ов/-ев, which end surnames more often than they are a genitive plural.
_KEY_ENDINGS = sorted((e for e in CYRILLIC.endings if e and e not in ("ов", "ев")), key=len, reverse=True)


def ner_key(label: str, text: str) -> str:
    """The stored key of a name the model found: its label and words, lower-cased, each Cyrillic word
    without its case ending, so that "Дмитрий Волков", "Дмитрия Волкова" and "Дмитрием Волковым" are one
    entity in every table and count, as "Dmitri Volkov" is in English."""
    words = re.split(r"(\s+|-)", text.lower())
    return f"ner:{label}:" + "".join(_case_stem(w) if script_of(w) == "cyrillic" else w for w in words)


def _case_stem(word: str) -> str:
    # twice, so a stem's own ending goes too: Сергей, Сергея, Сергеем -> серг; Николай, Николаем -> никол
    word = fold_word(word)
    for _ in range(2):
        ending = next((e for e in _KEY_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3), "")
        word = word[: len(word) - len(ending)]
    return word


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


def read_hits(hits: list[Hit], unit: Unit, watchlist: Watchlist) -> list[Mention]:
    """The watchlist mentions of one unit from its alias hits alone, as :func:`read_doc` reads them from
    a doc the watchlist's component set them on, without a sentence number (no doc, no sentences)."""
    mentions = []
    for hit in hits:
        entity = watchlist.by_key[hit.key]
        mentions.append(
            Mention(
                text=" ".join(unit.text[hit.start : hit.end].split()),
                label=hit.label,
                key=entity.key,
                start=unit.offset + hit.start,
                end=unit.offset + hit.end,
                sentence=None,
                paragraph=unit.paragraph,
                canonical=entity.name,
                group=entity.group,
                type=entity.type,
            )
        )
    return mentions


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
                key=entity.key if entity else ner_key(ent.label_, text),
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
