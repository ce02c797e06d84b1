"""Long work shows its progress: a bar on a terminal (done / total, rate, time left), plain lines now and
then when piped or logged."""

from __future__ import annotations

import io

from newsmon.cli import cli
from newsmon.progress import WorkProgress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_one_bar_is_redrawn_in_place_with_rate_and_time_left(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("newsmon.progress.time.monotonic", clock)
    out = io.StringIO()
    progress = WorkProgress("analysing", "articles", stream=out, interactive=True)
    progress(0, 100)
    clock.now += 10
    progress(25, 100)
    progress.close()
    frames = out.getvalue().split("\r\033[K")
    assert frames[2] == "[######------------------] analysing: 25/100 articles (25%), 2.5/s, 30s left"
    assert frames[-1] == "" and "\n" not in out.getvalue()


def test_piped_it_writes_a_plain_line_every_few_seconds_and_never_one_per_batch(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("newsmon.progress.time.monotonic", clock)
    out = io.StringIO()
    progress = WorkProgress("analysing", "articles", stream=out, interactive=False, every=10)
    progress(0, 300)
    for done in range(10, 301, 10):
        clock.now += 1
        progress(done, 300)
    assert out.getvalue().splitlines() == [
        "analysing: 100/300 articles (33%), 10.0/s, 20s left",
        "analysing: 200/300 articles (66%), 10.0/s, 10s left",
        "analysing: 300/300 articles (100%), 10.0/s",
    ]


def test_analyze_reports_its_progress_when_piped(runner, seeded, monkeypatch):
    monkeypatch.setattr("newsmon.progress.PLAIN_EVERY", 0.0)  # a line per batch, so five articles show one
    result = runner.invoke(cli, ["--config", str(seeded), "analyze", "--all"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("analysing: 5/5 articles (100%), ")
    assert result.stdout.startswith("Analysed 5 articles")
