"""A headline without the site's name glued to it ("Title | Site", "Site - Title", "Title ㅣ Site").

The site is recognised by mechanism, not by a list of outlets: its declared name (``og:site_name``,
JSON-LD publisher), its host, or a long form of the host (words whose leading letters spell a host
label: "Frankfurter Allgemeine Zeitung" on faz.net, "The New York Times" on nytimes.com).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Dashes, slashes and bullets separate a site name only with spaces around them ("Belarus-Libya" is a
# headline word); pipe-like marks (ASCII and full-width pipes, box-drawing bar, the Hangul ㅣ that
# Korean outlets use) never occur inside headline words, so they separate with or without spaces.
TITLE_SEPARATORS = re.compile(r"\s+(?:-|–|—|::|·|•|»|«|/)\s+|\s*[|｜│ㅣ]\s*")
PIPES = set("|｜│ㅣ")
MAX_SITE_WORDS = 6


def title_key(text: str) -> str:
    """Letters and digits only, lower-cased: how two spellings of one name are compared."""
    return re.sub(r"\W+", "", text.lower())


def host_labels(url: str) -> set[str]:
    """The host's meaningful labels: ``www.koreaherald.com`` -> {"koreaherald"}; ``www3.nhk.or.jp`` -> {"nhk"}."""
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")[:-1]
    return {title_key(label) for label in labels if len(label) > 2 and not re.fullmatch(r"www\d*|amp|edition|news", label)}


def spells(label: str, words: list[str]) -> bool:
    """Whether ``label`` is spelled by the words' prefixes, in order, every word used but perhaps a
    leading article ("nytimes" from "The New York Times", "faz" from "Frankfurter Allgemeine Zeitung")."""
    words = [w.lower() for w in words]

    def walk(at: int, index: int) -> bool:
        if index == len(words):
            return at == len(label)
        word = words[index]
        return any(
            label[at : at + size] == word[:size] and walk(at + size, index + 1)
            for size in range(min(len(word), len(label) - at), 0, -1)
        )

    if len(words) < 2 or len(words) > MAX_SITE_WORDS:
        return False
    return walk(0, 0) or (len(words) > 2 and walk(0, 1))


def strip_site_suffix(title: str, site_names: list[str | None], url: str) -> str:
    """Drop a site name glued to a title ("Title | Site", "Site - Title").

    A part is dropped when it names the site (its declared name, its host, a long form of the host);
    a short trailing part after a pipe is dropped too, since pipes almost never separate the words of
    a headline.
    """
    title = re.sub(r"\s+", " ", title).strip()
    whole = title_key(title)
    # a "site name" that holds the whole headline is the headline (pages that repeat it there)
    keys = {key for key in (title_key(name) for name in site_names if name) if key and whole not in key}
    labels = host_labels(url)
    host = title_key((urlsplit(url).hostname or "").removeprefix("www."))

    def names_site(part: str) -> bool:
        key = title_key(part)
        if not key:
            return False
        if key in keys or key == host:
            return True
        words = re.findall(r"\w+", part)
        if len(words) > MAX_SITE_WORDS:
            return False
        # the declared name inside a slightly longer part ("The Korea Herald"), or a part of a longer name
        if any(min(len(k), len(key)) >= 5 and ((k in key and len(key) <= len(k) + 8) or key in k) for k in keys):
            return True
        return any(
            len(label) > 2 and (key.startswith(label) or spells(label, words))
            for label in labels
        )

    while True:
        pieces = TITLE_SEPARATORS.split(title)
        if len(pieces) < 2:
            return title
        separators = TITLE_SEPARATORS.findall(title)
        last, first = pieces[-1], pieces[0]
        if names_site(last) or (
            separators[-1].strip() in PIPES and len(last.split()) <= 4 and len(title) - len(last) > 20
        ):
            title = title[: title.rfind(separators[-1])].strip()
        elif names_site(first):
            title = title[title.find(separators[0]) + len(separators[0]) :].strip()
        else:
            return title
