"""Clause tense and mood, read from cue words: `sentence_tense` ('past', 'future' or None),
`modality` ('forecast' for the author's speculation, 'expected' for announced plans) and
`clause_tense` (as sentence_tense, 'past?' when only a regular -ed form says past).

The resolver (kpolicy.extract.temporal.resolve) reads them to decide whether 'in June' or 'on
Sunday' points back or forward; the extractor uses them for an event's status too.
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------- tense and modality

_FUTURE = re.compile(
    r"\b(?:will|shall|won['’]t|is\s+going\s+to|are\s+going\s+to|to\s+be\s+(?:held|convened|hosted|staged|launched|opened)"
    r"|(?<!was\s)(?<!were\s)(?:is|are|be|been)\s+(?:scheduled|planned|slated|set|due|expected|poised)\s+(?:to|for)\b"
    r"|(?<!was\s)(?<!were\s)(?<!had\s)\bscheduled\s+(?:to|for)\b|plans?\s+to|intends?\s+to|aims?\s+to|upcoming|forthcoming"
    r"|next\s+(?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|tomorrow|in\s+the\s+(?:near\s+|coming\s+)?future|in\s+the\s+coming)\b",
    re.I,
)
_PAST = re.compile(
    r"\b(?:said|says?\s+it\s+had|was|were|had|did|held|met|took|gave|made|came|became|went|told|began|begun|saw|"
    r"fired|launched|conducted|tested|convened|announced|reported|agreed|signed|rose|fell|won|lost|left|"
    r"sent|led|ran|wrote|spoke|set\s+off|unveiled|adopted|skipped|delivered|replaced|visited|"
    r"ago|yesterday|last\s+(?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"ha(?:s|ve)\s+(?:been|\w+ed)\b)\b",
    re.I,
)
# A regular past form: a verb in -ed not right after an article/determiner/'be' (which make it an
# adjective or a passive present: 'the advanced missiles', 'cannot be excluded').
WOULD = re.compile(r"\b(?:would|was\s+to|were\s+to|was\s+going\s+to)\s+(?!have\b|not\s+have\b)\w", re.I)
_HEADLINE_FUTURE = re.compile(
    r"\bto\s+(?:hold|host|meet|visit|launch|convene|stage|resume|open|sign|attend|begin|start)\b", re.I)
# the subject may end in a footnote mark or a comma ('the Command[5] arrested', 'officials, indicated')
_ED = re.compile(r"(?<![-\w])(?P<prev>\w+)(?:\[\d+\]|,)?\s+(?P<verb>[a-z]{3,}ed)\b")
_ED_NOT_VERBS = frozenset(
    "need speed seed feed shed indeed proceed succeed exceed embed breed creed greed deed heed weed "
    "hundred red bed united advanced limited unprecedented detailed related sophisticated alleged "
    "supposed so-called armed interested concerned expected scheduled planned based skilled "
    "experienced isolated increased reduced renewed stalled stagnant reported".split()
)
_ED_NOT_AFTER = frozenset(
    "the a an its their his her our your my this that these those of more most less be being is are "
    "am very so too and or but which by as than newly well ill highly".split()
)
_FORECAST = re.compile(
    r"\b(?:may|might|could|likely|unlikely|probably|possibly|perhaps|would|(?:cannot|can['’]t|could\s+not)\s+be\s+(?:excluded|ruled\s+out)"
    r"|is\s+expected\s+to|are\s+expected\s+to|expected\s+to|is\s+likely\s+to|chances?\s+(?:is|are)|possibility|forecast|predict\w*)\b",
    re.I,
)
_EXPECTED = re.compile(
    r"\b(?:will|shall|won['’]t|scheduled|planned|plans?\s+to|set\s+to|slated|due\s+to|to\s+be\s+held|is\s+to|are\s+to"
    r"|intends?\s+to|agreed\s+to|upcoming|forthcoming)\b",
    re.I,
)


def _regular_past(sentence: str) -> bool:
    for m in _ED.finditer(sentence):
        verb = m.group("verb").lower()
        if verb in _ED_NOT_VERBS or m.group("prev").lower() in _ED_NOT_AFTER:
            continue
        return True
    return False


def clause_tense(sentence: str) -> str | None:
    """sentence_tense, with 'past?' when only a regular -ed form says past."""
    if not sentence:
        return None
    if _FUTURE.search(sentence):
        return "future"
    if _PAST.search(sentence):
        return "past"
    if _regular_past(sentence):
        return "past?"
    if _HEADLINE_FUTURE.search(sentence):
        return "future"
    return None


def sentence_tense(sentence: str) -> str | None:
    """'future' for will/shall/to be held/scheduled/planned/is expected to/next ...; 'past' for
    past-tense verbs (said, held, was, were, -ed forms, had); None when unclear.

    Future wins when both occur: reported speech ('said it will hold') is about the future event.

    >>> sentence_tense("North Korea will hold a plenary session on Friday, state media said")
    'future'
    >>> sentence_tense("Kim skipped his New Year's Day address")
    'past'
    """
    if not sentence:
        return None
    if _FUTURE.search(sentence):
        return "future"
    if _PAST.search(sentence) or _regular_past(sentence):
        return "past"
    if _HEADLINE_FUTURE.search(sentence):  # 'NK to hold plenary meeting on Friday'
        return "future"
    return None


def modality(sentence: str) -> str | None:
    """'forecast' for the author's speculation (may, might, could, likely, probably, would, cannot be
    excluded, is expected to); 'expected' for announced plans (will, scheduled, planned, set to, to be
    held); None otherwise. Speculation wins: 'will be more likely' is a forecast.

    >>> modality("North Korean border provocations cannot be excluded")
    'forecast'
    >>> modality("The talks are scheduled for next week")
    'expected'
    """
    if not sentence:
        return None
    if _FORECAST.search(sentence):
        return "forecast"
    if _EXPECTED.search(sentence):
        return "expected"
    return None

