"""Turning scraped strings into safe email content: cleaned text, checked links, highlighted terms, templates.

Everything an outlet wrote is untrusted. It reaches the templates only as plain strings (Jinja2's
autoescape turns markup into text), links only when they are http(s), and never with control or bidi
override characters that could disguise what an analyst reads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from functools import cache
from urllib.parse import urlsplit

import jinja2

# Bidi embeddings, overrides and isolates (and the implicit marks) can reorder what a reader sees.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACES = re.compile(r"\s+")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def clean(value: object, limit: int = 300) -> str:
    """One line of scraped text: no control or bidi characters, whitespace collapsed, at most ``limit`` chars."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_BIDI_CONTROLS)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_lines(value: object, limit: int = 1000) -> str:
    """Several lines of scraped text for a terminal: each line as ``clean`` makes it, indentation kept."""
    lines = []
    for line in str(value or "").splitlines():
        indent = line[: len(line) - len(line.lstrip(" "))]
        lines.append(indent + clean(line, limit) if line.strip() else "")
    return "\n".join(lines)


def safe_url(value: object) -> str | None:
    """The URL if it is an absolute http(s) link without whitespace or controls; otherwise None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > 2000 or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def outlet_of(site_name: object, url: object) -> str:
    """The name an analyst knows an outlet by: its site name, else the link's host without ``www.``."""
    name = clean(site_name, 80)
    if name:
        return name
    try:
        host = urlsplit(str(url or "")).hostname or ""
    except ValueError:
        host = ""
    return clean(host.removeprefix("www."), 80) or "unknown outlet"


def language_tag(value: object) -> str | None:
    """A BCP 47-looking language code fit for a ``lang`` attribute, or None."""
    text = clean(value, 20)
    return text if _LANGUAGE_TAG.match(text) else None


def parse_time(value: object) -> datetime | None:
    """An aware datetime from a stored ISO 8601 string (UTC when it has no offset), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def show_time(value: object, zone: tzinfo) -> str:
    """A stored date as the reader's local day and time; a date without time stays a date."""
    text = str(value or "").strip()
    if len(text) == 10:
        return clean(text, 10)
    moment = parse_time(text)
    if moment is None:
        return clean(text, 40)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Segment:
    """A run of a sentence, highlighted when it is a watch term."""

    text: str
    term: bool = False


def highlight(sentence: str, terms: list[str]) -> list[Segment]:
    """Split a sentence into plain and highlighted runs, marking each occurrence of the given terms.

    Longer terms win over shorter ones they contain; matching ignores case, so "HAFTAR" and "Haftar"
    are both marked. The sentence must already be cleaned: segments are escaped by the template.
    """
    wanted = sorted({t for t in (clean(t, 120) for t in terms) if t}, key=len, reverse=True)
    if not wanted:
        return [Segment(sentence)] if sentence else []
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    segments: list[Segment] = []
    at = 0
    for found in pattern.finditer(sentence):
        if found.start() > at:
            segments.append(Segment(sentence[at : found.start()]))
        segments.append(Segment(found.group(0), term=True))
        at = found.end()
    if at < len(sentence):
        segments.append(Segment(sentence[at:]))
    return segments


@cache
def environment() -> jinja2.Environment:
    """The template environment: HTML templates autoescaped, text templates verbatim, undefined names fatal."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("newsmon.pipeline", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = show_time
    env.filters["lang"] = language_tag
    return env


def render(name: str, **context: object) -> tuple[str, str]:
    """The text and HTML versions of a template pair (``name.txt`` and ``name.html``)."""
    env = environment()
    text = env.get_template(f"{name}.txt").render(**context)
    html = env.get_template(f"{name}.html").render(**context)
    return text, html
