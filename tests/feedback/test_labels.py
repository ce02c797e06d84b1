"""Labels from the terminal: recorded with note, time and channel, one current label per match with its
history, kept across re-analysis and watchlist changes; bad ids and labels get one line and exit 2."""

from __future__ import annotations

from click.testing import CliRunner

from newsmon.cli import cli
from newsmon.pipeline.feedback import current_labels, label_history, record_label


def run(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config.path), *args])


def test_a_label_from_the_terminal_is_recorded_with_its_note_and_channel(config, db, store):
    ids = store("visit")
    result = run(config, "feedback", str(ids["visit"]), "important", "--note", "first visit since 2023")
    assert result.exit_code == 0, result.output
    assert f"Match #{ids['visit']} (belarus-libya) is now important." in result.output
    (label,) = current_labels(db)
    assert (label.match_id, label.label, label.note, label.channel) == (ids["visit"], "important", "first visit since 2023", "cli")
    assert label.created_at.startswith("20")


def test_a_relabelled_match_keeps_one_current_label_and_its_history(config, db, store):
    ids = store("visit")
    for label in ("relevant", "irrelevant", "important"):
        assert run(config, "feedback", str(ids["visit"]), label).exit_code == 0
    assert [l.label for l in current_labels(db)] == ["important"]
    assert [h["label"] for h in label_history(db, ids["visit"])] == ["relevant", "irrelevant", "important"]
    listed = run(config, "feedback", "--list")
    assert listed.exit_code == 0
    assert f"#{ids['visit']}  important" in listed.output and "3 labellings" in listed.output
    assert "1 labelled match." in listed.output


def test_bad_ids_and_labels_get_one_line_and_exit_2(config, store):
    ids = store("visit")
    for args, message in (
        (["feedback", "999", "relevant"], "no match with id 999"),
        (["feedback", str(ids["visit"]), "meh"], "unknown label 'meh' (expected relevant | irrelevant | important)"),
        (["feedback", "abc", "relevant"], "'abc' is not a valid integer"),
        (["feedback", str(ids["visit"])], "expected MATCH_ID and a label"),
        (["mute", "999"], "no story with id 999"),
        (["unmute", "999"], "no story with id 999"),
        (["unmute", str(ids["visit"])], f"story {ids['visit']} is not muted"),
        (["unmute", "x7"], "'x7' is not a valid integer"),
    ):
        result = run(config, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_labels_survive_reanalysis_and_a_watchlist_change_that_drops_and_restores_the_match(config, db, store):
    from newsmon.pipeline.analyze import analyze_pending

    ids = store("visit", "memorandum")
    record_label(db, ids["visit"], "irrelevant", note="old news")
    analyze_pending(db, config, reanalyze_all=True)
    (label,) = current_labels(db)
    assert (label.match_id, label.label) == (ids["visit"], "irrelevant"), "analyze --all keeps match ids and labels"

    db.execute("delete from matches where id = ?", [ids["visit"]])  # a watchlist edit dropped the match
    db.execute("update articles set analyzed_at = null")
    analyze_pending(db, config)  # ... and the next edit brought it back, under a new id
    new_id = db.execute("select m.id from matches m join articles a on a.id = m.article_id "
                        "where a.url like '%haftar-visit'").fetchone()[0]
    assert new_id != ids["visit"]
    (label,) = current_labels(db)
    assert (label.match_id, label.label, label.note) == (new_id, "irrelevant", "old news")


def test_stats_show_counts_cross_validated_precision_and_recall_and_what_the_model_leans_on(config, db, store):
    ids = store("visit", "memorandum", "flights", "migrants-1", "migrants-2", "migrants-3")
    assert "No labels yet" in run(config, "feedback", "--stats").output
    record_label(db, ids["visit"], "relevant")
    early = run(config, "feedback", "--stats").output
    assert "belarus-libya: 1 relevant" in early and "no model yet" in early
    for key in ("memorandum", "flights"):
        record_label(db, ids[key], "relevant")
    for key in ("migrants-1", "migrants-2", "migrants-3"):
        record_label(db, ids[key], "irrelevant")
    stats = run(config, "feedback", "--stats")
    assert stats.exit_code == 0, stats.output
    assert "belarus-libya: 3 irrelevant, 3 relevant" in stats.output
    assert "3-fold cross-validated on the labels: precision" in stats.output
    assert "leans on: " in stats.output and "Frontex" in stats.output
