"""``newsmon inspect`` shows the entities and matches of a page or text without storing anything, and
explains in plain text why it matched or not."""

from __future__ import annotations

import json
from pathlib import Path

from newsmon.cli import cli

SEED = Path(__file__).parent / "seed_article.txt"


def test_inspect_json_lists_entities_and_matches(runner, tmp_path, nlp):
    article = tmp_path / "seed.txt"
    article.write_text(
        "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya\n" + SEED.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    other = tmp_path / "other.txt"
    other.write_text("Haftar in Moscow\nKhalifa Haftar met Russian officials in Moscow.\n", encoding="utf-8")
    args = ["--config", str(tmp_path / "none.toml"), "inspect", "--json", str(article), str(other)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    seed, moscow = (json.loads(line) for line in result.output.splitlines())
    assert {"text", "label", "canonical", "start", "end"} <= set(seed["entities"][0])
    assert {"Ivan Tertel", "Viktor Khrenin", "Khalifa Haftar"} <= {e["canonical"] for e in seed["entities"]}
    assert [(m["watch"], len(m["evidence"]) > 0) for m in seed["matches"]] == [("belarus-libya", True)]
    assert moscow["matches"] == [] and any(e["text"] == "Moscow" for e in moscow["entities"])


def test_inspect_explains_why_in_plain_text(runner, tmp_path, nlp):
    note = tmp_path / "note.txt"
    note.write_text("Haftar in Moscow\nKhalifa Haftar met Russian officials in Moscow.\n", encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "inspect", str(note)])
    assert result.exit_code == 0
    assert "libya: Khalifa Haftar" in result.output
    assert "Watch belarus-libya: no match: no belarus mention" in result.output
