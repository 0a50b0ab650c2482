"""Which sentences and clauses hold candidate events, read from their shape: a sentence's chunks
(clauses and phrases between boundary words) and phrases, a dateline opening a line, a heading
line, a chronology or list entry ('May 4: ...', '- ...'), and the weapon a verbless entry names.
"""

from __future__ import annotations

import re

from kpolicy.extract.lexicon import MISSILE_NOUN as _MISSILE_NOUN
from kpolicy.extract.lexicon import MONTH_LOOSE
from kpolicy.extract.triggers import TEST_FAMILY, Trigger

# a comma or colon between digits (1,500 km; 06:01) is a number, not a boundary
CHUNK_BOUNDARY = re.compile(
    r"(?<!\d)[,:]|[,:](?!\d)|[;\u2014]|\s--\s|\s-\s|\b(?:since|after|before|following|despite|while|when|where|which|who|whose|whereas|although|though|because|during|but|ahead\s+of|that|especially|including|calling|warning|adding|saying)\b",
    re.I,
)
DATELINE = re.compile(
    r"[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*(?:,\s*[A-Z][A-Za-z .]+)?"
    r"(?:,\s+[A-Z][a-z]{2,9}\.?\s+\d{1,2}\s*(?:\([^)]{1,40}\))?|\s*\([^)]{1,40}\))\s*(?:--|\u2014|\u2013|-|:)\s*"
)
# a chronology entry: 'Jan. 7-10: Kim travels to Beijing' (historical present)
ENTRY_DATE = re.compile(rf"\W*(?:{MONTH_LOOSE}\s+\d{{1,2}}(?:\s*[-\u2013]\s*(?:{MONTH_LOOSE}\s+)?\d{{1,2}})?(?:,\s*\d{{4}})?|\d{{1,2}}\s+{MONTH_LOOSE}(?:\s+\d{{4}})?|{MONTH_LOOSE}\s+\d{{4}}|\d{{4}}(?:\s*[-\u2013]\s*\d{{2,4}})?)\W{{0,3}}(?::|\s[-\u2013\u2014])\s")
# a weapon a chronology entry names without a verb: 'one SRBM from Taechon', 'Two cruise missiles off the west coast'
ENTRY_WEAPON = re.compile(r"\s*(?:(?:an?|one|two|three|four|five|six|several|more|another|\d+)\s+)*(?P<w>" + _MISSILE_NOUN + r")\b", re.I)
YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
# a chronology entry's date and its separator: 'May 4: ...', 'March 25-28 -- ...', '1998: ...', 'Jan. 7-10 -- ...'
CHRON_ENTRY = re.compile(
    rf"\W*(?P<d>{MONTH_LOOSE}\s+\d{{1,2}}(?:\s*[-\u2013]\s*(?:{MONTH_LOOSE}\s+)?\d{{1,2}})?(?:,\s*\d{{4}})?|\d{{1,2}}\s+{MONTH_LOOSE}(?:\s+\d{{4}})?"
    rf"|{MONTH_LOOSE},?\s+\d{{4}}|\d{{4}}(?:\s*[-\u2013]\s*\d{{2,4}})?)\s*(?::|--|[-\u2013\u2014])\s")
LIST_ITEM = re.compile(
    rf"[ \t]*(?:[-*\u2022\u2013]\s+|\d{{1,2}}[.)]\s+|(?:{MONTH_LOOSE}\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+{MONTH_LOOSE}(?:\s+\d{{4}})?|\d{{4}})\s*(?::|\u2013|\u2014|-)\s)"
)


def chunks(sentence: str) -> list[int]:
    """Start offsets of the sentence's chunks (clauses and phrases between boundary words)."""
    return [0] + [m.start() for m in CHUNK_BOUNDARY.finditer(sentence)] + [len(sentence)]


def chunk_of(bounds: list[int], pos: int) -> int:
    k = 0
    while k + 1 < len(bounds) and bounds[k + 1] <= pos:
        k += 1
    return k


def phrase_ids(sentence: str, bounds: list[int]) -> list[int]:
    """Chunk -> phrase id: a relative clause ('..., which was held from January 5 to 7') and a
    bare comma belong to the phrase before them."""
    ids, current = [], 0
    for k in range(len(bounds) - 1):
        piece = sentence[bounds[k]:bounds[k + 1]]
        if k and (re.match(r"[,\s]*(?:which|who|whose|where|that)\b", piece, re.I) or not re.search(r"\w", piece)):
            ids.append(current)
        else:
            current = k
            ids.append(current)
    return ids or [0]


def is_heading(text: str, start: int, end: int) -> bool:
    """A line of its own without closing punctuation (headline, byline, photo credit)."""
    s = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    own_line = text[line_start:start].strip() == "" and text[end:line_end].strip() == ""
    if LIST_ITEM.match(text, line_start):  # a list or chronology entry states events even without a full stop
        return False
    return own_line and not re.search(r"[.!?\"'\u201d\u2019)]\s*$", s) and len(s) < 160


def structural_triggers(sentence: str, triggers: list[Trigger], under_heading: bool = False) -> list[Trigger]:
    """The sentence's triggers plus the weapon a verbless chronology entry names ('Sept. 25: one
    SRBM from Taechon', or under a heading date 'Dec. 4' a line 'Two cruise missiles off the west
    coast.'): rule `entry-weapon`, when no launch or test trigger is there already."""
    if any(t.type in TEST_FAMILY for t in triggers):
        return triggers
    entry = ENTRY_DATE.match(sentence)
    start = entry.end() if entry else (0 if under_heading else None)
    if start is None:
        return triggers
    w = ENTRY_WEAPON.match(sentence, start)
    if w:
        triggers = sorted(triggers + [Trigger(w.start("w"), w.end("w"), w.group("w"), "missile_test", 0.6, "entry-weapon")], key=lambda t: t.start)
    return triggers
