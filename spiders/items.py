"""What a spider hands to the item pipeline: one fetched page (or a feed entry) and what led to it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FetchedPage:
    """A page to extract and store.

    ``body`` is None for a feed entry kept from the feed's own title and summary (a Google News link
    that cannot be resolved). ``urls`` lists every URL that led here (as linked, after redirects), so
    none of them is fetched again. ``hints`` are what the source said about the page.
    """

    source: str
    url: str
    body: bytes | None
    content_type: str | None = None
    urls: list[str] = field(default_factory=list)
    hints: dict = field(default_factory=dict)
    parent: str | None = None
