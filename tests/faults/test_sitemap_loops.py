"""Sitemap indexes that never end: one that lists itself, a chain of ever-new child indexes, and one
that lists thousands of children. Within one run no sitemap is read twice, indexes are followed only
``crawl.sitemap_depth`` levels down and at most ``crawl.max_sitemaps`` children are read; the reason
is recorded in ``crawl_runs``, and the articles within reach are still stored."""

from __future__ import annotations

import sqlite3

import pytest

from newsmon.localsite import LocalSite
from newsmon_process import run_newsmon

ARTICLE = "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{text}</article></body></html>"
WIDE = 400


def index(*children: str) -> str:
    entries = "".join(f"<sitemap><loc>{{{{BASE}}}}{child}</loc></sitemap>" for child in children)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def urlset(*pages: str) -> str:
    entries = "".join(f"<url><loc>{{{{BASE}}}}{page}</loc></url>" for page in pages)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One ``newsmon crawl`` of the three hostile sitemap sources; the site's log and the database."""
    folder = tmp_path_factory.mktemp("sitemaps")
    with LocalSite() as site:
        site.route("/self.xml", body=index("/self.xml", "/self-pages.xml"))
        site.route("/self-pages.xml", body=urlset("/news/kept.html"))
        text = "<p>" + "Minsk and Benghazi signed a maintenance agreement for aircraft. " * 8 + "</p>"
        site.route("/news/kept.html", body=ARTICLE.format(title="An article behind a looping index", text=text))
        for n in range(50):
            site.route(f"/chain/{n}.xml", body=index(f"/chain/{n + 1}.xml"))
        site.route("/wide.xml", body=index(*(f"/wide/{n}.xml" for n in range(WIDE))))
        for n in range(WIDE):
            site.route(f"/wide/{n}.xml", body=urlset())
        config = folder / "newsmon.toml"
        sources = {"self": "/self.xml", "chain": "/chain/0.xml", "wide": "/wide.xml"}
        config.write_text(
            'database = "news.db"\n[crawl]\nsitemap_depth = 3\nmax_sitemaps = 20\n'
            + "".join(
                f'[[sources]]\nname = "{name}"\ntype = "sitemap"\nurl = "{site.url(path)}"\n'
                for name, path in sources.items()
            ),
            encoding="utf-8",
        )
        result = run_newsmon(config, "crawl", "--no-analyze", "--no-alerts", timeout=120)
        seen = site.seen()
    db = sqlite3.connect(folder / "news.db")
    db.row_factory = sqlite3.Row
    runs = {row["source"]: row for row in db.execute("select * from crawl_runs")}
    articles = [row["url"] for row in db.execute("select url from articles")]
    db.close()
    return result, seen, runs, articles


def requests_to(seen, prefix: str) -> int:
    return sum(1 for request in seen if request.route.startswith(prefix))


def test_an_index_that_lists_itself_is_read_once_and_its_articles_are_kept(crawled):
    result, seen, runs, articles = crawled
    assert result.returncode == 0, result.stderr
    assert requests_to(seen, "/self.xml") == 1
    assert any(url.endswith("/news/kept.html") for url in articles)
    assert runs["self"]["status"] == "ok"
    assert "lists http" in runs["self"]["errors"] and "already read in this run (a sitemap loop)" in runs["self"]["errors"]


def test_a_chain_of_ever_new_indexes_stops_at_the_depth_limit(crawled):
    _, seen, runs, _ = crawled
    assert requests_to(seen, "/chain/") == 4  # the source's index and three levels below it
    assert runs["chain"]["status"] == "partial"
    assert "nested deeper than crawl.sitemap_depth (3)" in runs["chain"]["errors"]


def test_an_index_with_thousands_of_children_reads_only_the_cap(crawled):
    _, seen, runs, _ = crawled
    assert requests_to(seen, "/wide/") == 20
    assert runs["wide"]["status"] == "partial"
    assert "more than crawl.max_sitemaps (20) child sitemaps in one run" in runs["wide"]["errors"]
