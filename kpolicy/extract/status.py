"""The status of a candidate event: occurred, expected (an announced plan) or forecast (the
author's speculation), from its date against the publication date, then the mood of the words
around its trigger and of its sentence.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from kpolicy.dates import parse_edtf

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.candidates import Candidate, SentenceContext

SPECULATION = re.compile(
    r"\b(?:(?-i:may|might|could)|likely|unlikely|probably|possibly|perhaps|cannot\s+be\s+(?:excluded|ruled\s+out)|can't\s+be\s+ruled\s+out|is\s+possible|are\s+possible)\b", re.I
)
SCHEDULED = re.compile(r"\b(?:will|would|shall|expected\s+to|scheduled|planned|planning|plans?\s+to|set\s+to|due\s+to|to\s+be\s+held|upcoming|forthcoming|next)\b", re.I)
FUTURE_CLAUSE = re.compile(r"\b(?:will|would|shall|plans?\s+to|planned\s+to|scheduled\s+to|set\s+to|expected\s+to|due\s+to|is\s+to|are\s+to|(?-i:may|might|could)(?!\s+have))\b", re.I)
# the month May is no modal verb
MONTH_MAY = re.compile(r"(?<=.)\bMay\b|^\W*May(?=\s+\d)", re.S)
ENTRY_FUTURE = re.compile(r"(?i)\b(?:will|shall|to\s+be\s+held|scheduled|expected|planned|plans?\s+to|due\s+to|is\s+to|are\s+to)\b")
_SPEECH_VERB = re.compile(r"(?i)\b(?:says?|said|warns?|warned|threatens?|threatened|announces?|announced|vows?|vowed|declares?|declared|tells?|told|claims?|claimed|insists?)\b")


def entry_is_future(entry: str) -> bool:
    """Whether a chronology entry states a plan ('May 9: Elections are to be held'): a future word
    before any speech verb, since in 'March 8: The North says it will cancel the hotline' the
    future belongs to what was said and the entry's day is when it was said."""
    speech = _SPEECH_VERB.search(entry)
    return ENTRY_FUTURE.search(entry, 0, speech.start() if speech else len(entry)) is not None


def status_of(edtf: str | None, published: date, sentence_mod: str | None) -> str:
    if edtf:
        rng = parse_edtf(edtf)
        if rng.upper is not None and rng.upper <= published:
            return "occurred"
        if rng.lower is not None and rng.lower > published:
            return "forecast" if sentence_mod == "forecast" else "expected"
    if sentence_mod == "forecast":
        return "forecast"
    if sentence_mod == "expected":
        return "expected"
    return "occurred"


def local_modality(text: str) -> str | None:
    if SPECULATION.search(text):
        return "forecast"
    if SCHEDULED.search(text):
        return "expected"
    return None


def fill_status(sc: SentenceContext, c: Candidate) -> None:
    """The status of a kept candidate: its date against publication, the mood of the words before its
    trigger (from the last reference point on), else the sentence's mood when it has no date."""
    text, base, sentence, published, mod = sc.text, sc.base, sc.sentence, sc.published, sc.mod
    local = sentence[max(0, c.trigger.start - base - 60):c.trigger.end - base + 20]
    ref_pt = list(re.finditer(r"(?i)\b(?:after|before|until|ahead\s+of|following)\s", local[:c.trigger.start - base - max(0, c.trigger.start - base - 60)]))
    if ref_pt:  # 'could follow up ... after China's party congress, which opens on Oct. 16': the reference event's own mood
        local = local[ref_pt[-1].end():]
    c.status = status_of(c.date_edtf, published, local_modality(local) or (mod if not c.date_edtf else None))
    if c.type != "statement" and c.date_edtf == published.isoformat() and re.search(
            r"(?i)\b(?:scheduled|set|due|expected|planning|plans?)\s+to\s+(?:[\w-]+\s+){0,3}$", text[max(base, c.trigger.start - 50):c.trigger.start]):
        c.status = "expected"  # 'are scheduled to hold talks ... on Thursday afternoon' (published that Thursday)
