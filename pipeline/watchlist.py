"""Load and validate a watchlist: the analyst's terms and watches, kept as data in a TOML file.

A watchlist names groups of terms (``belarus``, ``libya``, ``context``...), the entities in each group with
their aliases in every language, and watches: which groups must co-occur for an article to match, which
add weight and which mark an article as off-topic. Another analyst watches another pair of countries by
writing another file; nothing about Belarus or Libya lives in code. Mistakes are one line naming the file
and the key, like the config file's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from newsmon.config import parse_strict
from newsmon.errors import ConfigError

BUNDLED = "belarus_libya.toml"

# spaCy-style labels for entity types, so watchlist entities sit beside the model's own labels.
TYPE_LABELS = {
    "person": "PERSON",
    "org": "ORG",
    "country": "GPE",
    "city": "GPE",
    "place": "LOC",
    "facility": "FAC",
    "nationality": "NORP",
    "equipment": "PRODUCT",
    "law": "LAW",
    "agreement": "LAW",
    "event": "EVENT",
    "currency": "CURRENCY",
    "term": "TOPIC",
}


@dataclass
class Entity:
    name: str
    type: str
    aliases: list[str]
    group: str | None = None
    id: str | None = None
    label: str | None = None
    case_sensitive: bool = False

    @property
    def key(self) -> str:
        """The stable key stored in ``entities.key``: the explicit id, else a slug of the name."""
        return "wl:" + (self.id or slugify(self.name))

    @property
    def ner_label(self) -> str:
        return self.label or TYPE_LABELS[self.type]


@dataclass
class Weights:
    """The score's logistic model: log-odds added per feature, and how many of a counted feature count.

    Score = 1 / (1 + exp(-(bias + proximity + title * share + context * log2(1 + n) + ...))), so a score
    is the estimated chance that the article is a story about the watch; context, entities and support
    count on a log scale (``matching.scaled``), off-topic cues one by one. The defaults are fitted on the
    labelled cases in ``tests/eval/`` and the demo site's stories by ``bench/fit_score.py``.
    """

    bias: float = -0.87
    sentence: float = 1.49
    paragraph: float = 0.36
    article: float = 0.0
    title: float = 1.12
    context: float = 0.41
    context_max: int = 10
    entities: float = 0.46
    entities_max: int = 10
    support: float = 0.0
    support_max: int = 10
    negative: float = -2.13
    negative_max: int = 3


@dataclass
class Watch:
    name: str
    groups: list[str]
    description: str = ""
    context: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    threshold: float = 0.5
    alert_threshold: float = 0.7
    max_list_items: int = 8
    max_places: int = 5
    weights: Weights = field(default_factory=Weights)


@dataclass
class Watchlist:
    path: Path
    name: str
    groups: dict[str, str]
    entities: list[Entity]
    watches: list[Watch]
    description: str = ""
    fingerprint: str = ""

    def watch(self, name: str) -> Watch:
        for watch in self.watches:
            if watch.name == name:
                return watch
        known = ", ".join(w.name for w in self.watches)
        raise ConfigError(f"{self.path}: no watch named {name!r} (known: {known})")

    @cached_property
    def by_key(self) -> dict[str, Entity]:
        return {entity.key: entity for entity in self.entities}


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens: ``Khalifa Haftar`` -> ``khalifa-haftar``."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def bundled_path() -> Path:
    return Path(str(resources.files("newsmon") / "watchlists" / BUNDLED))


def load_watchlist(path: str | Path | None = None) -> Watchlist:
    """Read a watchlist file (the bundled Belarus–Libya one when ``path`` is None)."""
    path = Path(path) if path else bundled_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such watchlist file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read watchlist: {exc}") from None
    return parse_watchlist(raw.decode("utf-8", errors="replace"), path)


def parse_watchlist(text: str, path: Path) -> Watchlist:
    """Validate watchlist TOML text as if it were the file at ``path``."""
    watchlist = parse_strict(text, path, _WatchlistFile)
    result = Watchlist(
        path=path,
        name=watchlist.name,
        description=watchlist.description,
        groups=watchlist.groups,
        entities=watchlist.entities,
        watches=watchlist.watches,
        fingerprint=hashlib.sha1(text.encode("utf-8")).hexdigest()[:12],
    )
    _check(result, f"{path}")
    return result


@dataclass
class _WatchlistFile:
    name: str
    groups: dict
    entities: list[Entity]
    watches: list[Watch]
    description: str = ""


def _check(watchlist: Watchlist, where: str) -> None:
    groups = watchlist.groups
    for name, text in groups.items():
        if not isinstance(text, str):
            raise ConfigError(f"{where}: groups.{name}: expected a string describing the group")
    known_groups = ", ".join(groups)
    keys: dict[str, int] = {}
    for i, entity in enumerate(watchlist.entities):
        at = f"{where}: entities[{i}]"
        if entity.type not in TYPE_LABELS:
            raise ConfigError(f"{at}.type: unknown type {entity.type!r} (expected one of: {', '.join(TYPE_LABELS)})")
        if entity.group is not None and entity.group not in groups:
            raise ConfigError(f"{at}.group: unknown group {entity.group!r} (known: {known_groups})")
        if not entity.aliases or any(not alias.strip() for alias in entity.aliases):
            raise ConfigError(f"{at}.aliases: expected at least one non-empty alias")
        for alias in entity.aliases:
            if not any(char.isalnum() for char in alias):
                raise ConfigError(f"{at}.aliases: {alias!r} has no letter or digit, so it would match punctuation")
        if entity.key in keys:
            raise ConfigError(f"{at}.name: duplicate entity {entity.name!r} (same key as entities[{keys[entity.key]}])")
        keys[entity.key] = i
    if not watchlist.watches:
        raise ConfigError(f"{where}: watches: expected at least one watch")
    names: set[str] = set()
    for i, watch in enumerate(watchlist.watches):
        at = f"{where}: watches[{i}]"
        if watch.name in names:
            raise ConfigError(f"{at}.name: duplicate watch name {watch.name!r}")
        names.add(watch.name)
        if not watch.groups:
            raise ConfigError(f"{at}.groups: expected at least one group")
        for key in ("groups", "context", "negative"):
            for group in getattr(watch, key):
                if group not in groups:
                    raise ConfigError(f"{at}.{key}: unknown group {group!r} (known: {known_groups})")
        for key in ("threshold", "alert_threshold"):
            if not 0 <= getattr(watch, key) <= 1:
                raise ConfigError(f"{at}.{key}: expected a number from 0 to 1")
        for key in ("max_list_items", "max_places"):
            if getattr(watch, key) < 2:
                raise ConfigError(f"{at}.{key}: expected an integer of at least 2")
        for key in ("context_max", "entities_max", "support_max", "negative_max"):
            if getattr(watch.weights, key) < 0:
                raise ConfigError(f"{at}.weights.{key}: expected a count of 0 or more")

