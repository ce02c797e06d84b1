"""Which trafilatura settings make the best main text across the two body sets: the table behind
``FIRST_PASS`` and ``SHORT_TEXT`` in ``pipeline/body.py``.

Usage: python bench/extraction_settings.py [--shared FOLDER] [--workers N]

Every page of the article-extraction-benchmark and of trafilatura-eval is decoded as newsmon decodes
it and extracted in three trafilatura modes (fast with recall favoured, fast, full), comments off and
tables on; then each combination "first pass, and a second pass in full mode when the first is shorter
than N characters, keeping the longer" is scored from those texts, as ``bench/extraction.py`` scores
bodies (token F1; trafilatura's snippet F1), with the CPU-seconds it would cost.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from extraction import DEFAULT_SHARED, load_set, prf, snippet_counts, token_counts  # noqa: E402

MODES = {
    "fast, recall favoured": {"fast": True, "favor_recall": True},
    "fast": {"fast": True},
    "full": {"fast": False},
}
BODY_SETS = ("article-extraction-benchmark", "trafilatura-eval")
COMBINATIONS = [
    ("fast, recall favoured", None),
    ("fast", None),
    ("full", None),
    ("fast, recall favoured", 500),
    ("fast, recall favoured", 800),
    ("fast", 500),
    ("fast", 800),
    ("fast", 1000),
]


def extract_modes(path: str) -> dict[str, tuple[str, float]]:
    """Each mode's text of one page and its CPU-seconds."""
    import trafilatura

    from newsmon.pipeline.extract import decode_html

    tree = trafilatura.load_html(decode_html(gzip.decompress(Path(path).read_bytes())))
    out = {}
    for name, options in MODES.items():
        started = time.process_time()
        doc = trafilatura.bare_extraction(tree, include_comments=False, include_tables=True, **options) if tree is not None else None
        out[name] = ((doc.text or "") if doc is not None else "", time.process_time() - started)
    return out


def combined(texts: dict[str, tuple[str, float]], first: str, short: int | None) -> tuple[str, float]:
    text, cpu = texts[first]
    if short is not None and len(text) < short:
        second, more = texts["full"]
        text, cpu = (second if len(second) > len(text) else text), cpu + more
    return text, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv[1:])
    sets = {name: loaded for name in BODY_SETS if (loaded := load_set(args.shared, name)) is not None}
    if not sets:
        print("No body set found; nothing measured.")
        return 2
    outputs = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for name, (html_dir, truth) in sets.items():
            outputs[name] = dict(zip(truth, pool.map(extract_modes, [str(html_dir / t["file"]) for t in truth.values()], chunksize=4)))
    print(f"{'first pass':<22} {'second pass':>12} " + " ".join(f"{name[:20]:>20} {'CPU s':>6}" for name in sets) + f" {'mean F1':>8}")
    for first, short in COMBINATIONS:
        scores = []
        for name, (_, truth) in sets.items():
            totals, cpu = [0, 0, 0], 0.0
            for key, item in truth.items():
                text, spent = combined(outputs[name][key], first, short)
                counts = token_counts(item["articleBody"], text) if name == "article-extraction-benchmark" else snippet_counts(item, text)
                totals, cpu = [a + b for a, b in zip(totals, counts)], cpu + spent
            scores.append((prf(*totals)[2], cpu))
        second = f"< {short}" if short else "none"
        cells = " ".join(f"{f:>20.4f} {cpu:>6.1f}" for f, cpu in scores)
        print(f"{first:<22} {second:>12} {cells} {sum(f for f, _ in scores) / len(scores):>8.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
