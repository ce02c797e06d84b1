"""One huge page (9 MB in 150,000 paragraphs, under the 10 MB page limit) costs its source little and
the other sources nothing: extraction is cut after a bounded number of elements, and it runs off the
crawl's reactor thread, so a second source's articles are fetched and stored meanwhile.

Before the bound, trafilatura's time grew with the square of the paragraphs: minutes for this page,
with every other source of the crawl waiting behind it.
"""

from __future__ import annotations

import sqlite3

import pytest

from newsmon_process import run_newsmon
from newsmon.localsite import LocalSite

PARAGRAPHS = 150_000
GOOD = {
    "/news/minsk-forum.html": "Minsk hosts Libyan business forum",
    "/news/grain-ship.html": "Grain ship from Belarus docks at Tobruk",
    "/news/doctors.html": "Belarusian doctors to train staff in Libyan hospitals",
}


def feed(site: LocalSite, items: dict[str, str]) -> str:
    entries = "".join(f"<item><title>{title}</title><link>{site.url(path)}</link></item>" for path, title in items.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def article(title: str) -> str:
    paragraph = (
        f"<p>{title}: officials in Minsk and Benghazi said on Thursday that the agreement would run for five years, "
        "with the first deliveries expected before the summer and a joint commission meeting twice a year.</p>"
    )
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraph * 4}</article></body></html>"


def huge_page() -> bytes:
    rows = "".join(f"<p>Row {i} of a page that never ends, however far one reads.</p>" for i in range(PARAGRAPHS))
    return f"<html><head><title>An endless page</title></head><body><article><h1>An endless page</h1>{rows}</article></body></html>".encode()


@pytest.fixture
def two_sources(tmp_path):
    with LocalSite() as huge, LocalSite() as good:
        body = huge_page()
        assert 8_000_000 < len(body) < 10 * 1024 * 1024
        huge.route("/feed.rss", body=feed(huge, {"/endless.html": "An endless page"}), headers={"Content-Type": "application/rss+xml"})
        huge.route("/endless.html", body=body, headers={"Content-Type": "text/html; charset=utf-8"})
        # the good source answers a little later, while the huge page is being extracted
        good.route("/feed.rss", body=feed(good, GOOD), headers={"Content-Type": "application/rss+xml"}, delay=0.5)
        for path, title in GOOD.items():
            good.route(path, body=article(title), headers={"Content-Type": "text/html; charset=utf-8"})
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'database = "news.db"\n[crawl]\nlookback_days = 3650\n'
            f'[[sources]]\nname = "endless"\ntype = "feed"\nurl = "{huge.url("/feed.rss")}"\n'
            f'[[sources]]\nname = "good"\ntype = "feed"\nurl = "{good.url("/feed.rss")}"\n',
            encoding="utf-8",
        )
        yield config


def test_a_huge_page_neither_stalls_the_crawl_nor_loses_the_other_sources_articles(two_sources):
    result = run_newsmon(two_sources, "crawl", "--no-analyze", "--no-alerts", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(two_sources.parent / "news.db") as conn:
        stored = dict(conn.execute("select title, source from articles").fetchall())
        endless = conn.execute("select text from articles where source = 'endless'").fetchone()[0]
        runs = dict(conn.execute("select source, status from crawl_runs").fetchall())
    assert {title: stored.get(title) for title in GOOD.values()} == {title: "good" for title in GOOD.values()}
    assert runs == {"endless": "ok", "good": "ok"}
    assert endless.startswith("Row 0 of a page") and f"Row {PARAGRAPHS - 1} " not in endless
