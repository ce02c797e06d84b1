"""Google News RSS links: the publisher URL is recovered when the article id carries it."""

from __future__ import annotations

from newssite import google_news_link

from newsmon.spiders.googlenews import decode_google_news_link, is_google_news_link

# Real links from Google News RSS: the older format (publisher URL inside) and the newer opaque one.
OLD_FORMAT = (
    "https://news.google.com/rss/articles/CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG_SATJodHRw"
    "czovL3d3dy5iYmMuY29tL25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA?oc=5"
)
NEW_FORMAT = (
    "https://news.google.com/rss/articles/CBMiVkFVX3lxTE4zaGU2bTY2ZGkzdTRkSkJ0cFpsTGlDUjkxU2FBRURaTWU0c3QzVWZ1MHZZNk"
    "Z5Vzk1ZVBnTDFHY2R6ZmdCUkpUTUJsS1pqQTlCRzlzbHV3?oc=5"
)


def test_an_old_format_link_yields_the_publisher_url():
    assert decode_google_news_link(OLD_FORMAT) == "https://www.bbc.com/news/articles/cjjjnxdv188o"


def test_a_new_format_link_cannot_be_decoded_offline():
    assert is_google_news_link(NEW_FORMAT)
    assert decode_google_news_link(NEW_FORMAT) is None


def test_links_built_by_the_test_site_round_trip():
    assert decode_google_news_link(google_news_link("http://127.0.0.1:8080/a.html")) == "http://127.0.0.1:8080/a.html"


def test_other_links_are_left_alone():
    assert not is_google_news_link("https://news.google.com/search?q=Belarus")
    assert decode_google_news_link("https://libyaherald.com/2025/02/x/") is None
    assert decode_google_news_link("https://news.google.com/rss/articles/!!!not-base64!!!") is None
