"""Alerts posted to a webhook: one JSON body per alert that Slack, Teams and ntfy (templating) can show.

A real HTTP server on 127.0.0.1 (pytest-httpserver) receives the posts. Email and webhook are tracked
separately, so a webhook that fails is retried without mailing the alert a second time.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from werkzeug import Response

from newsmon.pipeline.alerts import send_pending_alerts


class Hook:
    """A webhook endpoint that records each JSON body and answers with ``status``."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.status = 200

    def __call__(self, request) -> Response:
        assert request.headers["Content-Type"].startswith("application/json")
        if self.status == 200:
            self.bodies.append(json.loads(request.get_data().decode("utf-8")))
        return Response("ok" if self.status == 200 else "upstream broke", status=self.status)


def serve_hook(httpserver, path="/services/T000/B000/secret-token") -> tuple[Hook, str]:
    hook = Hook()
    httpserver.expect_request(path, method="POST").respond_with_handler(hook)
    return hook, httpserver.url_for(path)


def test_each_alert_is_posted_once_as_json(db, seed, httpserver, make_config, smtp_server):
    seed(db, datetime.now(timezone.utc))
    hook, url = serve_hook(httpserver)
    _, config = make_config(smtp_server.port, alerts_to=[], webhook=url)
    result = send_pending_alerts(db, config)
    assert (result.sent, result.failed, result.pending) == (5, 0, 0)
    assert smtp_server.messages == []  # no recipients: webhook only
    assert len(hook.bodies) == 5
    wire = next(b for b in hook.bodies if "MiG-29 fighters under deal" in b["text"])
    assert wire["title"] == "newsmon: belarus-libya"
    assert wire["click"] == "https://www.mediterranean-wire.example/2024/belarus-libya-mig29-deal"
    assert "Mediterranean Wire, Tripoli Ledger, Eastern Europe Monitor" in wire["text"]
    assert [a["outlet"] for a in wire["newsmon"]["articles"]] == [
        "Mediterranean Wire",
        "Tripoli Ledger",
        "Eastern Europe Monitor",
    ]
    assert wire["newsmon"]["score"] == 0.91 and "Khalifa Haftar" in wire["newsmon"]["entities"]
    hostile = next(b for b in hook.bodies if "envoy" in b["text"])
    assert hostile["click"] == "" and hostile["newsmon"]["articles"][0]["url"] is None
    assert send_pending_alerts(db, config).sent == 0 and len(hook.bodies) == 5


def test_a_failing_webhook_is_retried_without_mailing_twice(db, seed, httpserver, make_config, smtp_server):
    seed(db, datetime.now(timezone.utc))
    hook, url = serve_hook(httpserver)
    hook.status = 500
    _, config = make_config(smtp_server.port, webhook=url)
    result = send_pending_alerts(db, config)
    assert (result.sent, result.failed, result.pending) == (0, 5, 5)
    assert result.error.startswith("webhook http://") and "HTTP 500" in result.error
    assert "secret-token" not in result.error  # a Slack-style URL path is a credential
    assert len(smtp_server.messages) == 5

    hook.status = 200
    result = send_pending_alerts(db, config)
    assert (result.sent, result.failed, result.pending) == (5, 0, 0)
    assert len(hook.bodies) == 5 and len(smtp_server.messages) == 5
