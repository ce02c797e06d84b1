"""The relevance model's learning curve: alert precision and recall as an analyst labels K matches.

Usage: python bench/feedback.py [CASES] [--orders N] [--hold-below P]
       (default: tests/eval/cases.jsonl, 20 orders, newsmon's threshold)

Each labelled case is analysed once with the bundled watchlist. The analyst sees the stored matches in
a random order and labels the first K of them (K = 0, 10, 25, 50, 100; a K larger than the stored
matches is left out) with the case's own label; the per-watch model (``pipeline.relevance``) is fitted
on those labels, exactly as newsmon fits it, and the alerts on every case not labelled are compared
with the truth: the rules alone (score at or above the watch's alert threshold) against the rules with
the model holding back what it judges probably irrelevant. A second model, a logistic regression over
the article's words (TF-IDF, what a text classifier such as spaCy's bag-of-words textcat learns),
stands beside it on the same labels. Figures are means over N random orders; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CASES = ROOT / "tests" / "eval" / "cases.jsonl"
WATCH = "belarus-libya"
KS = (0, 10, 25, 50, 100)


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def analyse(cases: list[dict]) -> list[dict]:
    """Per case: the truth, whether the rules store and alert it, and its features for the model."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.relevance import analysis_features
    from newsmon.pipeline.watchlist import load_watchlist

    watchlist = load_watchlist()
    watch = watchlist.watch(WATCH)
    analyses = Analyzer(NlpSettings(), watchlist).analyze([Item(c["title"], c["text"]) for c in cases])
    rows = []
    for case, analysis in zip(cases, analyses):
        result = next(r for r in analysis.results if r.watch == WATCH)
        rows.append(
            {
                "id": case["id"],
                "relevant": case["label"] == "match",
                "stored": result.matched,
                "alert": result.matched and result.score >= watch.alert_threshold,
                "co-occur": not result.missing,
                "text": f"{case['title']}\n{case['text']}",
                "features": analysis_features(analysis, result),
            }
        )
    return rows


def precision_recall(rows: list[dict], alerted: list[bool]) -> tuple[float, float]:
    tp = sum(r["relevant"] and a for r, a in zip(rows, alerted))
    fp = sum(a and not r["relevant"] for r, a in zip(rows, alerted))
    fn = sum(r["relevant"] and not a for r, a in zip(rows, alerted))
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def text_model(labelled: list[dict]):
    """A logistic regression over the words of the labelled articles, or None with one class only."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if len({r["relevant"] for r in labelled}) < 2:
        return None
    model = make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(class_weight="balanced", max_iter=1000))
    return model.fit([r["text"] for r in labelled], [r["relevant"] for r in labelled])


def curve(rows: list[dict], orders: int, stored_key: str, alert_key: str) -> dict[int, dict]:
    from newsmon.pipeline.relevance import HOLD_BELOW, fit_model

    stored = [i for i, r in enumerate(rows) if r[stored_key]]
    result: dict[int, dict] = {}
    for k in KS:
        if k > len(stored):
            continue
        sums = {"rules": [0.0, 0.0], "model": [0.0, 0.0], "words": [0.0, 0.0]}
        fitted = 0
        for seed in range(orders):
            order = stored[:]
            random.Random(seed).shuffle(order)
            labelled = set(order[:k])
            rest = [r for i, r in enumerate(rows) if i not in labelled]
            examples = [(rows[i]["features"], rows[i]["relevant"], rows[i]["id"]) for i in order[:k]]
            model = fit_model(examples)
            fitted += model is not None
            words = text_model([rows[i] for i in order[:k]])
            calls = {
                "rules": [r[alert_key] for r in rest],
                "model": [r[alert_key] and not (model and model.judge(r["features"]).held_back) for r in rest],
                "words": [
                    r[alert_key] and not (words and words.predict_proba([r["text"]])[0][1] < HOLD_BELOW) for r in rest
                ],
            }
            for name, alerted in calls.items():
                p, rec = precision_recall(rest, alerted)
                sums[name][0] += p
                sums[name][1] += rec
        result[k] = {name: [round(v / orders, 3) for v in pair] for name, pair in sums.items()} | {
            "fitted": round(fitted / orders, 2)
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--hold-below", type=float, help="hold back under this probability (default: newsmon's)")
    args = parser.parse_args()
    if args.hold_below is not None:
        import newsmon.pipeline.relevance as relevance

        relevance.HOLD_BELOW = args.hold_below
    cases = load_cases(args.cases)
    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    rows = analyse(cases)
    analysed = time.perf_counter() - started
    settings = {
        "bundled": ("the bundled watch: stored at its threshold, alerted at its alert threshold", "stored", "alert"),
        "rough": ("a rough first watch: every article where the watch's groups co-occur is alerted",
                  "co-occur", "co-occur"),
    }
    report = {}
    print(f"{len(rows)} cases, {sum(r['relevant'] for r in rows)} relevant; {args.orders} random labelling orders")
    for name, (what, stored_key, alert_key) in settings.items():
        figures = curve(rows, args.orders, stored_key, alert_key)
        stored = sum(r[stored_key] for r in rows)
        report[name] = {"stored": stored, "alerted": sum(r[alert_key] for r in rows), "curve": figures}
        print(f"\n{name}: {what}; {stored} matches to label, {report[name]['alerted']} alerted by the rules")
        print(f"{'K':>4}  {'rules P':>8} {'rules R':>8}  {'+model P':>9} {'+model R':>9}  {'+words P':>9} "
              f"{'+words R':>9}  {'fitted':>6}")
        for k, f in figures.items():
            print(f"{k:>4}  {f['rules'][0]:>8.3f} {f['rules'][1]:>8.3f}  {f['model'][0]:>9.3f} {f['model'][1]:>9.3f}"
                  f"  {f['words'][0]:>9.3f} {f['words'][1]:>9.3f}  {f['fitted']:>6.2f}")
        for k in KS:
            if k not in figures:
                print(f"K={k}: left out, only {stored} matches to label")
    used = resource.getrusage(resource.RUSAGE_SELF)
    seconds = time.perf_counter() - started
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"\nanalysis {analysed:.1f}s (model load included), total {seconds:.1f}s wall, {cpu_s:.1f}s CPU")
    print(json.dumps({"cases": len(rows), "orders": args.orders, "settings": report}))


if __name__ == "__main__":
    main()
