"""The hostile web of the fault suite, a config that crawls all of it, and the crawl measured.

``HostileWeb`` starts two servers on 127.0.0.1: a ``LocalSite`` serving ``site/`` with canned broken
answers (500s, 429s, a redirect loop, a gzip bomb, a binary "feed", an empty 200, redirects to
loopback and to a local file), and a ``StreamSite`` for answers that must be written by hand (a page
that never finishes, one cut off mid-answer, 50 MB streamed, a 429 then the page). Its config has one
source per way a site can go wrong, next to sources that work, so one crawl shows that the good
articles are all kept while every failure is recorded with its reason.

Run as a script, it performs that crawl once and prints how long it took and the crawl process's
peak memory (the figures quoted in the README):

    python tests/faults/hostile.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsmon.localsite import LocalSite

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from streamsite import StreamSite  # noqa: E402

SITE = HERE / "site"
BOMB_INFLATED = 1024 * 1024 * 1024
"""The gzip bomb: about 1 MB on the wire, 1 GB once inflated."""
TIMEOUT = 4
"""crawl.timeout of the hostile crawl, in seconds."""

GOOD_ARTICLES = {
    "/news/good-1.html": "Belarus opens trade office in Benghazi",
    "/news/good-2.html": "Libyan delegation tours Minsk tractor plant",
    "/news/good-3.html": "Grain ship from Belarus docks at Tobruk",
    "/news/good-4.html": "Belarusian doctors to train staff in Libyan hospitals",
    "/news/good-5.html": "Minsk hosts Libyan business forum",
    "/news/good-6.html": "Belarus and Libya discuss student exchanges",
    "/news/good-8.html": "Belarus potash exports to Libya rise",
    "/news/dup-1.html": "Belarus sends fire engines to Libya",
    "/news/dup-2.html": "Libyan engineers study Belarusian power grid",
    "/news/cp1251.html": "Белоруссия и Ливия договорились о поставках тракторов",
    "/news/latin1.html": "Le Bélarus et la Libye signent un accord sur l'électricité",
}
"""Articles on the LocalSite that the crawl must store, with their titles."""


@cache
def gzip_bomb() -> bytes:
    """Zeros, gzip-compressed: a small download that inflates to ``BOMB_INFLATED`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(BOMB_INFLATED // len(block))]
    return b"".join(parts) + packer.flush()


def binary_junk(size: int = 40_000) -> bytes:
    """Bytes that look like an image, not a feed (deterministic)."""
    return b"\x89PNG\r\n\x1a\n" + bytes((i * 131 + 7) % 256 for i in range(size))


class HostileWeb:
    """Both servers, with every route the hostile sources use; a context manager."""

    def __init__(self) -> None:
        self.site = LocalSite(SITE)
        self.stream = StreamSite()

    @property
    def port(self) -> int:
        return int(self.site.base_url.rsplit(":", 1)[1])

    @property
    def localhost(self) -> str:
        """The LocalSite under another host name, which resolves to the same loopback address."""
        return f"http://localhost:{self.port}"

    def start(self) -> HostileWeb:
        self.site.start()
        self.stream.start()
        self._routes()
        return self

    def stop(self) -> None:
        self.stream.stop()
        self.site.stop()

    def __enter__(self) -> HostileWeb:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _template(self, relative: str) -> str:
        text = (SITE / relative).read_text(encoding="utf-8")
        for name, value in (("STREAM", self.stream.base_url), ("LOCALHOST", self.localhost), ("PORT", str(self.port))):
            text = text.replace("{{" + name + "}}", value)
        return text

    def _routes(self) -> None:
        site, rss = self.site, {"Content-Type": "application/rss+xml; charset=utf-8"}
        bomb = {"Content-Encoding": "gzip"}
        site.route("/feeds/good.rss", body=self._template("feeds/good.rss"), headers=rss)
        site.route("/feeds/local.rss", body=self._template("feeds/local.rss"), headers=rss)
        for page in ("cp1251.html", "latin1.html"):  # legacy encodings, and no charset anywhere
            site.route(f"/news/{page}", file=f"news/{page}", headers={"Content-Type": "text/html"})
        site.route("/news/always-500.html", status=500, body="<h1>Internal Server Error</h1>")
        site.route("/news/always-429.html", status=429, body="slow down", headers={"Retry-After": "1"})
        site.route("/loop/a.html", redirect="/loop/b.html")
        site.route("/loop/b.html", redirect="/loop/a.html")
        site.route("/news/bomb.html", body=gzip_bomb(), headers={"Content-Type": "text/html", **bomb})
        site.route("/news/empty.html", body=b"", headers={"Content-Type": "text/html; charset=utf-8"})
        site.route("/go/secret.html", redirect=f"{self.localhost}/news/secret.html")
        site.route("/go/passwd.html", redirect="file:///etc/passwd")
        site.route("/feeds/500.rss", status=500, body="Internal Server Error")
        site.route("/feeds/429.rss", status=429, body="slow down", headers={"Retry-After": "1"})
        site.route("/loop/feed-a.rss", redirect="/loop/feed-b.rss")
        site.route("/loop/feed-b.rss", redirect="/loop/feed-a.rss")
        site.route("/feeds/bomb.rss", body=gzip_bomb(), headers={"Content-Type": "application/rss+xml", **bomb})
        site.route("/feeds/binary.rss", body=binary_junk(), headers={"Content-Type": "application/rss+xml"})
        site.route("/feeds/empty.rss", body=b"", headers=rss)
        site.route("/sitemaps/bomb.xml.gz", body=gzip_bomb(), headers={"Content-Type": "application/x-gzip"})

    def sources(self) -> list[tuple[str, str, str, str]]:
        """(name, type, url, extra TOML) of every source, the good and the broken."""
        base, stream = self.site.base_url, self.stream.base_url
        return [
            ("good", "feed", f"{base}/feeds/good.rss", ""),
            ("stream-links", "feed", f"{stream}/feeds/links.rss", ""),
            ("drip-feed", "feed", f"{stream}/drip/feed.rss", ""),
            ("feed-500", "feed", f"{base}/feeds/500.rss", ""),
            ("feed-429", "feed", f"{base}/feeds/429.rss", ""),
            ("feed-loop", "feed", f"{base}/loop/feed-a.rss", ""),
            ("feed-50mb", "feed", f"{stream}/stream/feed.rss", ""),
            ("feed-bomb", "feed", f"{base}/feeds/bomb.rss", ""),
            ("feed-laughs", "feed", f"{base}/feeds/laughs.rss", ""),
            ("sitemap-laughs", "sitemap", f"{base}/sitemaps/laughs.xml", ""),
            ("sitemap-bomb", "sitemap", f"{base}/sitemaps/bomb.xml.gz", ""),
            ("feed-cut-off", "feed", f"{stream}/truncated/feed.rss", ""),
            ("feed-truncated-xml", "feed", f"{base}/feeds/truncated.rss", ""),
            ("feed-binary", "feed", f"{base}/feeds/binary.rss", ""),
            ("feed-empty", "feed", f"{base}/feeds/empty.rss", ""),
            ("feed-no-links", "feed", f"{base}/feeds/nolinks.rss", ""),
            ("feed-dup-guids", "feed", f"{base}/feeds/dupguids.rss", ""),
            ("intranet", "feed", f"{self.localhost}/feeds/local.rss", ""),
            ("section", "listing", f"{base}/section/links.html", 'links = "ul.headlines a"\n'),
        ]

    def config_text(self, database: str = "hostile.db") -> str:
        text = textwrap.dedent(
            f"""\
            database = "{database}"

            [crawl]
            timeout = {TIMEOUT}
            retries = 1
            lookback_days = 3650
            user_agent = "newsmon-faults/0.1 (+http://127.0.0.1/contact)"
            """
        )
        for name, kind, url, extra in self.sources():
            text += f'\n[[sources]]\nname = "{name}"\ntype = "{kind}"\nurl = "{url}"\n{extra}'
        return text


@dataclass
class Measured:
    """A finished ``newsmon`` process: its output, wall-clock time and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``, kB), counted from its ``exec``: unlike
    ``ru_maxrss``, it does not include the parent's memory the child shared between fork and exec."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(config: Path, *args: str, timeout: float = 180) -> Measured:
    """``python -m newsmon --config CONFIG ARGS...`` in a child process, with its peak RSS (its high
    water mark, read every 20 ms until it exits)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "newsmon", "--config", str(config), *args],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=config.parent,
        )  # fmt: skip
        deadline, peak = began + timeout, 0
        while True:
            peak = max(peak, peak_rss_kb(child.pid))
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                pid, status = os.waitpid(child.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            child.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            peak / 1024,
        )


def crawl_hostile_web(folder: Path, web: HostileWeb) -> Measured:
    """Write the config into ``folder`` and crawl every hostile source once, storing only."""
    config = folder / "newsmon.toml"
    config.write_text(web.config_text(), encoding="utf-8")
    return run_measured(config, "crawl", "--no-analyze", "--no-alerts")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, HostileWeb() as web:
        result = crawl_hostile_web(Path(folder), web)
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    print(f"hostile-site crawl: {len(web.sources())} sources in {result.seconds:.1f}s, "
          f"peak RSS of the crawl process {result.peak_rss_mb:.0f} MB (exit status {result.returncode})")


if __name__ == "__main__":
    main()
