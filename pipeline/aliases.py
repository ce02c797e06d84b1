"""Where a watchlist's aliases occur in a text: the one place that decides what an alias matches.

The spaCy pipeline's ``watchlist`` component and any cheap pre-filter both call ``AliasIndex.find``,
so "does this article mention the watch at all" and "which entities does it name" never disagree.

Matching works on a folded copy of the text (offsets map back to the original):

- Letters are lower-cased and stripped of accents and Arabic diacritics in every script (Líbia = Libia,
  Białoruś = bialorus, Ё = Е, أ/إ/آ = ا, ى = ي, ة = ه, tatweel and harakat dropped, Persian ی/ک = ي/ك).
- A word takes the inflectional endings of its script, and for Latin script those of the text's language
  when it is known (Polish Libii, Mińsku; Lithuanian Baltarusijoje; Hungarian Líbiában; Finnish
  Minskissä; Romance and Germanic gender and number endings). The alias's own dictionary ending is
  stripped first, but only when at least ``MIN_STEM`` letters stay, so a short word (Mali, Iran as a
  stem of Irani...) never swallows longer unrelated ones.
- Arabic-script words take the clitics و ف ب ل ك and the article in front, and a few suffixes; a long
  Arabic name (``MIN_SKELETON`` letters or more) also matches when its long vowels are spelled otherwise
  (بيلوروسيا, بلاروسيا for بيلاروسيا).
- Chinese, Japanese and Korean aliases match as substrings, since those scripts do not separate words.
- Aliases written in capitals, and entities marked ``case_sensitive``, match only in that case.
- A trailing ``*`` on a word matches up to four more letters. Where hits overlap, the longest wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Iterator
from contextlib import contextmanager

from newsmon.pipeline.watchlist import Entity, Watchlist

MIN_STEM = 4  # letters an inflected stem keeps; shorter aliases match as written (plus clitics in Arabic)
MIN_SKELETON = 7  # Arabic-script words at least this long also match with other long-vowel spellings
MIN_CJK = 2  # a CJK alias of one character would match inside any word
STAR_LETTERS = 4

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")
_NEXT_TOKEN = re.compile(r"\s*(\w+|[^\w\s])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
HEAD = 3  # letters of a stem's start kept in a set, so most words of a text are rejected by one lookup

# Letters that Unicode decomposition does not fold, and spellings treated as one.
_SPECIAL = {
    "ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th",
    "’": "'", "‘": "'", "ʼ": "'", "`": "'",
    "\u0640": "", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ٱ": "ا", "ۀ": "ه", "ە": "ه",
}


def _fold_char(c: str, keep_case: bool) -> str:
    lower = c.lower()
    if lower in _SPECIAL:
        out = _SPECIAL[lower]
        return out.upper() if keep_case and c != lower and out else out
    out = c if keep_case else lower
    if ord(c) < 0x0700 or 0x1E00 <= ord(c) < 0x2000:  # Latin, Greek, Cyrillic, Arabic: drop marks
        out = "".join(ch for ch in unicodedata.normalize("NFD", out) if not unicodedata.combining(ch))
    return out


class _FoldTable(dict):
    """``str.translate`` tables that fold each character once, on first sight: ``lower`` lower-cases,
    ``cased`` keeps case. Characters whose two foldings differ in length (ß, a dropped tatweel or
    mark) are remembered in ``uneven``, since offsets must then be mapped one character at a time."""

    def __init__(self, keep_case: bool, uneven: set[str]) -> None:
        super().__init__()
        self.keep_case = keep_case
        self.uneven = uneven

    def __missing__(self, code: int) -> str:
        c = chr(code)
        out = self[code] = _fold_char(c, self.keep_case)
        if len(out) != 1 or len(_fold_char(c, not self.keep_case)) != 1:
            self.uneven.add(c)
        return out


_UNEVEN: set[str] = set()
_LOWER = _FoldTable(False, _UNEVEN)
_CASED = _FoldTable(True, _UNEVEN)


def fold(text: str) -> tuple[str, str, list[int] | range]:
    """``text`` folded (lower-case) and folded keeping case, and for each folded character the index of
    the original character it came from; the two folded strings have the same length."""
    if text.isascii():
        return text.lower(), text, range(len(text))
    lower = text.translate(_LOWER)
    if _UNEVEN.isdisjoint(text):  # every character folded to one: offsets are unchanged
        return lower, text.translate(_CASED), range(len(text))
    lowers, cased, where = [], [], []
    for i, c in enumerate(text):
        low, up = _LOWER[ord(c)], _CASED[ord(c)]
        if len(up) != len(low):
            up = low
        lowers.append(low)
        cased.append(up)
        where.extend([i] * len(low))
    return "".join(lowers), "".join(cased), where


def fold_word(text: str) -> str:
    return fold(text)[0]


# ---------------------------------------------------------------------------------------------------
# Endings. Each table is written in folded form (no accents), longest endings need no special order.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inflection:
    """How words of one language change: dictionary endings stripped from an alias, endings a stem
    takes, and stem-final consonant alternations (Polish Łukaszenka -> Łukaszence)."""

    strip: tuple[str, ...]
    endings: frozenset[str]
    alternations: tuple[tuple[str, str], ...] = ()


def _inflection(strip: str, endings: str, alternations: str = "") -> Inflection:
    pairs = tuple(tuple(p.split(">")) for p in alternations.split())
    return Inflection(tuple(sorted(strip.split(), key=len, reverse=True)), frozenset(endings.split()) | {""}, pairs)


_SLAVIC_LATIN = _inflection(
    "a o e y i u",
    "a e i o u y ie ia iu ii io em om am ach ami ow owi ego emu ej iej ym im ich ymi imi ou ovi ov "
    "ho eho ima ama ih ovima oj ju",
)
LATIN_INFLECTION: dict[str, Inflection] = {
    "pl": _inflection(
        "a o e y i",
        "a e i o u y ie ia iu ii io em om am ach ami ow owi ego emu ej iej ym im ich ymi imi m",
        "k>c g>dz r>rz t>ci d>dzi ch>sz n>ni s>si z>zi l>le",
    ),
    "cs": _SLAVIC_LATIN,
    "sk": _SLAVIC_LATIN,
    "sl": _SLAVIC_LATIN,
    "hr": _SLAVIC_LATIN,
    "sr": _SLAVIC_LATIN,
    "bs": _SLAVIC_LATIN,
    "lt": _inflection(
        "as is ys us a e",
        "a e i o u as is ys us os es ai ui ei am ams ims oms ose ese yje oje eje uje io iui iu ia ij ijos "
        "ijai ija ijoje ius",
    ),
    "lv": _inflection("s is us a e", "a e i u s as es is us ai ei am em iem im os ij ijas ija ai"),
    "tr": _inflection(
        "",
        "a e i u da de ta te dan den tan ten ya ye yi yu nin nun in un la le yla yle lar ler lari leri "
        "larin lerin li lu daki deki ca ce ni nu na ne si su nda nde ndan nden",
    ),
    "hu": _inflection(
        "",
        "a e i t at et ot ban ben ba be bol rol tol nak nek val vel hoz hez ra re n on en ni "
        "ig nal nel ert",
    ),
    "fi": _inflection(
        "",
        "n a ssa sta lla lta lle ksi na tta t an en in on un yn aan een iin oon uun issa ista ia ita illa "
        "ilta ille ina ilaisen lainen laiset",
    ),
    "et": _inflection("", "i a s st sse l lt le ks ga na ni t d"),
    "de": _inflection("e", "e en er es em s n ns"),
    "nl": _inflection("e", "e en s se sche"),
    "sv": _inflection("", "s en ens er et ska"),
    "da": _inflection("", "s en ens er et ske"),
    "no": _inflection("", "s en ens er et ske"),
    "nb": _inflection("", "s en ens er et ske"),
    "fr": _inflection("e", "e es s ne nes"),
    "es": _inflection("o a e", "o a e os as es"),
    "pt": _inflection("o a e", "o a e os as es"),
    "it": _inflection("o a e i", "o a e i he hi"),
    "ca": _inflection("o a e", "o a e os as es"),
    "ro": _inflection("a e", "a e ei ul ului ii ilor ia"),
}
# Russian, Belarusian and Ukrainian noun and adjective endings (folded: й -> и, ё -> е, ў -> у, ї -> і).
CYRILLIC = _inflection(
    "ии ыи ои ая яя ое ее ие ые ія ае ую ыя а я о е у ю ы и і ь",
    "а я о е у ю ы и і ь "
    "еи ои ою ею ем ом ам ям ах ях ов ев ии ыи ая яя ое ее ую юю ым им ых их ые ие ью аи яи ау яу "
    "ім іх ія ия ии ию ае ві ыя "
    "ами ями ого его ому ему ыми ими ымі ага яга аму яму імі ові еві ием иеи иям иях",
)
# Arabic script: clitics in front (conjunction, preposition, article), a few suffixes after.
ARABIC_PREFIXES = frozenset(c + p for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك", "ال", "بال", "كال", "لل"))
ARABIC_SUFFIXES = frozenset({"", "ه", "ين", "ون", "ات", "ان", "يه", "ي", "يي", "ها", "اي", "يان"})
_ARABIC_VOWELS = str.maketrans("", "", "اوي")


def script_of(word: str) -> str:
    """The script of a folded word: cjk, cyrillic, arabic, latin or other."""
    for c in word:
        if _CJK.match(c):
            return "cjk"
        if "\u0400" <= c <= "\u04ff":
            return "cyrillic"
        if "\u0600" <= c <= "\u06ff":
            return "arabic"
        if c.isalpha():
            return "latin" if c.isascii() or "\u00c0" <= c <= "\u024f" else "other"
    return "other"


def skeleton(word: str) -> str:
    """An Arabic-script word without its long vowels after the first letter: بيلاروسيا -> بلرس."""
    return word[:1] + word[1:].translate(_ARABIC_VOWELS)


# ---------------------------------------------------------------------------------------------------
# The index.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One alias occurrence: character offsets into the original text and the entity it names."""

    start: int
    end: int
    key: str
    label: str
    alias: str


@dataclass(frozen=True)
class _Word:
    stem: str  # folded
    cased: str | None  # folded keeping case, when the alias is case-sensitive
    endings: frozenset[str] | None  # None: any up to STAR_LETTERS letters
    prefixes: frozenset[str]
    loose: bool  # Arabic long-vowel spellings may differ


@dataclass(frozen=True)
class _Alias:
    entity: Entity
    alias: str
    words: tuple[str | tuple[_Word, ...], ...]  # a str is punctuation, matched as written


class AliasIndex:
    """Every alias of a watchlist, for one text language, ready to find in texts of that language."""

    def __init__(self, watchlist: Watchlist, language: str | None = None) -> None:
        self.language = (language or "").lower()
        self._by_stem: dict[str, list[tuple[_Alias, _Word]]] = {}
        self._by_skeleton: dict[str, list[tuple[_Alias, _Word]]] = {}
        self._cjk: list[tuple[str, _Alias]] = []
        self._max_ending = 0
        for entity in watchlist.entities:
            for alias in entity.aliases:
                self._add(entity, alias)
        self._heads = {stem[:HEAD] for stem in self._by_stem if len(stem) >= HEAD}
        self._short = {stem for stem in self._by_stem if len(stem) < HEAD}
        # where in a text a word starts as some stem starts: the only words _lookup can find anything for
        starts = self._heads | self._short
        self._starts = re.compile(r"(?<!\w)" + _trie_pattern(starts)) if starts else None
        self._remembered: dict[str, list[Hit]] | None = None

    def _add(self, entity: Entity, alias: str) -> None:
        case_sensitive = entity.case_sensitive or _is_acronym(alias)
        starred = {m.start() - i for i, m in enumerate(re.finditer(r"\*", alias))}
        clean = alias.replace("*", "")
        folded, cased, where = fold(clean)
        if script_of(folded) == "cjk" and " " not in folded.strip():
            if len(folded.strip()) >= MIN_CJK:
                self._cjk.append((folded.strip(), _Alias(entity, alias, ())))
            return
        words: list[str | tuple[_Word, ...]] = []
        for token in _TOKEN.finditer(folded):
            text = token.group()
            if not text[0].isalnum() and text[0] != "_":
                words.append(text)
                continue
            end_in_original = where[token.end() - 1] + 1
            star = end_in_original in starred
            as_written = cased[token.start() : token.end()] if case_sensitive else None
            words.append(tuple(self._word_options(text, as_written, star)))
        if not words or isinstance(words[0], str):
            return
        record = _Alias(entity, alias, tuple(words))
        for option in words[0]:
            self._by_stem.setdefault(option.stem, []).append((record, option))
            if option.loose:
                self._by_skeleton.setdefault(skeleton(option.stem), []).append((record, option))

    def _word_options(self, text: str, cased: str | None, star: bool) -> list[_Word]:
        """The ways one alias word may appear: its stem (and alternated stems) with allowed affixes."""
        script = script_of(text)
        prefixes = frozenset({""})
        if star:
            return [_Word(text, cased, None, prefixes, False)]
        if script == "arabic":
            prefixes = ARABIC_PREFIXES if len(text) >= 3 else frozenset({""})
            stem = text[2:] if text.startswith("ال") and len(text) > 4 else text
            if stem.endswith("ه") and len(stem) > 3:
                stem = stem[:-1]
            self._max_ending = max(self._max_ending, 3)
            return [_Word(stem, None, ARABIC_SUFFIXES, prefixes, len(stem) >= MIN_SKELETON)]
        if script == "cyrillic":
            rules: Inflection | None = CYRILLIC
        elif script == "latin":
            rules = LATIN_INFLECTION.get(self.language)
        else:
            rules = None
        if rules is None:
            return [_Word(text, cased, frozenset({""}), prefixes, False)]
        stem = text
        for ending in rules.strip:
            if text.endswith(ending) and len(text) - len(ending) >= MIN_STEM:
                stem = text[: -len(ending)]
                break
        if len(stem) < MIN_STEM:
            return [_Word(text, cased, frozenset({""}), prefixes, False)]
        self._max_ending = max(self._max_ending, max(map(len, rules.endings)))
        stem_cased = cased[: len(stem)] if cased else None
        options = [_Word(stem, stem_cased, rules.endings, prefixes, False)]
        if text != stem:  # the dictionary form takes endings too (Kaddafi -> Kaddafiego)
            options.append(_Word(text, cased, rules.endings, prefixes, False))
        for old, new in rules.alternations:
            if stem.endswith(old):
                alt = stem[: -len(old)] + new
                options.append(_Word(alt, None if cased is None else cased[: len(stem) - len(old)] + new,
                                     rules.endings, prefixes, False))
        return options

    def find(self, text: str) -> list[Hit]:
        """Every alias occurrence in ``text``, longest first where they overlap, in text order."""
        if not text:
            return []
        if self._remembered is None:
            return self._find(text)
        if text not in self._remembered:
            self._remembered[text] = self._find(text)
        return list(self._remembered[text])

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within this block each text's hits are found once: analysis looks a paragraph up before spaCy
        reads it (the pre-filter), then the watchlist's component looks it up again inside the pipeline."""
        self._remembered = {}
        try:
            yield
        finally:
            self._remembered = None

    def _find(self, text: str) -> list[Hit]:
        folded, cased, where = fold(text)
        candidates: list[tuple[int, int, _Alias]] = []
        if _ARABIC.search(folded):  # every word: Arabic clitics come before the stem
            for word in _WORD.finditer(folded):
                self._match_at(word, folded, cased, script_of(word.group()) == "arabic", candidates)
        elif self._starts is not None:  # only the words that start as some stem starts
            for start in self._starts.finditer(folded):
                self._match_at(_WORD.match(folded, start.start()), folded, cased, False, candidates)
        if self._cjk and _CJK.search(folded):
            for alias_text, record in self._cjk:
                for m in re.finditer(re.escape(alias_text), folded):
                    candidates.append((m.start(), m.end(), record))
        return _longest(candidates, where)

    def _match_at(
        self, word: re.Match, folded: str, cased: str, arabic: bool, candidates: list[tuple[int, int, _Alias]]
    ) -> None:
        """Add the aliases that start with the text word ``word`` to ``candidates``."""
        start, end = word.span()
        for record, spec in self._lookup(word.group(), arabic):
            if _word_fits(spec, word.group(), cased[start:end]):
                last = _rest_fits(record.words, end, folded, cased)
                if last is not None:
                    candidates.append((start, last, record))

    def _lookup(self, word: str, arabic: bool) -> Iterator[tuple[_Alias, _Word]]:
        """Aliases whose first word could be ``word``: each stem ``word`` may hold, looked up. Any such stem
        starts ``word`` (outside Arabic, whose clitics come first), so a word whose start is no stem's
        start, and which no short stem begins, holds none."""
        if not arabic and word[:HEAD] not in self._heads and not any(word[:n] in self._short for n in range(1, HEAD)):
            return
        seen: set[int] = set()
        for prefix in ARABIC_PREFIXES if arabic else ("",):
            if not word.startswith(prefix):
                continue
            body = word[len(prefix) :]
            for cut in range(len(body), max(0, len(body) - self._max_ending) - 1, -1):
                found = list(self._by_stem.get(body[:cut], ()))
                if arabic and cut >= MIN_SKELETON:
                    found += self._by_skeleton.get(skeleton(body[:cut]), ())
                for record, spec in found:
                    if id(spec) not in seen:
                        seen.add(id(spec))
                        yield record, spec


def _word_fits(spec: _Word, word: str, cased: str) -> bool:
    """Whether a folded text word is ``spec``'s stem with an allowed prefix and ending."""
    for prefix in spec.prefixes:
        if not word.startswith(prefix):
            continue
        body = word[len(prefix) :]
        if prefix in ("و", "ف") and len(spec.stem) < 3:
            continue
        if spec.endings is None:
            rest = body[len(spec.stem) :]
            ok = body.startswith(spec.stem) and len(rest) <= STAR_LETTERS and (not rest or rest.isalpha())
        elif body.startswith(spec.stem) and body[len(spec.stem) :] in spec.endings:
            ok = True
        elif spec.loose and len(body) >= MIN_SKELETON:
            ok = any(
                skeleton(body[:cut]) == skeleton(spec.stem) and body[cut:] in spec.endings
                for cut in range(max(1, len(body) - 3), len(body) + 1)
            )
        else:
            ok = False
        if ok and spec.cased is not None:
            ok = cased[len(prefix) :].startswith(spec.cased)
        if ok:
            return True
    return False


def _trie_pattern(words: set[str]) -> str:
    """A regular expression matching any of ``words``, as a trie (``a(?:b|c)`` for ab and ac): one
    alternation per letter, not one per word, so a text is scanned at the speed of the letters."""
    if "" in words and len(words) == 1:
        return ""
    by_first: dict[str, set[str]] = {}
    for word in words:
        if word:
            by_first.setdefault(word[0], set()).add(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        rest = _trie_pattern(rests)
        optional = "" in rests and len(rests) > 1
        branches.append(re.escape(first) + (f"(?:{rest})?" if optional else rest))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _rest_fits(words: tuple, end: int, folded: str, cased: str) -> int | None:
    """Where the alias ends when its words after the first follow the text word ending at ``end``."""
    for w in words[1:]:
        token = _NEXT_TOKEN.match(folded, end)
        if token is None:
            return None
        start, end = token.span(1)
        word = token.group(1)
        if isinstance(w, str):
            if word != w:
                return None
            continue
        if not any(_word_fits(o, word, cased[start:end]) for o in w):
            return None
    return end


def _longest(candidates: list[tuple[int, int, _Alias]], where: list[int]) -> list[Hit]:
    taken = bytearray(max((end for _, end, _ in candidates), default=0))
    hits: list[Hit] = []
    for start, end, record in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        entity = record.entity
        hits.append(Hit(where[start], where[end - 1] + 1, entity.key, entity.ner_label, record.alias))
    return sorted(hits, key=lambda h: h.start)


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


_indexes: dict[tuple[str, str], AliasIndex] = {}


def alias_index(watchlist: Watchlist, language: str | None) -> AliasIndex:
    """The cached index of ``watchlist`` for texts in ``language``, by the watchlist file's fingerprint
    (each ``analyze_pending`` loads the file again), by object for a watchlist built in code. A changed
    file replaces the index built from its old version, so a daemon keeps one index per language."""
    language = (language or "").lower()
    key = (watchlist.fingerprint or f"object {id(watchlist)}", language)
    if key not in _indexes:
        if watchlist.fingerprint:
            for stale in [k for k in _indexes if k[1] == language and not k[0].startswith("object ")]:
                del _indexes[stale]
        _indexes[key] = AliasIndex(watchlist, language)
    return _indexes[key]


def find_mentions(watchlist: Watchlist, text: str, language: str | None) -> list[Hit]:
    """Where ``watchlist``'s aliases occur in ``text`` written in ``language``: what the NLP pipeline's
    watchlist component stores, so a pre-filter calling this sees exactly the same mentions."""
    return alias_index(watchlist, language).find(text)
