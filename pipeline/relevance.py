"""A relevance model per watch, learnt from the analyst's labels: what the rules score, the analyst judges.

Each match becomes a dict of named features: the rules' score parts as stored with the match (whatever
parts the matcher produces, read generically, so a recalibrated matcher needs no change here), the
names those parts list (context terms, off-topic cues), the watch entities and the other people and
organisations in the article, its language and its source. A logistic regression (scikit-learn) per
watch is fitted on the labelled matches of that watch once both labels have been given at least
``MIN_PER_CLASS`` times; until then, and for a watch without labels, nothing changes.

The model never drops a match: one it judges probably irrelevant is held back from alerts and shown
in the digest's "held back" section with the reason, and its story is ranked lower. Models are fitted
once per process per set of labels (``labels_version``) and refitted when a label is added.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from newsmon.pipeline.feedback import current_labels, labels_version, muted_stories
from newsmon.pipeline.render import clean

MIN_PER_CLASS = 2
# Held back from alerts under this probability of relevance. Lower than an even 0.5 because a missed
# alert costs the analyst more than a wrong one: see docs/feedback.md for the curve that chose it.
HOLD_BELOW = 0.35
# Balanced class weights: an analyst labels mostly what was alerted, so irrelevant labels are few, and
# without reweighting most wrong matches keep a probability above the threshold (on the evaluation
# cases at 25 labels, precision 0.915 instead of 0.954 at the same recall). ``python bench/feedback.py
# --class-weight none`` measures the other choice (docs/feedback.md).
CLASS_WEIGHT: str | None = "balanced"
# Hold back only a match whose most similar labelled match (cosine over the features) was marked not
# relevant, so that "like the stories you marked not relevant" is literally true and the model never
# holds back on extrapolation alone (a kind of relevant story it has no label like); the benchmark's
# ``--anywhere`` turns this off to measure what it costs and saves.
NEAREST_MUST_BE_IRRELEVANT = True
MAX_NAMES = 20
_DIGITS = re.compile(r"\d+")
_cache: dict[tuple[str, int], "Models"] = {}
_lock = threading.Lock()


def features(
    parts: dict[str, float],
    *,
    language: str | None = None,
    source: str | None = None,
    watch_entities: Iterable[str] = (),
    other_names: Iterable[str] = (),
) -> dict[str, float]:
    """A match's named features. A part "context: Tripoli, Benghazi" gives ``part:context`` (its value)
    plus ``context=Tripoli`` and ``context=Benghazi``; numbers in a part's name are folded into ``#``."""
    found: dict[str, float] = {}
    for label, value in parts.items():
        name, _, listed = str(label).partition(":")
        found[f"part:{_DIGITS.sub('#', name.strip())}"] = float(value)
        for item in listed.split(","):
            if item.strip():
                found[f"{name.strip()}={item.strip()}"] = 1.0
    if language:
        found[f"language={language.split('-')[0].lower()}"] = 1.0
    if source:
        found[f"source={source}"] = 1.0
    for name in watch_entities:
        found[f"entity={name}"] = 1.0
    for name in list(dict.fromkeys(other_names))[:MAX_NAMES]:
        found[f"name={name}"] = 1.0
    return found


def analysis_features(analysis, result) -> dict[str, float]:
    """The features of one watch's result in an ``Analysis`` (``newsmon inspect``, the benchmark)."""
    return features(
        dict(result.parts),
        language=analysis.language,
        watch_entities=[name for names in result.found.values() for name in names],
        other_names=[m.text for m in analysis.mentions if m.canonical is None and m.label in ("PERSON", "ORG")],
    )


def shown(feature: str) -> str:
    """How a feature reads in a reason: the name it lists, or the part's name ("language en")."""
    kind, _, value = feature.partition("=")
    if not value:
        return feature.removeprefix("part:")
    return f"{kind} {value}" if kind in ("language", "source") else value


@dataclass
class Judgement:
    """The model's part of a match's score."""

    p_relevant: float
    held_back: bool
    reason: str | None
    labels: int
    leans_on: list[tuple[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "p_relevant": round(self.p_relevant, 3),
            "held_back": self.held_back,
            "reason": self.reason,
            "labels": self.labels,
            "leans_on": [{"feature": f, "weight": round(w, 3)} for f, w in self.leans_on],
        }


class WatchModel:
    """A fitted logistic regression for one watch, with the labelled examples it learnt from."""

    def __init__(self, examples: list[tuple[dict[str, float], bool, str]]) -> None:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        self.examples = examples
        self.vectorizer = DictVectorizer()
        x = self.vectorizer.fit_transform([f for f, _, _ in examples])
        self.classifier = LogisticRegression(C=1.0, class_weight=CLASS_WEIGHT, max_iter=1000)
        self.classifier.fit(x, [relevant for _, relevant, _ in examples])
        self.weights = dict(zip(self.vectorizer.get_feature_names_out(), self.classifier.coef_[0]))
        self.matrix = x
        self.relevant = [relevant for _, relevant, _ in examples]

    def judge(self, found: dict[str, float]) -> Judgement:
        vector = self.vectorizer.transform([found])
        p = float(self.classifier.predict_proba(vector)[0][1])
        pushes = sorted(
            ((name, self.weights[name] * value) for name, value in found.items() if name in self.weights),
            key=lambda item: item[1],
        )
        held = p < HOLD_BELOW and (not NEAREST_MUST_BE_IRRELEVANT or self._nearest_is_irrelevant(vector))
        leans_on = pushes[:3] if held else pushes[::-1][:3]
        return Judgement(p, held, self._reason(pushes) if held else None, len(self.examples), leans_on)

    def _nearest_is_irrelevant(self, vector) -> bool:
        """Whether the labelled match most like this one was marked not relevant (a tie is not)."""
        from sklearn.metrics.pairwise import cosine_similarity

        similarity = cosine_similarity(vector, self.matrix)[0]
        nearest = {False: -1.0, True: -1.0}
        for relevant, value in zip(self.relevant, similarity):
            nearest[relevant] = max(nearest[relevant], float(value))
        return nearest[False] > nearest[True]

    def _reason(self, pushes: list[tuple[str, float]]) -> str:
        """'like 4 stories you marked not relevant: migration routes': the features that pushed this
        match down most, and how many matches labelled not relevant share them."""
        against = [name for name, push in pushes if push < 0][:2]
        alike = [key for f, relevant, key in self.examples if not relevant and any(name in f for name in against)]
        if not against or not alike:
            return "the model finds it probably not relevant"
        count = len(set(alike))
        names = ", ".join(clean(shown(name), 60) for name in against)
        return f"like {count} stor{'y' if count == 1 else 'ies'} you marked not relevant: {names}"

    def top_features(self, count: int = 8) -> list[tuple[str, float]]:
        return sorted(self.weights.items(), key=lambda item: -abs(item[1]))[:count]


def fit_model(examples: list[tuple[dict[str, float], bool, str]]) -> WatchModel | None:
    """A model when there are enough labels of both kinds, else None (the rules decide alone)."""
    counts = Counter(relevant for _, relevant, _ in examples)
    if counts[True] < MIN_PER_CLASS or counts[False] < MIN_PER_CLASS:
        return None
    return WatchModel(examples)


def match_features(db: sqlite_utils.Database, match_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """The features of stored matches, read from the match, its article and its mentions."""
    ids = sorted(set(match_ids))
    result: dict[int, dict[str, float]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = list(
            db.query(
                f"""select m.id, m.article_id, m.parts, m.score, a.language, a.source
                    from matches m join articles a on a.id = m.article_id where m.id in ({marks})""",
                chunk,
            )
        )
        entities: dict[int, list[str]] = defaultdict(list)
        others: dict[int, list[str]] = defaultdict(list)
        articles = sorted({r["article_id"] for r in rows})
        article_marks = ",".join("?" * len(articles))
        for row in db.query(
            f"""select distinct mn.article_id, e.name, e.label, e.on_watchlist
                from mentions mn join entities e on e.id = mn.entity_id
                where mn.article_id in ({article_marks}) order by mn.article_id, mn.start""",
            articles,
        ):
            if row["on_watchlist"]:
                entities[row["article_id"]].append(row["name"])
            elif (row["label"] or "").upper() in ("PERSON", "ORG"):
                others[row["article_id"]].append(row["name"])
        for row in rows:
            result[row["id"]] = features(
                _parts(row),
                language=row["language"],
                source=row["source"],
                watch_entities=entities[row["article_id"]],
                other_names=others[row["article_id"]],
            )
    return result


def _parts(row: dict) -> dict[str, float]:
    """The stored score parts; the score alone for a match stored before parts were kept."""
    try:
        parts = json.loads(row["parts"] or "null")
    except ValueError:
        parts = None
    return parts if isinstance(parts, dict) and parts else {"score": row["score"] or 0.0}


def _stories(db: sqlite_utils.Database, match_ids: list[int]) -> dict[int, int]:
    """Match id -> its story (the match itself while not grouped yet)."""
    stories: dict[int, int] = {}
    for start in range(0, len(match_ids), 500):
        chunk = match_ids[start : start + 500]
        for row in db.query(f"select id, story_id from matches where id in ({','.join('?' * len(chunk))})", chunk):
            stories[row["id"]] = row["story_id"] or row["id"]
    return stories


class Models:
    """The relevance models of every labelled watch, with the current labels, for one database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        labels = [l for l in current_labels(db) if l.match_id is not None]
        self.labels = {l.match_id: l.label for l in labels}
        self.notes = {l.match_id: l.note for l in labels if l.note}
        self.muted = muted_stories(db)
        found = match_features(db, self.labels)
        story_of = _stories(db, list(self.labels))
        by_watch: dict[str, list] = defaultdict(list)
        for l in labels:
            by_watch[l.watch].append((found[l.match_id], l.label != "irrelevant", str(story_of[l.match_id])))
        self.models = {watch: model for watch, ex in by_watch.items() if (model := fit_model(ex)) is not None}
        self.counts = {watch: Counter(l.label for l in labels if l.watch == watch) for watch in by_watch}

    def judge(self, db: sqlite_utils.Database, matches: list[dict]) -> dict[int, Judgement]:
        """The model's judgement of each match (rows with ``id`` and ``watch``), where a model exists; a
        match the analyst labelled is judged by its label."""
        wanted = [m for m in matches if m["watch"] in self.models or m["id"] in self.labels]
        found = match_features(db, [m["id"] for m in wanted if m["id"] not in self.labels])
        judged: dict[int, Judgement] = {}
        for m in wanted:
            label = self.labels.get(m["id"])
            count = sum(self.counts.get(m["watch"], Counter()).values())
            if label is not None:
                relevant = label != "irrelevant"
                judged[m["id"]] = Judgement(
                    1.0 if relevant else 0.0, not relevant, None if relevant else "you marked it not relevant", count
                )
            else:
                judged[m["id"]] = self.models[m["watch"]].judge(found[m["id"]])
        return judged


def _database_file(db: sqlite_utils.Database) -> str:
    return db.execute("pragma database_list").fetchone()[2] or ":memory:"


def load_models(db: sqlite_utils.Database) -> Models:
    """The models for this database's current labels: fitted once per process, refitted after a new label."""
    key = (_database_file(db), labels_version(db))
    with _lock:
        models = _cache.get(key)
        if models is None:
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            models = _cache[key] = Models(db)
        models.muted = muted_stories(db)
        return models


def not_to_alert(db: sqlite_utils.Database, matches: list[dict]) -> set[int]:
    """Ids of the matches (rows with ``id``, ``watch``, ``story_id``) that must not be alerted: those of
    muted stories and those the model or the analyst's label holds back. Empty with no labels or mutes."""
    if not db.execute("select exists(select 1 from feedback) or exists(select 1 from muted_stories)").fetchone()[0]:
        return set()
    models = load_models(db)
    skip = {m["id"] for m in matches if m.get("story_id") in models.muted}
    judged = models.judge(db, [m for m in matches if m["id"] not in skip])
    return skip | {match_id for match_id, j in judged.items() if j.held_back}


def judge_analysis(db: sqlite_utils.Database, analysis) -> dict[str, dict]:
    """Watch -> the model's judgement (as a dict) of each match in an unstored ``Analysis``."""
    models = load_models(db)
    return {
        r.watch: models.models[r.watch].judge(analysis_features(analysis, r)).as_dict()
        for r in analysis.matches
        if r.watch in models.models
    }


def explain_matches(db: sqlite_utils.Database, matches: list[dict]) -> dict[int, dict]:
    """Match id -> the rules' score parts and the model's part (None without a model or label)."""
    ids = [m["id"] for m in matches]
    parts: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in db.query(f"select id, parts from matches where id in ({','.join('?' * len(chunk))})", chunk):
            try:
                parts[row["id"]] = json.loads(row["parts"] or "{}")
            except ValueError:
                parts[row["id"]] = {}
    has_feedback = db.execute("select exists(select 1 from feedback)").fetchone()[0]
    judged = load_models(db).judge(db, matches) if has_feedback else {}
    return {
        m["id"]: {"rules": parts.get(m["id"], {}), "model": judged[m["id"]].as_dict() if m["id"] in judged else None}
        for m in matches
    }
