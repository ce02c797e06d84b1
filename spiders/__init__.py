"""Scrapy owns fetching: one spider per source type, yielding article items for ``pipeline``."""
