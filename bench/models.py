"""Speed and memory of each language's NER model, and of a process with every default model loaded.

Usage: python bench/models.py [REPEAT]   (default 40: each language's evaluation sentences, 40 times over)

Each measurement runs in a fresh process so that one model's memory never counts against another:
resident memory after newsmon's imports and after building the language's pipeline (the model plus the
bundled watchlist's ruler, as analysis builds it), then ``nlp.pipe`` over the sentences of
``tests/eval/entities.jsonl`` in that language, one sentence per doc, in batches of 32, timed by the
wall clock and by CPU-seconds (rusage). Languages without a default model are measured as analysis
runs them (blank pipeline, aliases only). ``all`` is the daemon's analysis process: the scheduler's
imports and every default model built, as after it has analysed articles in each language; ``en only``
is the same with French and Russian set to ``blank``, as before they had models. ``ru (defaults)`` is
natasha as it comes (numpy's own BLAS threads, batches of 8), for comparison in the same run. The last
line is the same as JSON.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "eval" / "entities.jsonl"
BATCH_SIZE = 32


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_language(language: str, repeat: int, natasha_defaults: bool = False) -> dict:
    """Memory of the pipeline and words/s of ``nlp.pipe`` for one language (run in its own process)."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline import natasha_ner
    from newsmon.pipeline.nlp import get_pipeline, model_for
    from newsmon.pipeline.watchlist import load_watchlist

    texts = [c["text"] for c in map(json.loads, CASES.read_text(encoding="utf-8").splitlines()) if c["language"] == language]
    texts *= repeat
    settings, watchlist = NlpSettings(), load_watchlist()
    before = rss_mb()
    started = time.perf_counter()
    nlp = get_pipeline(language, settings, watchlist)
    if natasha_defaults:
        nlp.replace_pipe("ner", natasha_ner.FACTORY, config={"batch_size": 8, "blas_threads": 0})
    load_seconds = time.perf_counter() - started
    loaded = rss_mb()
    wall, cpu = time.perf_counter(), cpu_seconds()
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        doc.ents  # noqa: B018  (what analysis reads)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    words = sum(len(t.split()) for t in texts)
    return {
        "language": language + (" (defaults)" if natasha_defaults else ""),
        "model": model_for(language, settings) or "(aliases only)", "words": words,
        "words_per_s": round(words / wall), "words_per_cpu_s": round(words / cpu), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
        "load_s": round(load_seconds, 2), "pipeline_mb": round(loaded - before), "process_mb": round(rss_mb()),
    } | ({"load_s": None, "pipeline_mb": None, "process_mb": None} if natasha_defaults else {})  # loaded twice


def all_models(only_english: bool) -> dict:
    """Resident memory of the daemon's analysis process once every default pipeline is built."""
    import newsmon.schedules.daemon  # noqa: F401  (the daemon's imports)
    from newsmon.config import DEFAULT_MODELS, NlpSettings
    from newsmon.pipeline.nlp import get_pipeline
    from newsmon.pipeline.watchlist import load_watchlist

    settings = NlpSettings(models={lang: "blank" for lang in DEFAULT_MODELS if lang != "en"} if only_english else {})
    before = rss_mb()
    for language in DEFAULT_MODELS:
        get_pipeline(language, settings, load_watchlist())
    return {"language": "en only" if only_english else "all", "model": "+".join(settings.models.values()),
            "imports_mb": round(before), "process_mb": round(rss_mb())}


def child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main(repeat: int) -> None:
    languages = sorted({json.loads(line)["language"] for line in CASES.read_text(encoding="utf-8").splitlines()})
    rows = [child("--one", language, str(repeat)) for language in languages]
    rows.append(child("--one", "ru", str(repeat), "--natasha-defaults"))
    print(f"{'language':<15}{'model':<24}{'words':>7}{'words/s':>9}{'per CPU s':>10}{'CPU s':>7}{'wall s':>7}{'load s':>7}"
          f"{'pipeline MB':>12}{'process MB':>11}")
    for r in rows:
        shown = {k: "—" if v is None else v for k, v in r.items()}
        print(f"{r['language']:<15}{r['model']:<24}{r['words']:>7}{r['words_per_s']:>9}{r['words_per_cpu_s']:>10}"
              f"{r['cpu_s']:>7}{r['wall_s']:>7}{shown['load_s']:>7}{shown['pipeline_mb']:>12}{shown['process_mb']:>11}")
    daemon = [child("--all"), child("--en-only")]
    for d in daemon:
        print(f"daemon, {d['language']} ({d['model']}): {d['process_mb']} MB resident "
              f"({d['imports_mb']} MB after imports)")
    print(json.dumps({"languages": rows, "daemon": daemon}, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one_language(sys.argv[2], int(sys.argv[3]), "--natasha-defaults" in sys.argv)))
    elif sys.argv[1:2] in (["--all"], ["--en-only"]):
        print(json.dumps(all_models(sys.argv[1] == "--en-only")))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
