"""``newsmon serve`` as a user runs it: a child process bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from loopback import free_port


def test_serve_listens_on_loopback_and_answers_with_the_triage_page(config, db, store):
    store("visit")
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--config", str(config.path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=config.path.parent,
    )  # fmt: skip
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and child.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert page is not None, f"no answer from newsmon serve: {child.poll()}"
        assert "Haftar arrives in Minsk for talks with Lukashenko" in page
    finally:
        child.terminate()
        output, _ = child.communicate(timeout=20)
    assert f"Triage page on http://127.0.0.1:{port}/" in output


def test_serve_without_a_database_is_one_line(config, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "--config", str(config.path), "serve"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().endswith("database not found (run 'newsmon init' first)")
    assert len(result.stderr.strip().splitlines()) == 1
