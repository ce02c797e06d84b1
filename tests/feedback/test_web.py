"""The triage page and the email links: stories best first with escaped evidence, plain forms that work
without JavaScript, a CSRF token on every write, and signed links that a GET only confirms."""

from __future__ import annotations

import email
import email.policy
import html
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest

from newsmon.errors import NewsmonError
from newsmon.pipeline.alerts import write_pending_alerts
from newsmon.pipeline.digest import latest_slot, write_digest
from newsmon.pipeline.feedback import current_labels, muted_stories
from newsmon.pipeline.signing import LinkError, action_params, check_action, key_path, signing_key


class Browser:
    """urllib with cookies, not following redirects, so each answer can be checked."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode("utf-8"), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8"), dict(exc.headers)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_triage_page_lists_stories_best_first_with_terms_highlighted_and_scraped_text_escaped(server, db, store):
    store("memorandum", "flights")
    ids = store("visit", title='Haftar in Minsk <script>alert("x")</script> & <b>more</b>')
    status, page, headers = Browser(server).request("/")
    assert status == 200
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "script-src" not in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    order = [int(n) for n in re.findall(r'data-story="(\d+)"', page)]
    assert order[0] == ids["visit"], "the best score first (the most context terms)"
    assert "<mark>Benghazi</mark>" in page
    for text in ("Relevant", "Not relevant", "Important", "Mute story"):
        assert f">{text}</button>" in page
    assert "<script" not in page.replace("&lt;script", ""), "the page needs no JavaScript"


def test_a_button_press_writes_the_label_and_returns_to_the_page(server, db, store):
    ids = store("visit")
    browser = Browser(server)
    _, page, _ = browser.request("/")
    form = {"csrf": csrf_of(page), "match_id": ids["visit"], "story_id": ids["visit"], "label": "irrelevant", "days": 7}
    status, _, headers = browser.request("/label", form)
    assert status == 303 and headers["location"].startswith("/?days=7#story-")
    (label,) = current_labels(db)
    assert (label.match_id, label.label, label.channel) == (ids["visit"], "irrelevant", "web")
    form["label"] = "mute"
    assert browser.request("/label", form)[0] == 303
    assert muted_stories(db) == {db["matches"].get(ids["visit"])["story_id"]}


def test_a_note_typed_beside_a_button_is_stored_with_the_label_and_shown_escaped(server, db, store):
    ids = store("visit")
    browser = Browser(server)
    _, page, _ = browser.request("/")
    assert '<input type="text" name="note"' in page
    note = 'old news <b>again</b> & "twice"'
    form = {"csrf": csrf_of(page), "match_id": ids["visit"], "story_id": ids["visit"], "label": "irrelevant",
            "days": 7, "note": note}  # fmt: skip
    assert browser.request("/label", form)[0] == 303
    (label,) = current_labels(db)
    assert (label.label, label.note, label.channel) == ("irrelevant", note, "web")
    _, page, _ = browser.request("/")
    assert "Note: old news &lt;b&gt;again&lt;/b&gt; &amp; &#34;twice&#34;" in page and "<b>again" not in page


def test_a_muted_story_is_marked_on_the_page_and_its_unmute_button_unmutes_it(server, db, store):
    ids = store("visit")
    browser = Browser(server)
    _, page, _ = browser.request("/")
    story = int(re.search(r'data-story="(\d+)"', page).group(1))
    form = {"csrf": csrf_of(page), "match_id": ids["visit"], "story_id": story, "days": 7}
    assert browser.request("/label", form | {"label": "mute", "note": "seen it"})[0] == 303
    assert muted_stories(db) == {story}
    _, page, _ = browser.request("/")
    assert '<span class="badge muted">muted</span>' in page
    assert ">Unmute story</button>" in page and ">Mute story</button>" not in page
    assert browser.request("/label", form | {"label": "unmute"})[0] == 303
    assert muted_stories(db) == set()
    _, page, _ = browser.request("/")
    assert ">Mute story</button>" in page and ">Unmute story</button>" not in page
    status, page, _ = browser.request("/label", form | {"label": "unmute"})
    assert status == 400 and f"story {story} is not muted" in page


@pytest.mark.parametrize("csrf", ["", "forged-token"])
def test_a_write_without_the_pages_token_is_refused_and_writes_nothing(server, db, store, csrf):
    ids = store("visit")
    other = Browser(server)  # another site's form: it has no cookie of ours, or a token of its own
    status, page, _ = other.request("/label", {"csrf": csrf, "match_id": ids["visit"], "label": "irrelevant"})
    assert status == 400 and "this form is stale or came from another site" in page
    assert current_labels(db) == []


def test_an_email_link_shows_a_confirmation_and_only_the_post_writes(server, db, store):
    ids = store("visit")
    link = urllib.parse.urlencode(action_params(db, ids["visit"], "important", days=14))
    browser = Browser(server)
    status, page, _ = browser.request(f"/act?{link}")
    assert status == 200 and "Important?" in page and "Nothing is recorded until you confirm" in page
    assert current_labels(db) == [], "a mail scanner following the link writes nothing"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    status, page, _ = browser.request("/act", {k: html.unescape(v) for k, v in fields.items()})
    assert status == 200 and "Important: recorded." in page
    (label,) = current_labels(db)
    assert (label.label, label.channel) == ("important", "email")


def test_a_tampered_or_expired_link_is_refused_with_a_clear_page(server, db, store):
    ids = store("visit", "memorandum")
    params = action_params(db, ids["visit"], "relevant", days=14)
    for changed, message in (
        ({"m": ids["memorandum"]}, "this link was changed"),
        ({"a": "important"}, "this link was changed"),
        ({"e": params["e"] + 86400}, "this link was changed"),
        ({"t": params["t"][:-2] + "AA"}, "this link was changed"),
        ({"m": "x"}, "this link is incomplete"),
    ):
        status, page, _ = Browser(server).request("/act?" + urllib.parse.urlencode(params | changed))
        assert status == 400 and message in page and "<h1>Refused</h1>" in page
    expired = action_params(db, ids["visit"], "relevant", days=14, now=0)
    status, page, _ = Browser(server).request("/act?" + urllib.parse.urlencode(expired))
    assert status == 400 and "this link has expired" in page
    assert current_labels(db) == []


def test_the_signing_key_lives_in_a_private_file_beside_the_database_not_in_the_config(config, db, store):
    ids = store("visit")
    key = signing_key(db)
    path = key_path(db)
    assert path == config.database_path.with_name("newsmon.db.key")
    assert len(key) == 32 and signing_key(db) == key and path.stat().st_mode & 0o777 == 0o600
    assert key.hex() not in config.path.read_text(encoding="utf-8")
    dump = "\n".join(db.conn.iterdump())
    assert key.hex() not in dump, "browsing or copying the database does not hand over the key"
    params = action_params(db, ids["visit"], "mute", days=1)
    assert check_action(db, str(params["m"]), "mute", str(params["e"]), params["t"]) == (ids["visit"], "mute")
    path.write_text("00" * 32, encoding="ascii")  # another key: links made with the old one stop working
    with pytest.raises(LinkError):
        check_action(db, str(params["m"]), "mute", str(params["e"]), params["t"])
    path.write_text("not hex", encoding="ascii")
    with pytest.raises(NewsmonError, match="newsmon.db.key: not a usable signing key"):
        signing_key(db)


def test_alert_and_digest_emails_carry_signed_action_links_only_with_a_base_url(config, db, store, tmp_path):
    ids = store("visit")
    (alert,) = write_pending_alerts(db, config, tmp_path / "out")
    message = email.message_from_bytes(alert.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html_part = message.get_body(preferencelist=("html",)).get_content()
    for action in ("relevant", "irrelevant", "important", "mute"):
        link = f"http://127.0.0.1:8750/act?m={ids['visit']}&a={action}&e="
        assert link in text and html.escape(link) in html_part
    day = latest_slot(config).date() + timedelta(days=1)
    digest = write_digest(db, config, day, tmp_path / "digest").with_suffix(".html").read_text(encoding="utf-8")
    assert ">Not relevant</a>" in digest and f"/act?m={ids['visit']}&amp;a=irrelevant" in digest
    config.web.base_url = None
    plain = write_digest(db, config, day, tmp_path / "plain").with_suffix(".html").read_text(encoding="utf-8")
    assert "/act?" not in plain
