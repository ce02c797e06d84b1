"""Match quality of the watchlist on the labelled evaluation set: precision and recall per language.

Usage: python bench/quality.py [CASES]   (default: tests/eval/cases.jsonl)

Each case is a short text written for the evaluation, labelled ``match`` or ``no-match`` for the
belarus-libya watch, with the ``class`` of mechanism it exercises (``baseline`` when it has none). The
tables give, per language and per class and overall, how many cases there are, precision (stored matches
that are right) and recall (right matches that were stored); then the ranking figure: of all pairs of a
true story and a near-miss in the same language in which the watch found both groups, the share where
the true story scores higher (ties count half), and how many pairs a near-miss wins outright; then every
wrong call with its score and the reasons. The last line is the same as JSON for scripts.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CASES = ROOT / "tests" / "eval" / "cases.jsonl"
WATCH = "belarus-libya"


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_cases(cases: list[dict]) -> tuple[dict[str, dict], list[tuple[dict, object]], list]:
    """Counts (tp, fp, fn, n, precision, recall) per language, per class and overall, the wrong calls
    with their results, and every case's result."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.watchlist import load_watchlist

    analyses = Analyzer(NlpSettings(), load_watchlist()).analyze([Item(c["title"], c["text"]) for c in cases])
    counts: dict[str, dict] = defaultdict(lambda: {"n": 0, "tp": 0, "fp": 0, "fn": 0})
    wrong, results = [], []
    for case, analysis in zip(cases, analyses):
        result = next(r for r in analysis.results if r.watch == WATCH)
        results.append(result)
        expected = case["label"] == "match"
        for key in (case["language"], "class:" + case.get("class", "baseline"), "all"):
            c = counts[key]
            c["n"] += 1
            c["tp"] += expected and result.matched
            c["fp"] += result.matched and not expected
            c["fn"] += expected and not result.matched
        if result.matched != expected:
            wrong.append((case, result))
    for c in counts.values():
        c["precision"] = round(c["tp"] / (c["tp"] + c["fp"]), 3) if c["tp"] + c["fp"] else 1.0
        c["recall"] = round(c["tp"] / (c["tp"] + c["fn"]), 3) if c["tp"] + c["fn"] else 1.0
    return dict(counts), wrong, results


def ranking(cases: list[dict], results: list) -> dict:
    """How often a true story outranks a near-miss (a negative with every group found) of its language."""
    pairs = wins = lost = 0.0
    for case, result in zip(cases, results):
        if case["label"] != "match":
            continue
        for other, other_result in zip(cases, results):
            if other["label"] == "match" or other["language"] != case["language"] or other_result.missing:
                continue
            pairs += 1
            wins += 1 if result.score > other_result.score else 0.5 if result.score == other_result.score else 0
            lost += result.score < other_result.score
    return {"pairs": int(pairs), "outranks": round(wins / pairs, 3) if pairs else 1.0, "near_miss_wins": int(lost)}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CASES
    cases = load_cases(path)
    started = time.perf_counter()
    counts, wrong, results = score_cases(cases)
    seconds = time.perf_counter() - started
    for title, keys in (
        ("language", [k for k in counts if k != "all" and not k.startswith("class:")]),
        ("class", [k for k in counts if k.startswith("class:")]),
    ):
        print(f"{title:<14}{'cases':>6}{'precision':>11}{'recall':>8}")
        for key in sorted(keys, key=lambda k: (-counts[k]["n"], k)) + ["all"]:
            c = counts[key]
            print(f"{key.removeprefix('class:'):<14}{c['n']:>6}{c['precision']:>11.3f}{c['recall']:>8.3f}")
        print()
    rank = ranking(cases, results)
    print(f"ranking: a true story outranks a same-language near-miss in {rank['outranks']:.3f} of "
          f"{rank['pairs']} pairs; a near-miss scores higher in {rank['near_miss_wins']}")
    for case, result in wrong:
        reasons = "; ".join(f"{r} {v:+.2f}" for r, v in result.parts) or f"missing {', '.join(result.missing)}"
        print(f"wrong: {case['id']} ({case['kind']}): expected {case['label']}, score {result.score:.2f}: {reasons}")
    print(f"{len(cases)} cases in {seconds:.1f}s (model load included)")
    print(json.dumps({"cases": len(cases), "seconds": round(seconds, 2), "counts": counts, "ranking": rank,
                      "wrong": [case["id"] for case, _ in wrong]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
