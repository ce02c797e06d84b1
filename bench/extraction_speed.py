"""CPU cost of ``extract_article`` now against a git revision, on the same pages in one process.

Usage: python bench/extraction_speed.py [--rev REV] [--pages N] [--shared FOLDER]

``pipeline/extract.py`` of REV (default ``main``) is loaded beside the working tree's, and both extract
the same N pages of each shared set (a fixed random sample), alternating page by page, so that a busy
machine slows both alike. Prints each set's CPU-seconds (``time.process_time``) and the ratio now/REV.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from extraction import DEFAULT_SHARED, SETS, load_set  # noqa: E402


def module_at(rev: str):
    """``pipeline/extract.py`` as it was at ``rev``, imported under another name."""
    source = subprocess.run(["git", "show", f"{rev}:pipeline/extract.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    folder = Path(tempfile.mkdtemp())
    path = folder / "extract_at_rev.py"
    path.write_text(source.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("extract_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["extract_at_rev"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="main")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args(argv[1:])
    from newsmon.pipeline import extract as now

    then = module_at(args.rev)
    pages = []
    for name in SETS:
        loaded = load_set(args.shared, name)
        if loaded is None:
            print(f"{name}: not found under {args.shared}; skipped.")
            continue
        html_dir, truth = loaded
        items = sorted(truth.values(), key=lambda item: item["file"])
        random.Random(1).shuffle(items)
        pages += [(name, gzip.decompress((html_dir / it["file"]).read_bytes()), it["url"]) for it in items[: args.pages]]
    if not pages:
        print("No extraction set found; nothing measured.")
        return 2
    for _, html, url in pages[:5]:
        then.extract_article(html, url), now.extract_article(html, url)
    cpu: dict[str, dict[str, float]] = {"rev": {}, "now": {}}
    for name, html, url in pages:
        for label, module in (("rev", then), ("now", now)):
            started = time.process_time()
            module.extract_article(html, url)
            cpu[label][name] = cpu[label].get(name, 0.0) + time.process_time() - started
    print(f"{'set':<29} {'pages':>5} {args.rev + ' CPU s':>12} {'now CPU s':>10} {'now/' + args.rev:>9}")
    for name in cpu["rev"]:
        count = sum(1 for page in pages if page[0] == name)
        print(f"{name:<29} {count:>5} {cpu['rev'][name]:>12.2f} {cpu['now'][name]:>10.2f} {cpu['now'][name] / cpu['rev'][name]:>9.2f}")
    total_rev, total_now = sum(cpu["rev"].values()), sum(cpu["now"].values())
    print(f"{'all':<29} {len(pages):>5} {total_rev:>12.2f} {total_now:>10.2f} {total_now / total_rev:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
