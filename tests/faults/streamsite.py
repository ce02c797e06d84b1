"""A hostile web server on 127.0.0.1 for what ``LocalSite`` cannot do: answers written by hand, byte by
byte, that never finish, stop half-way, go on for 50 MB without ever being held in memory, or change
from one request to the next.

Routes (``StreamSite.url(path)``):

- ``/drip/<name>``: headers promising 200 kB, then one byte every half second, for as long as the
  client listens (a page that never finishes).
- ``/truncated/<name>``: ``Content-Length`` of 20 kB, 600 bytes of a real feed or page, then the
  connection is closed (a server that dies mid-answer).
- ``/stream/<name>``: 50 MB of HTML generated on the fly, chunked without a length; ``?declared=1``
  sends ``Content-Length`` first.
- ``/flaky/<name>``: ``429 Too Many Requests`` with ``Retry-After: 2`` the first time, then the page.
- ``/feeds/links.rss``: a feed of one page of each kind above, all on this server: links to another
  port of a loopback host are refused (the source's exemption is its exact origin), so a source must
  be on this very server to reach them.

Every request is logged with its arrival time (``seen``) and how many body bytes went out (``sent``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DRIP_INTERVAL = 0.5
DRIP_PROMISED = 200_000
TRUNCATED_PROMISED = 20_000
STREAM_BYTES = 50 * 1024 * 1024
STREAM_CHUNK = 64 * 1024
RETRY_AFTER = 2

FEED_START = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Half a feed</title><link>{base}/</link>
<item><title>Belarus and Libya hold talks</title><link>{base}/news/never-listed.html</link></item>
<item><title>Second item</title><link>{base}/news/never-listed-2.html</link><description>"""
PAGE_START = """<!DOCTYPE html><html><head><title>Half a page</title></head><body><article><h1>Half a page</h1>
<p>This page stops long before the end its server promised, and must not be stored as if complete.</p><p>"""
LINKS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Pages that go wrong</title><link>{base}/</link>
<item><title>Behind a 429 with Retry-After</title><link>{base}/flaky/cargo-route.html</link></item>
<item><title>A page that never finishes</title><link>{base}/drip/never-finishes.html</link></item>
<item><title>50 MB, chunked</title><link>{base}/stream/fifty-megabytes.html</link></item>
<item><title>50 MB, declared</title><link>{base}/stream/fifty-megabytes-declared.html?declared=1</link></item>
<item><title>Cut off mid-answer</title><link>{base}/truncated/half-a-page.html</link></item>
</channel></rss>"""
SLOW_PAGE = "<html><head><title>Never finished</title></head><body><p>" + "slow " * 40_000 + "</p></body></html>"
ARTICLE_AFTER_429 = """<!DOCTYPE html><html><head><title>Minsk and Benghazi agree on a second cargo route</title>
<meta property="og:site_name" content="Patient Wire"></head><body><article>
<h1>Minsk and Benghazi agree on a second cargo route</h1>
<p>The article behind a 429: a polite crawler waits for Retry-After and then gets it. Belarusian officials
said the new route would carry agricultural machinery from Minsk to Benghazi every fortnight, starting in
the spring, and that talks with the Libyan side about spare parts had gone well.</p>
<p>Officials in Benghazi confirmed the arrangement and said the first flight was planned for March.</p>
</article></body></html>"""


@dataclass
class Seen:
    path: str
    at: float
    sent: int = 0


class StreamSite:
    """The server; use it as a context manager, like ``LocalSite``."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._flaky_served: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    def start(self) -> StreamSite:
        threading.Thread(target=self._server.serve_forever, name="streamsite", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StreamSite:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _log(self, path: str) -> Seen:
        seen = Seen(path, time.monotonic())
        with self._lock:
            self.requests.append(seen)
        return seen

    def first_time(self, path: str) -> bool:
        with self._lock:
            fresh = path not in self._flaky_served
            self._flaky_served.add(path)
            return fresh


def _handler_for(site: StreamSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the log is ``site.requests``."""

        def do_GET(self) -> None:
            seen = site._log(self.path)
            kind = urlsplit(self.path).path.split("/")[1]
            answer = getattr(self, f"_{kind}", None)
            try:
                if answer is None:
                    self._head(404, {"Content-Length": "0"})
                else:
                    answer(seen)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                pass  # the client gave up, as it should
            self.close_connection = True

        def _head(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.flush()

        def _kind_of(self) -> str:
            return "application/rss+xml" if self.path.endswith((".rss", ".xml")) else "text/html"

        def _drip(self, seen: Seen) -> None:
            body = SLOW_PAGE.encode()
            self._head(200, {"Content-Type": self._kind_of(), "Content-Length": str(DRIP_PROMISED)})
            for i in range(DRIP_PROMISED):
                if site.stopping.wait(DRIP_INTERVAL):
                    return
                self.wfile.write(body[i % len(body) : i % len(body) + 1])
                self.wfile.flush()
                seen.sent += 1

        def _truncated(self, seen: Seen) -> None:
            start = FEED_START if self.path.endswith(".rss") else PAGE_START
            body = (start.format(base=site.base_url) + "lorem ipsum " * 100).encode()[:600]
            self._head(200, {"Content-Type": self._kind_of(), "Content-Length": str(TRUNCATED_PROMISED)})
            self.wfile.write(body)
            self.wfile.flush()
            seen.sent = len(body)

        def _stream(self, seen: Seen) -> None:
            declared = "declared=1" in self.path
            headers = {"Content-Type": self._kind_of()}
            headers.update({"Content-Length": str(STREAM_BYTES)} if declared else {"Transfer-Encoding": "chunked"})
            self._head(200, headers)
            chunk = (b"<p>" + b"filler " * (STREAM_CHUNK // 7) + b"</p>\n")[:STREAM_CHUNK]
            while seen.sent < STREAM_BYTES and not site.stopping.is_set():
                part = chunk[: STREAM_BYTES - seen.sent]
                self.wfile.write(part if declared else b"%x\r\n%s\r\n" % (len(part), part))
                seen.sent += len(part)
            if not declared:
                self.wfile.write(b"0\r\n\r\n")

        def _feeds(self, seen: Seen) -> None:
            body = LINKS_FEED.format(base=site.base_url).encode()
            self._head(200, {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))})
            self.wfile.write(body)
            seen.sent = len(body)

        def _flaky(self, seen: Seen) -> None:
            if site.first_time(self.path):
                self._head(429, {"Retry-After": str(RETRY_AFTER), "Content-Length": "0"})
                return
            body = ARTICLE_AFTER_429.encode()
            self._head(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))})
            self.wfile.write(body)
            seen.sent = len(body)

    return Handler
