"""Fixtures for the crawl tests: the local news site, started fresh for a test."""

from __future__ import annotations

import pytest
from newssite import serve_news_site


@pytest.fixture
def news_site():
    site = serve_news_site()
    yield site
    site.stop()
