"""Scrapy owns fetching: one spider per source type, yielding article items for ``pipeline``.

``SPIDERS`` is the one registry of source types: the config validates ``type`` against its keys and
the runner starts the class it names. Classes are named, not imported, so that reading a config does
not import Scrapy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsmon.spiders.base import SourceSpider

SPIDERS: dict[str, str] = {
    "feed": "newsmon.spiders.feed:FeedSpider",
    "sitemap": "newsmon.spiders.sitemap:SitemapSpider",
    "listing": "newsmon.spiders.listing:ListingSpider",
    "gdelt": "newsmon.spiders.gdelt:GdeltSpider",
}


def spider_class(source_type: str) -> type[SourceSpider]:
    """The spider class registered for ``source_type``."""
    module, name = SPIDERS[source_type].split(":")
    return getattr(importlib.import_module(module), name)
