"""The article's main text: trafilatura, a second pass when the first looks cut short, JSON-LD's body.

Settings were chosen on three real sets together (``bench/extraction.py``; ``docs/quality.md``):
trafilatura's fast mode without recall favoured keeps neighbouring blocks (teasers, key-point boxes,
credits) out; a result shorter than ``SHORT_TEXT`` characters, fewer than any news article holds, is
re-extracted in trafilatura's full mode, which also weighs readability's and jusText's results, and
the longer of the two is kept. Where the publisher's JSON-LD ``articleBody`` is the same article and
clearly longer, the extraction is the one that lost content, so the publisher's text is kept.
"""

from __future__ import annotations

import re

import trafilatura
from lxml.html import HtmlElement

FIRST_PASS = {"fast": True, "include_comments": False, "include_tables": True}
SECOND_PASS = {"fast": False, "include_comments": False, "include_tables": True}
SHORT_TEXT = 500
# articleBody replaces the extraction when it is this much longer and holds most of its words.
MORE_COMPLETE = 1.5
SAME_ARTICLE = 0.6
CELL = re.compile(r"(?<!\\)\|")
RULE = re.compile(r"[\s:|-]*")
WORD = re.compile(r"\w+")


def main_text(tree: HtmlElement, url: str, structured_body: str | None = None) -> str:
    """The page's main text as plain lines; '' when trafilatura finds none."""
    text = _extract(tree, url, FIRST_PASS)
    if len(text) < SHORT_TEXT:
        second = _extract(tree, url, SECOND_PASS)
        if len(second) > len(text):
            text = second
    if structured_body and clearly_more_complete(structured_body, text):
        text = structured_body
    return text


def _extract(tree: HtmlElement, url: str, options: dict) -> str:
    doc = trafilatura.bare_extraction(tree, url=url, **options)
    return tidy_tables(doc.text) if doc is not None and doc.text else ""


def clearly_more_complete(body: str, text: str) -> bool:
    """Whether ``body`` is the same article as ``text`` (most of its words) and much longer."""
    if len(body) < MORE_COMPLETE * len(text):
        return False
    words = WORD.findall(text.lower())
    if not words:
        return True
    known = set(WORD.findall(body.lower()))
    return sum(word in known for word in words) >= SAME_ARTICLE * len(words)


def tidy_tables(text: str) -> str:
    """Table rows as plain lines: empty cells and header rules dropped, no frame of pipes.

    Layout tables (a page built from table cells) otherwise leave lines of ``|  |  |`` and texts
    that start with a pipe; a real table keeps its cells, separated by `` | ``.
    """
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            cells = [cell.strip().replace("\\|", "|") for cell in CELL.split(stripped[1:-1])]
            cells = [cell for cell in cells if cell and not RULE.fullmatch(cell)]
            if not cells:
                continue
            line = " | ".join(cells)
        lines.append(line)
    return "\n".join(lines).strip()
