"""The digest's "new names": people and organisations beside watch entities that the watchlist lacks.

The model's raw names are noisy, so a name is kept only when it is worth an analyst's attention:

- the article's own outlet is not news (its site name, or a name spelled like its web address);
- a short form is merged into the longer name the same article gives ("Wilson" into "Joe Wilson", "UN"
  into "the United Nations"), and a leading "the" is dropped;
- a name the watchlist already claims, or that contains a watchlist term of another kind (MiG-23 read as
  a person contains the MiG equipment), is dropped;
- names are ranked by how many stories they appear in, then by articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlite_utils

from newsmon.pipeline.aliases import find_mentions, fold_word
from newsmon.pipeline.render import clean
from newsmon.pipeline.watchlist import Watchlist

MAX_NEW_NAMES = 30
_ARTICLE = re.compile(r"^(?:the|la|le|les|el|die|der|das|al)\s+", re.I)
_TYPE_OF_LABEL = {"PERSON": "person", "ORG": "org"}


@dataclass
class NewName:
    """A person or organisation found beside watch entities that is not on the watchlist."""

    name: str
    kind: str
    articles: int
    stories: int = 0


def new_names(db: sqlite_utils.Database, article_ids: list[int], watchlist: Watchlist | None = None) -> list[NewName]:
    """People and organisations the NER found in the same sentence as a watch entity, cleaned as the
    module says, most stories first."""
    if not article_ids:
        return []
    marks = ",".join("?" * len(article_ids))
    claimed = {
        fold_word(clean(r["text"]))
        for r in db.query(
            "select name as text from entities where on_watchlist = 1 union "
            "select m.text from mentions m join entities e on e.id = m.entity_id where e.on_watchlist = 1"
        )
    }
    rows = db.query(
        f"""select m.article_id, e.name, upper(coalesce(e.label, '')) as label, lower(coalesce(e.type, '')) as type,
                   a.site_name, a.url, coalesce(mt.story_id, -m.article_id) as story
            from mentions m join entities e on e.id = m.entity_id join articles a on a.id = m.article_id
            left join (select article_id, min(story_id) as story_id from matches group by article_id) mt
                   on mt.article_id = m.article_id
            where m.article_id in ({marks})
              and coalesce(e.on_watchlist, 0) = 0
              and (upper(coalesce(e.label, '')) in ('PERSON', 'ORG')
                   or lower(coalesce(e.type, '')) in ('person', 'org'))
              and exists (
                select 1 from mentions w join entities we on we.id = w.entity_id
                where w.article_id = m.article_id and we.on_watchlist = 1
                  and (w.sentence = m.sentence or m.sentence is null or w.sentence is null))
            group by m.article_id, e.id""",
        article_ids,
    )
    per_article: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        name = _ARTICLE.sub("", clean(row["name"], 80))
        if not name or _is_outlet(name, row["site_name"], row["url"]) or _claimed(name, claimed):
            continue
        person = row["label"] == "PERSON" or row["type"] == "person"
        if watchlist is not None and _contradicted(name, "person" if person else "org", watchlist):
            continue
        per_article[row["article_id"]].setdefault(name, {"person": person, "story": row["story"]})
    return _ranked(per_article)


def _ranked(per_article: dict[int, dict[str, dict]]) -> list[NewName]:
    """Short forms merged into the longer names of the same article, then counted over articles and stories."""
    articles: dict[str, set[int]] = defaultdict(set)
    stories: dict[str, set[int]] = defaultdict(set)
    kinds: dict[str, bool] = {}
    for article, names in per_article.items():
        for name, info in names.items():
            full = _longer_form(name, names) or name
            articles[full].add(article)
            stories[full].add(info["story"])
            kinds.setdefault(full, names.get(full, info)["person"])
    ordered = sorted(articles, key=lambda n: (-len(stories[n]), -len(articles[n]), n.casefold()))
    return [
        NewName(n, "person" if kinds[n] else "organisation", articles=len(articles[n]), stories=len(stories[n]))
        for n in ordered[:MAX_NEW_NAMES]
    ]


def _longer_form(name: str, names: dict[str, dict]) -> str | None:
    """The one longer name of the same article that ``name`` abbreviates: its last words (a surname) or
    its initials (an acronym)."""
    words = name.split()
    candidates = []
    for other in names:
        if other == name:
            continue
        other_words = other.split()
        if len(other_words) > len(words) and other_words[-len(words) :] == words:
            candidates.append(other)
        elif len(words) == 1 and name.isupper() and len(name) >= 2 and _initials(other) == name:
            candidates.append(other)
    return candidates[0] if len(candidates) == 1 else None


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _is_outlet(name: str, site_name: str | None, url: str | None) -> bool:
    """Whether ``name`` is the article's own outlet: its site name, or its web address without the dots."""
    key = re.sub(r"\W+", "", fold_word(name))
    if site_name and key and key in re.sub(r"\W+", "", fold_word(site_name)):
        return True
    host = urlsplit(url or "").hostname or ""
    labels = [re.sub(r"\W+", "", part) for part in host.removeprefix("www.").split(".")]
    return bool(key) and any(len(label) >= 3 and (key == label or key in label) for label in labels[:-1])


def _claimed(name: str, claimed: set[str]) -> bool:
    """A watch entity under a name the watchlist matcher did not claim, e.g. a surname alone."""
    folded = f" {fold_word(name)} "
    return any(folded in f" {c} " for c in claimed if c)


# Watchlist types a name of each kind may contain ("Belarusian defence ministry" holds a country).
_MAY_CONTAIN = {
    "person": {"person", "nationality", "country", "city", "place"},
    "org": {"org", "nationality", "country", "city", "place", "facility", "term", "person", "law", "event"},
}


def _contradicted(name: str, kind: str, watchlist: Watchlist) -> bool:
    """Whether the watchlist finds in ``name`` a term that no name of this kind holds (MiG-23 as a person)."""
    entities = watchlist.by_key
    return any(entities[hit.key].type not in _MAY_CONTAIN[kind] for hit in find_mentions(watchlist, name, None))
