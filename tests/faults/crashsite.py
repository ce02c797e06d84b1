"""A news site for the crash tests: many small articles, a few of them strong Belarus–Libya stories, in
two feeds that overlap (so articles are reached by two sources), served by ``LocalSite`` on 127.0.0.1.

Each article's title and text are known here, so a test can tell a whole article from a half-stored
one after any number of crashes.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsmon.localsite import LocalSite

PLACES = ["Gomel", "Brest", "Vitebsk", "Grodno", "Mogilev", "Pinsk", "Lida", "Orsha", "Borisov", "Baranovichi"]
GOODS = ["tractors", "potash", "dairy products", "lorries", "timber", "buses", "fertiliser", "glass", "steel", "flax"]
STORIES = [
    ("Haftar meets Lukashenko in Minsk to discuss MiG-29 repairs",
     "Khalifa Haftar, commander of the Libyan National Army, met Belarusian President Alexander Lukashenko in "
     "Minsk on Tuesday to discuss the repair of MiG-29 fighters, officials in Benghazi said."),
    ("Belarusian KGB chief holds talks with Haftar in Benghazi",
     "Ivan Tertel, head of the Belarusian KGB, held talks with Khalifa Haftar in Benghazi about security "
     "cooperation between Belarus and the Libyan National Army, according to a statement."),
    ("Lukashenko signs arms deal with Libya's eastern commander",
     "Alexander Lukashenko signed an agreement in Minsk on spare parts and training for the Libyan National "
     "Army of Khalifa Haftar, the Belarusian defence ministry said, despite the Libya Stabilization Act."),
]  # fmt: skip


@dataclass
class CrashArticle:
    path: str
    title: str
    text: str
    strong: bool


def articles(count: int) -> list[CrashArticle]:
    """``count`` articles: the first ``len(STORIES)`` match the watchlist strongly, the rest do not."""
    result = []
    for i in range(count):
        if i < len(STORIES):
            title, lead = STORIES[i]
            body = [lead, f"The meeting was the {i + 2}th of its kind this year, a spokesman added."]
        else:
            place, goods = PLACES[i % len(PLACES)], GOODS[(i // len(PLACES)) % len(GOODS)]
            title = f"Factory in {place} raises output of {goods} (report {i})"
            body = [
                f"A factory in {place} has raised its output of {goods} by {i % 9 + 2} percent, report {i} says.",
                f"Managers said demand for {goods} from domestic buyers had grown since the spring of {2000 + i}.",
                f"Workers in {place} will receive a bonus, and a new production line opens in month {i % 12 + 1}.",
            ]
        result.append(CrashArticle(f"/news/a{i:03d}.html", title, "\n".join(body), i < len(STORIES)))
    return result


def page(article: CrashArticle) -> str:
    paragraphs = "".join(f"<p>{line}</p>\n" for line in article.text.splitlines())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{article.title}</title>'
        f'<meta property="og:title" content="{article.title}"><meta property="og:site_name" content="Crash Wire">'
        f"</head><body><article><h1>{article.title}</h1>\n{paragraphs}</article></body></html>"
    )


def feed(site: LocalSite, items: list[CrashArticle]) -> str:
    entries = "".join(
        f"<item><title>{a.title}</title><link>{site.url(a.path)}</link></item>\n" for a in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Crash Wire</title>\n{entries}</channel></rss>'


class CrashSite:
    """The site, started with every article routed but only the first ``published`` in its feeds:
    ``/feeds/all.rss`` lists them all, ``/feeds/odd.rss`` every other one. ``publish(n)`` adds more,
    so that each crawl of a crash loop has new work to be killed in."""

    def __init__(self, count: int, published: int) -> None:
        self.site = LocalSite().start()
        self.articles = articles(count)
        for article in self.articles:
            self.site.route(article.path, body=page(article), headers={"Content-Type": "text/html; charset=utf-8"})
        self.published = 0
        self.publish(published)

    def publish(self, count: int) -> None:
        self.published = min(len(self.articles), self.published + count)
        items = self.articles[: self.published]
        rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
        self.site.route("/feeds/all.rss", body=feed(self.site, items), headers=rss)
        self.site.route("/feeds/odd.rss", body=feed(self.site, items[1::2]), headers=rss)

    def expected_sources(self, index: int) -> set[str]:
        return {"all", "odd"} if index % 2 else {"all"}

    def url(self, path: str) -> str:
        return self.site.url(path)

    def fetched(self) -> int:
        """Article pages answered so far."""
        return sum(1 for r in self.site.seen() if r.route.startswith("/news/") and r.status is not None)

    def stop(self) -> None:
        self.site.stop()
