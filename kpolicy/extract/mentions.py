"""What a mention of an event is, read from its words: the word that names the event
(`event_head`, with `HEAD_SYNONYM` folding 'plenum', 'session' and 'congress' together),
whether it refers back to a known event (`is_definite`: 'the plenum', 'its 14th session'),
whether two dates can be one event's (`edtf_compatible`) and the span a mention quotes
(`quote_span`). Candidates, coreference and titles all read mentions through these.
"""

from __future__ import annotations

import re

from kpolicy.dates import compatible as dates_compatible  # the store's merge test too
from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.extract.triggers import POLICY_OBJECT, Trigger

HEAD_SYNONYM = {
    "plenu": "plenum", "plena": "plenum", "sessi": "plenum", "congr": "plenum", "meeti": "meeting", "met": "meeting", "meet": "meeting",
    "summi": "summit", "negot": "talks", "talks": "talks", "discu": "talks", "readou": "report", "repor": "report", "speec": "speech", "addre": "speech",
    "drill": "drill", "exerc": "drill", "sank": "sink", "sunk": "sink", "launc": "test", "firin": "test", "elect": "election", "visit": "summit", "trip": "summit",
}


def event_head(t: Trigger, sentence: str) -> str:
    """The word that names the event: the trigger, or for a policy verb its object (moratorium, policy)."""
    word = t.text.lower()
    if t.type == "policy_change" and not word.startswith("morator"):
        window = sentence[max(0, t.start - 60):t.end + 50]
        m = POLICY_OBJECT.search(window)
        if m:
            word = m.group().lower()
    if t.type in ("plenum", "talks"):  # "the congress", "the session": the same kind of event
        return t.type
    word = re.sub(r"(?:ies|es|s|ed|ing)$", "", word) or word
    if t.type in ("summit", "missile_test", "nuclear_test", "weapon_test") and " " in word:
        word = word.split()[-1]  # 'official trip', 'missile test', 'rocket launch': the trip, the test, the launch
    return word[:5]


_DETERMINER = re.compile(r"(?i)(?:the|this|that|these|those|same|his|her|its|their|last|latest|a|an|another|one|two|three|several|some|any|each|every|no)")
_DEFINITE_WORDS = {"the", "this", "that", "these", "those", "same", "his", "her", "its", "their", "last", "latest"}


def is_definite(sentence: str, start: int) -> bool:
    """Whether the noun phrase ending at `start` opens with a definite determiner ('the plenum',
    'its 14th session', 'The April 2018 session'), looking back over at most five words."""
    words = re.findall(r"[\w'\u2019.-]+|[,;:()]", sentence[max(0, start - 60):start])
    for w in reversed(words[-6:]):
        if w in ",;:()":
            return False
        if _DETERMINER.fullmatch(w):
            return w.lower() in _DEFINITE_WORDS
        if w.lower().endswith("'s") or w.endswith("\u2019s"):  # 'the party's plenum', 'Kim's speech'
            return True
    return False


def edtf_compatible(a: str, b: str) -> bool:
    """Whether two EDTF strings can name one event's date (kpolicy.dates.compatible); False when either is no EDTF."""
    try:
        return dates_compatible(parse_edtf(a), parse_edtf(b))
    except BadInput:
        return False


def quote_span(text: str, q0: int, q1: int, s0: int, s1: int) -> tuple[int, int]:
    """The quoted span of a mention: text[q0:q1] kept inside its sentence text[s0:s1], trimmed of
    punctuation at its edges; the whole sentence when that is too short or not unique in the text."""
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
