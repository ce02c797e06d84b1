"""Signed action links for emails and form tokens for the triage page, with a key kept beside the database.

An email link carries an HMAC-SHA256 over (match, action, expiry), so a forwarded email cannot be
turned into a label on another match, a changed action or a later expiry; the key is made on first use
in a file beside the database (mode 0600), never in the config or the database itself.
Form tokens bind a write to the browser's cookie (double submit, signed), which stops cross-site forms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlite_utils

from newsmon.config import Config
from newsmon.errors import NewsmonError

ACTIONS = ("relevant", "irrelevant", "important", "mute")
KEY_SUFFIX = ".key"


class LinkError(NewsmonError):
    """A link or form token that was changed, has expired, or was not made by this newsmon."""


def key_path(db: sqlite_utils.Database) -> Path:
    """The key file beside the database file: ``newsmon.db`` -> ``newsmon.db.key``."""
    return Path(db.execute("pragma database_list").fetchone()[2] + KEY_SUFFIX)


def signing_key(db: sqlite_utils.Database) -> bytes:
    """This database's key, made on first use and kept readable by its owner only.

    A file rather than a table, so that browsing the database (``newsmon ui`` runs any SQL) or handing
    a copy of it to a colleague does not hand over the key. Two processes racing to make it keep the
    first one written: the key is written to a temporary file and linked into place, which fails when
    the file already exists.
    """
    path = key_path(db)
    if not path.exists():
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise NewsmonError(f"{path}: cannot create the signing key: {exc.strerror or exc}") from None
        finally:
            temporary.unlink(missing_ok=True)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise NewsmonError(f"{path}: not a usable signing key ({exc}); delete it to make a new one") from None
    if len(key) < 16:
        raise NewsmonError(f"{path}: signing key too short; delete it to make a new one")
    return key


def _sign(key: bytes, *fields: object) -> str:
    message = "\x1f".join(str(f) for f in fields).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def action_token(db: sqlite_utils.Database, match_id: int, action: str, expires: int) -> str:
    return _sign(signing_key(db), "action", match_id, action, expires)


def action_params(db: sqlite_utils.Database, match_id: int, action: str, days: int, now: float | None = None) -> dict:
    """The query of a signed link: match, action, expiry (Unix seconds) and token."""
    expires = int((now if now is not None else time.time()) + days * 86400)
    return {"m": match_id, "a": action, "e": expires, "t": action_token(db, match_id, action, expires)}


def check_action(db: sqlite_utils.Database, match_id: str, action: str, expires: str, token: str) -> tuple[int, str]:
    """The match id and action of a link, or ``LinkError`` saying why it is refused."""
    try:
        match, until = int(match_id), int(expires)
    except (TypeError, ValueError):
        raise LinkError("this link is incomplete or was changed") from None
    if action not in ACTIONS or not hmac.compare_digest(action_token(db, match, action, until), str(token or "")):
        raise LinkError("this link was changed or was not made by this newsmon, so it does nothing")
    if until < time.time():
        raise LinkError("this link has expired; label the story on the triage page instead")
    return match, action


def add_action_links(db: sqlite_utils.Database, config: Config, stories: list) -> None:
    """Give each story (``StoryView``) signed links for every action on its lead match, when
    ``[web] base_url`` is set; without it emails carry no links."""
    base = (config.web.base_url or "").rstrip("/")
    if not base:
        return
    for story in stories:
        story.actions = {
            action: f"{base}/act?{urlencode(action_params(db, story.lead.match_id, action, config.web.link_days))}"
            for action in ACTIONS
        }


def csrf_token(db: sqlite_utils.Database, nonce: str) -> str:
    """The form token for a browser whose cookie holds ``nonce``."""
    return _sign(signing_key(db), "csrf", nonce)


def check_csrf(db: sqlite_utils.Database, nonce: str | None, token: str | None) -> None:
    if not nonce or not token or not hmac.compare_digest(csrf_token(db, nonce), token):
        raise LinkError("this form is stale or came from another site; reload the page and try again")
