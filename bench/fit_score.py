"""Fit the score's logistic model on the labelled evaluation set and print the weights to ship.

Usage: python bench/fit_score.py [CASES]   (default: tests/eval/cases.jsonl; needs SciPy, which the
``test`` extra installs)
       python bench/fit_score.py --unconstrained [CASES]   (the same features fitted with signs only and
       L2 0.3, no ceiling and no bare-tie limit: what calibration the constraints cost)

The rows are the evaluation cases and the demo site's thirteen stories (long articles with an answer
key, ``expect``), so article-level ties with generic context, which short cases rarely have, are in the
fit. Every text in which the watch finds all its groups gives one row of features (the proximity as "at
least paragraph" and "sentence", so that closer never scores lower; the title share; context terms,
further entities and further tying sentences on the log scale ``matching.scaled`` gives them; off-topic
cues one by one) and its label.

The model is an L2-regularised logistic regression with what the features mean written in as
constraints, because a few hundred hand-written cases, nearly all separable, cannot get them right on
their own:

- signs: closeness, title, context, entities and support never lower the score; off-topic cues never
  raise it (unconstrained, same-paragraph weighs less than same-article);
- a ceiling: no article scores above (k + 1) / (k + 2), k the true stories in the fit (Laplace's rule of
  succession: after k true stories and no false one among the strongest, that is the chance the next is
  true). Without it a long article's many terms add log-odds of 15 and more, every strong story
  scores 1.00 and "best first" orders nothing;
- a bare tie stays below the alert threshold: a sentence naming both groups and nothing else scores at
  most ``BARE_MAX`` (stored, not alerted), as the evaluation's co-mentions demand.

The L2 strength is the smallest of ``L2_GRID`` at which every case and demo story is called right at
0.5 (with the watchlist's weak-tie rule); weaker penalties give the title or the sentence tie
implausible weight and lose the paragraph ties. The output is the ``[watches.weights]`` table, then
calibration, in-sample (an upper bound) and held out by repeated 5-fold cross-validation: accuracy at
0.5, Brier score, log loss, how often a true story outranks a near-miss, and a reliability table (mean
score against the share of true stories, by score bin), then the demo stories' scores.
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
L2_GRID = (0.3, 0.5, 1.0, 1.5, 2.0, 3.0)  # penalty on the squared weights (not the bias)
BARE_MAX = 0.65  # the most a sentence naming both groups and nothing else may score (below alert at 0.7)
FOLDS = 5
REPEATS = 3
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0)


def demo_cases() -> list[dict]:
    """The demo site's stories as labelled cases: title, body without markup, language, label."""
    from datetime import datetime, timezone

    from newsmon.demo.site import load_stories

    return [
        {"title": s.title, "text": s.body.replace("## ", ""), "language": s.language,
         "label": "match" if s.expect == "match" else "no-match"}
        for s in load_stories(datetime.now(timezone.utc))
    ]


def rows(cases: list[dict]) -> tuple[list[list[float]], list[int], list[str], list[bool], list[float], list[int]]:
    """Features, labels, languages, whether each row is a weak tie (never stored), the row of the
    strongest article the caps allow, and which cases gave the rows."""
    from newsmon.config import NlpSettings
    from newsmon.pipeline.analyze import Analyzer, Item
    from newsmon.pipeline.matching import scaled
    from newsmon.pipeline.watchlist import load_watchlist

    watchlist = load_watchlist()
    weights = watchlist.watch(WATCH).weights
    caps = {name: getattr(weights, f"{name}_max") for name in COUNTED}
    analyses = Analyzer(NlpSettings(), watchlist).analyze([Item(c["title"], c["text"]) for c in cases])
    x, y, languages, weak, kept = [], [], [], [], []
    for i, (case, analysis) in enumerate(zip(cases, analyses)):
        result = next(r for r in analysis.results if r.watch == WATCH)
        if not result.features:
            continue
        kept.append(i)
        f = result.features
        x.append([f.get("sentence", 0.0) + f.get("paragraph", 0.0), f.get("sentence", 0.0), f["title"]]
                 + [scaled(name, f[name], caps[name]) for name in COUNTED])
        y.append(int(case["label"] == "match"))
        languages.append(case["language"])
        weak.append(result.proximity != "sentence" and not f["context"])
    top = [1.0, 1.0, 1.0] + [scaled(name, caps[name], caps[name]) for name in COUNTED[:-1]] + [0.0]
    return x, y, languages, weak, top, kept


def outranked(scores: list[float], y: list[int], languages: list[str]) -> float:
    """The share of (true story, near-miss) pairs in the same language where the true story scores higher."""
    pairs = wins = 0
    for i, yi in enumerate(y):
        for j, yj in enumerate(y):
            if yi == 1 and yj == 0 and languages[i] == languages[j]:
                pairs += 1
                wins += (scores[i] > scores[j]) + 0.5 * (scores[i] == scores[j])
    return wins / pairs if pairs else 1.0


UNCONSTRAINED_L2 = 0.3


def fit(x: list[list[float]], y: list[int], top: list[float], l2: float, constrained: bool = True):
    """The bias and weights (bias first) of the constrained, L2-regularised logistic regression."""
    import math

    import numpy as np
    from scipy.optimize import minimize

    features, labels = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    design = np.hstack([np.ones((len(features), 1)), features])
    k = float(labels.sum())
    ceiling = np.r_[1.0, top]  # the strongest article: its log-odds stay at the rule of succession
    bare = np.r_[1.0, 1.0, 1.0, [0.0] * (len(top) - 2)]  # bias + close + sentence

    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    def loss(w):
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        penalty = 0.5 * l2 * float(w[1:] @ w[1:])
        gradient = design.T @ (p - labels) + l2 * np.r_[0.0, w[1:]]
        return float(np.sum(np.logaddexp(0, z) - labels * z)) + penalty, gradient

    constraints = [
        {"type": "ineq", "fun": lambda w: logit((k + 1) / (k + 2)) - ceiling @ w, "jac": lambda w: -ceiling},
        {"type": "ineq", "fun": lambda w: logit(BARE_MAX) - bare @ w, "jac": lambda w: -bare},
    ]
    return minimize(loss, np.zeros(design.shape[1]), jac=True, bounds=BOUNDS,
                    constraints=constraints if constrained else [], method="SLSQP", options={"maxiter": 1000}).x


def predict(w, x: list[list[float]]) -> list[float]:
    import numpy as np

    return list(1 / (1 + np.exp(-(w[0] + np.asarray(x, dtype=float) @ w[1:]))))


def held_out(x, y, top, l2: float, constrained: bool = True) -> list[list[float]]:
    """Each row's score from fits that did not see it: ``REPEATS`` shuffles of ``FOLDS``-fold splits."""
    import random

    repeats = []
    for seed in range(REPEATS):
        order = list(range(len(y)))
        random.Random(seed).shuffle(order)
        scores = [0.0] * len(y)
        for fold in range(FOLDS):
            test = set(order[fold::FOLDS])
            train = [i for i in range(len(y)) if i not in test]
            w = fit([x[i] for i in train], [y[i] for i in train], top, l2, constrained)
            for i, p in zip(sorted(test), predict(w, [x[i] for i in sorted(test)])):
                scores[i] = p
        repeats.append(scores)
    return repeats


def calls_right(scores: list[float], y: list[int], weak: list[bool]) -> bool:
    return all((s >= 0.5 and not w) == bool(t) for s, t, w in zip(scores, y, weak))


def calibration(scores: list[float], y: list[int], languages: list[str]) -> str:
    import math

    n = len(y)
    accuracy = sum((s >= 0.5) == bool(t) for s, t in zip(scores, y)) / n
    brier = sum((s - t) ** 2 for s, t in zip(scores, y)) / n
    clipped = [min(max(s, 1e-6), 1 - 1e-6) for s in scores]
    log_loss = -sum(t * math.log(s) + (1 - t) * math.log(1 - s) for s, t in zip(clipped, y)) / n
    return (f"accuracy at 0.5 {accuracy:.3f}, Brier {brier:.4f}, log loss {log_loss:.3f}, true story "
            f"outranks a near-miss in {outranked(scores, y, languages):.3f} of same-language pairs")


def reliability(scores: list[float], y: list[int]) -> list[str]:
    lines = [f"  {'score bin':<12}{'rows':>6}{'mean score':>12}{'true share':>12}"]
    for low, high in zip(BINS, BINS[1:]):
        inside = [(s, t) for s, t in zip(scores, y) if low <= s < high or (high == 1.0 and s == 1.0)]
        if inside:
            mean = sum(s for s, _ in inside) / len(inside)
            share = sum(t for _, t in inside) / len(inside)
            lines.append(f"  {f'{low:.2f}-{high:.2f}':<12}{len(inside):>6}{mean:>12.3f}{share:>12.3f}")
    return lines


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--unconstrained"]
    constrained = "--unconstrained" not in sys.argv
    path = Path(args[0]) if args else DEFAULT_CASES
    cases = load_cases(path)
    demo = demo_cases()
    x, y, languages, weak, top, kept = rows(cases + demo)
    for l2 in L2_GRID if constrained else (UNCONSTRAINED_L2,):
        w = fit(x, y, top, l2, constrained)
        if calls_right(predict(w, x), y, weak):
            break
    else:
        if constrained:
            print(f"no L2 in {L2_GRID} calls every row right; showing the last")
    coef = dict(zip(COLUMNS, w[1:]))
    print("[watches.weights]")
    print(f"bias = {w[0]:.2f}")
    print(f"sentence = {coef['close'] + coef['sentence']:.2f}")
    print(f"paragraph = {coef['close']:.2f}")
    print("article = 0.0")
    for name in ("title", *COUNTED):
        print(f"{name} = {coef[name]:.2f}")
    if constrained:
        print(f"(L2 {l2}, ceiling {(sum(y) + 1) / (sum(y) + 2):.3f} after {sum(y)} true stories, "
              f"bare tie at most {BARE_MAX})")
    else:
        print(f"(unconstrained but for the signs: L2 {l2})")
    in_sample = predict(w, x)
    repeats = held_out(x, y, top, l2, constrained)
    pooled = [s for r in repeats for s in r]
    print(f"in-sample: {len(y)} rows with all groups found, {calibration(in_sample, y, languages)}")
    print(f"{FOLDS}-fold held-out x{REPEATS}: " + calibration(pooled, y * REPEATS, languages * REPEATS))
    print("reliability, held out:")
    print("\n".join(reliability(pooled, y * REPEATS)))
    print("demo stories in which the watch finds both groups (in-sample score, label):")
    scored = [(in_sample[row], demo[i - len(cases)]) for row, i in enumerate(kept) if i >= len(cases)]
    for score, story in sorted(scored, key=lambda pair: -pair[0]):
        print(f"  {score:.3f}  {story['label']:<8}  {story['title']}")


if __name__ == "__main__":
    main()
