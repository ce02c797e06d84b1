"""One spelling per article URL, so the same page reached by two links is fetched and stored once.

Tracking parameters and fragments never change what a news page shows, so they are dropped; the host
is lower-cased, default ports removed and the remaining query sorted (w3lib's ``canonicalize_url``).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z0-9_]*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|ysclid|igshid|mc_cid|mc_eid"
    r"|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|wickedid|twclid|ocid|cmpid|spm"
    r"|traffic_source|rss|feed_id|at_medium|at_campaign|ito|guccounter|guce_referrer|guce_referrer_sig)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical spelling of ``url`` (made absolute against ``base`` first when given)."""
    url = url.strip()
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed host or port: not a URL anyone can fetch, left as written
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port and port != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    query = parts.query
    if query:
        keep = [pair.split("=", 1)[0] for pair in query.split("&") if pair]
        keep = [name for name in keep if not TRACKING_PARAMS.match(name)]
        query = urlsplit(url_query_cleaner(url, keep, unique=False, keep_fragments=False)).query
    rebuilt = urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL worth requesting."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
