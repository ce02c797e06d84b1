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


# Pages nobody tuned extraction for: one small page per class seen on real outlets (tests/crawl/pages/).
PAGES = Path(__file__).parent / "pages"


def test_valid_utf8_beats_a_declared_charset_that_contradicts_it():
    html = (PAGES / "utf8-declared-cp1252.html").read_bytes()
    article = extract_article(html, "https://minsk-monitor.example/de/uebung", {"content_type": "text/html; charset=ISO-8859-15"})
    assert article.title == "Größte Übung seit Jahren: Weißrussland und Libyen"
    assert "weißrussische Verteidigungsministerium" in article.text and "Ã" not in article.text


def test_a_page_in_a_legacy_charset_still_follows_its_declaration():
    html = (PAGES / "utf8-declared-cp1252.html").read_text(encoding="utf-8").encode("cp1252", errors="replace")
    article = extract_article(html, "https://minsk-monitor.example/de/uebung", {"content_type": "text/html"})
    assert article.title == "Größte Übung seit Jahren: Weißrussland und Libyen"


def test_byline_debris_and_empty_layout_cells_are_not_text():
    article = extract_article((PAGES / "byline-debris.html").read_bytes(), "https://x.example/news/mig29")
    assert article.text.startswith("Feb 20, 2025 | 14:05") or article.text.startswith("Minsk and Benghazi")
    assert "|  |" not in article.text and not article.text.startswith("|")


def test_invisible_characters_leave_titles_and_texts():
    article = extract_article((PAGES / "invisible-title.html").read_bytes(), "https://x.example/de/haftar")
    assert article.title == "Lukaschenko empfängt Haftar in Minsk"
    assert "Alexander Lukaschenko" in article.text and "Nachrichtenagentur" in article.text


def test_a_site_name_after_a_korean_separator_without_spaces_is_dropped():
    article = extract_article((PAGES / "korean-title.html").read_bytes(), "https://minskmonitor.example/ko/1")
    assert article.title == "벨라루스, 리비아와 군사협력 강화"


def test_json_ld_article_body_wins_when_clearly_more_complete():
    article = extract_article((PAGES / "jsonld-body.html").read_bytes(), "https://x.example/news/deal")
    assert "Libya Stabilization Act" in article.text and "Subscribe" not in article.text


def test_a_short_json_ld_article_body_does_not_replace_the_page_text():
    html = (PAGES / "byline-debris.html").read_text(encoding="utf-8").replace(
        "</head>", '<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "Minsk and Benghazi."}</script></head>'
    )
    assert "Viktor Khrenin" in extract_article(html, "https://x.example/news/mig29").text


@pytest.mark.parametrize(
    "published, url, expected",
    [
        # the same instant, written in an offset that puts it on the publisher's day in the URL
        ("2020-02-25T02:25:54Z", "https://x.example/2020/02/24/mig29/", "2020-02-24T23:25:54-03:00"),
        ("2018-12-31T23:11:59Z", "https://x.example/2019/01/01/mig29/", "2019-01-01T00:11:59+01:00"),
        # a "published" time a week after the URL's day is a modification: the URL's day is the original
        ("2020-03-02T10:00:00+01:00", "https://x.example/2020/02/24/mig29/", "2020-02-24T00:00:00+00:00"),
        # a local time that disagrees by a day is the publisher's own statement and stays
        ("2020-02-25T08:00:00+01:00", "https://x.example/2020/02/24/mig29/", "2020-02-25T08:00:00+01:00"),
        ("2020-02-25T02:25:54Z", "https://x.example/news/mig29/", "2020-02-25T02:25:54+00:00"),
    ],
)
def test_the_date_in_the_url_settles_the_publication_day(published, url, expected):
    html = (PAGES / "url-date.html").read_text(encoding="utf-8").replace("{PUBLISHED}", published)
    assert extract_article(html, url).published == expected


def test_a_page_without_any_date_takes_its_urls_day():
    html = (PAGES / "url-date.html").read_text(encoding="utf-8").replace('<meta property="article:published_time" content="{PUBLISHED}">', "")
    assert extract_article(html, "https://x.example/news/20250220/mig29").published == "2025-02-20T00:00:00+00:00"


@pytest.mark.parametrize(
    "title, site, url, expected",
    [
        ("Belarus and Libya sign deal|Minsk Monitor", "Minsk Monitor", "https://minsk-monitor.example/a", "Belarus and Libya sign deal"),
        ("Belarus and Libya sign deal ｜ Minsk Monitor", None, "https://minsk-monitor.example/a", "Belarus and Libya sign deal"),
        ("Haftar trifft Lukaschenko in Minsk - Frankfurter Allgemeine Zeitung", None, "https://www.faz.net/a", "Haftar trifft Lukaschenko in Minsk"),
        ("Haftar Meets Lukashenko in Minsk - The New York Times", None, "https://www.nytimes.com/a", "Haftar Meets Lukashenko in Minsk"),
        ("Haftar visits Minsk - The Korea Herald", "Korea Herald", "https://www.koreaherald.com/a", "Haftar visits Minsk"),
        ("Syria war update - Belarus sends aid", None, "https://ria.ru/a", "Syria war update - Belarus sends aid"),
    ],
)
def test_long_form_and_unusual_site_names_are_stripped(title, site, url, expected):
    assert strip_site_suffix(title, [site], url) == expected


def test_a_lede_only_first_pass_is_extracted_again_and_the_longer_text_kept():
    article = extract_article((PAGES / "lede-only.html").read_bytes(), "https://x.example/news/mig29-overhaul")
    assert "Viktor Khrenin" in article.text and "Libya Stabilization Act" in article.text
    assert "Home" not in article.text and "©" not in article.text


@pytest.mark.parametrize(
    "title, site, url, expected",
    [
        # a declared "site name" that repeats the headline names nothing
        ("DOW Jones - Jahresendrally ade?! - Tagesanalyse", "DOW Jones - Jahresendrally ade?! - Tagesanalyse - Tagesausblick.de",
         "https://www.tagesausblick.de/a", "DOW Jones - Jahresendrally ade?! - Tagesanalyse"),
        ("Energy Rising - 33 Tage Yoga Challenge - Mady Morrison - Yoga Lifestyle", "Mady Morrison - Yoga Lifestyle",
         "https://www.madymorrison.com/a", "Energy Rising - 33 Tage Yoga Challenge"),
        ("Outdoornews - Hochauflösende Schneekarten auf Gipfelbuch.ch", "gipfelbuch.ch", "https://www.gipfelbuch.ch/a",
         "Outdoornews - Hochauflösende Schneekarten auf Gipfelbuch.ch"),
    ],
)
def test_headline_words_that_merely_mention_the_site_stay(title, site, url, expected):
    assert strip_site_suffix(title, [site], url) == expected


def test_quotation_marks_opening_a_title_are_not_debris():
    html = "<html><head><title>»Abzocke wird als Klimaschutz verkauft«</title></head><body><article><p>" + "Wort " * 60 + "</p></article></body></html>"
    assert extract_article(html, "https://x.example/a").title == "»Abzocke wird als Klimaschutz verkauft«"
