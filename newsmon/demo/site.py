"""The demo's sample news site: stories kept as data, rendered into pages dated relative to now.

Each story is a TOML file in ``stories/`` (outlet, headline, language, age, where it is listed, body);
each outlet in ``outlets.toml`` has its own page furniture. ``render_site`` turns them into a folder of
article pages, an RSS feed, a Google-News sitemap and a GDELT-shaped JSON answer, with every date
computed from ``now`` so the demo always finds fresh news; ``DemoSite`` serves that folder on
127.0.0.1 with ``LocalSite``, which fills in ``{{BASE}}`` with its own address.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from importlib import resources
from pathlib import Path

import jinja2

from newsmon.config import parse_duration
from newsmon.localsite import PLACEHOLDER, LocalSite

GDELT_PATH = "/api/v2/doc/doc"
GDELT_LANGUAGES = {"en": "English", "ru": "Russian", "ar": "Arabic", "fr": "French", "be": "Belarusian"}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


@dataclass
class Outlet:
    key: str
    name: str
    language: str
    layout: str
    tagline: str
    utc_offset: int
    domain_label: str
    sections: list[str]
    footer: str
    country: str
    labels: dict[str, str]


@dataclass
class Story:
    """One article of the sample site, with the answer key the demo's tests check."""

    key: str
    outlet: Outlet
    slug: str
    section: str
    title: str
    description: str
    author: str
    age: str
    listed_in: list[str]
    expect: str
    body: str
    published: datetime = field(default=datetime.min)

    @property
    def path(self) -> str:
        return f"/{self.outlet.key}/{self.slug}.html"

    @property
    def url(self) -> str:
        return PLACEHOLDER + self.path

    @property
    def language(self) -> str:
        return self.outlet.language

    @property
    def local_time(self) -> datetime:
        return self.published.astimezone(timezone(timedelta(hours=self.outlet.utc_offset)))

    def blocks(self) -> list[tuple[str, object]]:
        """The body as (kind, content) blocks: ``## `` starts a heading, ``- `` a list, ``> `` a figure."""
        blocks: list[tuple[str, object]] = []
        for chunk in self.body.strip().split("\n\n"):
            lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
            if not lines:
                continue
            if lines[0].startswith("## "):
                blocks.append(("h2", lines[0][3:]))
            elif lines[0].startswith("> "):
                blocks.append(("figure", lines[0][2:]))
            elif lines[0].startswith("- "):
                blocks.append(("ul", [line[2:] for line in lines]))
            else:
                blocks.append(("p", " ".join(lines)))
        return blocks


def _package_dir() -> Path:
    return Path(str(resources.files("newsmon") / "demo"))


def load_outlets(folder: Path | None = None) -> dict[str, Outlet]:
    folder = folder or _package_dir()
    data = tomllib.loads((folder / "outlets.toml").read_text(encoding="utf-8"))
    return {key: Outlet(key=key, **value) for key, value in data.items()}


def load_stories(now: datetime, folder: Path | None = None) -> list[Story]:
    """Every story of the site, newest first, published ``age`` before ``now``."""
    folder = folder or _package_dir()
    outlets = load_outlets(folder)
    stories = []
    for path in sorted((folder / "stories").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data["outlet"] = outlets[data["outlet"]]
        story = Story(key=path.stem, **data)
        story.published = (now - timedelta(seconds=parse_duration(story.age))).replace(microsecond=0)
        stories.append(story)
    return sorted(stories, key=lambda s: s.published, reverse=True)


def human_date(moment: datetime, language: str) -> str:
    """A date as the outlet's readers see it: ``14 February 2025, 10:30`` in its own language."""
    month = MONTHS.get(language, MONTHS["en"]).split()[moment.month - 1]
    return f"{moment.day} {month} {moment.year}, {moment:%H:%M}"


def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder / "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["human"] = human_date
    env.filters["rfc822"] = lambda moment: format_datetime(moment)
    env.filters["jsonld"] = lambda value: json.dumps(value, ensure_ascii=False).replace("</", "<\\/")
    return env


def gdelt_answer(stories: list[Story]) -> str:
    """What the GDELT DOC 2.0 API returns in ``mode=artlist&format=json`` for the stories listed there."""
    articles = [
        {
            "url": story.url,
            "url_mobile": "",
            "title": story.title,
            "seendate": (story.published + timedelta(minutes=20)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            "socialimage": "",
            "domain": story.outlet.domain_label,
            "language": GDELT_LANGUAGES.get(story.language, story.language),
            "sourcecountry": story.outlet.country,
        }
        for story in stories
        if "gdelt" in story.listed_in
    ]
    return json.dumps({"articles": articles}, ensure_ascii=False, indent=1) + "\n"


def render_site(target: Path, now: datetime | None = None, source: Path | None = None) -> list[Story]:
    """Write the whole site into ``target`` (pages keep ``{{BASE}}`` for the server to fill in)."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    source = source or _package_dir()
    stories = load_stories(now, source)
    env = _environment(source)
    common = {"BASE": PLACEHOLDER, "now": now, "stories": stories}
    for story in stories:
        most_read = [s for s in stories if s is not story][:5]
        page = env.get_template(f"article-{story.outlet.layout}.html").render(
            story=story, outlet=story.outlet, most_read=most_read, **common
        )
        out = target / story.path.lstrip("/")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    for name in ("index.html", "feed.xml", "news-sitemap.xml", "robots.txt"):
        (target / name).write_text(env.get_template(name).render(**common), encoding="utf-8")
    (target / "gdelt.json").write_text(gdelt_answer(stories), encoding="utf-8")
    return stories


class DemoSite:
    """The sample site rendered for this moment and served on 127.0.0.1; use it as a context manager."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now
        self._folder = tempfile.TemporaryDirectory(prefix="newsmon-demo-site-")
        self.stories = render_site(Path(self._folder.name), now)
        self.server = LocalSite(self._folder.name)
        self.server.route(GDELT_PATH, file="gdelt.json")

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, path: str = "/") -> str:
        return self.server.url(path)

    def story_url(self, story: Story) -> str:
        return story.url.replace(PLACEHOLDER, self.base_url)

    def __enter__(self) -> DemoSite:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()
        self._folder.cleanup()
