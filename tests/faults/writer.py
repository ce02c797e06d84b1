"""One of the writer processes of the contention test: the crawl's and the analysis's own writes, in
a loop, as fast as it can, once the test says go.

Usage: ``python writer.py DATABASE NAME ROUNDS GO_FILE``; exits 1 with the error on one line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from newsmon.errors import NewsmonError
from newsmon.pipeline.db import connect, describe_sqlite_error
from newsmon.pipeline.store import Store


def main(database: str, name: str, rounds: int, go: Path) -> int:
    store = Store(connect(database))
    while not go.exists():
        time.sleep(0.01)
    began = time.monotonic()
    try:
        for n in range(rounds):
            store.mark_seen([f"http://127.0.0.1/{name}/page-{n}.html"])
            store.save_validators(name, {f"http://127.0.0.1/{name}/feed-{n}.xml": {"etag": f'"{n}"'}})
            run = store.start_run(name)
            store.finish_run(run, status="ok", pages=n, new_articles=0, errors=[])
            store.db.execute("select count(*) from seen_urls").fetchone()
    except (NewsmonError, Exception) as exc:  # noqa: BLE001 - the test wants every failure as one line
        reason = describe_sqlite_error(exc) if hasattr(exc, "sqlite_errorname") else str(exc)
        print(f"{name}: {reason} after {time.monotonic() - began:.1f}s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])))
