"""The relevance model's learning curve: alert precision and recall as an analyst labels K matches.

Usage: python bench/feedback.py [CASES] [--sitegen N] [--orders N] [--hold-below P] [--class-weight W]
                                [--anywhere]
       (default: tests/eval/cases.jsonl, 600 articles of bench/sitegen.py, 20 orders, newsmon's
       threshold, class weights and nearest-label check)

Three labelled sets, each reported on its own: the evaluation cases (CASES), N articles written by
``bench/sitegen.py`` (seeded; an article written as a match is relevant, its hard negatives and neutral
articles are not), and the two together. Each article is analysed once with the bundled watchlist. The
analyst sees the stored matches in a random order and labels the first K of them (K = 0, 10, 25, 50,
100; a K larger than the stored matches is left out) with the article's own label; the per-watch model
(``pipeline.relevance``) is fitted on those labels, exactly as newsmon fits it, and the alerts on every
article not labelled are compared with the truth: the rules alone (score at or above the watch's alert
threshold) against the rules with the model holding back what it judges probably irrelevant. A second
model, a logistic regression over the article's words (TF-IDF, what a text classifier such as spaCy's
bag-of-words textcat learns), stands beside it on the same labels. "brier" is the mean squared error
of the feature model's probability on the stored matches not labelled (lower is better calibrated);
the relevant articles the model held back are listed with the number of orders in which it did.
Figures are means over N random orders; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CASES = ROOT / "tests" / "eval" / "cases.jsonl"
WATCH = "belarus-libya"
KS = (0, 10, 25, 50, 100)
SITEGEN_SEED = 12
SITEGEN_MATCH_SHARE = 0.3  # enough matches for K = 100 in a few hundred articles


def sitegen_cases(count: int, seed: int = SITEGEN_SEED) -> list[dict]:
    """Articles written by ``bench/sitegen.py``, labelled by what each was written as."""
    from sitegen import generate_site

    with tempfile.TemporaryDirectory() as folder:
        site = generate_site(Path(folder), count, match_share=SITEGEN_MATCH_SHARE, hard_share=1.0, seed=seed)
    return [
        {"id": f"sitegen-{i}-{a.kind}", "label": "match" if a.is_match else "no-match", "title": a.title,
         "text": a.text}
        for i, a in enumerate(site.articles)
    ]


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

    from newsmon.pipeline.relevance import CLASS_WEIGHT

    if len({r["relevant"] for r in labelled}) < 2:
        return None
    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True), LogisticRegression(class_weight=CLASS_WEIGHT, max_iter=1000)
    )
    return model.fit([r["text"] for r in labelled], [r["relevant"] for r in labelled])


def curve(rows: list[dict], orders: int, stored_key: str, alert_key: str) -> dict[int, dict]:
    from newsmon.pipeline.relevance import HOLD_BELOW, fit_model

    stored = [i for i, r in enumerate(rows) if r[stored_key]]
    result: dict[int, dict] = {}
    for k in KS:
        if k > len(stored):
            continue
        sums = {"rules": [0.0, 0.0], "model": [0.0, 0.0], "words": [0.0, 0.0]}
        fitted, brier, lost = 0, [], Counter()
        for seed in range(orders):
            order = stored[:]
            random.Random(seed).shuffle(order)
            labelled = set(order[:k])
            rest = [r for i, r in enumerate(rows) if i not in labelled]
            examples = [(rows[i]["features"], rows[i]["relevant"], rows[i]["id"]) for i in order[:k]]
            model = fit_model(examples)
            fitted += model is not None
            if model is not None:
                brier += [(model.judge(r["features"]).p_relevant - r["relevant"]) ** 2 for r in rest if r[stored_key]]
            words = text_model([rows[i] for i in order[:k]])
            word_p = words.predict_proba([r["text"] for r in rest])[:, 1] if words else [1.0] * len(rest)
            calls = {
                "rules": [r[alert_key] for r in rest],
                "model": [r[alert_key] and not (model and model.judge(r["features"]).held_back) for r in rest],
                "words": [r[alert_key] and not p < HOLD_BELOW for r, p in zip(rest, word_p)],
            }
            lost.update(
                r["id"] for r, a, kept in zip(rest, calls["rules"], calls["model"]) if r["relevant"] and a and not kept
            )
            for name, alerted in calls.items():
                p, rec = precision_recall(rest, alerted)
                sums[name][0] += p
                sums[name][1] += rec
        result[k] = {name: [round(v / orders, 3) for v in pair] for name, pair in sums.items()} | {
            "fitted": round(fitted / orders, 2),
            "brier": round(sum(brier) / len(brier), 3) if brier else None,
            "lost": dict(lost.most_common()),  # relevant article -> in how many orders the model held it back
        }
    return result


SETTINGS = {
    "bundled": ("the bundled watch: stored at its threshold, alerted at its alert threshold", "stored", "alert"),
    "rough": ("a rough first watch: every article where the watch's groups co-occur is alerted",
              "co-occur", "co-occur"),
}


def report_set(name: str, rows: list[dict], orders: int) -> dict:
    """Print and return the learning curve of one labelled set in both settings."""
    print(f"\n=== {name}: {len(rows)} articles, {sum(r['relevant'] for r in rows)} relevant")
    report = {"articles": len(rows), "relevant": sum(r["relevant"] for r in rows)}
    for setting, (what, stored_key, alert_key) in SETTINGS.items():
        figures = curve(rows, orders, stored_key, alert_key)
        stored = sum(r[stored_key] for r in rows)
        report[setting] = {"stored": stored, "alerted": sum(r[alert_key] for r in rows), "curve": figures}
        print(f"\n{setting}: {what}; {stored} matches to label, {report[setting]['alerted']} alerted by the rules")
        print(f"{'K':>4}  {'rules P':>8} {'rules R':>8}  {'+model P':>9} {'+model R':>9}  {'+words P':>9} "
              f"{'+words R':>9}  {'fitted':>6}  {'brier':>6}")
        for k, f in figures.items():
            brier = "-" if f["brier"] is None else f"{f['brier']:.3f}"
            print(f"{k:>4}  {f['rules'][0]:>8.3f} {f['rules'][1]:>8.3f}  {f['model'][0]:>9.3f} {f['model'][1]:>9.3f}"
                  f"  {f['words'][0]:>9.3f} {f['words'][1]:>9.3f}  {f['fitted']:>6.2f}  {brier:>6}")
        for k, f in figures.items():
            if f["lost"]:
                lost = ", ".join(f"{case} in {n}" for case, n in list(f["lost"].items())[:6])
                print(f"K={k}: relevant and held back by the model (in how many of the orders): {lost}")
        for k in KS:
            if k not in figures:
                print(f"K={k}: left out, only {stored} matches to label")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--sitegen", type=int, default=600, metavar="N", help="articles of bench/sitegen.py (0: none)")
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--hold-below", type=float, help="hold back under this probability (default: newsmon's)")
    parser.add_argument("--class-weight", choices=["none", "balanced"], help="the model's class weights "
                        "(default: newsmon's)")  # fmt: skip
    parser.add_argument("--anywhere", action="store_true", help="hold back on the probability alone, even where "
                        "the most similar labelled match was marked relevant")  # fmt: skip
    args = parser.parse_args()
    import newsmon.pipeline.relevance as relevance

    relevance.NEAREST_MUST_BE_IRRELEVANT = not args.anywhere

    if args.hold_below is not None:
        relevance.HOLD_BELOW = args.hold_below
    if args.class_weight is not None:
        relevance.CLASS_WEIGHT = None if args.class_weight == "none" else args.class_weight
    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    sets = {args.cases.name: analyse(load_cases(args.cases))}
    if args.sitegen:
        sets[f"sitegen-{args.sitegen}"] = analyse(sitegen_cases(args.sitegen))
        sets["both"] = [row for rows in sets.values() for row in rows]
    analysed = time.perf_counter() - started
    where = "anywhere" if args.anywhere else "only where the most similar labelled match is irrelevant"
    print(f"{args.orders} random labelling orders; hold back under {relevance.HOLD_BELOW} {where}, "
          f"class weights {relevance.CLASS_WEIGHT or 'none'}")  # fmt: skip
    report = {name: report_set(name, rows, args.orders) for name, rows in sets.items()}
    used = resource.getrusage(resource.RUSAGE_SELF)
    seconds = time.perf_counter() - started
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"\nanalysis {analysed:.1f}s (model load included), total {seconds:.1f}s wall, {cpu_s:.1f}s CPU")
    print(json.dumps({"orders": args.orders, "hold_below": relevance.HOLD_BELOW, "anywhere": args.anywhere,
                      "class_weight": relevance.CLASS_WEIGHT, "sets": report}))  # fmt: skip


if __name__ == "__main__":
    main()
