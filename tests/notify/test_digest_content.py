"""The daily digest's content: what the desk reads each morning.

The digest for a date covers matches first stored in the day before that date's slot (digest.at in
digest.timezone). It groups copies of a story ("also reported by"), puts the best score first, shows
each story's linked headline, outlet, date, language, entities and highlighted evidence, lists new
names found beside watch entities, and ends with the sources that failed or went silent. It is a
multipart/alternative email whose every scraped string is escaped, whatever the page contained.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from safe_html_check import assert_safe_html, visible_text

from newsmon.cli import cli
from newsmon.pipeline.digest import digest_window, latest_slot, slot, write_digest

DAY = date(2024, 5, 2)


@pytest.fixture
def written(db, seed, make_config, dead_port):
    """The digest for DAY written to the outbox, after a seeded day of news; returns the parsed .eml."""
    _, config = make_config(dead_port)
    seed(db, slot(config, DAY))
    path = write_digest(db, config, DAY)
    return message_from_bytes(path.read_bytes(), policy=policy.default), path


def parts(message):
    """The text and HTML parts, with the CRLF line ends of MIME turned into newlines."""
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def test_the_slot_and_window_follow_digest_at_in_the_configured_time_zone(make_config, dead_port):
    _, config = make_config(dead_port)  # at = "08:00", timezone = "Europe/Minsk" (UTC+3)
    start, end = digest_window(config, DAY)
    assert (start.isoformat(), end.isoformat()) == ("2024-05-01T08:00:00+03:00", "2024-05-02T08:00:00+03:00")
    assert latest_slot(config, datetime(2024, 5, 2, 4, 59, tzinfo=timezone.utc)).date() == date(2024, 5, 1)
    assert latest_slot(config, datetime(2024, 5, 2, 5, 0, tzinfo=timezone.utc)) == end


def test_across_a_daylight_saving_change_no_hour_falls_between_two_digests(make_config, dead_port):
    _, config = make_config(dead_port)
    config.digest.timezone = "Europe/Berlin"
    start, end = digest_window(config, date(2024, 3, 31))
    assert end.astimezone(timezone.utc) - start.astimezone(timezone.utc) == timedelta(hours=23)
    assert digest_window(config, date(2024, 4, 1))[0] == end


def test_a_multipart_alternative_email_with_a_text_and_an_html_part(written):
    message, path = written
    assert path.name == "digest-2024-05-02.eml" and path.with_suffix(".html").exists()
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["Subject"] == "newsmon digest 2024-05-02: 5 stories"
    assert message["From"] == "newsmon@example.org"
    assert message["To"] == "desk@example.org, editor@example.org"
    assert message["Message-ID"] == "<newsmon.digest.2024-05-02@example.org>"
    raw = path.read_bytes()
    assert raw.isascii() and max(len(line) for line in raw.splitlines()) <= 998  # safe through any relay


def test_stories_are_grouped_and_ordered_best_score_first(written):
    text, html = parts(written[0])
    headlines = re.findall(r"^\d+\. \[(\d\.\d\d)\] (.*)$", text, re.M)
    assert [score for score, _ in headlines] == ["0.91", "0.84", "0.79", "0.75", "0.45"]
    assert headlines[0][1] == "Belarus to overhaul Libyan MiG-29 fighters under deal with Haftar's forces"
    assert (
        "Also reported by: Tripoli Ledger <https://tripoli-ledger.example/news/belarus-overhaul-libyan-migs>, " in text
    )
    assert "Minsk will service MiG-29 jets" not in text  # the third outlet's copy is part of story 1
    assert "Also reported by" in visible_text(html) and visible_text(html).count("Tripoli Ledger") == 1
    assert "Belarusian delegation lands in Benghazi" not in text  # stored 30 hours before the slot


def test_each_story_shows_headline_link_outlet_date_language_entities_and_evidence(written):
    text, html = parts(written[0])
    assert '<a href="https://www.mediterranean-wire.example/2024/belarus-libya-mig29-deal"' in html
    assert "Mediterranean Wire</span> &middot; 2024-05-02 00:30 &middot; en" in html  # published, in Minsk time
    assert "Mediterranean Wire | 2024-05-02 00:30 | en | belarus-libya" in text
    assert "Entities: Belarus, MiG-29, Khalifa Haftar, Libyan National Army, Minsk, Alexander Lukashenko" in text
    assert ">Khalifa Haftar</mark>&#39;s " in html
    assert "> *Belarus* will overhaul *MiG-29* fighter jets for *Khalifa Haftar*'s" in text
    first_story = text.split("\n2. ")[0]
    assert first_story.count("\n   > ") == 2  # one or two evidence sentences, not the whole article


def test_scraped_markup_arrives_as_text_and_no_script_or_handler_survives(written):
    text, html = parts(written[0])
    page = assert_safe_html(html)
    seen = visible_text(html)
    assert 'Haftar <script>alert("x")</script><img src=x onerror=alert(1)> meets Belarus envoy' in seen
    assert '<i>Herald</i> " onmouseover="alert(2)' in seen
    assert "<b onmouseover=" in seen and "Belarusian defence ministry <script>x</script>" in seen
    assert "&lt;script&gt;" in html and "<script" not in html.lower()
    assert not any("javascript" in (a.get("href") or "") for _, a in page.tags)
    assert "(no web link)" in text  # the javascript: URL is not offered as a link in the text part either


def test_cyrillic_and_arabic_are_intact_and_arabic_reads_right_to_left(written):
    text, html = parts(written[0])
    for phrase in (
        "Лукашенко провёл переговоры с Хафтаром в Минске",
        "حفتر يبحث مع لوكاشينكو التعاون العسكري في مينسك",
    ):
        assert phrase in text and phrase in html
    assert re.search(
        r'<div dir="auto" lang="ar"[^>]*>[^<]*<a href="https://sahel-news.example/ar/2024/haftar-minsk"', html
    )
    assert '<span dir="auto">صحيفة الساحل</span>' in html
    assert '<meta charset="utf-8">' in html


def test_new_names_are_people_and_organisations_beside_watch_entities_and_not_on_the_watchlist(written):
    text, html = parts(written[0])
    section = text.split("NEW NAMES\n")[1].split("\n\n")[0]
    assert section.splitlines() == [
        "- Dmitri Volkov (person, 2 articles)",
        "- Belarusian defence ministry <script>x</script> (organisation, 1 article)",
        "- Orsha Avionics Plant (organisation, 1 article)",
    ]  # not Vilnius (a place), Anna Smith (no watch entity in her sentence) or "Haftar" (a watch name)
    assert "Dmitri Volkov" in visible_text(html)


def test_the_footer_names_failing_and_silent_sources_and_counts_articles_per_source(written):
    text, html = parts(written[0])
    assert "- libya-herald: 1 of 2 runs failed (last: HTTP 503 Service Unavailable <b>upstream</b>)" in text
    assert "- belsat-en: silent, no new article since 2024-04-27 08:00" in text
    assert re.search(r"^  mediterranean-wire +1 +0 +2$", text, re.M)
    assert re.search(r"^  belsat-en +1 +0 +0$", text, re.M)
    assert "2 source problems" in text
    assert "HTTP 503 Service Unavailable &lt;b&gt;upstream&lt;/b&gt;" in html


def test_readable_on_a_phone_with_nothing_loaded_from_elsewhere(written):
    _, html = parts(written[0])
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "max-width:680px" in html and "<style" not in html  # inline CSS only
    assert_safe_html(html)


def test_a_day_with_no_matches_still_gets_a_short_nothing_matched_digest(db, make_config, dead_port):
    _, config = make_config(dead_port)
    path = write_digest(db, config, DAY)
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    text, html = parts(message)
    assert message["Subject"] == "newsmon digest 2024-05-02: nothing matched"
    assert "Nothing matched in these 24 hours" in text and "Nothing matched in these 24 hours" in html
    assert "belsat-en" in text  # the sources are still accounted for


def test_the_digest_command_writes_eml_and_html_to_the_outbox(db, seed, make_config, dead_port, runner, tmp_path):
    path, config = make_config(dead_port)
    seed(db, slot(config, DAY))
    result = runner.invoke(cli, ["--config", str(path), "digest", "--date", "2024-05-02"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {tmp_path / 'outbox' / 'digest-2024-05-02.eml'} and digest-2024-05-02.html"
    other = tmp_path / "elsewhere"
    result = runner.invoke(cli, ["--config", str(path), "digest", "--date", "2024-05-02", "--outbox", str(other)])
    assert result.exit_code == 0 and (other / "digest-2024-05-02.html").read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>"
    )
    assert db["digests"].count == 1 and next(db.query("select sent_at from digests"))["sent_at"] is None


def test_a_bad_date_is_a_usage_error(make_config, dead_port, runner):
    path, _ = make_config(dead_port)
    result = runner.invoke(cli, ["--config", str(path), "digest", "--date", "02/05/2024"])
    assert result.exit_code == 2 and "Traceback" not in result.output
