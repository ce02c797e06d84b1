"""The analyst's feedback: labels on matches and muted stories, from the terminal, the triage page or email.

A label belongs to an article and a watch, not to a match id, so it survives ``analyze --all``, a
watchlist change that drops and later restores the match, and re-crawls (an article is stored once per
URL). Every labelling is a row; the latest one per article and watch is the current label, the others
its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from newsmon.errors import NewsmonError

LABELS = ("relevant", "irrelevant", "important")
CHANNELS = ("cli", "web", "email")
NOTE_MAX = 500


class FeedbackError(NewsmonError):
    """An unknown match or story id, or an unknown label: a mistake on the command line or in a form."""

    exit_code = 2


@dataclass
class Label:
    """The current label of one match, with how many times it was labelled."""

    match_id: int | None
    article_id: int
    watch: str
    label: str
    note: str | None
    channel: str
    created_at: str
    history: int
    title: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_label(label: str) -> str:
    """The label, or a one-line error naming the ones that exist."""
    if label not in LABELS:
        raise FeedbackError(f"unknown label {label!r} (expected {' | '.join(LABELS)})")
    return label


def match_row(db: sqlite_utils.Database, match_id: int) -> dict:
    """The stored match, or a one-line error."""
    row = next(iter(db.query("select id, article_id, watch, story_id from matches where id = ?", [match_id])), None)
    if row is None:
        raise FeedbackError(f"no match with id {match_id} (see 'newsmon matches')")
    return row


def record_label(
    db: sqlite_utils.Database, match_id: int, label: str, *, note: str | None = None, channel: str = "cli"
) -> Label:
    """Label a match; a relabelled match keeps its earlier labels as history."""
    check_label(label)
    match = match_row(db, match_id)
    note = (note or "").strip()[:NOTE_MAX] or None
    with db.atomic():
        db["feedback"].insert(
            {
                "article_id": match["article_id"],
                "watch": match["watch"],
                "match_id": match_id,
                "label": label,
                "note": note,
                "channel": channel,
                "created_at": _now(),
            }
        )
    return next(l for l in current_labels(db, watch=match["watch"]) if l.article_id == match["article_id"])


def current_labels(db: sqlite_utils.Database, *, watch: str | None = None) -> list[Label]:
    """The current label of every labelled article and watch, newest first, with the match it is on now."""
    rows = db.query(
        """select f.article_id, f.watch, f.label, f.note, f.channel, f.created_at, m.id as match_id,
                  a.title, (select count(*) from feedback h where h.article_id = f.article_id
                            and h.watch = f.watch) as history
           from feedback f
           left join matches m on m.article_id = f.article_id and m.watch = f.watch
           left join articles a on a.id = f.article_id
           where f.id = (select max(id) from feedback l where l.article_id = f.article_id and l.watch = f.watch)
             and (:watch is null or f.watch = :watch)
           order by f.id desc""",
        {"watch": watch},
    )
    return [Label(**row) for row in rows]


def label_history(db: sqlite_utils.Database, match_id: int) -> list[dict]:
    """Every labelling of a match's article and watch, oldest first."""
    match = match_row(db, match_id)
    return list(
        db.query(
            "select label, note, channel, created_at from feedback where article_id = ? and watch = ? order by id",
            [match["article_id"], match["watch"]],
        )
    )


def labels_by_match(db: sqlite_utils.Database) -> dict[int, str]:
    """Match id -> current label, for matches stored now."""
    return {l.match_id: l.label for l in current_labels(db) if l.match_id is not None}


def labels_version(db: sqlite_utils.Database) -> int:
    """Changes whenever a label is added: what the relevance model's cache is keyed by."""
    return db.execute("select coalesce(max(id), 0) from feedback").fetchone()[0]


def mute_story(db: sqlite_utils.Database, story_id: int, *, channel: str = "cli", note: str | None = None) -> int:
    """Mute a story: later copies are stored and counted in the digest but never alerted."""
    _check_story(db, story_id)
    with db.atomic():
        note = (note or "").strip()[:NOTE_MAX] or None
        db["muted_stories"].upsert(
            {"story_id": story_id, "muted_at": _now(), "channel": channel, "note": note}, pk="story_id"
        )
    return story_id


def unmute_story(db: sqlite_utils.Database, story_id: int) -> int:
    """Unmute a story: its copies stored from now on are alerted again, as any other story's."""
    with db.atomic():
        unmuted = db.execute("delete from muted_stories where story_id = ?", [story_id]).rowcount
    if not unmuted:
        _check_story(db, story_id)
        raise FeedbackError(f"story {story_id} is not muted")
    return story_id


def _check_story(db: sqlite_utils.Database, story_id: int) -> None:
    """A one-line error unless some stored match belongs to the story."""
    from newsmon.pipeline.stories import assign_stories

    assign_stories(db)  # matches stored since the last alert run get their story first
    if not db.execute("select 1 from matches where story_id = ? limit 1", [story_id]).fetchone():
        raise FeedbackError(f"no story with id {story_id} (story ids are in 'newsmon matches --json')")


def muted_stories(db: sqlite_utils.Database) -> set[int]:
    return {row["story_id"] for row in db.query("select story_id from muted_stories")}
