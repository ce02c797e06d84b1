"""LocalSite, the loopback web server that tests, the demo and the benchmark serve their sites with."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from newsmon.localsite import LocalSite


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def site(tmp_path):
    (tmp_path / "feed.xml").write_text("<link>{{BASE}}/a.html</link>", encoding="utf-8")
    (tmp_path / "section").mkdir()
    (tmp_path / "section" / "index.html").write_text("<h1>Section</h1>", encoding="utf-8")
    with LocalSite(tmp_path) as served:
        yield served


def test_files_are_served_with_the_base_url_filled_in(site):
    status, headers, body = get(site.url("/feed.xml"))
    assert status == 200 and body == f"<link>{site.base_url}/a.html</link>".encode()
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    assert get(site.url("/section/"))[2] == b"<h1>Section</h1>"
    assert get(site.url("/missing.html"))[0] == 404
    assert site.base_url.startswith("http://127.0.0.1:")


def test_conditional_requests_get_304(site):
    _, headers, _ = get(site.url("/feed.xml"))
    assert get(site.url("/feed.xml"), {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(site.url("/feed.xml"), {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(site.url("/feed.xml"), {"If-None-Match": '"other"'})[0] == 200


def test_routes_answer_broken_cases(site):
    site.route("/boom", status=500, body="oops")
    site.route("/moved", redirect="/section/")
    site.route("/cp1251", body="Минск".encode("cp1251"), headers={"Content-Type": "text/html"})
    site.route("/api?q=1", body='{"q": 1}', headers={"Content-Type": "application/json"})
    assert get(site.url("/boom"))[:3:2] == (500, b"oops")
    assert get(site.url("/moved"))[2] == b"<h1>Section</h1>"
    assert get(site.url("/cp1251"))[2].decode("cp1251") == "Минск"
    assert get(site.url("/api?q=1"))[2] == b'{"q": 1}' and get(site.url("/api?q=2"))[0] == 404
    assert [r.status for r in site.seen("/moved")] == [301]
    assert site.count("/section/") == 1 and site.count() == 6


def test_a_slow_route_is_logged_when_it_arrives(site):
    site.route("/slow", delay=5)
    with pytest.raises(OSError):
        urllib.request.urlopen(site.url("/slow"), timeout=0.5)
    assert site.count("/slow") == 1
