"""Language detection's first look against the whole sample, on real texts nobody wrote for it.

Usage: python bench/language.py [SHARED]   (default: the developers' shared folder beside the checkout)

``pipeline/language.py`` first classifies a text's first ``FIRST_LOOK_CHARS`` characters and reads the
whole ``SAMPLE_CHARS`` sample only when py3langid is less than ``SURE`` of that first look. Per set
(the article-extraction-benchmark's hand-made bodies; the main text trafilatura extracts from the
htmldate and trafilatura evaluation pages): texts, how many the whole sample alone, py3langid on its
defaults and the first look each label the same, how many needed the whole sample, and the CPU-ms per
text of each. Every disagreement is printed. The last line is the same as JSON.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from real_pages import SETS, measure_sets  # noqa: E402

MIN_TEXT = 200  # what detect_language reads at all (shorter texts take the declared language)


def trafilatura_pages(shared: Path) -> list[tuple[str, str]]:
    import trafilatura

    folder = shared / "extraction-dev" / "trafilatura-eval"
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in truth.items():
        try:
            html = gzip.decompress((folder / "html" / entry["file"]).read_bytes()).decode("utf-8", errors="replace")
        except OSError:
            continue
        pages.append((url, trafilatura.extract(html) or ""))
    return pages


def _timed(function, texts: list[str]) -> tuple[list, float]:
    started = time.process_time()
    out = [function(text) for text in texts]
    return out, round(1000 * (time.process_time() - started) / max(1, len(texts)), 3)


def run(name: str, pages: list[tuple[str, str]]) -> dict:
    import py3langid

    from newsmon.pipeline import language

    texts = [text for _, text in pages if len(text) >= MIN_TEXT]
    identifier = language.load_identifier()
    whole, whole_ms = _timed(lambda t: identifier.classify(t[: language.SAMPLE_CHARS])[0], texts)
    first, first_ms = _timed(language.detect_language, texts)
    plain, plain_ms = _timed(lambda t: py3langid.classify(t)[0], texts)
    second = sum(
        len(t) > language.FIRST_LOOK_CHARS and identifier.classify(t[: language.FIRST_LOOK_CHARS])[1] < language.SURE
        for t in texts
    )
    for text, a, b in zip(texts, whole, first):
        if a != b:
            print(f"  {name}: whole sample {a}, first look {b}: {text[:90]!r}")
    figures = {
        "texts": len(texts),
        "languages": dict(Counter(whole).most_common(10)),
        "first_look_agrees": sum(a == b for a, b in zip(whole, first)),
        "py3langid_defaults_agree": sum(a == b for a, b in zip(whole, plain)),
        "needed_whole_sample": second,
        "cpu_ms": {"whole_sample": whole_ms, "first_look": first_ms, "py3langid_defaults": plain_ms},
    }
    print(f"{name}: {figures['texts']} texts; first look agrees with the whole sample on "
          f"{figures['first_look_agrees']} ({second} read whole), py3langid's defaults on "
          f"{figures['py3langid_defaults_agree']}; CPU-ms per text {figures['cpu_ms']}")
    return figures


def main() -> None:
    measure_sets(run, {**SETS, "trafilatura-eval": ("extraction-dev/trafilatura-eval", trafilatura_pages)})


if __name__ == "__main__":
    main()
