"""The digest renders in a real browser: headless Chromium draws its HTML at phone width into a PNG.

The test skips, saying why, where Chromium is not installed (``.ci/run`` installs the Debian package
``chromium``). The picture in the README (docs/digest.png) is one of these screenshots.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pytest

from newsmon.pipeline.digest import slot, write_digest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
WIDTH, HEIGHT = 420, 1200


def png_chunks(path: Path) -> list[tuple[bytes, bytes]]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


def screenshot(html: Path, out: Path, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--screenshot={out}",
            f"--window-size={WIDTH},{HEIGHT}",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
)
def test_the_digest_renders_in_headless_chromium_at_phone_width(db, seed, make_config, dead_port, tmp_path):
    _, config = make_config(dead_port)
    day = date(2024, 5, 2)
    seed(db, slot(config, day))
    html = write_digest(db, config, day).with_suffix(".html")
    png = tmp_path / "digest.png"
    run = screenshot(html, png, tmp_path / "chromium-profile")
    assert png.exists(), f"Chromium wrote no screenshot (exit {run.returncode}): {run.stderr[-2000:]}"
    chunks = png_chunks(png)
    header = dict(chunks)[b"IHDR"]
    assert struct.unpack(">II", header[:8]) == (WIDTH, HEIGHT)
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(set(pixels)) > 100, "the screenshot is blank"
    assert png.stat().st_size > 20_000
