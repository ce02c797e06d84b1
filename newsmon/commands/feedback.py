"""``newsmon feedback MATCH_ID LABEL [--note TEXT]``, ``feedback --list``, ``feedback --stats`` and
``newsmon mute STORY_ID`` / ``newsmon unmute STORY_ID``: the analyst's labels from the terminal."""

from __future__ import annotations

import click

from newsmon.app import AppContext
from newsmon.errors import ConfigError


@click.command()
@click.argument("match_id", type=int, required=False)
@click.argument("label", required=False, metavar="relevant|irrelevant|important")
@click.option("--note", help="Why, in a few words (kept with the label).")
@click.option("--list", "as_list", is_flag=True, help="The current label of every labelled match.")
@click.option("--stats", is_flag=True, help="Label counts, the model's cross-validated precision and recall, "
              "and the features it leans on.")
@click.pass_obj
def feedback(app: AppContext, match_id: int | None, label: str | None, note: str | None, as_list: bool,
             stats: bool) -> None:
    """Label a match relevant, irrelevant or important; later alerts and the digest learn from it."""
    from newsmon.pipeline.feedback import check_label, current_labels, record_label
    from newsmon.pipeline.render import clean

    if as_list or stats:
        if match_id is not None or label or note:
            raise ConfigError("--list and --stats take no match id, label or note")
        db = app.db()
        if stats:
            _print_stats(db)
            return
        labels = current_labels(db)
        for item in labels:
            where = f"#{item.match_id}" if item.match_id is not None else "(match gone)"
            changed = f", {item.history} labellings" if item.history > 1 else ""
            click.echo(f"{where}  {item.label:<10}  {item.watch}  {clean(item.title, 100) or '(untitled)'}"
                       f"  [{item.channel} {item.created_at}{changed}]")
            if item.note:
                click.echo(f"      note: {clean(item.note, 300)}")
        click.echo(f"{len(labels)} labelled match{'es' if len(labels) != 1 else ''}.")
        return
    if match_id is None or label is None:
        raise ConfigError("expected MATCH_ID and a label (relevant | irrelevant | important), or --list / --stats")
    check_label(label)
    current = record_label(app.db(), match_id, label, note=note, channel="cli")
    again = f" (labelled {current.history} times; the latest counts)" if current.history > 1 else ""
    click.echo(f"Match #{match_id} ({current.watch}) is now {label}{again}.")


def _print_stats(db) -> None:
    from newsmon.pipeline.relevance_stats import watch_stats

    rows = watch_stats(db)
    if not rows:
        click.echo("No labels yet: label matches with 'newsmon feedback MATCH_ID LABEL'.")
        return
    for row in rows:
        counts = ", ".join(f"{n} {label}" for label, n in sorted(row.counts.items()))
        click.echo(f"{row.watch}: {counts}")
        if row.precision is None:
            click.echo(f"  no model yet: {row.why}")
            continue
        click.echo(f"  model, {row.folds}-fold cross-validated on the labels: "
                   f"precision {row.precision:.2f}, recall {row.recall:.2f} (of 'relevant')")
        click.echo("  leans on: " + ", ".join(f"{name} {weight:+.2f}" for name, weight in row.leans_on))


@click.command()
@click.argument("story_id", type=int)
@click.option("--note", help="Why, in a few words.")
@click.pass_obj
def mute(app: AppContext, story_id: int, note: str | None) -> None:
    """Mute a story: later copies are stored and counted in the digest, never alerted."""
    from newsmon.pipeline.feedback import mute_story

    mute_story(app.db(), story_id, channel="cli", note=note)
    click.echo(f"Story {story_id} is muted: no more alerts for its copies.")


@click.command()
@click.argument("story_id", type=int)
@click.pass_obj
def unmute(app: AppContext, story_id: int) -> None:
    """Unmute a story: its later copies are alerted again."""
    from newsmon.pipeline.feedback import unmute_story

    unmute_story(app.db(), story_id)
    click.echo(f"Story {story_id} is no longer muted: its later copies are alerted again.")
