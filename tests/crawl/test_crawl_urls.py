"""URL canonicalisation: one spelling per article, so a link with tracking parameters, a fragment or a
different case of host is recognised as the article already stored."""

from __future__ import annotations

import pytest

from newsmon.pipeline.urls import canonical_url, is_http_url


@pytest.mark.parametrize(
    "given, expected",
    [
        ("https://Example.COM/news/a.html#comments", "https://example.com/news/a.html"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=IwAR0&gclid=x&msclkid=y&mc_cid=z", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://www.aljazeera.com/news/2024/1/21/x?traffic_source=rss", "https://www.aljazeera.com/news/2024/1/21/x"),
        ("https://example.com/новости/1", "https://example.com/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1"),
    ],
)
def test_canonical_url(given, expected):
    assert canonical_url(given) == expected
    assert canonical_url(expected) == expected


def test_relative_links_resolve_against_the_page():
    assert canonical_url("../b.html?utm_campaign=x", base="https://site.org/news/a/") == "https://site.org/news/b.html"


def test_only_http_urls_are_fetchable():
    assert is_http_url("https://site.org/a") and is_http_url("http://127.0.0.1:8000/")
    assert not is_http_url("mailto:desk@site.org") and not is_http_url("/relative") and not is_http_url("ftp://x/y")
