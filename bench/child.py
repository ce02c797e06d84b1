"""The benchmark's stages that need newsmon's internals, each run by ``bench/run.py`` in its own process.

    python bench/child.py analyze CONFIG      # analyze_pending over the stored articles
    python bench/child.py nlp-limit CONFIG    # raw nlp.pipe over the same texts, nothing stored

Each prints one JSON line. Models are loaded before the clock starts in both, so the two figures compare
the work per article, not start-up.
"""

from __future__ import annotations

import json
import os
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


def analyze(config: Config) -> dict:
    from newsmon.pipeline.analyze import analyze_pending

    db = connect(config.database_path, create=False)
    languages = [r["language"] or "en" for r in db.query("select distinct language from articles")]
    warm_pipelines(config, languages)
    start = time.perf_counter()
    result = analyze_pending(db, config)
    seconds = time.perf_counter() - start
    matched = db.execute("select count(distinct article_id) from matches").fetchone()[0]
    return {
        "articles": result.articles,
        "matches": result.matches,
        "matched_articles": matched,
        "seconds": seconds,
        "reported_seconds": result.seconds,
    }


def nlp_limit(config: Config) -> dict:
    """Throughput of ``nlp.pipe`` alone: best batch size, ``n_process`` = cores for languages with a model.

    Blank pipelines (languages without a model: tokenizer and watchlist ruler only) run in one process,
    which is faster for them than paying for worker start-up.
    """
    from newsmon.pipeline.nlp import model_for

    texts = stored_texts(config)
    pipelines = warm_pipelines(config, list(texts))
    with_model = [lang for lang in texts if model_for(lang, config.nlp)]
    cores = os.cpu_count() or 1
    articles = sum(len(t) for t in texts.values())
    words = sum(len(t.split()) for group in texts.values() for t in group)

    def timed(batch_size: int, n_process: int) -> float:
        start = time.perf_counter()
        for lang, group in texts.items():
            workers = n_process if lang in with_model else 1
            for doc in pipelines[lang].pipe(group, batch_size=batch_size, n_process=workers):
                doc.ents  # noqa: B018  (what analysis reads)
        return time.perf_counter() - start

    tries = {batch_size: timed(batch_size, cores) for batch_size in BATCH_SIZES}
    best = min(tries, key=tries.get)
    seconds = tries[best]
    one_process = timed(best, 1)
    return {
        "articles": articles,
        "words": words,
        "batch_size": best,
        "n_process": cores,
        "seconds": round(seconds, 3),
        "per_s": round(articles / seconds, 2),
        "words_per_s": round(words / seconds),
        "per_s_by_batch_size": {str(b): round(articles / s, 2) for b, s in tries.items()},
        "one_process_per_s": round(articles / one_process, 2),
        "components": {lang: pipelines[lang].pipe_names for lang in with_model},
    }


def main() -> None:
    stage, config_path = sys.argv[1], sys.argv[2]
    config = load_config(config_path)
    result = {"analyze": analyze, "nlp-limit": nlp_limit}[stage](config)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
