"""The benchmark's stages that need newsmon's internals, each run by ``bench/run.py`` in its own process.

    python bench/child.py analyze CONFIG      # analyze_pending over the stored articles
    python bench/child.py nlp-limit CONFIG    # raw nlp.pipe over the same texts, nothing stored
    python bench/child.py stories CONFIG      # story grouping of every stored match, timed again
    python bench/child.py compare CONFIG      # matches with the pre-filter against the NER on every article

Each prints one JSON line. Models are loaded before the clock starts in both, so the two figures compare
the work per article, not start-up; the limit covers what analysis must run (the pre-filter's alias
lookup over every article, the whole pipeline where a match is possible), so their ratio shows what
analysis adds around spaCy.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict

from newsmon.config import Config, load_config
from newsmon.pipeline.db import connect

BATCH_SIZES = (16, 32, 64, 128)


def warm_pipelines(config: Config, languages: list[str]):
    """Build (and cache) the pipelines analysis will use, so the timed part excludes loading them."""
    from newsmon.pipeline.nlp import get_pipeline
    from newsmon.pipeline.watchlist import load_watchlist

    watchlist = load_watchlist(config.watchlist_path)
    return {lang: get_pipeline(lang, config.nlp, watchlist) for lang in languages}


def stored_texts(config: Config) -> dict[str, list[str]]:
    """Every stored article's title and text, by stored language, as analysis reads them."""
    db = connect(config.database_path, create=False)
    texts: dict[str, list[str]] = defaultdict(list)
    for row in db.query("select title, text, language from articles order by id"):
        texts[row["language"] or "en"].append(f"{row['title'] or ''}\n{row['text'] or ''}")
    return texts


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (analysis workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def analyze(config: Config) -> dict:
    from newsmon.pipeline.analyze import analyze_pending

    db = connect(config.database_path, create=False)
    languages = [r["language"] or "en" for r in db.query("select distinct language from articles")]
    warm_pipelines(config, languages)
    start, cpu = time.perf_counter(), cpu_seconds()
    result = analyze_pending(db, config)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    matched = db.execute("select count(distinct article_id) from matches").fetchone()[0]
    return {
        "articles": result.articles,
        "matches": result.matches,
        "matched_articles": matched,
        "seconds": seconds,
        "cpu_ms": round(1000 * cpu / result.articles, 1) if result.articles else 0.0,
        "reported_seconds": result.seconds,
    }


def stories(config: Config) -> dict:
    """Story grouping of every stored match again, as the alerts step runs it after a crawl."""
    from newsmon.pipeline.stories import assign_stories

    db = connect(config.database_path, create=False)
    with db.atomic():
        db.execute("update matches set story_id = null")
    start, cpu = time.perf_counter(), cpu_seconds()
    matches = assign_stories(db)
    return {
        "matches": matches,
        "seconds": round(time.perf_counter() - start, 3),
        "cpu_seconds": round(cpu_seconds() - cpu, 3),
    }


def prefiltered(config: Config, pipelines: dict, texts: dict[str, list[str]]) -> dict[str, tuple[list[str], list[str]]]:
    """Per language, the texts that name something on the watchlist but cannot match, whose mentions
    analysis takes from the alias index alone, and those it reads with the whole pipeline: with
    ``ner = "possible"``, by what the watchlist's aliases find in the raw text (``prefilter.py``: a
    watch's every group, the whole pipeline), otherwise every text with the whole pipeline."""
    from newsmon.pipeline.nlp import WATCHLIST_PIPE
    from newsmon.pipeline.prefilter import by_reach
    from newsmon.pipeline.watchlist import load_watchlist

    watchlist = load_watchlist(config.watchlist_path)
    split: dict[str, tuple[list[str], list[str]]] = {}
    for lang, group in texts.items():
        if config.nlp.ner != "possible":
            split[lang] = ([], group)
            continue
        split[lang] = by_reach(watchlist, pipelines[lang].get_pipe(WATCHLIST_PIPE).index, ((t, [t]) for t in group))
    return split


def nlp_limit(config: Config) -> dict:
    """Throughput of the alias lookup and ``nlp.pipe`` alone over the work analysis has to do, with the
    best batch size.

    That work is (where the pre-filter is on) the watchlist's alias lookup over every article's raw text
    and the full pipeline, with ``n_process`` = cores, over the articles that can match (``ner_articles``).
    Blank pipelines (languages without a model: tokenizer and watchlist component only) run in one
    process, which is faster for them than paying for worker start-up.
    """
    from newsmon.pipeline.nlp import WATCHLIST_PIPE

    texts = stored_texts(config)
    pipelines = warm_pipelines(config, list(texts))
    split = prefiltered(config, pipelines, texts)
    cores = os.cpu_count() or 1
    articles = sum(len(t) for t in texts.values())
    words = sum(len(t.split()) for group in texts.values() for t in group)

    def timed(batch_size: int, n_process: int) -> float:
        start = time.perf_counter()
        for lang, group in texts.items():
            nlp = pipelines[lang]
            _, possible = split[lang]
            if config.nlp.ner == "possible":
                index = nlp.get_pipe(WATCHLIST_PIPE).index
                for text in group:
                    index.find(text)
            workers = n_process if nlp.has_pipe("ner") else 1
            for doc in nlp.pipe(possible, batch_size=batch_size, n_process=workers):
                doc.ents  # noqa: B018  (what analysis reads)
        return time.perf_counter() - start

    tries = {batch_size: timed(batch_size, cores) for batch_size in BATCH_SIZES}
    best = min(tries, key=tries.get)
    seconds = tries[best]
    one_process = timed(best, 1)
    return {
        "articles": articles,
        "ner_articles": sum(len(possible) for lang, (_, possible) in split.items() if pipelines[lang].has_pipe("ner")),
        "named_only_articles": sum(len(named_only) for named_only, _ in split.values()),
        "words": words,
        "batch_size": best,
        "n_process": cores,
        "seconds": round(seconds, 3),
        "per_s": round(articles / seconds, 2),
        "words_per_s": round(words / seconds),
        "per_s_by_batch_size": {str(b): round(articles / s, 2) for b, s in tries.items()},
        "one_process_per_s": round(articles / one_process, 2),
        "components": {lang: nlp.pipe_names for lang, nlp in pipelines.items() if nlp.has_pipe("ner")},
    }


def compare(config: Config) -> dict:
    """Every stored article analysed with the pre-filter and with the NER on all, in one process and one
    run: are the matches, scores and evidence the same, and what does each cost?"""
    import dataclasses

    from newsmon.pipeline.analyze import Analyzer, _item
    from newsmon.pipeline.watchlist import load_watchlist

    db = connect(config.database_path, create=False)
    items = [_item(row) for row in db.query("select id, title, text, language from articles order by id")]
    watchlist = load_watchlist(config.watchlist_path)
    warm_pipelines(config, sorted({item.language or "en" for item in items}))
    runs, cpu_ms = {}, {}
    for ner in ("possible", "all"):
        analyzer, cpu = Analyzer(dataclasses.replace(config.nlp, ner=ner), watchlist), cpu_seconds()
        runs[ner] = [a for start in range(0, len(items), 32) for a in analyzer.analyze(items[start : start + 32])]
        cpu_ms[ner] = round(1000 * (cpu_seconds() - cpu) / max(1, len(items)), 1)
    differ = sum(
        a.matches_json() != b.matches_json() or [r.score for r in a.results] != [r.score for r in b.results]
        for a, b in zip(runs["possible"], runs["all"])
    )
    return {
        "articles": len(items),
        "matched_articles": sum(bool(a.matches) for a in runs["all"]),
        "differences": differ,
        "cpu_ms_by_ner": cpu_ms,  # NLP and matching per article in one process, nothing stored
    }


def main() -> None:
    stage, config_path = sys.argv[1], sys.argv[2]
    config = load_config(config_path)
    result = {"analyze": analyze, "nlp-limit": nlp_limit, "stories": stories, "compare": compare}[stage](config)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
