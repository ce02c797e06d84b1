"""The spaCy pipelines: each language's configured model (``[nlp] models``), blank pipelines for the others.

Each pipeline is built once per process and cached, in the same shape for every model: the rule-based
``sentencizer`` for sentence boundaries, the model's NER without the components entities do not need
(tagger, parser, lemmatizer...; the NER of en_core_web_sm and fr_core_news_sm has its own tok2vec; for
Russian, natasha's NER as the ``natasha_ner`` component), ``entity_labels`` renaming the model's labels to
newsmon's where they differ, and the watchlist as an ``entity_ruler`` after them with ``overwrite_ents``
so watch terms replace the model's wrong labels ("Belarus" as ORG, "the KGB Ivan Tertel" as one ORG)
while the model still finds names the watchlist lacks. Languages without a model (Belarusian, Arabic...)
get a blank pipeline of that language with the same ruler, so they match by their aliases. Inflection is
handled by REGEX token patterns built from each alias: Cyrillic words take case endings, Arabic words take
clitic prefixes and the article.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

from newsmon.config import NlpSettings
from newsmon.errors import ConfigError
from newsmon.pipeline import entity_labels, language, natasha_ner
from newsmon.pipeline.matching import Mention, Sentence
from newsmon.pipeline.watchlist import Entity, Watchlist

log = logging.getLogger(__name__)

# Components that entity recognition never needs; tok2vec/transformer are dropped too when nothing listens.
UNNEEDED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "trainable_lemmatizer", "morphologizer", "senter"]
EMBEDDERS = ("tok2vec", "transformer")
NER_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "LAW"}  # model labels worth storing
CHUNK_CHARS = 5_000  # longer paragraphs are cut at a sentence end so one doc never grows unbounded

_CYRILLIC_LANGUAGES = ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt", "ba")
_ARABIC_LANGUAGES = ("ar", "fa", "ur", "ps", "ug", "ku", "sd")
SCRIPTS_BY_LANGUAGE = {
    **{lang: {"cyrillic", "latin"} for lang in _CYRILLIC_LANGUAGES},
    **{lang: {"arabic", "latin"} for lang in _ARABIC_LANGUAGES},
}
_CYRILLIC = re.compile(r"^[\u0400-\u04FF]+$")
_ARABIC = re.compile(r"^[\u0600-\u06FF]+$")
# Russian, Belarusian and Ukrainian noun and adjective endings, longest first.
_CYRILLIC_ENDINGS = sorted(
    set(
        "а я о е ё у ю ы и і ї ь й ў "
        "ей ой ою ею ем ём ом ам ям ах ях ов ев ий ый ая яя ое ее ую юю ым им ых их ые ие ью ай яй аў яў "
        "ім іх ія ия ии ию ае ві ыя "
        "ами ями ого его ому ему ыми ими ымі ага яга аму яму імі ові еві ием ией иям иях"
        .split()
    ),
    key=lambda ending: (-len(ending), ending),
)
_CYRILLIC_ENDING_RE = "(?:" + "|".join(_CYRILLIC_ENDINGS) + ")?"
_CYRILLIC_STRIP2 = ("ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые", "ія", "ае", "ую", "ыя")
_CYRILLIC_STRIP1 = "аяоеёуюыиіьй"
# Arabic: conjunction و/ف, preposition ب/ل/ك, article ال (ل + ال is written لل); then the word and a suffix.
_ARABIC_PREFIX_RE = "(?:[وف]?(?:[بك]?ال|لل|[بلك]))?"
_ARABIC_SUFFIX_RE = "(?:ة|ين|ون|ات|ان)?"
_ALEFS = "[اأإآ]"


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
    """The cached pipeline for ``language``: its configured model, else a blank one."""
    model = model_for(language, settings)
    lang = language if model and model != NATASHA else blank_language(language)  # natasha runs on spaCy's tokens
    key = (model or BLANK, watchlist.fingerprint or str(watchlist.path), lang)
    with _lock:
        if key not in _pipelines:
            for stale in [k for k in _pipelines if (k[0], k[2]) == (key[0], key[2])]:
                del _pipelines[stale]  # the watchlist file changed: its old patterns are no use any more
            nlp = _load_model(model, lang) if model else _blank(lang)
            add_watchlist(nlp, watchlist)
            _pipelines[key] = nlp
            log.debug("built %s pipeline %s", lang, nlp.pipe_names)
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


def _load_model(model: str, lang: str) -> Language:
    """The model's NER with newsmon's labels, after a sentencizer: the same shape for every model."""
    if model == NATASHA:
        nlp = spacy.blank(lang)
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


def add_watchlist(nlp: Language, watchlist: Watchlist) -> None:
    """Add the watchlist's entity ruler after the model's NER (or alone in a blank pipeline)."""
    model_parts = [name for name in ("ner", entity_labels.FACTORY) if name in nlp.pipe_names]
    where = {"after": model_parts[-1]} if model_parts else {}
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="watchlist",
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True, "validate": False},
        **where,
    )
    scripts = SCRIPTS_BY_LANGUAGE.get(nlp.lang, {"latin"}) if nlp.lang != "xx" else None
    ruler.add_patterns([p for entity in watchlist.entities for p in entity_patterns(nlp, entity, scripts)])


def entity_patterns(nlp: Language, entity: Entity, scripts: set[str] | None = None) -> list[dict]:
    """Entity-ruler patterns for every alias of ``entity``, tokenized by this pipeline's tokenizer.

    Inflections (REGEX patterns) go only to pipelines of languages written in the alias's script (all
    of them when ``scripts`` is None); elsewhere the alias matches as written. Every REGEX is tried on
    every token, and a Cyrillic case ending hardly ever occurs in an English article.
    """
    patterns: list[str | list[dict]] = []
    single: dict[str, list[str]] = {}  # one-word REGEX patterns, merged per attribute into one REGEX
    for alias in entity.aliases:
        inflect = scripts is None or script_of(alias) in scripts
        pattern = alias_pattern(nlp, alias, entity.case_sensitive or _is_acronym(alias), inflect)
        regex = "REGEX" in repr(pattern)
        if regex and len(pattern) == 1:
            ((attr, spec),) = pattern[0].items()
            single.setdefault(attr, []).append(spec["REGEX"][1:-1])
        elif pattern not in patterns:
            patterns.append(pattern)
    for attr, bodies in single.items():
        patterns.append([{attr: {"REGEX": "^(?:" + "|".join(dict.fromkeys(bodies)) + ")$"}}])
    return [{"label": entity.ner_label, "pattern": p, "id": entity.key} for p in patterns]


def script_of(text: str) -> str:
    if any("\u0400" <= c <= "\u04FF" for c in text):
        return "cyrillic"
    if any("\u0600" <= c <= "\u06FF" for c in text):
        return "arabic"
    return "latin"


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def alias_pattern(nlp: Language, alias: str, case_sensitive: bool, inflect: bool = True) -> str | list[dict]:
    """A phrase (plain words) or a token pattern (inflected, wildcard or case-sensitive words)."""
    starred = {m.start() - i for i, m in enumerate(re.finditer(r"\*", alias))}
    clean = alias.replace("*", "")
    tokens = [t for t in nlp.make_doc(clean) if not t.is_space]
    specs = [_token_spec(t.text, t.idx + len(t.text) in starred, case_sensitive, inflect) for t in tokens]
    if not case_sensitive and all("LOWER" in spec and isinstance(spec["LOWER"], str) for spec in specs):
        return clean
    return specs


def _token_spec(text: str, starred: bool, case_sensitive: bool, inflect: bool) -> dict:
    attr = "TEXT" if case_sensitive else "LOWER"
    value = text if case_sensitive else text.lower()
    if starred:
        return {attr: {"REGEX": f"^{re.escape(value)}[^\\W\\d_]{{0,4}}$"}}
    if case_sensitive or not inflect:
        return {attr: value}
    if _CYRILLIC.match(text):
        return {"LOWER": {"REGEX": f"^{re.escape(_cyrillic_stem(text.lower()))}{_CYRILLIC_ENDING_RE}$"}}
    if _ARABIC.match(text):
        return {"TEXT": {"REGEX": f"^{_ARABIC_PREFIX_RE}{_arabic_body(text)}{_ARABIC_SUFFIX_RE}$"}}
    return {attr: value}


def _cyrillic_stem(word: str) -> str:
    """Strip the dictionary-form ending so case endings can follow: Беларусь -> беларус, Ливия -> ливи."""
    if len(word) >= 6 and word.endswith(_CYRILLIC_STRIP2):
        return word[:-2]
    if len(word) >= 4 and word[-1] in _CYRILLIC_STRIP1:
        return word[:-1]
    return word


# Case endings stripped from the words of a name the model found; not -ов/-ев, which end surnames more
# often than they are a genitive plural (Волков, Волкова, Волковым are one key).
_KEY_ENDINGS = [ending for ending in _CYRILLIC_ENDINGS if ending not in ("ов", "ев")]


def ner_key(label: str, text: str) -> str:
    """The stored key of a name the model found: its label and words, lower-cased, each Cyrillic word
    without its case ending, so that "Дмитрий Волков", "Дмитрия Волкова" and "Дмитрием Волковым" are one
    entity in every table and count, as "Dmitri Volkov" is in English."""
    words = re.split(r"(\s+|-)", text.lower())
    return f"ner:{label}:" + "".join(_case_stem(w) if _CYRILLIC.match(w) else w for w in words)


def _case_stem(word: str) -> str:
    # twice, so a stem's own ending goes too: Сергей, Сергея, Сергеем -> серг; Николай, Николаем -> никол
    for _ in range(2):
        ending = next((e for e in _KEY_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3), "")
        word = word[: len(word) - len(ending)]
    return word


def _arabic_body(word: str) -> str:
    """The word without its article, with alef and final ya/ta-marbuta spellings made interchangeable."""
    if word.startswith("ال") and len(word) > 4:
        word = word[2:]
    body = "".join(_ALEFS if c in "اأإآ" else re.escape(c) for c in word)
    if body.endswith("ة"):
        body = body[:-1] + "[ةه]"
    elif body.endswith("ي") or body.endswith("ى"):
        body = body[:-1] + "[يى]"
    return body


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
