"""Story grouping alone, on many matches: how its time grows with the matches of its window.

    python bench/stories.py [--matches N,N...] [--match-share S] [--hard-share H]

Each size writes the benchmark site's articles (``sitegen``: the same texts a crawl would store) straight
into a fresh database, every one of them as a match created within the grouping window, and times
``assign_stories`` over them, wall and CPU. ``partition`` is a digest of which matches ended in one
story, so two versions of the code can be checked to group alike. One JSON line per size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsmon.pipeline.db import connect
from newsmon.pipeline.stories import assign_stories
from sitegen import generate_site


def measure(size: int, folder: Path, match_share: float, hard_share: float) -> dict:
    site = generate_site(folder / "site", size, match_share=match_share, hard_share=hard_share, seed=14)
    db = connect(folder / "stories.db")
    now = datetime.now(timezone.utc)
    for i, article in enumerate(site.articles):
        row = {"url": f"https://bench.example{article.path}", "source": article.source, "title": article.title}
        row |= {"text": article.text, "language": article.language, "fetched_at": now.isoformat()}
        article_id = db["articles"].insert(row).last_pk
        created = (now - timedelta(seconds=size - i)).isoformat()
        match = {"article_id": article_id, "watch": "w", "score": 0.8, "evidence": "[]", "created_at": created}
        db["matches"].insert(match)
    start, cpu = time.perf_counter(), time.process_time()
    assigned = assign_stories(db)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    groups: dict[int, list[int]] = defaultdict(list)
    for row in db.query("select id, story_id from matches order by id"):
        groups[row["story_id"]].append(row["id"])
    digest = hashlib.sha256(json.dumps(sorted(groups.values())).encode()).hexdigest()[:16]
    return {
        "matches": assigned,
        "stories": len(groups),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "partition": digest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matches", type=lambda v: [int(n) for n in v.split(",") if n], default=[300, 1000, 3000])
    parser.add_argument("--match-share", type=float, default=0.2)
    parser.add_argument("--hard-share", type=float, default=1.0)
    args = parser.parse_args()
    for size in args.matches:
        with tempfile.TemporaryDirectory(prefix="newsmon-stories-") as folder:
            figures = measure(size, Path(folder), args.match_share, args.hard_share)
            print(json.dumps({"size": size, **figures}), flush=True)


if __name__ == "__main__":
    main()
