"""The triage page in a real browser: headless Chromium, driven over the DevTools protocol, types a
note, presses "Not relevant" on a story, and the label and its note are read back from SQLite. Skips,
saying why, without Chromium (``.ci/run`` installs the Debian package ``chromium``)."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from newsmon.pipeline.feedback import current_labels

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)


class DevTools:
    """One page of a Chromium, spoken to in raw DevTools protocol over its websocket."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert port_file.exists(), f"Chromium did not open its DevTools port (exit status {self.process.poll()})"
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=20) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.stack = ExitStack()
        self.socket = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20))
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        self.call("Page.enable")

    def call(self, method: str, **params) -> dict:
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == call_id:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == event for e in self.events):
                self.events.clear()
                return
            self.events.append(json.loads(self.socket.recv(timeout=deadline - time.monotonic())))
        raise AssertionError(f"no {event} within {timeout}s")

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def close(self) -> None:
        self.stack.close()
        self.process.terminate()
        self.process.wait(20)


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
)
def test_a_note_and_not_relevant_pressed_in_chromium_are_stored(server, db, store, tmp_path):
    ids = store("visit", "migrants-1")
    browser = DevTools(tmp_path / "chromium-profile")
    try:
        browser.call("Emulation.setScriptExecutionDisabled", value=True)  # the page must work without it
        browser.events.clear()
        browser.call("Page.navigate", url=f"{server}/")
        browser.wait_for("Page.loadEventFired")
        browser.call("Emulation.setScriptExecutionDisabled", value=False)  # DevTools clicks through script
        story = db["matches"].get(ids["migrants-1"])["story_id"]
        button = f'section[data-story="{story}"] button[value="irrelevant"]'
        note = f'section[data-story="{story}"] input[name="note"]'
        assert browser.evaluate(f"document.querySelector('{button}').textContent") == "Not relevant"
        browser.evaluate(f"document.querySelector('{note}').focus()")
        browser.call("Input.insertText", text="migration, not arms <b>")  # typed as a keyboard would
        browser.evaluate(f"document.querySelector('{button}').click()")
        browser.wait_for("Page.loadEventFired")
        assert browser.evaluate("location.hash") == f"#story-{story}"
        shown = browser.evaluate(f"document.querySelector('#story-{story}').textContent")
        assert "marked irrelevant" in shown and "Note: migration, not arms <b>" in shown
    finally:
        browser.close()
    (label,) = current_labels(db)
    assert (label.match_id, label.label, label.note, label.channel) == (
        ids["migrants-1"], "irrelevant", "migration, not arms <b>", "web",
    )  # fmt: skip
