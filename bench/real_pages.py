"""How often the watch fires on real pages nobody wrote for it: a false-alarm check on data we did not write.

Usage: python bench/real_pages.py [SHARED]   (default: the developers' shared folder beside the checkout)

Reads the real article pages of the shared evaluation sets (the article-extraction-benchmark's
hand-made bodies, and the main text trafilatura extracts from the htmldate evaluation's pages in many
languages). Hardly any of them is about Belarus–Libya relations, so every match is a candidate false
alarm and is printed for a reader to judge. Per set: pages, languages, pages naming a watch entity,
pages naming both groups, matches. The last line is the same as JSON.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_SHARED = ROOT.parent / "shared"
WATCH = "belarus-libya"


def extraction_benchmark(shared: Path) -> list[tuple[str, str]]:
    truth = json.loads((shared / "extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    return [(v["url"], v["articleBody"]) for v in truth.values()]


def htmldate_pages(shared: Path) -> list[tuple[str, str]]:
    import trafilatura

    folder = shared / "extraction-dev" / "htmldate-eval"
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in truth.items():
        path = folder / "html" / entry["file"]
        try:
            html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        except OSError:
            continue
        pages.append((url, trafilatura.extract(html, favor_recall=True) or ""))
    return pages


def run(name: str, pages: list[tuple[str, str]]) -> dict:
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.watchlist import load_watchlist

    started = time.process_time()
    analyses = Analyzer(NlpSettings(), load_watchlist()).analyze([Item("", text) for _, text in pages])
    figures = {"pages": len(pages), "named": 0, "both": 0, "matches": 0,
               "languages": dict(Counter(a.language for a in analyses).most_common(12))}
    for (url, _), analysis in zip(pages, analyses):
        result = next(r for r in analysis.results if r.watch == WATCH)
        figures["named"] += any(m.group for m in analysis.mentions)
        figures["both"] += not result.missing
        figures["matches"] += result.matched
        if not result.missing:
            print(f"  {name}: {'MATCH' if result.matched else 'no match'} {result.score:.3f} {url}")
    figures["cpu_seconds"] = round(time.process_time() - started, 1)
    print(f"{name}: {figures['pages']} pages, {figures['named']} name a watch entity, {figures['both']} name "
          f"both groups, {figures['matches']} matched ({figures['cpu_seconds']} CPU-s); "
          f"languages {figures['languages']}")
    return figures


def measure_sets(run, sets: dict) -> None:
    """``run(name, pages)`` on each shared set present (name -> (folder, loader)); the last line is the
    figures of all as JSON. ``sys.argv[1]`` may name the shared folder."""
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    if not (shared / "extraction-benchmark").is_dir():
        print(f"no shared evaluation sets at {shared}; nothing to measure")
        return
    out = {name: run(name, load(shared)) for name, (folder, load) in sets.items() if (shared / folder).is_dir()}
    print(json.dumps(out, ensure_ascii=False))


SETS = {
    "extraction-benchmark": ("extraction-benchmark", extraction_benchmark),
    "htmldate-eval": ("extraction-dev/htmldate-eval", htmldate_pages),
}


def main() -> None:
    measure_sets(run, SETS)


if __name__ == "__main__":
    main()
