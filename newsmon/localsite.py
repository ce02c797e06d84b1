"""A small web site on 127.0.0.1 for tests, the demo and the benchmark: no internet needed.

``LocalSite(folder)`` serves a folder of files on a free loopback port in a background thread. Text
files may contain ``{{BASE}}``, replaced by the site's base URL when served, so feeds and sitemaps can
link to the site's own pages. Files get an ``ETag`` and ``Last-Modified`` and honour conditional
requests (304), like a well-configured real server. Broken cases (a 500, a slow drip, a redirect, raw
bytes in an odd encoding) are registered as routes. Every request is logged, so callers can assert
what was fetched and how often.

Stdlib only (``http.server`` + ``threading``) so that any part of newsmon can reuse it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

TEMPLATE_SUFFIXES = {".html", ".htm", ".xml", ".rss", ".atom", ".json", ".txt", ".csv"}
PLACEHOLDER = "{{BASE}}"


@dataclass
class Route:
    """A canned answer for one path (with or without its query string)."""

    status: int = 200
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    redirect: str | None = None
    file: str | None = None


@dataclass
class SeenRequest:
    """One request the site received; logged on arrival, ``status`` is None until it is answered
    (499 when the client hung up first)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int | None = None

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


class LocalSite:
    """A threaded HTTP server on 127.0.0.1 serving ``folder``; use it as a context manager."""

    def __init__(self, folder: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder = Path(folder).resolve() if folder else None
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _QuietServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None
        self.last_modified = formatdate(time.time() - 3600, usegmt=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this site."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0,
        drip: float = 0,
        redirect: str | None = None,
        file: str | None = None,
    ) -> Route:
        """Answer ``path`` specially.

        ``delay`` waits before answering (a timeout); ``drip`` sends the body one byte every ``drip``
        seconds (a slow server); ``redirect`` answers ``status`` (default 301 then) with a Location;
        ``file`` serves another file of the folder; ``body`` is sent as is (bytes are never templated).
        A path with a query string matches only that query; without one it matches any query.
        """
        if redirect and status == 200:
            status = 301
        answer = Route(status, body, dict(headers or {}), delay, drip, redirect, file)
        self.routes[path] = answer
        return answer

    def seen(self, path: str | None = None) -> list[SeenRequest]:
        """Requests received so far, all or for one path (query string ignored unless given)."""
        with self._lock:
            requests = list(self.requests)
        if path is None:
            return requests
        return [r for r in requests if (r.path == path if "?" in path else r.route == path)]

    def count(self, path: str | None = None) -> int:
        """How many requests the site received (for ``path`` when given)."""
        return len(self.seen(path))

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> LocalSite:
        self._thread = threading.Thread(target=self._server.serve_forever, name="localsite", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def render(self, relative: str) -> bytes | None:
        """The bytes a folder file is served as (with ``{{BASE}}`` replaced), or None when absent."""
        if self.folder is None:
            return None
        target = (self.folder / relative.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.folder not in target.parents or not target.is_file():
            return None
        data = target.read_bytes()
        if target.suffix.lower() in TEMPLATE_SUFFIXES and PLACEHOLDER.encode() in data:
            data = data.replace(PLACEHOLDER.encode(), self.base_url.encode())
        return data

    def _log(self, seen: SeenRequest) -> None:
        with self._lock:
            self.requests.append(seen)


class _QuietServer(ThreadingHTTPServer):
    """Threads die with the process; a client hanging up early is normal, not worth a traceback. The
    listen backlog is a real server's, not socketserver's 5: a crawl of 60 sources opens its first
    connections all at once, and connections beyond the backlog wait for TCP's retries (1 s, 3 s, 7 s...)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _content_type(path: str) -> str:
    guessed = mimetypes.guess_type(path if not path.endswith("/") else path + "index.html")[0]
    if path.endswith((".rss", ".atom")):
        guessed = "application/xml"
    guessed = guessed or "text/html"
    if guessed.startswith("text/") or guessed.endswith(("xml", "json")):
        guessed += "; charset=utf-8"
    return guessed


def _not_modified(headers, etag: str, last_modified: str) -> bool:
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


def _handler_for(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LocalSite/1.0"
        disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms stalls

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the request log is ``site.requests``."""

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            seen = SeenRequest(self.command, self.path, dict(self.headers.items()))
            site._log(seen)
            route = site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)
            try:
                if route is not None:
                    seen.status = self._send_route(route, head)
                else:
                    seen.status = self._send_file(urlsplit(self.path).path, head)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                seen.status = 499

        def _send_route(self, route: Route, head: bool) -> int:
            if route.delay and site._stopping.wait(route.delay):
                return 499
            if route.file is not None:
                return self._send_file(route.file, head, status=route.status, extra=route.headers)
            headers = dict(route.headers)
            if route.redirect:
                headers["Location"] = route.redirect if "://" in route.redirect else site.url(route.redirect)
            body = route.body if route.body is not None else b""
            if isinstance(body, str):
                body = body.replace(PLACEHOLDER, site.base_url).encode("utf-8")
            headers.setdefault("Content-Type", _content_type(urlsplit(self.path).path))
            self._send(route.status, headers, body, head, drip=route.drip)
            return route.status

        def _send_file(self, path: str, head: bool, status: int = 200, extra: dict | None = None) -> int:
            data = site.render(path)
            if data is None:
                self._send(404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>Not found</h1>", head)
                return 404
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            headers = {"Content-Type": _content_type(path), "ETag": etag, "Last-Modified": site.last_modified}
            headers.update(extra or {})
            if status == 200 and _not_modified(self.headers, etag, site.last_modified):
                self._send(304, {"ETag": etag, "Last-Modified": site.last_modified}, b"", head=True)
                return 304
            self._send(status, headers, data, head)
            return status

        def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool, drip: float = 0) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if head or status == 304:
                return
            if not drip:
                self.wfile.write(body)
                return
            for i in range(len(body)):
                if site._stopping.wait(drip):
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()

    return Handler
