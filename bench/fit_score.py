"""Fit the score's logistic model on the labelled evaluation set and print the weights to ship.

Usage: python bench/fit_score.py [CASES]   (default: tests/eval/cases.jsonl; needs SciPy, which the
``test`` extra installs)

The rows are the evaluation cases and the demo site's thirteen stories (long articles with an answer
key, ``expect``), so article-level ties with generic context, which short cases rarely have, are in the
fit. Every text in which the watch finds all its groups gives one row of features (the proximity as "at
least paragraph" and "sentence", so that closer never scores lower; the title share; the counted features
capped as the watchlist caps them) and its label. An L2-regularised logistic regression, fitted with the
signs the features' meanings demand (closeness, title, context, entities and support never lower the
score; off-topic cues never raise it), turns them into log-odds per feature. A few hundred hand-written
cases cannot be trusted to get a sign right on their own: unconstrained, they give same-paragraph a
lower weight than same-article. The output is the ``[watches.weights]`` table for the watchlist, then
the fit's accuracy and how often a true story outranks a near-miss, in-sample (an upper bound) and held
out by 5-fold cross-validation.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import DEFAULT_CASES, WATCH, load_cases  # noqa: E402

COUNTED = ("context", "entities", "support", "negative")
COLUMNS = ("close", "sentence", "title", *COUNTED)
BOUNDS = [(None, None)] + [(0, None)] * 6 + [(None, 0)]  # bias, then COLUMNS in order
L2 = 0.3  # penalty on the squared weights (not the bias); 0.1 zeroes the title's weight, 1.0 misses bare ties
FOLDS = 5


def demo_cases() -> list[dict]:
    """The demo site's stories as labelled cases: title, body without markup, language, label."""
    from datetime import datetime, timezone

    from newsmon.demo.site import load_stories

    return [
        {"title": s.title, "text": s.body.replace("## ", ""), "language": s.language,
         "label": "match" if s.expect == "match" else "no-match"}
        for s in load_stories(datetime.now(timezone.utc))
    ]


def rows(cases: list[dict]) -> tuple[list[list[float]], list[int], list[str]]:
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.watchlist import load_watchlist

    watchlist = load_watchlist()
    weights = watchlist.watch(WATCH).weights
    analyses = Analyzer(NlpSettings(), watchlist).analyze([Item(c["title"], c["text"]) for c in cases])
    x, y, languages = [], [], []
    for case, analysis in zip(cases, analyses):
        result = next(r for r in analysis.results if r.watch == WATCH)
        if not result.features:
            continue
        f = result.features
        caps = {name: getattr(weights, f"{name}_max") for name in COUNTED}
        x.append([f.get("sentence", 0.0) + f.get("paragraph", 0.0), f.get("sentence", 0.0), f["title"]]
                 + [min(f[name], caps[name]) for name in COUNTED])
        y.append(int(case["label"] == "match"))
        languages.append(case["language"])
    return x, y, languages


def outranked(scores: list[float], y: list[int], languages: list[str]) -> float:
    """The share of (true story, near-miss) pairs in the same language where the true story scores higher."""
    pairs = wins = 0
    for i, yi in enumerate(y):
        for j, yj in enumerate(y):
            if yi == 1 and yj == 0 and languages[i] == languages[j]:
                pairs += 1
                wins += (scores[i] > scores[j]) + 0.5 * (scores[i] == scores[j])
    return wins / pairs if pairs else 1.0


def fit(x: list[list[float]], y: list[int]):
    """The bias and weights (bias first) of the sign-constrained, L2-regularised logistic regression."""
    import numpy as np
    from scipy.optimize import minimize

    features, labels = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    design = np.hstack([np.ones((len(features), 1)), features])

    def loss(w):
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        penalty = 0.5 * L2 * float(w[1:] @ w[1:])
        gradient = design.T @ (p - labels) + L2 * np.r_[0.0, w[1:]]
        return float(np.sum(np.logaddexp(0, z) - labels * z)) + penalty, gradient

    return minimize(loss, np.zeros(design.shape[1]), jac=True, bounds=BOUNDS, method="L-BFGS-B").x


def predict(w, x: list[list[float]]) -> list[float]:
    import numpy as np

    return list(1 / (1 + np.exp(-(w[0] + np.asarray(x, dtype=float) @ w[1:]))))


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CASES
    x, y, languages = rows(load_cases(path) + demo_cases())
    w = fit(x, y)
    coef = dict(zip(COLUMNS, w[1:]))
    print("[watches.weights]")
    print(f"bias = {w[0]:.2f}")
    print(f"sentence = {coef['close'] + coef['sentence']:.2f}")
    print(f"paragraph = {coef['close']:.2f}")
    print("article = 0.0")
    for name in ("title", *COUNTED):
        print(f"{name} = {coef[name]:.2f}")
    held_out = [0.0] * len(y)
    for fold in range(FOLDS):
        train = [i for i in range(len(y)) if i % FOLDS != fold]
        test = [i for i in range(len(y)) if i % FOLDS == fold]
        wf = fit([x[i] for i in train], [y[i] for i in train])
        for i, p in zip(test, predict(wf, [x[i] for i in test])):
            held_out[i] = p
    for name, scores in (("in-sample", predict(w, x)), (f"{FOLDS}-fold held-out", held_out)):
        accuracy = sum((s >= 0.5) == bool(t) for s, t in zip(scores, y)) / len(y)
        print(f"{name}: {len(y)} rows with all groups found, accuracy at 0.5 {accuracy:.3f}, "
              f"true story outranks a near-miss in {outranked(scores, y, languages):.3f} of same-language pairs")


if __name__ == "__main__":
    main()
