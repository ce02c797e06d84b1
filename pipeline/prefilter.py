"""Which articles could match a watch, decided before spaCy reads them.

A watch matches only when every one of its required groups has a watchlist mention, and the watchlist's
component finds those mentions in the text alone (``aliases.AliasIndex.find`` on each unit's text): it
replaces whatever the model labelled, so it finds the same ones with or without the model. Running the
same alias index over the raw texts first (a few milliseconds per article, against about fifty for the
NER) therefore tells, with the watchlist's own alias semantics (inflection, scripts, case, decoys) and no
second copy of them, which articles cannot match (spaCy does not read them: their watchlist mentions are
the index's hits) and which could (the whole pipeline).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from newsmon.pipeline.aliases import AliasIndex
from newsmon.pipeline.watchlist import Watchlist

K = TypeVar("K")


def named_groups(watchlist: Watchlist, index: AliasIndex, texts: Iterable[str]) -> set[str] | None:
    """The groups whose entities the watchlist's aliases find in ``texts`` (an article's units); None
    when they find no entity at all, not even one without a group (a decoy)."""
    found = False
    groups: set[str] = set()
    for text in texts:
        for hit in index.find(text):
            found = True
            entity = watchlist.by_key.get(hit.key)
            if entity is not None and entity.group:
                groups.add(entity.group)
    return groups if found else None


def could_match(watchlist: Watchlist, groups: Iterable[str | None]) -> bool:
    """True when some watch has every one of its required groups among ``groups``."""
    named = set(groups)
    return any(named.issuperset(watch.groups) for watch in watchlist.watches)


def by_reach(
    watchlist: Watchlist, index: AliasIndex, articles: Iterable[tuple[K, Iterable[str]]]
) -> tuple[list[K], list[K]]:
    """The keys of ``articles`` (key, texts) that name something on the watchlist but cannot match, and
    those that could match; the others name nothing and need no reading at all."""
    named_only: list[K] = []
    possible: list[K] = []
    for key, texts in articles:
        groups = named_groups(watchlist, index, texts)
        if groups is not None:
            (possible if could_match(watchlist, groups) else named_only).append(key)
    return named_only, possible
