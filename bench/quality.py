"""Match quality of the watchlist on the labelled evaluation set: precision and recall per language.

Usage: python bench/quality.py [CASES]   (default: tests/eval/cases.jsonl)

Each case is a short text written for the evaluation, labelled ``match`` or ``no-match`` for the
belarus-libya watch. The table gives, per language and overall, how many cases there are, precision
(stored matches that are right) and recall (right matches that were stored); then every wrong call with
its score and the reasons. The last line is the same as JSON for scripts.
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


def score_cases(cases: list[dict]) -> tuple[dict[str, dict], list[tuple[dict, object]]]:
    """Per-language counts (tp, fp, fn, n, precision, recall) and the wrong calls with their results."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.watchlist import load_watchlist

    analyses = Analyzer(NlpSettings(), load_watchlist()).analyze([Item(c["title"], c["text"]) for c in cases])
    counts: dict[str, dict] = defaultdict(lambda: {"n": 0, "tp": 0, "fp": 0, "fn": 0})
    wrong = []
    for case, analysis in zip(cases, analyses):
        result = next(r for r in analysis.results if r.watch == WATCH)
        expected = case["label"] == "match"
        for language in (case["language"], "all"):
            c = counts[language]
            c["n"] += 1
            c["tp"] += expected and result.matched
            c["fp"] += result.matched and not expected
            c["fn"] += expected and not result.matched
        if result.matched != expected:
            wrong.append((case, result))
    for c in counts.values():
        c["precision"] = round(c["tp"] / (c["tp"] + c["fp"]), 3) if c["tp"] + c["fp"] else 1.0
        c["recall"] = round(c["tp"] / (c["tp"] + c["fn"]), 3) if c["tp"] + c["fn"] else 1.0
    return dict(counts), wrong


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CASES
    cases = load_cases(path)
    started = time.perf_counter()
    counts, wrong = score_cases(cases)
    seconds = time.perf_counter() - started
    print(f"{'language':<10}{'cases':>6}{'precision':>11}{'recall':>8}")
    for language in sorted(counts, key=lambda l: (l == "all", -counts[l]["n"], l)):
        c = counts[language]
        print(f"{language:<10}{c['n']:>6}{c['precision']:>11.3f}{c['recall']:>8.3f}")
    for case, result in wrong:
        reasons = "; ".join(f"{r} {v:+.2f}" for r, v in result.parts) or f"missing {', '.join(result.missing)}"
        print(f"wrong: {case['id']} ({case['kind']}): expected {case['label']}, score {result.score:.2f}: {reasons}")
    print(f"{len(cases)} cases in {seconds:.1f}s (model load included)")
    print(json.dumps({"cases": len(cases), "seconds": round(seconds, 2), "by_language": counts,
                      "wrong": [case["id"] for case, _ in wrong]}))


if __name__ == "__main__":
    main()
