"""Stories in the order the analyst should read them, as the labels and the relevance model see them.

Shared by the digest and the triage page: a story with a match marked important comes first; the rest
follow by the rules' score, weighted by the model's probability of relevance where a model exists; a
story whose every match is held back goes to a "held back" list with the reason; a muted story is
only counted. With no labels and no mutes the order is exactly the rules' order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from newsmon.pipeline.relevance import Judgement, load_models
from newsmon.pipeline.stories import StoryView


@dataclass
class Triaged:
    story: StoryView
    important: bool = False
    held_back: bool = False
    muted: bool = False
    reason: str | None = None
    p_relevant: float | None = None
    labels: dict[int, str] = field(default_factory=dict)  # match id -> current label
    notes: dict[int, str] = field(default_factory=dict)  # match id -> the current label's note

    @property
    def rank(self) -> float:
        return self.story.score * (1.0 if self.p_relevant is None else self.p_relevant)


def triage(db: sqlite_utils.Database, stories: list[StoryView]) -> list[Triaged]:
    """Every story with its standing, best first (held back and muted stories last)."""
    if not db.execute("select exists(select 1 from feedback) or exists(select 1 from muted_stories)").fetchone()[0]:
        return [Triaged(story) for story in stories]
    models = load_models(db)
    rows = [
        {"id": match_id, "watch": watch}
        for story in stories
        for match_id, watch in _match_watches(db, story.match_ids)
    ]
    judged: dict[int, Judgement] = models.judge(db, rows)
    result = []
    for story in stories:
        mine = [judged[m] for m in story.match_ids if m in judged]
        labels = {m: models.labels[m] for m in story.match_ids if m in models.labels}
        held = bool(mine) and len(mine) == len(story.match_ids) and all(j.held_back for j in mine)
        result.append(
            Triaged(
                story,
                important="important" in labels.values(),
                held_back=held,
                muted=story.story_id in models.muted,
                reason=next((j.reason for j in mine if j.reason), None) if held else None,
                p_relevant=max(j.p_relevant for j in mine) if mine else None,
                labels=labels,
                notes={m: models.notes[m] for m in story.match_ids if m in models.notes},
            )
        )
    result.sort(key=lambda t: (t.muted, t.held_back, not t.important, -t.rank))
    return result


def _match_watches(db: sqlite_utils.Database, match_ids: list[int]) -> list[tuple[int, str]]:
    marks = ",".join("?" * len(match_ids))
    return [(r["id"], r["watch"]) for r in db.query(f"select id, watch from matches where id in ({marks})", match_ids)]
