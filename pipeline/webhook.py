"""Posting an alert as JSON to a chat or push service (Slack, Microsoft Teams, ntfy, or your own).

One body serves them all: ``text`` is what Slack and Teams incoming webhooks (and Mattermost) show;
``title``, ``message``, ``click`` and ``tags`` are ntfy's field names, which its message templating can
use (``https://ntfy.sh/TOPIC?tpl=1&t={{.title}}&m={{.message}}``); ``newsmon`` holds the alert as data
for a receiver of your own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from newsmon.errors import DeliveryError
from newsmon.pipeline.render import safe_url
from newsmon.pipeline.stories import StoryView

TIMEOUT_SECONDS = 15
USER_AGENT = "newsmon-webhook/0.1"


def alert_body(story: StoryView, watch: str) -> dict:
    """The JSON body for one alert."""
    lead = story.lead
    evidence = " ".join("".join(s.text for s in line) for line in story.evidence[:1])
    outlets = ", ".join(story.outlets)
    link = lead.url or ""
    text = f"newsmon alert ({watch}, score {story.score:.2f}): {lead.title}\n{outlets}"
    if evidence:
        text += f"\n> {evidence}"
    if link:
        text += f"\n{link}"
    return {
        "text": text,
        "title": f"newsmon: {watch}",
        "message": f"{lead.title}\n{outlets}" + (f"\n{evidence}" if evidence else ""),
        "click": link,
        "tags": ["newspaper"],
        "newsmon": {
            "watch": watch,
            "score": round(story.score, 3),
            "story_id": story.story_id,
            "entities": story.entities,
            "evidence": ["".join(s.text for s in line) for line in story.evidence],
            "articles": [
                {"title": c.title, "url": c.url, "outlet": c.outlet, "published": c.published, "language": c.language}
                for c in [lead, *story.others]
            ],
        },
    }


def post_json(url: str, body: dict, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST the body; any answer other than 2xx is a one-line ``DeliveryError``."""
    if not safe_url(url):
        raise DeliveryError(f"alerts.webhook: expected an http(s) URL, got {url!r}")
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    parts = urllib.parse.urlsplit(url)
    where = f"webhook {parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # the path may hold a secret token
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{where}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{where}: {' '.join(str(reason).split())}") from None
