"""One meaning of "silent" for `newsmon status` and the digest footer.

A source is silent once it has been crawled for longer than ``daemon.silent_after`` and brought no
article in that long; a source first crawled an hour ago, or never crawled, is not silent.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from newsmon.cli import cli
from newsmon.config import load_config
from newsmon.pipeline.db import connect
from newsmon.pipeline.digest import build_digest, upcoming_day
from newsmon.schedules.history import iso

CONFIG = """
    [daemon]
    silent_after = "1d"

    [[sources]]
    name = "added-an-hour-ago"
    type = "feed"
    url = "http://127.0.0.1:9/a.xml"

    [[sources]]
    name = "dry-for-two-days"
    type = "feed"
    url = "http://127.0.0.1:9/b.xml"

    [[sources]]
    name = "never-run"
    type = "feed"
    url = "http://127.0.0.1:9/c.xml"
"""


def test_status_and_the_digest_agree_on_which_sources_are_silent(runner, write_config, tmp_path):
    path = write_config(CONFIG)
    now = datetime.now(timezone.utc)
    db = connect(tmp_path / "newsmon.db")
    for source, ago in (("added-an-hour-ago", timedelta(hours=1)), ("dry-for-two-days", timedelta(days=2))):
        db["crawl_runs"].insert(
            {"source": source, "started_at": iso(now - ago), "finished_at": iso(now - ago), "status": "ok",
             "pages": 1, "new_articles": 0}  # fmt: skip
        )
    result = runner.invoke(cli, ["--config", str(path), "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["silent"] == ["dry-for-two-days"]

    digest = build_digest(db, load_config(path), upcoming_day(load_config(path)))
    assert [s.name for s in digest.sources if s.silent] == ["dry-for-two-days"]
