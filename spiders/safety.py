"""Requests newsmon refuses to make, whatever a feed, a page or a redirect asks for.

A feed is written by a stranger, and every link in it becomes a request made from the analyst's
machine. Two kinds are refused before anything is sent:

- schemes other than ``http`` and ``https`` (``file:``, ``data:``, ``ftp:``, ``javascript:``...);
- hosts whose address is private, loopback, link-local, reserved, multicast or unspecified (the
  router's admin page, a cloud metadata service, a database port on localhost), unless the link is
  on the configured source's own origin (scheme, host and port alike): pointing a source at such a
  host is the operator's choice, but another port of that host is another service.

The address checked is the one the download will use: names are resolved through the crawl's own
caching resolver, so the connection that follows reuses that very answer.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class RefusedRequest(IgnoreRequest):
    """A request that must not be made; its message says why, for ``crawl_runs``."""


def unsafe_address(address: str) -> str | None:
    """Why an IP address must not be reached from a link (``"loopback"``...), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "private", "reserved", "multicast", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


class SafeTargetMiddleware:
    """Refuses non-http(s) schemes, and links to non-public addresses on hosts other than the source's."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeTargetMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        url = urlparse_cached(request)
        if url.scheme not in ALLOWED_SCHEMES:
            raise RefusedRequest(f"refused: {url.scheme or 'relative'}: links are never followed")
        host = (url.hostname or "").lower()
        if not host or origin(request.url) == self._source_origin():
            return None
        address = host if _is_ip(host) else await self._resolve(host)
        if address is None:
            return None  # unresolvable: the download fails on its own with a DNS error
        kind = unsafe_address(address)
        if kind:
            shown = host if host == address else f"{host} ({address})"
            raise RefusedRequest(f"refused: {shown} is a {kind} address and not the source's own host")
        return None

    def _source_origin(self) -> tuple[str, str, int | None] | None:
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        return origin(source.url) if source else None

    async def _resolve(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            return await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # any resolver failure: let the download report it
            return None


def origin(url: str) -> tuple[str, str, int | None]:
    """A URL's origin: scheme, host and port, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: never the source's own
        port = -1
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
