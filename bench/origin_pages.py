"""Where the origin rule (``pipeline/origin.py``) fires on real pages nobody wrote for it.

Usage: python bench/origin_pages.py [SHARED]   (default: the developers' shared folder beside the checkout)

The rule drops a place mention that only says where a person comes from ("Libyan-born", "born in
Minsk"). On the real pages of the shared sets (the article-extraction-benchmark's hand-made bodies,
mostly English, and the text trafilatura extracts from the htmldate evaluation's pages in many
languages), every capitalised word (and every Arabic-script or CJK word) is tried as if it were a place
mention, and every one the rule calls an origin is printed with its context, for a reader to judge
whether it names a person's origin. Per set: pages, words tried, words called an origin.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from real_pages import DEFAULT_SHARED, extraction_benchmark, htmldate_pages  # noqa: E402

_WORD = re.compile(r"\w+")


def _candidate(word: str) -> bool:
    first = word[:1]
    return first.isupper() or "\u0600" <= first <= "\u06ff" or "\u4e00" <= first <= "\u9fff"


def origins(pages: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
    from newsmon.pipeline.origin import names_origin

    tried, found = 0, []
    for url, text in pages:
        for m in _WORD.finditer(text or ""):
            if not _candidate(m.group()):
                continue
            tried += 1
            if names_origin(text, m.start(), m.end()):
                context = " ".join(text[max(0, m.start() - 40) : m.end() + 25].split())
                found.append((url, f"{context}  [{m.group()}]"))
    return tried, found


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    if not shared.is_dir():
        print(f"skipped: no shared folder at {shared}")
        return
    for name, load in (("article-extraction-benchmark", extraction_benchmark), ("htmldate-eval", htmldate_pages)):
        pages = load(shared)
        tried, found = origins(pages)
        print(f"{name}: {len(pages)} pages, {tried} words tried, {len(found)} called an origin")
        for url, context in found:
            print(f"  {url.split('/')[2] if '//' in url else url} | {context}")


if __name__ == "__main__":
    main()
