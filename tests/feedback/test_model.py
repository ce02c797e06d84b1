"""When the model may hold a match back: only below its threshold and only when the labelled match most
like it was marked not relevant, so that a kind of story no label resembles is left to the rules."""

from __future__ import annotations

from newsmon.pipeline.relevance import HOLD_BELOW, fit_model

RELEVANT = {"part:same sentence": 1.0, "context=arms": 1.0, "entity=Khalifa Haftar": 1.0}
OPERA = {"part:same sentence": 1.0, "name=Verdi": 1.0, "entity=Minsk": 1.0}


def model():
    """Two relevant labels and a dozen opera listings marked not relevant, as a rough watch gets them."""
    examples = [(RELEVANT, True, f"r{i}") for i in range(2)] + [(OPERA, False, f"o{i}") for i in range(12)]
    return fit_model(examples)


def test_a_match_like_the_stories_marked_not_relevant_is_held_back():
    judged = model().judge({"part:same sentence": 1.0, "entity=Minsk": 1.0})
    assert judged.p_relevant < HOLD_BELOW and judged.held_back
    assert judged.reason.startswith("like 12 stories you marked not relevant: Minsk")


def test_a_kind_of_story_no_label_resembles_is_not_held_back_on_a_low_probability_alone(monkeypatch):
    import newsmon.pipeline.relevance as relevance

    monkeypatch.setattr(relevance, "HOLD_BELOW", 0.6)  # a stricter watch, so that 0.5 counts as low
    unlike_any = {"part:same sentence": 1.0, "entity=Alexander Lukashenko": 1.0}
    judged = model().judge(unlike_any)
    assert judged.p_relevant < relevance.HOLD_BELOW, "the labels alone make it look unlikely"
    assert not judged.held_back and judged.reason is None
    monkeypatch.setattr(relevance, "NEAREST_MUST_BE_IRRELEVANT", False)
    assert model().judge(unlike_any).held_back, "on the probability alone it would be held back"
