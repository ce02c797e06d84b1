"""Turn one fetched page into an article: clean title, main text, date, author, language, site name.

trafilatura finds the main text. Publishers' structured metadata (JSON-LD ``NewsArticle``, Open Graph,
``article:published_time``) is more reliable than heuristics for the title and the date, so it wins
when present; the feed's or sitemap's own title/date/summary (``hints``) fill whatever the page lacks.
Usable without Scrapy: ``newsmon inspect`` and the benchmark call :func:`extract_article` directly.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from charset_normalizer import from_bytes
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_sitename, extract_title
from w3lib.encoding import html_to_unicode
from w3lib.html import remove_tags, replace_entities

from newsmon.pipeline.body import main_text
from newsmon.pipeline.language import detect_language
from newsmon.pipeline.pagecap import cap_elements
from newsmon.pipeline.pubdate import agree_with_url, url_day, url_midnight
from newsmon.pipeline.titles import strip_site_suffix, title_key
from newsmon.pipeline.urls import canonical_url, is_http_url

ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
}
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "pubdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
)
MIN_UNTITLED_TEXT = 100
# Never text: C0/C1 controls (tab and newline aside), the bidi embeddings, overrides and isolates that
# make a headline display differently from what it says, and invisible break hints (soft hyphen,
# zero-width space, word joiner, BOM) that split a name in two for search and matching. Plain direction
# marks (LRM, RLM) and the zero-width (non-)joiners, which are spelling in Persian or Hindi, stay.
NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u180e\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# Left at the start of a text or title by bylines and layout ("By X | 12:00", a table's first cell).
LEADING_DEBRIS = re.compile(r"^[\s|•·,;:/\\>]+")
TITLE_MAX = 1000
FIELD_MAX = 300


@dataclass
class Article:
    """What newsmon keeps of a page; ``html`` is the decoded page, kept so it can be re-analysed."""

    url: str
    canonical_url: str
    title: str | None
    text: str
    summary: str | None
    author: str | None
    site_name: str | None
    published: str | None
    language: str | None
    html: str

    def __post_init__(self) -> None:
        """Whatever a page held, what is stored is text: no control characters, bounded short fields."""
        self.title = scrub(self.title, TITLE_MAX, lead=True)
        self.text = scrub(self.text, lead=True) or ""
        self.summary = scrub(self.summary, lead=True)
        self.author = scrub(self.author, FIELD_MAX)
        self.site_name = scrub(self.site_name, FIELD_MAX)

    def as_dict(self, *, with_html: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_html:
            data.pop("html")
        return data


def extract_article(html: bytes | str, url: str, hints: dict | None = None) -> Article | None:
    """Extract the article in ``html`` fetched from ``url``; None when the page holds no article.

    ``hints`` are what the source said about the page (keys ``title``, ``published``, ``summary``,
    ``author``, ``site_name``, ``language``, and ``content_type`` for the HTTP header); they are used
    where the page itself says less.
    """
    hints = dict(hints or {})
    page = decode_html(html, hints.get("content_type"))
    tree = trafilatura.load_html(page) if page.strip() else None
    if tree is None:
        return article_from_hints(url, hints, html=page)
    cap_elements(tree)
    meta = structured_metadata(tree)
    site_name = first(meta.get("site_name"), hints.get("site_name"), extract_sitename(tree))
    title = first(meta.get("headline"), meta.get("og_title"), extract_title(tree), hints.get("title"))
    title = strip_site_suffix(clean_text(title), [site_name, hints.get("site_name")], url) if title else None
    published = first(iso_datetime(meta.get("published")), iso_datetime(hints.get("published")))
    published = agree_with_url(published, url)
    for extensive in (False, True):
        if not published:
            published = iso_datetime(find_date(tree, url=url, extensive_search=extensive, original_date=True))
    if not published and (day := url_day(url)):
        published = url_midnight(day)
    canonical = page_canonical_url(tree, url)
    structured_body = clean_text(meta["body"]) if meta.get("body") else None
    text = drop_leading_title(main_text(tree, url, structured_body), title)
    summary = clean_text(hints.get("summary") or "")
    if len(text) < len(summary):
        text = summary
    if not title and len(text) < MIN_UNTITLED_TEXT:
        return None
    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        text=text,
        summary=first(meta.get("description"), summary),
        author=first(meta.get("author"), hints.get("author")),
        site_name=site_name,
        published=published,
        language=detect_language(text, declared=first(meta.get("language"), hints.get("language"))),
        html=page,
    )


def drop_leading_title(text: str, title: str | None) -> str:
    """The body without a first line that merely repeats the headline (stored separately)."""
    first_line, _, rest = text.partition("\n")
    if title and rest and title_key(first_line) == title_key(title):
        return rest.lstrip()
    return text


def article_from_hints(url: str, hints: dict, html: str = "") -> Article | None:
    """An article built from what a feed said alone, for entries whose page cannot be fetched."""
    title = hints.get("title")
    text = clean_text(hints.get("summary") or "")
    if not title and not text:
        return None
    title = strip_site_suffix(clean_text(title), [hints.get("site_name")], url) if title else None
    return Article(
        url=url,
        canonical_url=canonical_url(url),
        title=title,
        text=text,
        summary=text or None,
        author=hints.get("author"),
        site_name=hints.get("site_name"),
        published=iso_datetime(hints.get("published")),
        language=detect_language(f"{title or ''}\n{text}", declared=hints.get("language")),
        html=html,
    )


def decode_html(html: bytes | str, content_type: str | None = None) -> str:
    """Unicode page text: strictly valid UTF-8 first, then BOM, HTTP charset, ``<meta charset>``, detection.

    Bytes with non-ASCII characters that decode as UTF-8 are almost never anything else, so a declared
    charset that contradicts them (GB18030, ISO-8859-15, cp1252 on a UTF-8 page) is a publisher's
    mistake and would only produce mojibake; ASCII reads the same in every declared charset (NUL bytes
    mean UTF-16 or UTF-32 and are left to the declaration). Detection matters for pages in legacy
    encodings (Windows-1251, ...) served without a charset.
    """
    if isinstance(html, str):
        return html
    if b"\x00" not in html[:4096]:
        try:
            return html.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    _, text = html_to_unicode(content_type, html, auto_detect_fun=_guess_encoding)
    return text


def _guess_encoding(body: bytes) -> str:
    """UTF-8 when the bytes are UTF-8; else charset_normalizer's best guess, except that a tie between
    single-byte code pages (French read as Central European gives ``ŕ`` for ``à``, just as
    plausibly) goes to windows-1252, the web's default for pages without a charset."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    results = from_bytes(body if len(body) < 10_000 else body[:5000] + body[-5000:])
    best = results.best()
    if best is None:
        return "cp1252"
    tied = {r.encoding for r in results if (r.chaos, r.coherence) == (best.chaos, best.coherence)}
    return "cp1252" if "cp1252" in tied else best.encoding


def structured_metadata(tree: HtmlElement) -> dict[str, str]:
    """Title, date, author, site name, description and language declared by the publisher."""
    found: dict[str, str] = {}
    for block in tree.xpath('//script[@type="application/ld+json"]/text()'):
        for item in _json_ld_items(block):
            _merge(found, _from_json_ld(item))
    metas: dict[str, str] = {}
    for node in tree.xpath("//meta[@content]"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        if key and key not in metas and node.get("content", "").strip():
            metas[key] = node.get("content").strip()
    for node in tree.xpath('//*[@itemprop="datePublished"][@datetime]|//time[@pubdate][@datetime]'):
        metas.setdefault("datepublished", node.get("datetime"))
    _merge(
        found,
        {
            "og_title": metas.get("og:title") or metas.get("twitter:title"),
            "site_name": metas.get("og:site_name") or metas.get("application-name"),
            "description": metas.get("og:description") or metas.get("description"),
            "author": metas.get("author") or metas.get("article:author"),
            "published": first(*(metas.get(key) for key in DATE_META)),
        },
    )
    lang = tree.get("lang") or tree.get("xml:lang") or metas.get("og:locale") or metas.get("content-language")
    if lang:
        found.setdefault("language", re.split(r"[-_]", lang.strip())[0].lower())
    if "author" in found and is_http_url(found["author"]):
        del found["author"]
    return found


def _json_ld_items(block: str) -> list[dict]:
    try:
        data = json.loads(block.strip(), strict=False)
    except ValueError:
        return []
    stack, items = [data], []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if "@graph" in node:
                stack.append(node["@graph"])
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
                items.append(node)
    return items


def _from_json_ld(item: dict) -> dict[str, str | None]:
    return {
        "headline": _text(item.get("headline")) or _text(item.get("name")),
        "published": _text(item.get("datePublished")) or _text(item.get("dateCreated")),
        "author": _names(item.get("author")),
        "site_name": _names(item.get("publisher")),
        "description": _text(item.get("description")),
        "body": _text(item.get("articleBody")),
        "language": _text(item.get("inLanguage")),
    }


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _names(value: Any) -> str | None:
    values = value if isinstance(value, list) else [value]
    names = [v.get("name") if isinstance(v, dict) else v for v in values]
    names = [n.strip() for n in names if isinstance(n, str) and n.strip() and not is_http_url(n)]
    return ", ".join(dict.fromkeys(names)) or None


def _merge(into: dict[str, str], values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value and key not in into:
            into[key] = value


def page_canonical_url(tree: HtmlElement | None, url: str) -> str:
    """The page's ``rel=canonical`` (canonicalised), or its own URL when absent or implausible.

    A canonical pointing at a site's home page from an article page is a publisher's mistake, not a
    claim that the two are the same document, so it is ignored.
    """
    own = canonical_url(url)
    if tree is None:
        return own
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        candidate = canonical_url(href, base=url)
        if is_http_url(candidate) and (urlsplit(candidate).path not in ("", "/") or urlsplit(own).path == "/"):
            return candidate
    return own


def iso_datetime(value: Any) -> str | None:
    """ISO 8601 with an offset (UTC when the source gives none), or None when unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = _parse_datetime(str(value).strip())
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if not 1990 <= moment.year <= datetime.now(timezone.utc).year + 1:
        return None
    return moment.isoformat(timespec="seconds")


def _parse_datetime(text: str) -> datetime | None:
    compact = re.fullmatch(r"(\d{8})T(\d{6})Z", text)
    if compact:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    from dateutil import parser as date_parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return date_parser.parse(text)
        except (ValueError, OverflowError):
            return None


def clean_text(text: str) -> str:
    """Plain text from a feed summary that may carry HTML tags and entities."""
    if "<" in text or "&" in text:
        text = replace_entities(remove_tags(re.sub(r"<(br|/p|/div|/li)\b[^>]*>", "\n", text, flags=re.I)))
    return re.sub(r"[^\S\n]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def scrub(value: str | None, limit: int | None = None, *, lead: bool = False) -> str | None:
    """``value`` without ``NOT_TEXT`` characters (and, with ``lead``, without ``LEADING_DEBRIS``), cut at
    ``limit`` characters; None stays None."""
    if value is None:
        return None
    text = NOT_TEXT.sub("", value)
    if lead:
        text = LEADING_DEBRIS.sub("", text)
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def first(*values: Any) -> Any:
    """The first value that is not empty."""
    for value in values:
        if value:
            return value
    return None
