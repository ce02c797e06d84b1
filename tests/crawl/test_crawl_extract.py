"""Extraction of one page into an article, without Scrapy: title, text, date, language, author, site.

Structured metadata beats heuristics for titles and dates; a feed's hints fill what the page lacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.pipeline.extract import article_from_hints, extract_article, iso_datetime, strip_site_suffix

SITE = Path(__file__).parent / "site"
URL = "https://minsk-monitor.example/news/2025/02/haftar-minsk-visit.html"


def page(path: str) -> bytes:
    return (SITE / path).read_bytes().replace(b"{{BASE}}", b"https://minsk-monitor.example")


def test_the_seed_article_page():
    article = extract_article(page("news/2025/02/haftar-minsk-visit.html"), URL)
    assert article.title == "Lukashenko Could Face New U.S. Sanctions Over Cooperation with Libya"
    assert article.published == "2025-02-20T14:05:00+03:00"
    assert (article.language, article.author, article.site_name) == ("en", "Alena Kavalchuk", "Minsk Monitor")
    assert article.canonical_url == URL
    assert "KGB Ivan Tertel and Defense Minister Viktor Khrenin" in article.text
    assert "Most read" not in article.text and "All rights reserved" not in article.text
    assert article.summary.startswith("Is it true that")


def test_a_legacy_encoding_without_any_charset_is_detected():
    article = extract_article(page("ru/belarus-novosti.html"), "https://example.by/ru/", {"content_type": "text/html"})
    assert article.title == "Беларусь и Ливия договорились о сотрудничестве"
    assert "МиГ-29" in article.text and article.language == "ru"


def test_feed_hints_fill_in_what_the_page_lacks():
    hints = {"published": "Sun, 23 Feb 2025 15:30:00 GMT", "title": "Tertel receives Haftar's son (feed title)"}
    article = extract_article(page("news/2025/02/tertel-visit.html"), "https://x.example/t.html", hints)
    assert article.published == "2025-02-23T15:30:00+00:00"
    assert article.title == "KGB chief Tertel received Haftar's son in Minsk"


def test_an_amp_page_points_at_its_canonical_url():
    article = extract_article(page("amp/mig29-maintenance.html"), "https://minsk-monitor.example/amp/mig29-maintenance.html")
    assert article.canonical_url == "https://minsk-monitor.example/news/2025/02/mig29-maintenance.html"


def test_a_page_without_an_article_gives_none():
    assert extract_article(b"", "https://x.example/") is None
    assert extract_article("<html><body><nav><a href='/'>Home</a></nav></body></html>", "https://x.example/") is None


def test_an_entry_can_be_kept_from_the_feed_alone():
    article = article_from_hints(
        "https://news.google.com/rss/articles/abc",
        {"title": "Haftar visits Minsk - Libya Review", "summary": "<a href='#'>Haftar visits Minsk</a>&nbsp;Libya Review",
         "published": "Mon, 17 Feb 2025 14:20:00 GMT", "site_name": "Libya Review", "language": "en-US"},
    )
    assert article.title == "Haftar visits Minsk"
    assert article.text == "Haftar visits Minsk Libya Review" and article.html == ""
    assert article.published == "2025-02-17T14:20:00+00:00" and article.language == "en"


@pytest.mark.parametrize(
    "title, site, expected",
    [
        ("Belarus and Libya sign deal | Minsk Monitor", "Minsk Monitor", "Belarus and Libya sign deal"),
        ("Belarus and Libya sign deal - Minsk Monitor", "Minsk Monitor", "Belarus and Libya sign deal"),
        ("Minsk Monitor — Belarus and Libya sign deal", "Minsk Monitor", "Belarus and Libya sign deal"),
        ("Haftar in Minsk - Libya Herald", None, "Haftar in Minsk"),
        ("Haftar in Minsk: what we know about the visit | World | News", None, "Haftar in Minsk: what we know about the visit"),
        ("Belarus-Libya ties - a timeline", "Minsk Monitor", "Belarus-Libya ties - a timeline"),
    ],
)
def test_site_names_are_stripped_from_titles(title, site, expected):
    assert strip_site_suffix(title, [site], "https://www.libyaherald.com/2025/02/x/") == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-02-20T14:05:00+03:00", "2025-02-20T14:05:00+03:00"),
        ("2025-02-20T11:05:00Z", "2025-02-20T11:05:00+00:00"),
        ("2025-02-20", "2025-02-20T00:00:00+00:00"),
        ("Thu, 20 Feb 2025 11:05:00 +0100", "2025-02-20T11:05:00+01:00"),
        ("20250220T113000Z", "2025-02-20T11:30:00+00:00"),
        ("20 February 2025 14:05", "2025-02-20T14:05:00+00:00"),
        ("not a date", None),
        ("", None),
    ],
)
def test_dates_are_iso_8601_with_an_offset(value, expected):
    assert iso_datetime(value) == expected
