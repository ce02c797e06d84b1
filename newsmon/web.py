"""``newsmon serve``'s web app: the triage page and the pages behind the signed email links (Starlette).

Server-rendered with the email templates' Jinja2 environment (autoescaped; scraped strings cleaned by
``pipeline.render``), plain HTML forms that work without JavaScript, and a signed double-submit token
on every write. A GET never writes a label: an email link shows a confirmation page whose form POSTs the
action, since mail scanners follow links.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import sqlite_utils
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from newsmon.config import Config
from newsmon.errors import NewsmonError

COOKIE = "newsmon_csrf"
ACTION_TEXT = {"relevant": "Relevant", "irrelevant": "Not relevant", "important": "Important", "mute": "Mute story",
               "unmute": "Unmute story"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_DAYS = 3650


def create_app(config: Config) -> Starlette:
    """The app for one config; each request opens the configured database (which must exist)."""

    def database() -> sqlite_utils.Database:
        from newsmon.pipeline.db import connect

        return connect(config.database_path, create=False)

    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        from newsmon.pipeline.feedback import NOTE_MAX
        from newsmon.pipeline.render import environment
        from newsmon.pipeline.signing import csrf_token

        nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
        db = database()
        try:
            html = environment().get_template(name).render(
                csrf=csrf_token(db, nonce), actions=ACTION_TEXT, note_max=NOTE_MAX, **context
            )
        finally:
            db.close()
        response = HTMLResponse(html, status_code=status, headers=HEADERS)
        if request.cookies.get(COOKIE) != nonce:
            response.set_cookie(COOKIE, nonce, httponly=True, samesite="lax", path="/")
        return response

    def refused(request: Request, message: str, status: int = 400) -> Response:
        return page(request, "web_message.html", status, title="Refused", message=message, ok=False)

    async def checked_form(request: Request, db: sqlite_utils.Database) -> dict:
        from newsmon.pipeline.signing import check_csrf

        form = await request.form()
        check_csrf(db, request.cookies.get(COOKIE), str(form.get("csrf") or ""))
        return {key: str(value) for key, value in form.items()}

    async def triage_page(request: Request) -> Response:
        from newsmon.pipeline.stories import assign_stories, load_stories
        from newsmon.pipeline.triage import triage

        try:
            days = max(1, min(MAX_DAYS, int(request.query_params.get("days", "7"))))
        except ValueError:
            days = 7
        since = (datetime.now(timezone.utc) - timedelta(days=days)).date().isoformat()
        db = database()
        try:
            assign_stories(db)  # group new copies as the digest does, so a story id on the page can be muted
            ids = [r["id"] for r in db.query("select id from matches where created_at >= ?", [since])]
            stories = triage(db, load_stories(db, ids))
        finally:
            db.close()
        return page(request, "triage.html", stories=stories, days=days)

    async def label(request: Request) -> Response:
        from newsmon.pipeline.feedback import mute_story, record_label, unmute_story

        db = database()
        try:
            form = await checked_form(request, db)
            action = form.get("label", "")
            if action == "mute":
                mute_story(db, _int(form.get("story_id")), channel="web", note=form.get("note"))
            elif action == "unmute":
                unmute_story(db, _int(form.get("story_id")))
            else:
                record_label(db, _int(form.get("match_id")), action, note=form.get("note"), channel="web")
        except NewsmonError as exc:
            return refused(request, str(exc))
        finally:
            db.close()
        back = f"/?{urlencode({'days': form.get('days', '7')})}#story-{quote(form.get('story_id', ''), safe='')}"
        return RedirectResponse(back, status_code=303)

    async def act(request: Request) -> Response:
        from newsmon.pipeline.feedback import match_row, mute_story, record_label
        from newsmon.pipeline.render import clean
        from newsmon.pipeline.signing import check_action

        db = database()
        try:
            fields = dict(request.query_params) if request.method == "GET" else await checked_form(request, db)
            match_id, action = check_action(db, fields.get("m"), fields.get("a"), fields.get("e"), fields.get("t"))
            match = match_row(db, match_id)
            title = clean(db["articles"].get(match["article_id"])["title"], 300) or "(untitled)"
            if request.method == "GET":
                link = {key: fields[key] for key in ("m", "a", "e", "t")}
                return page(request, "web_confirm.html", title="Confirm", action=action, link=link,
                            headline=title, watch=match["watch"])
            if action == "mute":
                mute_story(db, match["story_id"] or match_id, channel="email")
            else:
                record_label(db, match_id, action, channel="email")
        except NewsmonError as exc:
            return refused(request, str(exc))
        finally:
            db.close()
        return page(request, "web_message.html", title="Done", ok=True, message=f"{ACTION_TEXT[action]}: recorded.",
                    headline=title)

    return Starlette(
        routes=[
            Route("/", triage_page, methods=["GET"]),
            Route("/label", label, methods=["POST"]),
            Route("/act", act, methods=["GET", "POST"]),
        ]
    )


def _int(value: object) -> int:
    from newsmon.pipeline.feedback import FeedbackError

    try:
        return int(str(value))
    except ValueError:
        raise FeedbackError(f"not an id: {str(value)[:40]!r}") from None
