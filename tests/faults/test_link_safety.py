"""Links that must not be followed: ``file:``, ``javascript:``, ``data:`` and other schemes, and
private, loopback or link-local addresses reached through a feed or a page of another host.

The address checked is the resolved one, so ``localhost``, ``2130706433`` or ``[::1]`` are refused
like ``127.0.0.1``. A source configured on such a host is the operator's choice: it is crawled, and
its links to the same origin are followed (which is how every test here crawls 127.0.0.1), but not
its links to another port or scheme of that host, which is another service.
"""

from __future__ import annotations

import asyncio
import sqlite3
from types import SimpleNamespace

import pytest
from scrapy import Request

from newsmon.config import CrawlSettings
from newsmon.localsite import LocalSite
from newsdesk import feed_config
from newsmon_process import run_newsmon
from newsmon.spiders.safety import RefusedRequest, SafeTargetMiddleware, unsafe_address
from newsmon.spiders.settings import scrapy_settings

REFUSED_LINKS = {
    "localhost": "localhost (127.0.0.1) is a loopback address",
    "[::1]": "::1 is a loopback address",
    "10.255.255.1": "10.255.255.1 is a private address",
    "169.254.169.254": "169.254.169.254 is a link-local address",
    "0.0.0.0": "0.0.0.0 is a",
    "2130706433": "2130706433 (127.0.0.1) is a loopback address",
}


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "non-public"),
        ("224.0.0.1", "multicast"),
        ("8.8.8.8", None),
        ("2a00:1450:4001:80b::200e", None),
    ],
)
def test_which_addresses_are_off_limits(address, kind):
    assert unsafe_address(address) == kind


def middleware_for(source_url: str) -> SafeTargetMiddleware:
    spider = SimpleNamespace(source=SimpleNamespace(url=source_url))
    return SafeTargetMiddleware(SimpleNamespace(spider=spider))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/html,<h1>x</h1>", "ftp://127.0.0.1/x", "s3://b/k"])
def test_other_schemes_are_refused_before_any_handler_sees_them(url):
    with pytest.raises(RefusedRequest, match="links are never followed"):
        asyncio.run(middleware_for("http://127.0.0.1/feed").process_request(Request(url)))
    assert {"data", "file", "s3", "ftp"} <= {
        scheme for scheme, handler in scrapy_settings(CrawlSettings())["DOWNLOAD_HANDLERS"].items() if handler is None
    }


def test_the_sources_own_origin_is_allowed_and_others_are_checked():
    middleware = middleware_for("http://127.0.0.1:8080/feed")
    assert asyncio.run(middleware.process_request(Request("http://127.0.0.1:8080/article"))) is None
    for other in ("http://127.0.0.1:9999/article", "https://127.0.0.1:8080/article", "http://127.0.0.1/article"):
        with pytest.raises(RefusedRequest, match="127.0.0.1 is a loopback address"):
            asyncio.run(middleware.process_request(Request(other)))
    with pytest.raises(RefusedRequest, match="10.0.0.5 is a private address"):
        asyncio.run(middleware.process_request(Request("http://10.0.0.5/article")))
    default_port = middleware_for("http://10.0.0.5/feed")
    assert asyncio.run(default_port.process_request(Request("http://10.0.0.5:80/article"))) is None


def test_a_feed_link_to_another_port_of_its_loopback_host_is_refused_and_never_requested(tmp_path):
    with LocalSite() as feed_site, LocalSite() as other:
        other.route("/admin.html", body="<html><body><p>INTERNAL ADMIN PAGE</p></body></html>")
        feed_site.route(
            "/feed.xml",
            body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>Another service</title><link>{other.url('/admin.html')}</link></item>"
            "</channel></rss>",
            headers={"Content-Type": "application/rss+xml"},
        )
        config = feed_config(tmp_path, "local", feed_site.url("/feed.xml"))
        result = run_newsmon(config, "crawl", "--no-analyze", "--no-alerts")
        assert result.returncode == 0, result.stderr
        assert other.count() == 0
    with sqlite3.connect(tmp_path / "news.db") as db:
        (errors,) = db.execute("select errors from crawl_runs where source = 'local'").fetchone()
        assert db.execute("select count(*) from articles").fetchone()[0] == 0
    assert f"{other.url('/admin.html')}: refused: 127.0.0.1 is a loopback address" in errors


@pytest.mark.parametrize("host, reason", REFUSED_LINKS.items())
def test_a_feed_link_to_a_private_address_is_refused_and_recorded(hostile_crawl, host, reason):
    errors = hostile_crawl.run("good")["errors"].splitlines()
    assert any(f"//{host}" in line and f"refused: {reason}" in line for line in errors), errors


def test_no_refused_link_ever_reached_a_server(hostile_crawl):
    assert hostile_crawl.site_saw("/news/secret.html") == []
    with hostile_crawl.db() as db:
        everything = " ".join(
            str(value) for row in db.execute("select title, text, html_gz is null from articles") for value in row
        )
    assert "SECRET-INTERNAL-PAGE" not in everything and "INTERNAL" not in everything


def test_a_redirect_to_loopback_is_refused_like_a_link(hostile_crawl):
    errors = hostile_crawl.run("good")["errors"]
    assert "/go/secret.html: refused: localhost (127.0.0.1) is a loopback address" in errors
    assert len(hostile_crawl.site_saw("/go/secret.html")) == 1


def test_a_redirect_to_a_local_file_is_not_followed(hostile_crawl):
    assert "/go/passwd.html: HTTP 301" in hostile_crawl.run("good")["errors"]


def test_non_http_links_are_dropped_and_nothing_local_is_read(hostile_crawl):
    with hostile_crawl.db() as db:
        urls = [row[0] for row in db.execute("select url from articles union select url from seen_urls")]
        text = " ".join(row[0] for row in db.execute("select text from articles"))
    assert all(url.startswith(("http://", "https://")) for url in urls)
    assert "root:x:0:0" not in text
    section = hostile_crawl.run("section")
    assert section["status"] == "ok" and section["new_articles"] == 1  # only the one http link


def test_a_source_on_a_private_host_is_the_operators_choice(hostile_crawl):
    intranet = hostile_crawl.run("intranet")
    assert intranet["new_articles"] == 1
    assert "127.0.0.1" in intranet["errors"] and "refused: 127.0.0.1 is a loopback address" in intranet["errors"]
