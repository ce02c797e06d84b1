"""A bound on what one page may cost to extract.

trafilatura's time grows with the square of the number of paragraphs: a 4 MB page of 200,000 ``<p>``
takes tens of seconds, a 9 MB one several minutes. Real articles hold a few thousand elements (at most
about 10,000 across the 2,109 pages of the three evaluation sets), so a page is cut after
``MAX_ELEMENTS`` in document order: the head and the article's start, which is where metadata and
text are, survive; a hostile or broken tail does not get to stall the crawl.
"""

from __future__ import annotations

from lxml.html import HtmlElement

MAX_ELEMENTS = 25_000


def cap_elements(tree: HtmlElement, limit: int = MAX_ELEMENTS) -> bool:
    """Drop every element after the first ``limit`` (document order); True when the page was cut."""
    if tree.xpath("count(//*)") <= limit:
        return False
    element = next(e for count, e in enumerate(tree.iter(), start=1) if count > limit)
    node = element
    while (parent := node.getparent()) is not None:
        for later in list(node.itersiblings()):
            parent.remove(later)
        node = parent
    element.getparent().remove(element)
    return True
