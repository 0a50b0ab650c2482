"""Event titles and quotes: the quoted span of a mention (`_trim`) and a short title.

A title is "<states> <type>: <key phrase>", the key phrase being a verb's object or a
noun's own phrase.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER
from kpolicy.vocabulary import EVENT_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.candidates import Candidate


def _trim(text: str, q0: int, q1: int, s0: int, s1: int) -> tuple[int, int]:
    q0, q1 = max(q0, s0), min(q1, s1)
    while q0 < q1 and (text[q0].isspace() or text[q0] in ",;:)\u2014-"):
        q0 += 1
    while q1 > q0 and (text[q1 - 1].isspace() or text[q1 - 1] in ",;:(\u2014-"):
        q1 -= 1
    if q1 - q0 < 25 or text.find(text[q0:q1]) != q0:
        q0, q1 = s0, s1  # too short or not unique: the whole sentence
        while q0 < q1 and text[q0].isspace():
            q0 += 1
    return q0, q1


_TITLE_STOP = re.compile(r"[,;:.()\u2014\u201c\u201d\"]|\s(?:on|in|at|from|into|toward|towards|over|near|since|after|before|during|with|by|for|to|that|which|who|and|but|as)\s", re.I)
_FUNCTION = {"the", "a", "an", "its", "his", "her", "their", "this", "that", "of", "in", "on", "at", "and", "to", "it", "he",
             "she", "they", "we", "was", "were", "is", "are", "has", "have", "had", "will", "would", "be", "been", "for", "with"}


def _key_phrase(e: Candidate, text: str) -> str:
    """The words that name the event: a verb's object ('fired | two short-range ballistic missiles'),
    or a noun's own phrase ('the | March-April joint U.S.-South Korea drills')."""
    t = e.trigger
    q0, q1 = e.quote
    if not t.text:  # a list item: its own words
        return re.split(r"[;:]", text[t.start:q1])[0]
    if _VERB_TRIGGER.match(t.text):
        rest = text[t.end:q1]
        stop = _TITLE_STOP.search(rest, 1 + len(rest) - len(rest.lstrip()) + 12 if len(rest.split()) > 3 else len(rest))
        phrase = rest[: stop.start()] if stop else rest
        if len(phrase.split()) >= 2 and not re.match(r"\s*(?:in|on|at|from|since|by|for|to|with)\b", phrase, re.I):
            return phrase
    before = text[max(q0, t.start - 60):t.start]
    words = before.split()
    keep: list[str] = []
    for w in reversed(words):
        if w.lower().strip(",;") in _FUNCTION or re.search(r"[,;:.]$", w) or (w.lower().endswith("ed") and keep):
            break
        keep.insert(0, w)
        if len(keep) == 4:
            break
    after = re.match(r"\s+of\s+(?:the\s+)?(?:[\w'\u2019-]+\s*){1,5}", text[t.end:q1])
    return " ".join([*keep, t.text]) + (after.group().rstrip() if after else "")


def _title(e: Candidate, states: list[str], text: str) -> str:
    label = EVENT_TYPES[e.type][0]
    who = " and ".join(states[:3]) if states else ""
    head = f"{who} {label.lower()}" if who else label
    phrase = re.sub(r"\s+", " ", _key_phrase(e, text)).strip(" .,;:-\u2014")
    phrase = re.sub(r"^(?:(?:the|a|an|its|his|her|their|and|but|or)\s+)+", "", phrase, flags=re.I)
    if len(phrase) > 60:
        phrase = phrase[:60].rsplit(" ", 1)[0] + "\u2026"
    if not phrase or phrase.lower() == label.lower():
        return head
    return f"{head}: {phrase[:1].upper() + phrase[1:]}"
