"""Which language a text is in, by py3langid, for extraction and for choosing an NLP pipeline."""

from __future__ import annotations

import functools
import re

MIN_LETTERS = 20  # fewer letters than this cannot be told apart
DECLARED_WINS_BELOW = 200  # under this many characters, a publisher's declared language is more reliable
SAMPLE_CHARS = 2000


def detect_language(text: str, *, declared: str | None = None, fallback: str | None = None) -> str | None:
    """The ISO 639-1 code of ``text``.

    A short text is ambiguous, so the ``declared`` language (page metadata, feed) wins below
    ``DECLARED_WINS_BELOW`` characters, and ``fallback`` is returned when there is too little to tell.
    """
    declared_code = re.split(r"[-_]", declared.strip())[0].lower() if declared and declared.strip() else None
    if declared_code and len(text) < DECLARED_WINS_BELOW:
        return declared_code
    sample = text[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return declared_code or fallback
    return _identifier().classify(sample)[0]


@functools.lru_cache(maxsize=1)
def _identifier():
    """A py3langid identifier restricted to living languages with two-letter codes: news never comes in
    Latin or Esperanto, and short texts full of names otherwise land on rare languages (such as ``pcm``)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages([c for c in identifier.labels if len(c) == 2 and c not in ("la", "eo", "sa", "vo")])
    return identifier
