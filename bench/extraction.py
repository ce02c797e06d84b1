"""Extraction quality on three real, hand-labelled sets, side by side with plain trafilatura in one run.

Usage: python bench/extraction.py [--shared FOLDER] [--sets NAME,...] [--workers N] [--details FILE]

FOLDER (default: ``shared`` beside the checkout) may hold three sets; an absent one is skipped with a line:

* ``extraction-benchmark/`` (article-extraction-benchmark): ``html/<id>.html.gz`` and ``ground-truth.json``
  (id -> {url, articleBody}). Body tokens (lower-cased words) are compared as multisets and pooled over
  all pages: precision, recall, F1, plus the mean F1 per page and the share of pages given a date.
* ``extraction-dev/trafilatura-eval/``: ``truth.json`` (url -> {file, with, without}). Scored as
  trafilatura's own evaluation does: a ``with`` snippet found in the whitespace-normalised text is a true
  positive, one missing a false negative; a ``without`` snippet found is a false positive.
* ``extraction-dev/htmldate-eval/``: ``truth.json`` (url -> {file, date}). Publication-date accuracy, the
  same day as the truth (a page without a true date counts as right when no date is given).

"debris" counts texts that start with punctuation (a stray "|" from a byline), "invis." titles or
texts holding soft hyphens or zero-width characters.

Extractors: newsmon's ``extract_article``; trafilatura's ``extract()`` with its defaults; trafilatura's
``bare_extraction`` with its metadata; on the date set, htmldate's ``find_date`` (extensive search,
original date) as well. Every extractor gets the page's URL, as newsmon does when crawling. Pages are
spread over a process pool; pages/s and CPU-seconds are each extractor's own per-page time (wall, and
``time.process_time``) summed over its pages, so they do not depend on the pool. The last line is JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_SHARED = ROOT.parent / "shared"
TOKEN = re.compile(r"\w+", re.UNICODE)
DAY = re.compile(r"\d{4}-\d\d-\d\d")
# What no stored text may start with, and no title may hold (soft hyphen, zero-width and BOM characters).
DEBRIS = re.compile(r"^\s*[|•·,;:/\\>]")
INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def newsmon_extract(html: bytes, url: str) -> dict:
    from newsmon.pipeline.extract import extract_article

    article = extract_article(html, url)
    if article is None:
        return {"text": "", "title": None, "date": None}
    return {"text": article.text, "title": article.title, "date": article.published}


def trafilatura_extract(html: bytes, url: str) -> dict:
    """Plain trafilatura: ``extract`` with its defaults (no metadata, so no date)."""
    import trafilatura

    return {"text": trafilatura.extract(html, url=url) or "", "title": None, "date": None}


def trafilatura_metadata_extract(html: bytes, url: str) -> dict:
    """trafilatura with its defaults and its metadata (title, date) extraction."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {"text": "", "title": None, "date": None}
    return {"text": doc.text or "", "title": doc.title, "date": doc.date}


def htmldate_extract(html: bytes, url: str) -> dict:
    """htmldate alone, as its own evaluation runs it (extensive search, original date)."""
    from htmldate import find_date

    return {"text": "", "title": None, "date": find_date(html, url=url, original_date=True, extensive_search=True)}


EXTRACTORS: dict[str, Callable[[bytes, str], dict]] = {
    "newsmon": newsmon_extract,
    "trafilatura": trafilatura_extract,
    "trafilatura+meta": trafilatura_metadata_extract,
    "htmldate": htmldate_extract,
}


def load_set(shared: Path, name: str) -> tuple[Path, dict[str, dict]] | None:
    """(html folder, {key: {url, file, ...truth}}) of one set, or None when it is absent."""
    if name == "article-extraction-benchmark":
        folder = shared / "extraction-benchmark"
        truth_file = folder / "ground-truth.json"
        if not truth_file.is_file():
            return None
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        return folder / "html", {key: {**value, "file": f"{key}.html.gz"} for key, value in truth.items()}
    folder = shared / "extraction-dev" / name
    truth_file = folder / "truth.json"
    if not truth_file.is_file():
        return None
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return folder / "html", {url: {**value, "url": url} for url, value in truth.items()}


SETS = {
    "article-extraction-benchmark": ("newsmon", "trafilatura", "trafilatura+meta"),
    "trafilatura-eval": ("newsmon", "trafilatura", "trafilatura+meta"),
    "htmldate-eval": ("newsmon", "trafilatura+meta", "htmldate"),
}


def _warm_up() -> None:
    page = b"<html><head><title>t</title></head><body><article><p>" + b"word " * 80 + b"</p></article></body></html>"
    for extract in EXTRACTORS.values():
        extract(page, "http://warm.up/a/b")


def run_page(task: tuple[str, str, str, tuple[str, ...]]) -> dict[str, dict]:
    """Every extractor of a set on one page: its output and its own wall and CPU time."""
    path, url, _, names = task
    html = gzip.decompress(Path(path).read_bytes())
    out = {}
    for name in names:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = EXTRACTORS[name](html, url)
        except Exception as exc:  # a crash is a full miss, as in trafilatura's evaluation
            result = {"text": "", "title": None, "date": None, "error": f"{type(exc).__name__}: {exc}"}
        result["seconds"] = time.perf_counter() - wall
        result["cpu"] = time.process_time() - cpu
        out[name] = result
    return out


def tokens(text: str) -> Counter:
    return Counter(TOKEN.findall((text or "").lower()))


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * tp / (2 * tp + fp + fn) if tp else 0.0)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def day(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    found = DAY.match(value.strip())
    return found.group(0) if found else None


def token_counts(truth: str, text: str) -> tuple[int, int, int]:
    expected, got = tokens(truth), tokens(text)
    common = sum((expected & got).values())
    return common, sum(got.values()) - common, sum(expected.values()) - common


def snippet_counts(item: dict, text: str) -> tuple[int, int, int]:
    """(tp, fp, fn) as trafilatura's evaluation counts them (whitespace-normalised substrings)."""
    found = norm(text)
    tp = sum(norm(s) in found for s in item["with"])
    fp = sum(norm(s) in found for s in item["without"])
    return tp, fp, len(item["with"]) - tp


def score_set(name: str, names: tuple[str, ...], truth: dict[str, dict], outputs: dict[str, dict[str, dict]]) -> dict:
    results = {}
    for extractor in names:
        totals, page_f1, dated, right, seconds, cpu, errors = [0, 0, 0], [], 0, 0, 0.0, 0.0, 0
        debris = invisible = 0
        for key, item in truth.items():
            got = outputs[key][extractor]
            debris += bool(DEBRIS.match(got["text"]))
            invisible += bool(INVISIBLE.search(got["title"] or "") or INVISIBLE.search(got["text"]))
            seconds, cpu, errors = seconds + got["seconds"], cpu + got["cpu"], errors + ("error" in got)
            dated += bool(day(got["date"]))
            if name == "htmldate-eval":
                expected = item["date"] if isinstance(item["date"], str) else None
                right += day(got["date"]) == (day(expected) if expected else None)
                continue
            counts = token_counts(item["articleBody"], got["text"]) if name == "article-extraction-benchmark" else (
                snippet_counts(item, got["text"])
            )
            totals = [a + b for a, b in zip(totals, counts)]
            page_f1.append(prf(*counts)[2])
        row: dict[str, Any] = {"dated": round(dated / len(truth), 3)}
        if name == "htmldate-eval":
            row["date_accuracy"] = round(right / len(truth), 4)
        else:
            precision, recall, f_score = prf(*totals)
            row.update(precision=round(precision, 4), recall=round(recall, 4), f1=round(f_score, 4))
            if name == "article-extraction-benchmark":
                row["mean_page_f1"] = round(sum(page_f1) / len(page_f1), 4)
        row.update(debris=debris, invisible=invisible, errors=errors)
        row.update(pages_per_s=round(len(truth) / seconds, 1), cpu_s=round(cpu, 1))
        results[extractor] = row
    return results


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


def print_table(name: str, pages: int, results: dict[str, dict]) -> None:
    print(f"\n{name}: {pages} pages")
    print(f"{'extractor':<17} {'precision':>9} {'recall':>7} {'F1':>7} {'page F1':>8} {'dated':>6} {'date acc':>8}"
          f" {'debris':>6} {'invis.':>6} {'pages/s':>8} {'CPU s':>7}")
    for extractor, r in results.items():
        print(
            f"{extractor:<17} {_cell(r, 'precision', '.4f'):>9} {_cell(r, 'recall', '.4f'):>7} {_cell(r, 'f1', '.4f'):>7}"
            f" {_cell(r, 'mean_page_f1', '.4f'):>8} {_cell(r, 'dated', '.0%'):>6} {_cell(r, 'date_accuracy', '.4f'):>8}"
            f" {r['debris']:>6} {r['invisible']:>6} {r['pages_per_s']:>8.1f} {r['cpu_s']:>7.1f}"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated extractors to run (default: all of each set's)")
    parser.add_argument("--details", type=Path, help="write every page's outputs to this JSON file")
    args = parser.parse_args(argv[1:])
    report: dict[str, Any] = {}
    details: dict[str, Any] = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_warm_up) as pool:
        for name in args.sets.split(","):
            loaded = load_set(args.shared, name)
            if loaded is None:
                print(f"\n{name}: not found under {args.shared}; skipped.")
                continue
            html_dir, truth = loaded
            names = tuple(e for e in SETS[name] if not args.only or e in args.only.split(","))
            tasks = [(str(html_dir / item["file"]), item["url"], key, names) for key, item in truth.items()]
            outputs = dict(zip(truth, pool.map(run_page, tasks, chunksize=4)))
            report[name] = {"pages": len(truth), **score_set(name, names, truth, outputs)}
            print_table(name, len(truth), {k: v for k, v in report[name].items() if k != "pages"})
            details[name] = outputs
    if not report:
        print("No extraction set found; nothing measured.")
        return 2
    print(f"\nwall time {time.perf_counter() - started:.0f} s over {args.workers} processes")
    if args.details:
        args.details.write_text(json.dumps(details, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
