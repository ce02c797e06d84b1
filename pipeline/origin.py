"""Place names that say where a person comes from, not what a story is about.

"A Libyan-born soprano sang at the Minsk opera" names Libya as the singer's birthplace: no tie between
Libya and Belarus. The constructions are grammar, not topic words, and the same in every story: a
demonym or place compounded with "born" or followed by "descent", "born in", "a native of" in front of
it, and their equivalents in the languages the matcher knows (уроженец Ливии, родом из Минска, né en
Libye, gebürtige Libyerin, nacido en Libia, nato in Libia, urodzony w Mińsku, gimęs Libijoje, Libya
doğumlu, من مواليد ليبيا, لیبیایی‌تبار, 利比亚裔, リビア出身). A place mention in such a construction ties
nothing and finds no group; the rest of the story still does ("Libyan-born businessman ... for Haftar's
LNA" matches through Haftar). "Of Libyan origin" is left alone on purpose: it describes goods as often
as people ("weapons of Belarusian origin found in Libya" is a story), and so are German "stammt aus"
(money and weapons come from a country too) and Persian "زاده" (also the surname ending -zadeh), both
seen misfiring on real pages (``bench/origin_pages.py``). Patterns are written folded
(lower case, no accents, Arabic letters unified, as ``aliases.fold`` writes them), since they are
matched against folded text.
"""

from __future__ import annotations

import re

from newsmon.pipeline.aliases import fold, fold_word

PLACE_TYPES = frozenset({"country", "city", "nationality", "place"})
WINDOW = 40  # characters looked at on each side of a mention

# Right before the place: "born in", "native of", "уроженец", "родом из", "né en", "nacido en"...
_BEFORE = re.compile(
    r"(?:"
    r"\bborn (?:in|at) (?:the )?|\b(?:a |the )?natives? of (?:the )?"
    r"|урожен\w* |уроджен\w* |ураджэн\w* |родом (?:из|с|з|із) "
    r"|(?:родил\w*|родивш\w*|народив\w*|народил\w*|народжен\w*|нарадзіу\w*|нарадзіл\w*) (?:в|у|ў|во) "
    r"|\bnee?s? (?:en|au|aux|a) |\bnati(?:f|ve|fs|ves) (?:de|du|des|d') ?|\boriginaires? (?:de|du|des|d') ?"
    r"|\bgeboren (?:in|im) |\bgeburtige[nrs]? "
    r"|\bnacid[oa]s? en |\bnatural(?:es)? de |\boriund[oa]s? de "
    r"|\bnascid[oa]s? (?:em|na|no|nas|nos) |\boriginari[oa] (?:di|della|del) "
    r"|\burodzon[ayi]\w* (?:w|we) |\bpochodzac\w* (?:z|ze) |\brodem (?:z|ze) "
    r"|\bgim(?:es|usi|e|usios|e) |\bkil(?:es|usi|e) is "
    r"|المولود\w* (?:في )?|\bولد(?:ت)? في |مواليد |من اصل "
    r"|متولد "
    r"|出生(?:于|在)|生于"
    r")$"
)
# Right after the place: "-born", "of ... descent", "-stämmig", "doğumlu", "asıllı", "تبار", "裔", "出身"...
_AFTER = re.compile(
    r"^(?:"
    r"[-\u2010\u2011]born\b|(?: \w+)? (?:descent|extraction|parentage|ancestry)\b"
    r"|[-\u2010\u2011 ]?stammig|(?: in| im)? geboren"
    r"|'?\w{0,4} (?:dogumlu|asilli)\b|(?:\u200c| )?تبار|(?: )?الاصل\b|(?: )?المولد\b"
    r"|裔|出身|系|出生|生まれ"
    r")"
)
# "Of Libyan descent": English needs the "of" in front for descent and its synonyms.
_OF = re.compile(r"\bof (?:\w+ )?$")
# Italian "nato in Libia", matched in its case so that "NATO in Libya" / "la Nato in Libia" stay places.
_BEFORE_CASED = re.compile(r"\bnat[oaie] (?:in|a|nel|nella) $")


def names_origin(text: str, start: int, end: int) -> bool:
    """Whether the place at ``text[start:end]`` says where a person comes from (see the module)."""
    _, before_cased, _ = fold(text[max(0, start - WINDOW) : start])
    before = before_cased.lower()
    after = fold_word(text[end : end + WINDOW])
    if _BEFORE.search(before) or _BEFORE_CASED.search(before_cased):
        return True
    found = _AFTER.match(after)
    if not found:
        return False
    if re.match(r"(?: \w+)? (?:descent|extraction|parentage|ancestry)", found.group()):
        return bool(_OF.search(before))
    return True
