"""How well the relevance model of each watch does on the analyst's own labels: cross-validated
precision and recall of "relevant", and the features with the largest weights."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from newsmon.pipeline.relevance import MIN_PER_CLASS, WatchModel, load_models


@dataclass
class WatchStats:
    watch: str
    counts: dict[str, int]
    precision: float | None = None
    recall: float | None = None
    folds: int = 0
    why: str = ""
    leans_on: list[tuple[str, float]] = field(default_factory=list)


def cross_validate(model: WatchModel) -> tuple[float, float, int]:
    """Precision and recall of "relevant" over stratified folds (at most 5) of the model's examples."""
    from sklearn.metrics import precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x = model.vectorizer.transform([f for f, _, _ in model.examples])
    y = [relevant for _, relevant, _ in model.examples]
    folds = min(5, min(Counter(y).values()))
    predicted = cross_val_predict(
        type(model.classifier)(**model.classifier.get_params()), x, y,
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=0),
    )  # fmt: skip
    return (
        float(precision_score(y, predicted, zero_division=0)),
        float(recall_score(y, predicted, zero_division=0)),
        folds,
    )


def watch_stats(db: sqlite_utils.Database) -> list[WatchStats]:
    models = load_models(db)
    rows = []
    for watch, counts in sorted(models.counts.items()):
        row = WatchStats(watch, dict(counts))
        model = models.models.get(watch)
        if model is None:
            row.why = f"needs at least {MIN_PER_CLASS} relevant (or important) and {MIN_PER_CLASS} irrelevant labels"
        else:
            row.precision, row.recall, row.folds = cross_validate(model)
            row.leans_on = model.top_features()
        rows.append(row)
    return rows
