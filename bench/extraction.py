"""Body-text quality of newsmon's extraction against hand-made ground truth, beside plain trafilatura.

Usage: python bench/extraction.py [FOLDER]   (default: the shared benchmark folder beside the checkout)

FOLDER holds ``html/<id>.html.gz`` and ``ground-truth.json`` (id -> {url, articleBody}). newsmon and plain
trafilatura (without, then with its metadata) run over every page in the same process; tokens are
lower-cased words, compared as multisets. The table gives micro-averaged precision/recall/F1 (all tokens pooled), the mean per-page F1,
the share of pages given a publication date ("dated") and given one with a time of day ("timed": not just
a day, which newsmon stores as midnight UTC), and pages per second; the last line is the same as JSON.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_FOLDER = ROOT.parent / "shared" / "extraction-benchmark"
TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> Counter:
    return Counter(TOKEN.findall((text or "").lower()))


DAY_ONLY = re.compile(r"^\d{4}-\d\d-\d\d(T00:00:00\+00:00)?$")


def newsmon_extract(html: bytes, url: str) -> tuple[str, str | None]:
    from newsmon.pipeline.extract import extract_article

    article = extract_article(html, url)
    return (article.text, article.published) if article else ("", None)


def trafilatura_extract(html: bytes, url: str) -> tuple[str, str | None]:
    """Plain trafilatura: ``extract`` with its defaults (no metadata, so no date)."""
    import trafilatura

    return trafilatura.extract(html, url=url) or "", None


def trafilatura_metadata_extract(html: bytes, url: str) -> tuple[str, str | None]:
    """trafilatura with its defaults and its metadata (date) extraction."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return (doc.text or "", doc.date) if doc else ("", None)


EXTRACTORS = {
    "newsmon": newsmon_extract,
    "trafilatura": trafilatura_extract,
    "trafilatura+meta": trafilatura_metadata_extract,
}


def score(truth: Counter, predicted: Counter) -> tuple[int, int, int]:
    """True positives, false positives and false negatives, in tokens."""
    common = sum((truth & predicted).values())
    return common, sum(predicted.values()) - common, sum(truth.values()) - common


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def run(folder: Path) -> dict[str, dict[str, float]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()) for key in truth}
    results = {}
    for name, extract in EXTRACTORS.items():
        extract(next(iter(pages.values())), "http://warm.up/")
        totals, per_page, seconds, dates = [0, 0, 0], [], 0.0, []
        for key, html in pages.items():
            started = time.perf_counter()
            body, published = extract(html, truth[key]["url"])
            seconds += time.perf_counter() - started
            counts = score(tokens(truth[key]["articleBody"]), tokens(body))
            totals = [a + b for a, b in zip(totals, counts)]
            per_page.append(f1(*counts)[2])
            dates.append(published)
        precision, recall, f_score = f1(*totals)
        dated = [d for d in dates if d]
        results[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f_score, 4),
            "mean_page_f1": round(sum(per_page) / len(per_page), 4),
            "dated": round(len(dated) / len(pages), 3),
            "dates_with_time": round(sum(not DAY_ONLY.match(d) for d in dated) / len(pages), 3),
            "pages_per_s": round(len(pages) / seconds, 1),
        }
    return results


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_FOLDER
    if not (folder / "ground-truth.json").is_file() or not (folder / "html").is_dir():
        print(f"No extraction benchmark at {folder} (expected ground-truth.json and html/); nothing measured.")
        return 2
    results = run(folder)
    pages = len(json.loads((folder / "ground-truth.json").read_text(encoding="utf-8")))
    print(f"{pages} pages from {folder}")
    print(f"{'extractor':<17} {'precision':>9} {'recall':>7} {'F1':>7} {'page F1':>8} {'dated':>6} {'timed':>6} {'pages/s':>8}")
    for name, r in results.items():
        print(
            f"{name:<17} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f} {r['mean_page_f1']:>8.4f}"
            f" {r['dated']:>6.0%} {r['dates_with_time']:>6.0%} {r['pages_per_s']:>8.1f}"
        )
    print(json.dumps({"pages": pages, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
