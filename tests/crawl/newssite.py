"""The local news site used by the crawl tests (files in ``site/`` plus broken routes), a config that
points newsmon at it, and a way to run ``newsmon`` in a child process.

Scrapy's reactor can start only once per process, so every real crawl runs as ``python -m newsmon``
in a subprocess, exactly as the daemon runs it.
"""

from __future__ import annotations

import base64
import textwrap
from datetime import date
from pathlib import Path

from newsmon.localsite import LocalSite

SITE = Path(__file__).parent / "site"
QUERY = "(Belarus OR Lukashenko) (Libya OR Haftar)"
# Far enough back to keep the fixtures' February 2025 entries, never the 2009/2010 archive.
LOOKBACK_DAYS = (date.today() - date(2025, 1, 1)).days


def google_news_link(publisher_url: str) -> str:
    """A Google News RSS link in the older format, which carries the publisher URL (protobuf field 4)."""
    url = publisher_url.encode()
    payload = b"\x08\x13\x22" + bytes([len(url)]) + url + b"\xd2\x01\x00"
    return "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(payload).decode().rstrip("=") + "?oc=5"


def decodable_google_feed(site: LocalSite) -> str:
    link = google_news_link(site.url("/news/2025/02/publisher-story.html"))
    return textwrap.dedent(
        f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel>
          <title>"Belarus Benghazi" - Google News</title>
          <link>https://news.google.com/</link>
          <item>
            <title>Belarusian grain shipment arrives in Benghazi - Minsk Monitor</title>
            <link>{link}</link>
            <pubDate>Mon, 24 Feb 2025 05:45:00 GMT</pubDate>
            <source url="{site.base_url}">Minsk Monitor</source>
          </item>
        </channel></rss>
        """
    )


def serve_news_site() -> LocalSite:
    """The fixture site with its broken corners: a 500, a page that never answers, one too large, a
    redirect, a page in Windows-1251 sent without any charset, a feed URL that fails, and GDELT's API
    path."""
    site = LocalSite(SITE).start()
    site.route("/old/minsk-expo", redirect="/news/2025/02/minsk-defence-expo.html")
    site.route("/news/broken-500.html", status=500, body="<h1>Internal Server Error</h1>")
    site.route("/news/slow.html", delay=8, body="<html><body>too late</body></html>")
    site.route("/news/huge.html", body="<html><body>" + "<p>Padding.</p>" * 20_000 + "</body></html>")
    site.route("/ru/belarus-novosti.html", file="ru/belarus-novosti.html", headers={"Content-Type": "text/html"})
    site.route("/feeds/down.rss", status=500, body="Service Unavailable")
    site.route("/api/v2/doc/doc", file="gdelt/artlist.json", headers={"Content-Type": "application/json"})
    site.route("/feeds/google-news-decodable.rss", body=decodable_google_feed(site),
               headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    return site


def config_text(site: LocalSite, database: str = "news.db") -> str:
    """A config with one source of each kind (and the broken ones) on the local site."""
    sources = [
        ("world", "feed", "/feeds/world.rss", ""),
        ("africa", "feed", "/feeds/africa.atom", ""),
        ("troubled", "feed", "/feeds/troubled.rss", ""),
        ("broken", "feed", "/feeds/broken.rss", ""),
        ("down", "feed", "/feeds/down.rss", ""),
        ("google-news", "feed", "/feeds/google-news.rss", ""),
        ("google-news-decodable", "feed", "/feeds/google-news-decodable.rss", ""),
        ("africa-section", "listing", "/section/africa/", 'links = "article h2 a"\n'),
        ("stale-selector", "listing", "/section/africa/", 'links = "ul.headlines a"\n'),
        ("sitemap", "sitemap", "/sitemap_index.xml", ""),
        ("gdelt", "gdelt", "/api/v2/doc/doc", f'query = "{QUERY}"\nevery = "1h"\n'),
    ]
    text = textwrap.dedent(
        f"""\
        database = "{database}"

        [crawl]
        timeout = 1
        retries = 1
        max_page_mb = 0.2
        lookback_days = {LOOKBACK_DAYS}
        user_agent = "newsmon-test/0.1 (+http://127.0.0.1/contact)"
        """
    )
    for name, kind, path, extra in sources:
        text += f'\n[[sources]]\nname = "{name}"\ntype = "{kind}"\nurl = "{site.url(path)}"\n{extra}'
    return text


