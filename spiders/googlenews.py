"""Google News RSS links point at news.google.com, not at the publisher: recover the publisher's URL.

An article id in ``/rss/articles/<id>`` is URL-safe base64 of a small protobuf message. In the format
used until mid-2024 (and still seen) its field 4 holds the publisher's URL in clear; the newer ids hold
only an opaque token that Google resolves with a private API, so those cannot be decoded offline and
the caller keeps the entry from the feed's own title and summary instead.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

GOOGLE_NEWS_HOSTS = {"news.google.com"}


def is_google_news_link(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in GOOGLE_NEWS_HOSTS and "/articles/" in parts.path


def decode_google_news_link(url: str) -> str | None:
    """The publisher URL inside a Google News article link, or None when the id holds none."""
    if not is_google_news_link(url):
        return None
    article_id = urlsplit(url).path.rsplit("/articles/", 1)[1].split("/")[0]
    try:
        payload = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    return _first_url_field(payload)


def _first_url_field(payload: bytes) -> str | None:
    """Walk the top-level protobuf fields; return the first length-delimited one holding an http URL."""
    position = 0
    while position < len(payload):
        key, position = _varint(payload, position)
        if key is None:
            return None
        wire_type = key & 7
        if wire_type == 0:
            _, position = _varint(payload, position)
        elif wire_type == 2:
            length, position = _varint(payload, position)
            if length is None or position + length > len(payload):
                return None
            value = payload[position : position + length]
            position += length
            if value.startswith((b"http://", b"https://")):
                try:
                    return value.decode("utf-8")
                except UnicodeDecodeError:
                    return None
        elif wire_type == 5:
            position += 4
        elif wire_type == 1:
            position += 8
        else:
            return None
        if position is None:
            return None
    return None


def _varint(data: bytes, position: int) -> tuple[int | None, int]:
    value, shift = 0, 0
    while position < len(data):
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
        if shift > 63:
            break
    return None, position
