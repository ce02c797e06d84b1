"""Analysis: entities and watch matches for articles, one text at a time or every pending article.

``analyze_text`` serves ``newsmon inspect``; ``analyze_pending`` serves ``newsmon analyze`` and the crawl.
Both run the same path: take the stored language (detect it only when none is stored), split the text
into paragraph units, run them through the cached spaCy pipeline of that language with ``nlp.pipe``
(inside a memory zone, so a long-running daemon does not grow its string store), read entities, then
score every watch. With ``[nlp] ner = "possible"`` the watchlist's aliases are looked up in the raw text
first, and spaCy (whose pipeline for the language is built only then) reads only the articles where some
watch can still match (``prefilter.py``); the others keep their watchlist mentions, straight from the
alias index.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlite_utils
from spacy.language import Language

from newsmon.config import Config, NlpSettings
from newsmon.errors import ConfigError, NewsmonError
from newsmon.pipeline.aliases import AliasIndex, alias_index
from newsmon.pipeline.matching import Mention, Sentence, WatchResult, evaluate
from newsmon.pipeline.nlp import (
    Unit,
    detect_language,
    get_pipeline,
    models_by_language,
    read_doc,
    read_hits,
    split_units,
)
from newsmon.pipeline.prefilter import by_reach
from newsmon.pipeline.watchlist import Watchlist, load_watchlist
from newsmon.pipeline.workers import in_workers

log = logging.getLogger(__name__)
FALLBACK_LANGUAGE = "en"  # for text too short to tell its language


@dataclass
class AnalyzeResult:
    articles: int = 0
    matches: int = 0
    seconds: float = 0.0
    failed: int = 0


@dataclass
class Item:
    """What to analyse: the language is given, else detected (``fallback`` when the text is too short)."""

    title: str
    text: str
    language: str | None = None
    fallback: str = FALLBACK_LANGUAGE


@dataclass
class Analysis:
    language: str
    mentions: list[Mention]
    sentences: list[Sentence]
    results: list[WatchResult]
    watchlist: Watchlist = field(repr=False)
    models: dict[str, str] = field(default_factory=dict)  # every language that has a model, with it

    @property
    def model(self) -> str | None:
        """The NER model this article's language got; None when it matched by watchlist aliases only."""
        return self.models.get(self.language)

    @property
    def matches(self) -> list[WatchResult]:
        return [r for r in self.results if r.matched]

    def entities_json(self) -> list[dict]:
        return [
            {
                "text": m.text,
                "label": m.label,
                "canonical": m.canonical,
                "start": m.start,
                "end": m.end,
                "group": m.group,
                "in": "title" if m.paragraph == 0 else "text",
            }
            for m in self.mentions
        ]

    def matches_json(self) -> list[dict]:
        return [
            {"watch": r.watch, "score": r.score, "parts": dict(r.parts), "evidence": r.evidence} for r in self.matches
        ]

    def to_dict(self) -> dict:
        return {"language": self.language, "ner_model": self.model, "entities": self.entities_json(),
                "matches": self.matches_json()}

    def explain(self) -> str:
        """A readable account: which entities, which sentences, and why each watch matched or not."""
        if self.model:
            lines = [f"Analysed as language: {self.language} (entities by {self.model} and the watchlist)"]
        else:
            others = ", ".join(sorted(self.models)) or "none"
            lines = [f"Analysed as language: {self.language} (no model for it, watchlist aliases only; "
                     f"languages with a model: {others})"]
        by_group: dict[str, dict[str, list[str]]] = defaultdict(dict)
        others: dict[str, str] = {}
        for m in self.mentions:
            if m.canonical is None:
                others.setdefault(m.text, m.label)
            else:
                forms = by_group[m.group or "(no group)"].setdefault(m.canonical, [])
                forms.append(m.text)
        lines.append("Watchlist entities:" if by_group else "Watchlist entities: none")
        for group, entities in by_group.items():
            described = "; ".join(f"{name} ({_forms(forms)})" for name, forms in entities.items())
            lines.append(f"  {group}: {described}")
        if others:
            shown = ", ".join(f"{text} ({label})" for text, label in list(others.items())[:25])
            more = f" and {len(others) - 25} more" if len(others) > 25 else ""
            lines.append(f"Other names: {shown}{more}")
        for result in self.results:
            watch = self.watchlist.watch(result.watch)
            lines.append("")
            if result.missing:
                present = "; ".join(f"{g}: {', '.join(n)}" for g, n in result.found.items() if n) or "nothing"
                why = f"no {' or '.join(result.missing)} mention"
                if result.list_sentences:
                    why += f" outside {result.list_sentences} list-like or caption sentence(s)"
                if result.origins:
                    why += f" ({', '.join(result.origins)}: only where someone is from)"
                lines.append(f"Watch {result.watch}: no match: {why} (found {present}).")
                continue
            verdict = "MATCH" if result.matched else "no match"
            lines.append(
                f"Watch {result.watch}: {verdict}, score {result.score:.2f} "
                f"(stored at {watch.threshold:.2f}, alert at {watch.alert_threshold:.2f})"
            )
            lines.append("  log-odds, score = 1 / (1 + e^-sum):")
            lines.extend(f"  {value:+.2f}  {reason}" for reason, value in result.parts)
            if result.list_sentences:
                lines.append(f"  (ignored {result.list_sentences} list-like or caption sentence(s))")
            for item in result.evidence:
                terms = ", ".join(f"{t['text']} = {t['canonical']} [{t['group']}]" for t in item["terms"])
                lines.append(f"  [{item['proximity']}] \"{item['sentence']}\"")
                lines.append(f"      {terms}")
        return "\n".join(lines)


def _forms(forms: list[str]) -> str:
    counts: dict[str, int] = {}
    for form in forms:
        counts[form] = counts.get(form, 0) + 1
    return ", ".join(f"{form} ×{n}" if n > 1 else form for form, n in counts.items())


class Analyzer:
    """Runs items through the pipelines in batches and scores every watch of the watchlist."""

    def __init__(self, settings: NlpSettings, watchlist: Watchlist) -> None:
        self.settings = settings
        self.watchlist = watchlist

    def analyze(self, items: list[Item]) -> list[Analysis]:
        languages = [item.language or detect_language(f"{item.title}\n{item.text}", item.fallback) for item in items]
        units = [split_units(item.title or "", item.text or "", self.settings.max_chars) for item in items]
        sentences: list[list[Sentence]] = [[] for _ in items]
        mentions: list[list[Mention]] = [[] for _ in items]
        by_language: dict[str, list[int]] = defaultdict(list)
        for i, language in enumerate(languages):
            by_language[language].append(i)
        for language, indexes in by_language.items():
            index = alias_index(self.watchlist, language)
            with index.remembering():
                if self.settings.ner == "possible":
                    indexes = self._without_the_model(index, indexes, units, mentions)
                if indexes:  # the language's pipeline is built only when some article can match
                    nlp = get_pipeline(language, self.settings, self.watchlist)
                    self._read(nlp, indexes, units, sentences, mentions)
        return [
            Analysis(
                languages[i],
                mentions[i],
                sentences[i],
                [evaluate(watch, mentions[i], sentences[i]) for watch in self.watchlist.watches],
                self.watchlist,
                models_by_language(self.settings),
            )
            for i in range(len(items))
        ]

    def _without_the_model(
        self,
        index: AliasIndex,
        indexes: list[int],
        units: list[list[Unit]],
        mentions: list[list[Mention]],
    ) -> list[int]:
        """Read the articles at ``indexes`` that cannot match without spaCy; return those that can.

        The watchlist's mentions are the alias index's hits, in spaCy's pipeline as outside it (the
        component sets each hit as an entity, splitting a token where a hit starts or ends inside one),
        so an article that cannot match gets them from the index alone: the same texts and offsets,
        without a sentence number, since no sentencizer read it."""
        articles = ((i, [unit.text for unit in units[i]]) for i in indexes)
        named_only, possible = by_reach(self.watchlist, index, articles)
        for i in named_only:
            for unit in units[i]:
                mentions[i].extend(read_hits(index.find(unit.text), unit, self.watchlist))
        return possible

    def _read(
        self,
        nlp: Language,
        indexes: list[int],
        units: list[list[Unit]],
        sentences: list[list[Sentence]],
        mentions: list[list[Mention]],
    ) -> None:
        """Run the units of the articles at ``indexes`` through ``nlp`` and add what each doc holds."""
        work = [(unit.text, (i, unit)) for i in indexes for unit in units[i]]
        # one process here: ``analyze_pending`` spreads whole batches over worker processes
        with nlp.memory_zone():
            for doc, (i, unit) in nlp.pipe(work, as_tuples=True, batch_size=self.settings.batch_size):
                found_sentences, found_mentions = read_doc(doc, unit, len(sentences[i]), self.watchlist)
                sentences[i].extend(found_sentences)
                mentions[i].extend(found_mentions)


def analyze_text(
    title: str, text: str, language: str | None = None, *, config: Config | None = None
) -> Analysis:
    """Analyse one text with the configured model and watchlist (the defaults without a config).

    One text is read by a person (``newsmon inspect``), who wants every name in it, so the model runs
    whether or not a match is possible.
    """
    settings = dataclasses.replace(config.nlp if config else NlpSettings(), ner="all")
    watchlist = load_watchlist(config.watchlist_path if config else None)
    return Analyzer(settings, watchlist).analyze([Item(title, text, language)])[0]


def analyze_pending(
    db: sqlite_utils.Database,
    config: Config,
    *,
    reanalyze_all: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> AnalyzeResult:
    """Analyse every article not yet analysed (all of them with ``reanalyze_all``), a batch at a time.

    Each batch is written in one transaction; an article that makes the NLP fail is logged, marked as
    analysed and skipped, so it never blocks the others. ``progress(done, total)`` is called after
    each batch, with the number of articles pending when the run began as ``total``.
    """
    from newsmon.pipeline.analysis_db import AnalysisStore

    started = time.perf_counter()
    watchlist = load_watchlist(config.watchlist_path)
    try:  # a missing model stops the run here instead of failing every article; pipelines load on first use
        models_by_language(config.nlp)
    except ConfigError as exc:
        raise ConfigError(f"{config.path}: {exc}") from None
    analyzer = Analyzer(config.nlp, watchlist)
    store = AnalysisStore(db, watchlist)
    result = AnalyzeResult()
    size = max(1, config.nlp.batch_size)
    pending = "1" if reanalyze_all else "analyzed_at is null"
    if config.nlp.processes > 1:
        _prepare_for_workers(db, pending, config.nlp, watchlist)
    total = db.execute(f"select count(*) from articles where {pending}").fetchone()[0] if progress else 0
    if progress and total:
        progress(0, total)
    batches = _pending_batches(db, pending, size)
    for rows, analyses in in_workers(functools.partial(_analyze_rows, analyzer), batches, config.nlp.processes):
        result.matches += store.save(rows, analyses)
        result.articles += len(rows)
        result.failed += sum(1 for a in analyses if a is None)
        if progress:
            progress(result.articles, max(total, result.articles))
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _prepare_for_workers(db: sqlite_utils.Database, pending: str, settings: NlpSettings, watchlist: Watchlist) -> None:
    """Build here what every worker process needs, so forked workers inherit it instead of each building
    their own: the pipelines of the pending articles' stored languages (the French tokenizer alone takes
    about 2 s to build), and the language identifier only if some article has no stored language."""
    for (language,) in db.execute(f"select distinct language from articles where {pending}").fetchall():
        item = _item({"title": "", "text": "", "language": language})
        if item.language is None:
            detect_language("Load the language identifier once, before the workers start.")
        else:
            get_pipeline(item.language, settings, watchlist)


def _pending_batches(db: sqlite_utils.Database, pending: str, size: int) -> Iterator[list[dict]]:
    last_id = 0
    while True:
        rows = list(
            db.query(
                f"select id, title, text, language from articles where {pending} and id > ? order by id limit ?",
                [last_id, size],
            )
        )
        if not rows:
            return
        last_id = rows[-1]["id"]
        yield rows


def _item(row: dict) -> Item:
    """An article row with the language extraction stored (``en-US`` -> ``en``); detected only when none is."""
    stored = re.split(r"[-_]", row["language"])[0].lower() if row["language"] else None
    return Item(row["title"] or "", row["text"] or "", stored or None)


def _analyze_rows(analyzer: Analyzer, rows: list[dict]) -> list[Analysis | None]:
    try:
        return list(analyzer.analyze([_item(row) for row in rows]))
    except NewsmonError:
        raise
    except Exception:
        log.warning("analysis of a batch failed; retrying its %d articles one by one", len(rows), exc_info=True)
    analyses: list[Analysis | None] = []
    for row in rows:
        try:
            analyses.extend(analyzer.analyze([_item(row)]))
        except NewsmonError:
            raise
        except Exception as exc:
            log.error("article %s: analysis failed: %s", row["id"], exc)
            analyses.append(None)
    return analyses
