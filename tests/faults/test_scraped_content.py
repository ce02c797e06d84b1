"""Scraped content is data: a page whose headline, site name and text carry markup, scripts, event
handlers, bidi override characters and a 30,000-character line, crawled from 127.0.0.1 and followed
through everything newsmon shows: the alert email, the digest, the CSV, JSON and Atom exports,
Datasette's pages, and the terminal (``matches``, ``search``, ``sources``, ``alerts``, ``status``,
``inspect``). Everywhere it arrives as text: escaped, without control or bidi characters, bounded.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsmon_process import run_newsmon
from newsmon.cli import cli
from newsmon.localsite import LocalSite

SITE = Path(__file__).parent / "site"
HOSTILE_PAGE = SITE / "news" / "hostile-markup.html"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_MAX = 2100
"""No line a terminal or an email shows is longer (the page has one of 31,000 characters)."""
FORBIDDEN_TAGS = {"script", "img", "iframe", "object", "embed", "style", "svg", "form", "base", "link"}


def assert_plain_text(text: str, line_max: int = LINE_MAX) -> None:
    """No control character but newline and tab, no bidi formatting character, no overlong line."""
    for line in text.splitlines():
        assert len(line) <= line_max, f"a line of {len(line)} characters"
        bad = [c for c in line if c in BIDI or (unicodedata.category(c) == "Cc" and c != "\t")]
        assert not bad, f"{[hex(ord(c)) for c in bad]} in {line[:120]!r}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert_html(html: str) -> str:
    """HTML that runs nothing and links only to http(s); returns its visible text."""
    page = _Tags()
    page.feed(html)
    for tag, attrs in page.tags:
        assert tag not in FORBIDDEN_TAGS, f"<{tag}>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name}= on <{tag}>"
            if name == "href":
                assert (value or "").startswith(("http://", "https://")), value
    return "".join(page.text)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """The hostile page crawled once into a fresh database, with a config that mails to ``SMTP_PORT``
    (set per test through ``smtp_config``)."""
    folder = tmp_path_factory.mktemp("scraped")
    with LocalSite(SITE) as site:
        config = folder / "crawl.toml"
        config.write_text(
            f'database = "news.db"\n[[sources]]\nname = "evil-wire"\ntype = "feed"\n'
            f'url = "{site.url("/feeds/hostile-markup.rss")}"\n',
            encoding="utf-8",
        )
        result = run_newsmon(config, "crawl", "--no-analyze", "--no-alerts")
    assert result.returncode == 0 and "evil-wire" in result.stdout, result.stderr
    return folder


@pytest.fixture
def smtp_config(newsroom, smtp):
    port, inbox = smtp
    path = newsroom / "newsmon.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            database = "news.db"

            [alerts]
            to = ["analyst@example.org"]

            [digest]
            to = ["desk@example.org"]
            at = "00:00"
            timezone = "UTC"

            [smtp]
            host = "127.0.0.1"
            port = {port}
            from = "newsmon@example.org"

            [[sources]]
            name = "evil-wire"
            type = "feed"
            url = "http://127.0.0.1:9/feeds/hostile-markup.rss"
            """
        ),
        encoding="utf-8",
    )
    return path, inbox


@pytest.fixture
def analysed(smtp_config, runner, nlp):
    path, inbox = smtp_config
    result = runner.invoke(cli, ["--config", str(path), "analyze"])
    assert result.exit_code == 0, result.output
    return path, inbox


def test_the_stored_article_is_text_without_controls_and_with_a_bounded_title(newsroom):
    import sqlite3

    with sqlite3.connect(newsroom / "news.db") as db:
        title, text, site_name = db.execute("select title, text, site_name from articles").fetchone()
    assert "Haftar meets Lukashenko" in title and len(title) <= 1000
    assert "<script>alert('text')</script>" in text  # markup the page showed as text stays text
    assert not BIDI & set(title + text + site_name)


def test_the_alert_email_runs_nothing_and_shows_markup_as_text(analysed, runner):
    path, inbox = analysed
    result = runner.invoke(cli, ["--config", str(path), "alerts", "--send"])
    assert result.exit_code == 0, result.output
    (delivered,) = inbox.snapshot()
    message = delivered.message
    assert_plain_text(str(message["Subject"]), 300)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    visible = assert_inert_html(html)
    assert "<script>alert('text')</script>" in visible and "<script>" not in html
    assert_plain_text(visible)
    assert_plain_text(text)
    assert len(html) < 100_000


def test_the_digest_runs_nothing_and_shows_markup_as_text(analysed, runner, tmp_path):
    path, _ = analysed
    tomorrow = (date.today() + timedelta(days=1)).isoformat()  # its window holds what was stored today
    result = runner.invoke(cli, ["--config", str(path), "digest", "--date", tomorrow, "--outbox", str(tmp_path)])
    assert result.exit_code == 0, result.output
    message = message_from_bytes((tmp_path / f"digest-{tomorrow}.eml").read_bytes(), policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    visible = assert_inert_html(html)
    assert "Haftar meets Lukashenko" in visible and "<script>" not in html
    assert_plain_text(visible)
    assert_plain_text(message.get_body(preferencelist=("plain",)).get_content())


def test_exports_escape_markup_and_drop_controls_in_every_format(analysed, runner, tmp_path):
    path, _ = analysed
    outputs = {}
    for fmt in ("csv", "json", "atom"):
        out = tmp_path / f"matches.{fmt}"
        result = runner.invoke(cli, ["--config", str(path), "export", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs[fmt] = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert len(rows) == 1 and "Haftar meets Lukashenko" in rows[0]["title"]
    (item,) = json.loads(outputs["json"])
    for value in (rows[0]["title"], rows[0]["outlet"], rows[0]["evidence"], item["title"], item["outlet"]):
        assert_plain_text(value, 1000)
    feed = ET.fromstring(outputs["atom"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summary = feed.find("a:entry/a:summary", ns)
    assert summary.get("type") == "html"
    visible = assert_inert_html(summary.text)  # the reader's view: escaped markup shown as text
    assert "<script>alert('text')</script>" in visible
    assert_plain_text(visible)
    assert not BIDI & set(outputs["atom"] + outputs["json"] + outputs["csv"])


def test_datasette_shows_markup_as_text(analysed):
    pytest.importorskip("datasette", reason="Datasette is the optional [ui] extra")
    from datasette.app import Datasette

    from newsmon.commands.export import datasette_metadata

    db_path = analysed[0].parent / "news.db"

    async def pages() -> list[str]:
        ds = Datasette([str(db_path)], metadata=datasette_metadata(db_path))
        await ds.invoke_startup()
        answers = []
        for url in ("/news/articles", "/news/articles/1", "/news/latest_matches", "/news/search_articles?q=Haftar"):
            response = await ds.client.get(url)
            assert response.status_code == 200, url
            answers.append(response.text)
        return answers

    for page in asyncio.run(pages()):
        assert "&lt;script&gt;alert(" in page
        assert "<script>alert(" not in page and "<img src=x" not in page
        assert not BIDI & set(page)
        assert "described the visit in great detail " * 60 not in page  # long cells are truncated


def test_the_terminal_gets_plain_bounded_lines(analysed, runner):
    path, _ = analysed
    for args in (["matches"], ["search", "Haftar"], ["sources"], ["alerts"], ["status"],
                 ["inspect", str(HOSTILE_PAGE)]):  # fmt: skip
        result = runner.invoke(cli, ["--config", str(path), *args])
        assert result.exit_code == 0, (args, result.output)
        assert_plain_text(result.output)
    shown = runner.invoke(cli, ["--config", str(path), "matches"]).output
    assert "<script>alert('text')</script>" in shown  # shown as what it is, not hidden
