"""Which language a text is in, by py3langid, for extraction and for choosing an NLP pipeline."""

from __future__ import annotations

import functools
import itertools
import re

MIN_LETTERS = 20  # fewer letters than this cannot be told apart
DECLARED_WINS_BELOW = 200  # under this many characters, a publisher's declared language is more reliable
SAMPLE_CHARS = 2000
# py3langid reads a text byte by byte in Python, so its cost is the sample's length: a first look at
# this many characters decides when the identifier is at least SURE of it, else the whole sample does.
# On the 2,095 real texts of the shared extraction sets the two give the same language on every text,
# at 0.61-0.69 of the cost (``bench/language.py``).
FIRST_LOOK_CHARS = 1000
SURE = 0.99
LETTER = re.compile(r"[^\W\d_]")


def detect_language(text: str, *, declared: str | None = None, fallback: str | None = None) -> str | None:
    """The ISO 639-1 code of ``text``.

    A short text is ambiguous, so the ``declared`` language (page metadata, feed) wins below
    ``DECLARED_WINS_BELOW`` characters, and ``fallback`` is returned when there is too little to tell.
    """
    declared_code = re.split(r"[-_]", declared.strip())[0].lower() if declared and declared.strip() else None
    if declared_code and len(text) < DECLARED_WINS_BELOW:
        return declared_code
    sample = text[:SAMPLE_CHARS]
    if next(itertools.islice(LETTER.finditer(sample), MIN_LETTERS - 1, None), None) is None:  # too few letters
        return declared_code or fallback
    identifier = load_identifier()
    if len(sample) > FIRST_LOOK_CHARS:
        language, probability = identifier.classify(sample[:FIRST_LOOK_CHARS])
        if probability >= SURE:
            return language
    return identifier.classify(sample)[0]


@functools.cache
def load_identifier():
    """The py3langid identifier, loaded once per process (about a CPU-second): restricted to living
    languages with two-letter codes, since news never comes in Latin or Esperanto, and short texts full
    of names otherwise land on rare languages (such as ``pcm``)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([c for c in identifier.labels if len(c) == 2 and c not in ("la", "eo", "sa", "vo")])
    return identifier
