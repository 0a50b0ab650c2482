"""Temporal expressions in English news text, normalised to EDTF against the publication date.

`find_time_expressions(text, published)` returns every date phrase of `text` left to right
as a `TimeExpression`: its exact span, the EDTF it stands for and what it was resolved
against. The rules are ../shared/eval/GUIDELINES.md's: relative phrases resolve against the
publication date ('in June' = the most recent June unless the tense says future; 'the last
six months' = an interval ending at publication, month precision); early/mid/late X =
X-01/04, 05/08, 09/12 (days 1-10, 11-20, 21-end of a month); seasons are three-month
intervals; vague futures ('soon') are open intervals from the publication month.

Hand-written regular expressions, deterministic and offline: every pattern below is one
family of phrases with one resolver. `sentence_tense` and `modality` are the cue-word
classifiers the resolver uses for 'in June' and weekday names; the extractor uses them for
an event's status too. Nothing here raises on arbitrary text: a resolver that fails (an
impossible date such as 31 February) drops its match.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpolicy.dates import parse_edtf, shift_months
from kpolicy.extract.lexicon import (CLAUSE_ABBREVIATIONS, MONTH_NAMES, MONTH_WORD, MONTHS_ABBR, MONTHS_FULL, SEASONS,
                                     WEEKDAYS)

__all__ = ["TimeExpression", "find_time_expressions", "sentence_tense", "modality"]


@dataclass(frozen=True)
class TimeExpression:
    start: int  # char offset in the text given to find_time_expressions
    end: int
    text: str  # as written: "in June", "on 28-31 December 2019", "the last six months"
    edtf: str  # normalised EDTF: 2019-06, 2019-12-28/2019-12-31, 2019-08/2020-02, 2020-02/..
    anchor: str | None  # what a relative phrase was resolved against (ISO/EDTF); None when absolute
    kind: str  # "absolute" | "relative" | "vague"
    direction: str | None  # "past" | "future" | None: where it points relative to publication
    rule: str = field(default="", compare=False)  # the temporal pattern that read it: 'date', 'bare_month', 'rel_day'...


# ----------------------------------------------------------------------------- vocabulary

_MONTH_NAMES = MONTH_NAMES
_WEEKDAYS = WEEKDAYS
_SEASONS = SEASONS
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "few": 3, "a few": 3, "several": 4, "a couple of": 2, "couple of": 2,
}


def _mon(name: str) -> str:
    """A case-sensitive month name (capitalised: 'May' the month, not 'may' the verb)."""
    full, abbr = MONTHS_FULL, MONTHS_ABBR
    return rf"(?-i:(?P<{name}>{full}|(?:{abbr})\b\.?)(?!\w|-[a-z]))"


def _day(name: str) -> str:
    return rf"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?"


def _year(name: str) -> str:
    return rf"(?P<{name}>1[89]\d\d|20\d\d)(?![\d%])"


_MONTH_WORD = MONTH_WORD
_NUM = r"(?P<n>\b(?:\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+few|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty))"
_UNIT = r"(?P<unit>days?|weeks?|months?|years?|decades?)"
_RANGE_JOIN = r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|thru|and|or)\s+)"
_YEAR_AFTER = r"(?:,?\s+(?:of\s+)?" + _year("y") + ")?"
_NOT_NUMBER_AFTER = r"(?![\d:%]|\.\d|\s*(?:percent|per\s+cent|km|kilometers?|kilometres?|miles?|people|troops|soldiers|tons?|tonnes?|meters?|metres?|kg|times)\b)"


def _number(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUMBERS[word]


def _month_of(word: str) -> int:
    return _MONTH_NAMES[word.rstrip(".").lower()]


# ----------------------------------------------------------------------------- EDTF helpers

def _ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _months(y1: int, m1: int, y2: int, m2: int) -> str:
    a, b = _ym(y1, m1), _ym(y2, m2)
    return a if a == b else f"{a}/{b}"


def _days(a: date, b: date) -> str:
    return a.isoformat() if a == b else f"{a.isoformat()}/{b.isoformat()}"


def _month_index(d: date) -> date:
    return date(d.year, d.month, 1)


def _part(year: int, month: int, part: str) -> str:
    """early/mid/late of a month: days 1-10, 11-20, 21-end."""
    last = calendar.monthrange(year, month)[1]
    lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}[part]
    return _days(date(year, month, lo), date(year, month, hi))


_YEAR_PART = {"early": (1, 4), "mid": (5, 8), "late": (9, 12), "end": (12, 12), "start": (1, 1),
              "first_half": (1, 6), "second_half": (7, 12), "q1": (1, 3), "q2": (4, 6),
              "q3": (7, 9), "q4": (10, 12)}


def _season(year: int, month: int) -> str:
    end = shift_months(date(year, month, 1), 2)
    return _months(year, month, end.year, end.month)


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
    r"\b(?:said|says?\s+it\s+had|was|were|had|did|held|met|took|gave|made|came|went|told|began|begun|saw|"
    r"fired|launched|conducted|tested|convened|announced|reported|agreed|signed|rose|fell|won|lost|left|"
    r"sent|led|ran|wrote|spoke|set\s+off|unveiled|adopted|skipped|delivered|replaced|visited|"
    r"ago|yesterday|last\s+(?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"ha(?:s|ve)\s+(?:been|\w+ed)\b)\b",
    re.I,
)
# A regular past form: a verb in -ed not right after an article/determiner/'be' (which make it an
# adjective or a passive present: 'the advanced missiles', 'cannot be excluded').
_WOULD = re.compile(r"\b(?:would|was\s+to|were\s+to|was\s+going\s+to)\s+(?!have\b|not\s+have\b)\w", re.I)
_HEADLINE_FUTURE = re.compile(
    r"\bto\s+(?:hold|host|meet|visit|launch|convene|stage|resume|open|sign|attend|begin|start)\b", re.I)
_ED = re.compile(r"(?<![-\w])(?P<prev>\w+)\s+(?P<verb>[a-z]{3,}ed)\b")
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


def _tense(sentence: str) -> str | None:
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


# ----------------------------------------------------------------------------- context

# A full stop after an abbreviation ('U.S.', 'Dr.', 'Nov.') or an initial ends no sentence.
_ABBREVIATIONS = CLAUSE_ABBREVIATIONS
_STOP = r"(?:[!?]|\." + "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS) + r"(?<!\b[A-Z]\.))"
_BOUNDARY = re.compile(r"[,;:!?()\"“”]|" + _STOP + r"(?=\s)|\s(?:that|and|but|while|when|after|before|because)\s")


_SENT_END = re.compile(_STOP + r"[\"”’')\]]*\s+|\n")


class _Context:
    """What resolvers need beyond the match: publication, tense, narrative."""

    def __init__(self, text: str, published: date, tense: str | None, narrative: str | None) -> None:
        self.text = text
        self.pub = published
        self.pub_iso = published.isoformat()
        self.tense = tense if tense in ("past", "future") else None
        self.narrative = None
        self.narrative_lower = self.narrative_upper = None
        self.narrative_year_only = False
        if narrative:
            try:
                rng = parse_edtf(narrative)
            except Exception:
                rng = None
            if rng is not None and rng.lower is not None:
                self.narrative = narrative
                self.narrative_lower = rng.lower
                self.narrative_upper = rng.upper or rng.lower
                self.narrative_year_only = rng.precision == "year"
        self._modality: dict[tuple[int, int], str | None] = {}

    def local_tense(self, start: int, end: int) -> str | None:
        """Tense of the words just before the phrase, else of its clause, else the caller's, else
        future when the sentence is speculation or a plan, else None."""
        text = self.text
        lo = max(0, start - 80)
        before = text[lo:start]
        cut = None
        for m in _BOUNDARY.finditer(before):
            cut = m.end()
        window = before[cut:] if cut is not None else before
        if _WOULD.search(window):  # 'Seoul said it would hold talks in March': the future of the saying
            return "future"
        after = text[end:end + 80]
        m = _BOUNDARY.search(after)
        clause = window + text[start:end] + (after[: m.start()] if m else after)
        weak = None  # a bare -ed form ('possibly timed to coincide') yields to the sentence's modality
        for part in (window, clause):
            tense = _tense(part)
            if tense == "past?":
                weak = weak or "past"
            elif tense:
                return tense
        if self.tense:
            return self.tense
        bounds = self.sentence_bounds(start, end)
        if bounds not in self._modality:
            self._modality[bounds] = modality(text[bounds[0]:bounds[1]])
        return "future" if self._modality[bounds] else weak

    def future(self, start: int, end: int) -> bool:
        return self.local_tense(start, end) == "future"

    def sentence_bounds(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around text[start:end], roughly: '. ' (quotes allowed) or a newline ends one."""
        text = self.text
        lo = max(0, start - 500)
        for m in _SENT_END.finditer(text, lo, start):
            lo = m.end()
        m = _SENT_END.search(text, end, min(len(text), end + 500))
        return lo, (m.start() + 1 if m else min(len(text), end + 500))

    def year_for_month(self, month: int, start: int, end: int) -> tuple[int, str]:
        """The year of a month named without one, and the anchor used."""
        if self.narrative_year_only:
            return self.narrative_lower.year, self.narrative
        pub = self.pub
        if self.future(start, end):
            return (pub.year if month >= pub.month else pub.year + 1), self.pub_iso
        if self.narrative_lower is not None:  # the narrative moves forward: first such month from it
            nl = self.narrative_lower
            year = nl.year if month >= nl.month else nl.year + 1
            if date(year, month, 1) <= pub:
                return year, self.narrative
        return (pub.year if month <= pub.month else pub.year - 1), self.pub_iso

    def date_without_year(self, month: int, day: int, start: int, end: int) -> tuple[date, str]:
        if self.narrative_year_only:
            return date(self.narrative_lower.year, month, day), self.narrative
        pub = self.pub
        future = self.future(start, end)
        if not future and self.narrative_lower is not None:  # first such day from the narrative date
            nl = self.narrative_lower
            for year in (nl.year, nl.year + 1, nl.year + 2, nl.year + 3, nl.year + 4):
                try:
                    d = date(year, month, day)
                except ValueError:
                    continue
                if d >= nl:
                    if d <= pub:
                        return d, self.narrative
                    break
        for shift in (0, 1, 2, 3, 4):  # 29 February needs a leap year
            year = pub.year + shift if future else pub.year - shift
            try:
                d = date(year, month, day)
            except ValueError:
                continue
            if (future and d >= pub) or (not future and d <= pub):
                return d, self.pub_iso
        raise ValueError("no such day")

    def reference(self) -> tuple[date, str]:
        """The date a narrative-relative phrase ('the next day') counts from."""
        if self.narrative_lower is not None:
            return self.narrative_upper, self.narrative
        return self.pub, self.pub_iso


# ----------------------------------------------------------------------------- resolvers
# Each returns (edtf, anchor, kind) or None; `ctx` is the _Context, `m` the match.

_Result = tuple[str, str | None, str] | None


def _r_iso(m, ctx) -> _Result:
    d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    return d.isoformat(), None, "absolute"


def _r_dmy_dots(m, ctx) -> _Result:
    d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    return d.isoformat(), None, "absolute"


def _r_day_range(m, ctx) -> _Result:
    if m.group("join").strip() == "and" and not m.group("pre"):
        return None
    month = _month_of(m.group("mon"))
    d1, d2 = int(m.group("d1")), int(m.group("d2"))
    if not 1 <= d1 < d2 <= 31:
        return None
    if m.group("y"):
        year = int(m.group("y"))
        return _days(date(year, month, d1), date(year, month, d2)), None, "absolute"
    first, anchor = ctx.date_without_year(month, d1, m.start(), m.end())
    return _days(first, date(first.year, month, d2)), anchor, "relative"


def _r_cross_range(m, ctx) -> _Result:
    """'28 December 2019 - 2 January 2020', 'from Dec. 28 to Jan. 2', 'Jan. 8 or Feb. 16'."""
    join = m.group("join").strip()
    if join == "and" and not m.group("pre"):
        return None
    m1, m2 = _month_of(m.group("mon1") or m.group("mon1b")), _month_of(m.group("mon2") or m.group("mon2b"))
    d1, d2 = int(m.group("d1") or m.group("d1b")), int(m.group("d2") or m.group("d2b"))
    y1, y2 = m.group("y1") or m.group("y1b"), m.group("y2") or m.group("y2b")
    if y2:
        end = date(int(y2), m2, d2)
        start = date(int(y1) if y1 else (end.year if (m1, d1) <= (m2, d2) else end.year - 1), m1, d1)
        kind, anchor = "absolute", None
    elif y1:
        start = date(int(y1), m1, d1)
        end = date(start.year if (m2, d2) >= (m1, d1) else start.year + 1, m2, d2)
        kind, anchor = "absolute", None
    else:
        start, anchor = ctx.date_without_year(m1, d1, m.start(), m.end())
        end = date(start.year if (m2, d2) >= (m1, d1) else start.year + 1, m2, d2)
        kind = "relative"
    if end < start:
        return None
    return _days(start, end), anchor, kind


def _r_date(m, ctx) -> _Result:
    month, day = _month_of(m.group("mon")), int(m.group("d"))
    if not 1 <= day <= 31:
        return None
    if m.group("y"):
        return date(int(m.group("y")), month, day).isoformat(), None, "absolute"
    d, anchor = ctx.date_without_year(month, day, m.start(), m.end())
    return d.isoformat(), anchor, "relative"


def _r_weekday_date(m, ctx) -> _Result:
    """'Friday, April 20': without a year, the year (nearest publication) the weekday fits."""
    month, day = _month_of(m.group("mon") or m.group("mon2")), int(m.group("d") or m.group("d2"))
    wd = _WEEKDAYS[m.group("wd").lower()]
    if m.group("y") or m.group("y2"):
        return date(int(m.group("y") or m.group("y2")), month, day).isoformat(), None, "absolute"
    for shift in (0, -1, 1, -2, 2):
        try:
            d = date(ctx.pub.year + shift, month, day)
        except ValueError:
            continue
        if d.weekday() == wd:
            return d.isoformat(), ctx.pub_iso, "relative"
    return None


def _r_month_range(m, ctx) -> _Result:
    join = m.group("join").strip()
    if join == "and" and not m.group("pre"):
        return None
    m1, m2 = _month_of(m.group("mon1")), _month_of(m.group("mon2"))
    if m.group("y"):
        y2 = int(m.group("y"))
        y1 = y2 if m1 <= m2 else y2 - 1
        return _months(y1, m1, y2, m2), None, "absolute"
    y1, anchor = ctx.year_for_month(m1, m.start(), m.end())
    y2 = y1 if m2 >= m1 else y1 + 1
    return _months(y1, m1, y2, m2), anchor, "relative"


def _r_month_year(m, ctx) -> _Result:
    return _ym(int(m.group("y")), _month_of(m.group("mon"))), None, "absolute"


_BARE_MONTH_AFTER = re.compile(
    r"(?:\(|\b(?:in|by|during|since|until|till|before|after|through|of|and|or|for|from|the|a|its|their|his|her)\s)$", re.I)
# a month in a list of months: '(April, August and December)'
_MONTH_LIST_BEFORE = re.compile(
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December),\s$")


def _r_bare_month(m, ctx) -> _Result:
    """A month without a day or year, where the context makes it a date: 'in June', '(March)',
    'last June', 'the April elections' ('May' alone, or 'March' the verb, are left alone)."""
    month = _month_of(m.group("mon"))
    rel = (m.group("rel") or "").lower()
    if not rel and not _BARE_MONTH_AFTER.search(ctx.text, max(0, m.start() - 7), m.start()) \
            and not _MONTH_LIST_BEFORE.search(ctx.text, max(0, m.start() - 12), m.start()):
        return None
    word = m.group("mon")
    if len(word) <= 4 and not word.endswith(".") and word not in ("May", "June", "July"):
        return None  # 'Jan Egeland', 'Dec' alone: an abbreviation needs its dot
    pub = ctx.pub
    if rel == "last":
        year = pub.year if month < pub.month else pub.year - 1
        return _ym(year, month), ctx.pub_iso, "relative"
    if rel == "next":
        year = pub.year if month > pub.month else pub.year + 1
        return _ym(year, month), ctx.pub_iso, "relative"
    if rel == "this":
        return _ym(pub.year, month), ctx.pub_iso, "relative"
    year, anchor = ctx.year_for_month(month, m.start("mon"), m.end("mon"))
    return _ym(year, month), anchor, "relative"


def _relative_year(word: str, ctx, m) -> tuple[int, str]:
    """Year named by 'last year', 'this year', 'the previous year', '2019', ... and its anchor."""
    w = " ".join(word.lower().split())
    pub = ctx.pub
    if re.fullmatch(r"\d{4}", w):
        return int(w), None
    if w in ("last year", "past year"):
        return pub.year - 1, ctx.pub_iso
    if w in ("this year", "the year", "the current year", "this calendar year"):
        return pub.year, ctx.pub_iso
    if w in ("next year", "the coming year"):
        return pub.year + 1, ctx.pub_iso
    base, anchor = _stated_year(ctx, m)
    if w in ("the previous year", "the year before", "the prior year", "a year earlier", "the preceding year"):
        return base - 1, anchor
    if w in ("the following year", "the next year", "a year later", "the year after", "the subsequent year"):
        return base + 1, anchor
    if w in ("that year", "the same year"):
        return base, anchor
    raise ValueError(w)


_YEAR_IN_SENTENCE = re.compile(r"(?<![\w$#.,-])(1[89]\d\d|20\d\d)(?![\w%-])")


def _stated_year(ctx, m) -> tuple[int, str]:
    """The year a 'previous year' phrase counts from: a year stated in the same sentence, else the
    narrative's, else the publication's."""
    lo, hi = ctx.sentence_bounds(m.start(), m.end())
    for y in _YEAR_IN_SENTENCE.finditer(ctx.text, lo, hi):
        if not (m.start() <= y.start() < m.end()):
            return int(y.group(1)), y.group(1)
    if ctx.narrative_lower is not None:
        return ctx.narrative_lower.year, ctx.narrative
    return ctx.pub.year, ctx.pub_iso


_MOD_NAMES = {
    "early": "early", "mid": "mid", "late": "late", "end": "end", "the end of": "end", "the close of": "end",
    "the beginning of": "start", "the start of": "start", "the middle of": "mid", "the turn of": "end",
    "the first half of": "first_half", "the second half of": "second_half",
    "the first quarter of": "q1", "the second quarter of": "q2", "the third quarter of": "q3",
    "the fourth quarter of": "q4", "the last quarter of": "q4", "the final quarter of": "q4",
}


def _r_modified(m, ctx) -> _Result:
    """early/mid/late/the end of/the final days of + a year, a month, 'last year', ..."""
    mod = " ".join(m.group("mod").lower().split())
    if mod in _MOD_NAMES:
        part = _MOD_NAMES[mod]
    elif re.search(r"(?:final|last|closing)\s+(?:days|weeks)", mod):
        part = "late_days"
    elif re.search(r"(?:first|opening|early)\s+(?:days|weeks)", mod):
        part = "early_days"
    elif re.search(r"(?:final|last|closing)\s+months", mod):
        part = "late"
    elif re.search(r"(?:first|opening|early)\s+months", mod):
        part = "early"
    else:
        return None
    if m.group("mon"):
        month = _month_of(m.group("mon"))
        if m.group("y"):
            year, anchor, kind = int(m.group("y")), None, "absolute"
        else:
            year, anchor = ctx.year_for_month(month, m.start(), m.end())
            kind = "relative"
        day_part = {"early": "early", "start": "early", "early_days": "early", "mid": "mid",
                    "late": "late", "end": "late", "late_days": "late"}.get(part)
        if day_part is None:
            return None
        return _part(year, month, day_part), anchor, kind
    target = " ".join(m.group("tgt").lower().split())
    if target in ("the month", "this month", "last month", "next month", "that month", "the same month",
                  "the previous month", "the following month"):
        if target in ("that month", "the same month", "the previous month", "the following month") and ctx.narrative_lower:
            ref, anchor = ctx.narrative_lower, ctx.narrative
        else:
            ref, anchor = ctx.pub, ctx.pub_iso
        shift = {"last month": -1, "next month": 1, "the previous month": -1, "the following month": 1}.get(target, 0)
        first = shift_months(ref, shift)
        day_part = {"early": "early", "start": "early", "early_days": "early", "mid": "mid",
                    "late": "late", "end": "late", "late_days": "late"}.get(part)
        if day_part is None:
            return None
        return _part(first.year, first.month, day_part), anchor, "relative"
    year, anchor = _relative_year(target, ctx, m)
    kind = "absolute" if anchor is None else "relative"
    if part == "late_days":
        return _days(date(year, 12, 21), date(year, 12, 31)), anchor, kind
    if part == "early_days":
        return _days(date(year, 1, 1), date(year, 1, 10)), anchor, kind
    lo, hi = _YEAR_PART[part]
    return _months(year, lo, year, hi), anchor, kind


def _r_week_of_month(m, ctx) -> _Result:
    """'the first week of March (2019)': days 1-7, 8-14, 15-21, 22-28; the last week = last 7 days."""
    month = _month_of(m.group("mon"))
    if m.group("y"):
        year, anchor, kind = int(m.group("y")), None, "absolute"
    else:
        year, anchor = ctx.year_for_month(month, m.start(), m.end())
        kind = "relative"
    which = m.group("which").lower()
    last = calendar.monthrange(year, month)[1]
    if which in ("last", "final"):
        return _days(date(year, month, last - 6), date(year, month, last)), anchor, kind
    k = {"first": 0, "second": 1, "third": 2, "fourth": 3}[which]
    return _days(date(year, month, 1 + 7 * k), date(year, month, 7 + 7 * k)), anchor, kind


def _r_earlier_later(m, ctx) -> _Result:
    which, unit = m.group("which").lower(), m.group("unit").lower()
    pub = ctx.pub
    if unit == "year":
        if which == "earlier":
            return _months(pub.year, 1, pub.year, pub.month), ctx.pub_iso, "relative"
        return _months(pub.year, pub.month, pub.year, 12), ctx.pub_iso, "relative"
    if unit == "month":
        return _ym(pub.year, pub.month), ctx.pub_iso, "relative"
    monday = pub - timedelta(days=pub.weekday())
    if which == "earlier":
        return _days(monday, pub), ctx.pub_iso, "relative"
    return _days(pub, monday + timedelta(days=6)), ctx.pub_iso, "relative"


def _r_year_end(m, ctx) -> _Result:
    """'year-end', 'end-of-year' (the December of the year in view), 'in the new year'."""
    w = m.group(0).lower()
    pub = ctx.pub
    if "new" in w:
        year = pub.year + 1 if pub.month >= 10 else pub.year
        return f"{year:04d}", ctx.pub_iso, "relative"
    if ctx.narrative_year_only:
        return _ym(ctx.narrative_lower.year, 12), ctx.narrative, "relative"
    if ctx.future(m.start(), m.end()):
        year = pub.year
    else:
        year = pub.year if pub.month == 12 else pub.year - 1
    return _ym(year, 12), ctx.pub_iso, "relative"


def _r_rel_year(m, ctx) -> _Result:
    year, anchor = _relative_year(m.group(0), ctx, m)
    return f"{year:04d}", anchor, "relative"


def _r_years_ago(m, ctx) -> _Result:
    n = _number(m.group("n"))
    unit = m.group("unit").lower().rstrip("s")
    way = m.group("way").lower()
    if way == "ago":
        ref, anchor = ctx.pub, ctx.pub_iso
        sign = -1
    else:
        ref, anchor = ctx.reference()
        if way in ("earlier", "before"):
            sign = -1
            ref = ctx.narrative_lower or ctx.pub
        else:
            sign = 1
    if unit == "decade":
        return f"{ref.year + sign * 10 * n:04d}", anchor, "relative"
    if unit == "year":
        return f"{ref.year + sign * n:04d}", anchor, "relative"
    if unit == "month":
        d = shift_months(ref, sign * n)
        return _ym(d.year, d.month), anchor, "relative"
    if unit == "week":
        if m.group("n").lower().strip() in ("few", "a few", "several"):
            d = ref + timedelta(days=sign * 21)
            return _ym(d.year, d.month), anchor, "relative"
        d = ref + timedelta(days=sign * 7 * n)
        return d.isoformat(), anchor, "relative"
    if m.group("n").lower().strip() in ("few", "a few", "several"):
        a, b = (ref + timedelta(days=sign)), (ref + timedelta(days=sign * 7))
        return _days(min(a, b), max(a, b)), anchor, "relative"
    return (ref + timedelta(days=sign * n)).isoformat(), anchor, "relative"


def _r_rel_month(m, ctx) -> _Result:
    w = " ".join(m.group(0).lower().split())
    if w in ("this month", "the current month"):
        ref, anchor, shift = ctx.pub, ctx.pub_iso, 0
    elif w == "last month":
        ref, anchor, shift = ctx.pub, ctx.pub_iso, -1
    elif w == "next month":
        ref, anchor, shift = ctx.pub, ctx.pub_iso, 1
    else:
        if ctx.narrative_lower is not None:
            ref, anchor = ctx.narrative_lower, ctx.narrative
        else:
            ref, anchor = ctx.pub, ctx.pub_iso
        if w in ("the previous month", "the month before", "a month earlier", "the preceding month"):
            shift = -1
        elif w in ("the following month", "the next month", "a month later", "the month after"):
            shift = 1
        else:
            shift = 0
    d = shift_months(ref, shift)
    return _ym(d.year, d.month), anchor, "relative"


def _r_rel_day(m, ctx) -> _Result:
    w = " ".join(m.group(0).lower().split())
    pub = ctx.pub
    offsets = {"yesterday": -1, "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
               "this evening": 0, "tomorrow": 1}
    if w in offsets:
        return (pub + timedelta(days=offsets[w])).isoformat(), ctx.pub_iso, "relative"
    if ctx.narrative_lower is not None:
        if w in ("the day before", "the previous day", "the preceding day", "a day earlier", "the eve"):
            return (ctx.narrative_lower - timedelta(days=1)).isoformat(), ctx.narrative, "relative"
        if w in ("the same day", "that day", "that same day"):
            return _days(ctx.narrative_lower, ctx.narrative_upper), ctx.narrative, "relative"
        return (ctx.narrative_upper + timedelta(days=1)).isoformat(), ctx.narrative, "relative"
    if w in ("the day before", "the previous day", "the preceding day", "a day earlier", "the eve"):
        return (pub - timedelta(days=1)).isoformat(), ctx.pub_iso, "relative"
    if w in ("the same day", "that day", "that same day"):
        return pub.isoformat(), ctx.pub_iso, "relative"
    return (pub + timedelta(days=1)).isoformat(), ctx.pub_iso, "relative"


def _week_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _r_rel_week(m, ctx) -> _Result:
    w = " ".join(m.group(0).lower().split())
    pub = ctx.pub
    monday = _week_of(pub)
    if "weekend" in w:
        past_sat = pub - timedelta(days=(pub.weekday() - 5) % 7 or 7)
        next_sat = pub + timedelta(days=(5 - pub.weekday()) % 7)
        if w.startswith("last") or "past" in w:
            sat = past_sat
        elif w.startswith("next"):
            sat = next_sat
        elif w.startswith("this"):
            sat = monday + timedelta(days=5)
        else:
            sat = next_sat if ctx.future(m.start(), m.end()) else past_sat
        return _days(sat, sat + timedelta(days=1)), ctx.pub_iso, "relative"
    if w in ("last week", "the past week"):
        start = monday - timedelta(days=7)
    elif w in ("next week", "the coming week"):
        start = monday + timedelta(days=7)
    elif w == "this week":
        start = monday
    else:
        ref = ctx.narrative_lower or pub
        anchor = ctx.narrative or ctx.pub_iso
        base = _week_of(ref)
        start = base - timedelta(days=7) if w in ("the previous week", "the week before", "a week earlier") else base + timedelta(days=7)
        if w in ("a week later", "a week earlier"):
            d = ref + timedelta(days=7 if w == "a week later" else -7)
            return d.isoformat(), anchor, "relative"
        return _days(start, start + timedelta(days=6)), anchor, "relative"
    return _days(start, start + timedelta(days=6)), ctx.pub_iso, "relative"


def _r_weekday(m, ctx) -> _Result:
    wd = _WEEKDAYS[m.group("wd").lower()]
    rel = (m.group("rel") or "").lower()
    pub = ctx.pub
    if rel == "last":
        back = (pub.weekday() - wd) % 7 or 7
        return (pub - timedelta(days=back)).isoformat(), ctx.pub_iso, "relative"
    if rel == "next":
        ahead = (wd - pub.weekday()) % 7 or 7
        return (pub + timedelta(days=ahead)).isoformat(), ctx.pub_iso, "relative"
    if rel == "this" or ctx.future(m.start("wd"), m.end("wd")):
        if rel == "this" and not ctx.future(m.start("wd"), m.end("wd")):
            return (_week_of(pub) + timedelta(days=wd)).isoformat(), ctx.pub_iso, "relative"
        return (pub + timedelta(days=(wd - pub.weekday()) % 7)).isoformat(), ctx.pub_iso, "relative"
    return (pub - timedelta(days=(pub.weekday() - wd) % 7)).isoformat(), ctx.pub_iso, "relative"


def _r_weekday_range(m, ctx) -> _Result:
    """'on Monday and Tuesday', 'from Tuesday to Thursday': one interval ending on the second day,
    which resolves as a weekday of its own would; the first day is the nearest such day before it."""
    wd1, wd2 = _WEEKDAYS[m.group("wd").lower()], _WEEKDAYS[m.group("wd2").lower()]
    rel = (m.group("rel") or "").lower()
    pub = ctx.pub
    future = ctx.future(m.start("wd"), m.end("wd2"))
    if rel == "last":
        end = pub - timedelta(days=((pub.weekday() - wd2) % 7 or 7))
    elif rel == "next":
        end = pub + timedelta(days=((wd2 - pub.weekday()) % 7 or 7))
    elif future:
        start = pub + timedelta(days=(wd1 - pub.weekday()) % 7)
        end = start + timedelta(days=(wd2 - wd1) % 7)
        return _days(start, end), ctx.pub_iso, "relative"
    else:
        end = pub - timedelta(days=(pub.weekday() - wd2) % 7)
    start = end - timedelta(days=(wd2 - wd1) % 7)
    return _days(start, end), ctx.pub_iso, "relative"


_SEASON_THE = re.compile(r"\b(?:in|during|over|by|until|through|throughout)\s+the\s+$", re.I)


def _r_season(m, ctx) -> _Result:
    name = m.group("s").lower()
    rel = " ".join((m.group("rel") or "").lower().split())
    after_the = bool(_SEASON_THE.search(ctx.text, max(0, m.start() - 16), m.start()))
    if not (m.group("y") or rel or after_the):
        return None
    first = _SEASONS[name]
    pub = ctx.pub
    if m.group("y"):
        return _season(int(m.group("y")), first), None, "absolute"
    # the season's start year containing/around the publication month
    cur_start_year = pub.year - (1 if (first == 12 and pub.month <= 2) else 0)

    def ended_before(year: int) -> bool:
        return shift_months(date(year, first, 1), 3) <= _month_index(pub)

    def starts_after(year: int) -> bool:
        return date(year, first, 1) > pub

    if rel == "this":
        year = cur_start_year
    elif rel == "last":
        year = cur_start_year
        while not ended_before(year):
            year -= 1
    elif rel == "next":
        year = cur_start_year
        while not starts_after(year):
            year += 1
    elif rel in ("early", "late", ""):
        if ctx.narrative_year_only:
            return _season(ctx.narrative_lower.year, first), ctx.narrative, "relative"
        year = cur_start_year
        if ctx.future(m.start(), m.end()):
            while shift_months(date(year, first, 1), 3) <= _month_index(pub):
                year += 1
        else:
            while date(year, first, 1) > pub:
                year -= 1
    else:
        return None
    return _season(year, first), ctx.pub_iso, "relative"


def _r_span(m, ctx) -> _Result:
    """'the last six months', 'the past two years', 'the next three weeks', 'the past year'."""
    direction = m.group("dir").lower()
    n = _number(m.group("n")) if m.group("n") else 1
    unit = m.group("unit").lower().rstrip("s")
    if direction in ("previous", "preceding", "following"):
        ref, anchor = ctx.reference()
        if direction != "following" and ctx.narrative_lower is not None:
            ref = ctx.narrative_lower
    else:
        ref, anchor = ctx.pub, ctx.pub_iso
    back = direction in ("last", "past", "previous", "preceding")
    if unit in ("day", "week"):
        days = n * (7 if unit == "week" else 1)
        other = ref - timedelta(days=days) if back else ref + timedelta(days=days)
        return _days(min(ref, other), max(ref, other)), anchor, "relative"
    months = n * {"month": 1, "year": 12, "decade": 120}[unit]
    other = shift_months(ref, -months if back else months)
    a, b = (other, ref) if back else (ref, other)
    return _months(a.year, a.month, b.year, b.month), anchor, "relative"


def _r_within(m, ctx) -> _Result:
    """'within a few weeks', 'in two weeks', 'within the next three months': future from the narrative."""
    if m.group(0)[:2].lower() == "in" and not ctx.future(m.start(), m.end()):
        return None  # 'for the first time in two years' looks back, and is no date of its own
    ref, anchor = ctx.reference()
    word = " ".join(m.group("n").lower().split())
    unit = m.group("unit").lower().rstrip("s")
    if word in ("few", "a few", "several", "a couple of", "couple of") and unit == "week":
        d = ref + timedelta(days=21)
        return _ym(d.year, d.month), anchor, "relative"
    n = _number(word)
    if unit in ("day", "week"):
        return _days(ref, ref + timedelta(days=n * (7 if unit == "week" else 1))), anchor, "relative"
    months = n * {"month": 1, "year": 12, "decade": 120}[unit]
    other = shift_months(ref, months)
    return _months(ref.year, ref.month, other.year, other.month), anchor, "relative"


def _r_vague(m, ctx) -> _Result:
    w = " ".join(m.group(0).lower().split())
    pub = ctx.pub
    if w in ("recently", "lately", "of late", "in recent weeks", "in the past few weeks"):
        prev = shift_months(pub, -1)
        return _months(prev.year, prev.month, pub.year, pub.month), ctx.pub_iso, "vague"
    if w == "in recent days":
        return _days(pub - timedelta(days=7), pub), ctx.pub_iso, "vague"
    if w == "in recent months":
        prev = shift_months(pub, -3)
        return _months(prev.year, prev.month, pub.year, pub.month), ctx.pub_iso, "vague"
    if w == "in recent years":
        return f"{pub.year - 3:04d}/{pub.year:04d}", ctx.pub_iso, "vague"
    return f"{_ym(pub.year, pub.month)}/..", ctx.pub_iso, "vague"


def _r_year(m, ctx) -> _Result:
    lo = max(0, m.start() - 14)
    before = ctx.text[lo:m.start()].lower()
    if re.search(r"(?:resolution|no\.|number|article|section|pp?\.|page|room|route|flight|model|type|version|unit|#|\$)\s*$", before):
        return None
    return m.group("y"), None, "absolute"


def _r_year_range(m, ctx) -> _Result:
    join = m.group("join").strip()
    if join == "and" and not m.group("pre"):
        return None
    if join == "or":
        return None
    y1 = int(m.group("y1"))
    y2s = m.group("y2")
    y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
    if not y1 < y2 <= y1 + 100:
        return None
    return f"{y1:04d}/{y2:04d}", None, "absolute"


def _r_decade(m, ctx) -> _Result:
    y = int(m.group("y"))
    lo, hi = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get((m.group("mod") or "").lower(), (0, 9))
    return f"{y + lo:04d}/{y + hi:04d}", None, "absolute"


def _r_new_year(m, ctx) -> _Result:
    """New Year's Day/Eve: the year comes from a year phrase in the same sentence (post-pass)."""
    eve = "eve" in m.group(0).lower()
    future = ctx.future(m.start(), m.end())
    pub = ctx.pub
    if ctx.narrative_year_only:
        y = ctx.narrative_lower.year
        return (f"{y:04d}-12-31" if eve else f"{y:04d}-01-01"), ctx.narrative, "relative"
    if eve:
        y = pub.year if future or pub >= date(pub.year, 12, 31) else pub.year - 1
        return f"{y:04d}-12-31", ctx.pub_iso, "relative"
    y = pub.year + 1 if future and pub > date(pub.year, 1, 1) else pub.year
    return f"{y:04d}-01-01", ctx.pub_iso, "relative"


# ----------------------------------------------------------------------------- patterns

_PREP = r"(?:(?P<pre>from|between)\s+)?"
_DM_A = _day("d1") + r"\s+(?:of\s+)?" + _mon("mon1") + r"(?:,?\s+" + _year("y1") + ")?"
_MD_A = _mon("mon1b") + r"\s+" + _day("d1b") + r"(?![\d:])(?:,?\s+" + _year("y1b") + ")?"
_DM_B = _day("d2") + r"\s+(?:of\s+)?" + _mon("mon2") + r"(?:,?\s+" + _year("y2") + ")?"
_MD_B = _mon("mon2b") + r"\s+" + _day("d2b") + r"(?![\d:])(?:,?\s+" + _year("y2b") + ")?"
_REL_YEAR = (r"(?:last|this|next|past|coming)\s+year|the\s+(?:previous|prior|preceding|following|next|subsequent|same|current|coming)\s+year"
             r"|the\s+year\s+(?:before|after)|that\s+year|the\s+year")
_REL_MONTH_T = r"(?:this|last|next|that)\s+month|the\s+(?:same|previous|following)\s+month|the\s+month"
_MODIFIER = (r"(?P<mod>early|mid|late|end(?=-)|the\s+(?:end|close|beginning|start|middle|turn)\s+of"
             r"|the\s+(?:first|second)\s+half\s+of|the\s+(?:first|second|third|fourth|last|final)\s+quarter\s+of"
             r"|the\s+(?:final|last|closing|first|opening|early)\s+(?:few\s+)?(?:days|weeks|months)\s+of)")

_PATTERNS: list[tuple[str, object]] = [
    (r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?![\d-])", _r_iso),
    (r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)\.(?P<y>1[89]\d\d|20\d\d)(?![\d]|\.\d)", _r_dmy_dots),
    # day ranges inside one month
    (_PREP + _day("d1") + r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|and)\s+)" + _day("d2")
     + r"\s+(?:of\s+)?" + _mon("mon") + _YEAR_AFTER, _r_day_range),
    (_PREP + _mon("mon") + r"\s+" + _day("d1") + r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|and)\s+)"
     + _day("d2") + r"(?![\d:%]|\s+(?:of\s+)?" + _MONTH_WORD + ")" + _YEAR_AFTER, _r_day_range),
    # ranges and alternatives across months
    (_PREP + r"(?:" + _DM_A + r"|" + _MD_A + r")" + _RANGE_JOIN + r"(?:" + _DM_B + r"|" + _MD_B + r")", _r_cross_range),
    # single dates
    (_mon("mon") + r"\s+" + _day("d") + r"(?!\s*[-–]\s*\d)" + _NOT_NUMBER_AFTER + r"(?:,?\s+" + _year("y") + ")?", _r_date),
    (r"(?<![\d.,$#-])" + _day("d") + r"\s+(?:of\s+)?" + _mon("mon") + r"(?:,?\s+" + _year("y") + ")?", _r_date),
    (r"(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)),?\s+(?:" + _mon("mon") + r"\s+" + _day("d")
     + r"(?![\d:])(?:,?\s+" + _year("y") + r")?|" + _day("d2") + r"\s+(?:of\s+)?" + _mon("mon2") + r"(?:,?\s+" + _year("y2") + r")?)", _r_weekday_date),
    # month ranges ("March-April", "from March to May 2019", "June or July")
    (_PREP + _mon("mon1") + r"(?P<join>\s*(?:-|–|—|/)\s*|\s+(?:to|until|till|through|and|or)\s+)" + _mon("mon2") + _YEAR_AFTER, _r_month_range),
    # month + year
    (_mon("mon") + r",?\s+(?:of\s+)?" + _year("y"), _r_month_year),
    # modified periods: early 2020, mid-2019, late June, the end of last year, the final days of the previous year
    (_MODIFIER + r"[-\s]+(?:" + _mon("mon") + _YEAR_AFTER + r"|(?P<tgt>" + _year("ty") + r"(?!['’]?s\b)|" + _REL_YEAR + r"|" + _REL_MONTH_T + r"))", _r_modified),
    (r"\bthe\s+(?P<which>first|second|third|fourth|last|final)\s+week\s+of\s+" + _mon("mon") + _YEAR_AFTER, _r_week_of_month),
    (r"(?P<which>earlier|later)\s+(?:this|in\s+the)\s+(?P<unit>year|month|week)\b", _r_earlier_later),
    # bare months in context: in June, last June, (March), the April elections
    (r"(?:\b(?P<rel>last|this|next)\s+)?" + _mon("mon"), _r_bare_month),
    # relative years, months, weeks, days
    (r"\b(?:" + _REL_YEAR.replace("|that\\s+year|the\\s+year", "|that\\s+year") + r"|a\s+year\s+(?:earlier|later))\b", _r_rel_year),
    (_NUM + r"\s+" + _UNIT + r"\s+(?P<way>ago|earlier|later)\b", _r_years_ago),
    (r"\b(?:year[-\s]end|end[-\s]of[-\s](?:the[-\s])?year|in\s+the\s+new\s+year)\b", _r_year_end),
    (r"\b(?:(?:this|last|next)\s+month|the\s+(?:current|previous|preceding|following|next|same)\s+month|that\s+month"
     r"|the\s+month\s+(?:before|after)|a\s+month\s+(?:earlier|later))\b", _r_rel_month),
    (r"\b(?:yesterday|today|tonight|tomorrow|this\s+(?:morning|afternoon|evening)|the\s+(?:day\s+before|previous\s+day|preceding\s+day|next\s+day|following\s+day|day\s+after|same\s+day)"
     r"|(?:that\s+)?same\s+day|that\s+day|a\s+day\s+(?:earlier|later))\b", _r_rel_day),
    (r"\b(?:(?:last|this|next|the\s+past|the\s+coming)\s+week(?!end)|the\s+(?:previous|following|next)\s+week(?!end)|the\s+week\s+(?:before|after)"
     r"|a\s+week\s+(?:earlier|later)|(?:(?:at|over|during)\s+)?the\s+weekend|(?:this|last|next)\s+weekend|(?:this\s+)?past\s+weekend)\b", _r_rel_week),
    # coordinated days: 'on Monday and Tuesday', 'from Tuesday to Thursday' (one interval)
    (r"(?:\b(?P<rel>last|next|this)\s+)?(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))(?:\s+(?:and|to|through|till|until)\s+|\s*[-\u2013]\s*)"
     r"(?-i:(?P<wd2>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", _r_weekday_range),
    (r"(?:\b(?P<rel>last|next|this)\s+)?(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", _r_weekday),
    (r"\b(?:(?P<rel>last|this|next|early|late)\s+)?(?P<s>spring|summer|autumn|fall|winter)\b(?:\s+(?:of\s+)?" + _year("y") + ")?", None),
    # 'is expected to last several days': the verb, not a span
    (r"\b(?<!\bto\s)(?<!\bwill\s)(?<!\bwould\s)(?<!\bcould\s)(?<!\bmay\s)(?<!\bmight\s)(?<!\bcan\s)(?<!\bshould\s)(?<!\bdid\s)"
     r"(?:the\s+)?(?P<dir>last|past|previous|preceding|next|coming|following)\s+" + _NUM + r"\s+" + _UNIT + r"\b", _r_span),
    (r"\bthe\s+(?P<dir>last|past)\s+(?P<n>)?(?P<unit>year|decade|month|week)\b", _r_span),
    (r"\b(?:within|in)\s+(?:the\s+next\s+)?" + _NUM + r"\s+" + _UNIT + r"\b(?!\s+(?:ago|earlier|later|of|after|before))", _r_within),
    (r"\b(?:recently|lately|of\s+late|in\s+recent\s+(?:days|weeks|months|years)|in\s+the\s+past\s+few\s+weeks"
     r"|(?<!as\s)soon\b(?!\s+(?:after|afterwards?|thereafter|before|as|enough))|shortly\b(?!\s+(?:after|afterwards?|thereafter|before))"
     r"|in\s+the\s+(?:near\s+|not-too-distant\s+|not\s+too\s+distant\s+|foreseeable\s+)?future|in\s+the\s+coming\s+(?:days|weeks|months|years)"
     r"|in\s+the\s+(?:days|weeks|months)\s+ahead)\b", _r_vague),
    (_PREP + r"(?<![\w$#.,-])" + _year("y1") + r"(?P<join>\s*(?:-|–|—|/)\s*|\s+(?:to|until|till|through|and|or)\s+)(?P<y2>1[89]\d\d|20\d\d|\d\d)(?![\w%])", _r_year_range),
    (r"\b(?:the\s+)?(?:(?P<mod>early|mid|late)[-\s]+)?(?P<y>1[89]\d0|20\d0)['’]?s\b", _r_decade),
    (r"(?<![\w$#.,-])" + _year("y") + r"(?![\w%-]|[.,]\d)" + r"(?!\s+(?:km|kilometers?|kilometres?|miles?|people|troops|soldiers|tons?|tonnes?|meters?|metres?|kg|dollars|won|units|times|percent)\b)", _r_year),
    (r"(?-i:New\s+Year)['’]?s?\s+(?-i:(?:Day|Eve))\b", _r_new_year),
]
_PATTERNS = [(p, h if h is not None else _r_season) for p, h in _PATTERNS]
_COMPILED = [(re.compile(p, re.I), handler, rank) for rank, (p, handler) in enumerate(_PATTERNS)]

_EXTEND = re.compile(r"(?:\b(?:in|on|at|during|over)\s+)$", re.I)


def _direction(edtf: str, kind: str, published: date) -> str | None:
    rng = parse_edtf(edtf)
    if rng.lower is not None and rng.lower > published:
        return "future"
    if rng.upper is not None and rng.upper < published:
        return "past"
    if rng.upper is None:
        return "future"
    if kind == "vague" and rng.lower is not None and rng.upper is not None:
        return "past"
    return None


def _valid(edtf: str) -> bool:
    try:
        rng = parse_edtf(edtf)
    except Exception:
        return False
    if rng.lower is None and rng.upper is None:
        return False
    return rng.lower is None or rng.upper is None or rng.lower <= rng.upper


# Every date phrase contains one of these words (or a digit); the patterns only run on the text
# around them, which keeps a 10,000-word article well under 100 ms. A phrase starts at most ~50
# characters before its first such word ('in the not-too-distant future') and ends within ~60
# after its last one.
_HOT = re.compile(
    r"\d|(?-i:(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|New\s+Year)\b)|\b(?:years?|months?|weeks?|weekend|days?|today|tonight|yesterday|tomorrow|morning|afternoon"
    r"|evening|recent|recently|lately|late|soon|shortly|future|coming|ahead|spring|summer|autumn|fall|winter|decades?"
    r"|half|quarter|ago|early|earlier|later|mid)\b",
    re.I,
)
_BEFORE, _AFTER = 70, 90


def _windows(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in _HOT.finditer(text):
        lo, hi = max(0, m.start() - _BEFORE), min(n, m.end() + _AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def find_time_expressions(text: str, published: date, *, tense: str | None = None,
                          narrative: str | None = None) -> list[TimeExpression]:
    """All temporal expressions in `text` (usually one sentence), left to right, resolved.

    tense ("past" | "future" | None), the sentence's tense, decides 'in June' (the most recent
    June up to publication unless future) and weekday names when the words around the phrase
    do not. narrative, the EDTF date the narrative has set, anchors 'that month', 'the next
    day', 'a few weeks later', 'within a few weeks'; a year-precision narrative ('2021') also
    gives bare months their year ('(March)' in a list about 2021).

    >>> [(t.text, t.edtf) for t in find_time_expressions("held from January 5 to 7", date(2022, 1, 13), narrative="2021")]
    [('from January 5 to 7', '2021-01-05/2021-01-07')]
    """
    if not text:
        return []
    ctx = _Context(text, published, tense, narrative)
    candidates = []
    windows = _windows(text)
    for regex, handler, rank in _COMPILED:
        for lo, hi in windows:
            for m in regex.finditer(text, lo, hi):
                if m.end() > m.start():
                    candidates.append((m.start(), -(m.end() - m.start()), rank, m, handler))
    candidates.sort(key=lambda c: c[:3])
    chosen = []
    last_end = 0
    for start, neg_len, rank, m, handler in candidates:
        if start < last_end:
            continue
        try:
            result = handler(m, ctx)
        except Exception:
            result = None
        if result is None or not _valid(result[0]):
            continue
        chosen.append((m, handler, result))
        last_end = m.end()
    _apply_sentence_frames(ctx, chosen)
    out: list[TimeExpression] = []
    for i, (m, handler, (edtf, anchor, kind)) in enumerate(chosen):
        start, end = m.start(), m.end()
        if handler is _r_new_year:
            edtf, anchor = _new_year_from_sentence(ctx, chosen, i, edtf, anchor)
        lead = _EXTEND.search(text, max(0, start - 9), start)
        prev_end = out[-1].end if out else 0
        if lead and lead.start() >= prev_end and not text[start - 1:start].isalnum():
            start = lead.start()
        elif handler is _r_bare_month and text[start - 1:start] == "(" and text[end:end + 1] == ")":
            start, end = start - 1, end + 1
        try:
            direction = _direction(edtf, kind, published)
        except Exception:
            continue
        out.append(TimeExpression(start, end, text[start:end], edtf, anchor, kind, direction, handler.__name__.removeprefix("_r_")))
    return out


def _new_year_from_sentence(ctx, chosen, i, edtf, anchor):
    """'Last year, Kim skipped his New Year's Day address' -> 1 January of last year."""
    m = chosen[i][0]
    lo, hi = ctx.sentence_bounds(m.start(), m.end())
    best = None
    for j, (other, _handler, (o_edtf, o_anchor, _kind)) in enumerate(chosen):
        if j == i or other.start() < lo or other.end() > hi or not re.fullmatch(r"\d{4}", o_edtf):
            continue
        dist = abs(other.start() - m.start())
        if best is None or dist < best[0]:
            best = (dist, o_edtf, o_anchor)
    if best is None:
        return edtf, anchor
    return best[1] + edtf[4:], best[2]


_YEARLESS = frozenset({_r_week_of_month, _r_date, _r_day_range, _r_cross_range, _r_month_range, _r_bare_month, _r_modified, _r_season})
_CHAIN = re.compile(r"\s*,?\s*(?:and|or|,)\s+(?:(?:in|on)\s+)?", re.I)
_FRAME_LEAD = re.compile(r"[\s\"“‘'(\[-]*(?:(?:in|during|throughout|by|since)\s+)?", re.I)


def _apply_sentence_frames(ctx, chosen) -> None:
    """A sentence that opens with a year ('Last year, ...', 'In 2019, ...') gives that year to the
    dates it names without one: 'Last year, ... the congress, which was held from January 5 to 7'."""
    frame_for: dict[tuple[int, int], str] = {}
    for i, (m, handler, (edtf, anchor, kind)) in enumerate(chosen):
        bounds = ctx.sentence_bounds(m.start(), m.end())
        if re.fullmatch(r"\d{4}", edtf) and handler in (_r_rel_year, _r_year, _r_modified) and \
                _FRAME_LEAD.fullmatch(ctx.text, bounds[0], m.start()):
            frame_for[bounds] = edtf
            continue
        if kind != "relative" or handler not in _YEARLESS:
            continue
        year = frame_for.get(bounds)
        after = None
        if i and chosen[i - 1][2][2] == "absolute":  # 'in March 2018 and April': the year carries over
            prev_m, prev_edtf = chosen[i - 1][0], chosen[i - 1][2][0]
            if _CHAIN.fullmatch(ctx.text, prev_m.end(), m.start()) and re.match(r"\d{4}-\d{2}", prev_edtf):
                after = parse_edtf(prev_edtf).lower
                year = str(after.year)
        if year is None:
            continue
        try:
            result = handler(m, _Context(ctx.text, ctx.pub, ctx.tense, year))
            if after is not None and result is not None and parse_edtf(result[0]).lower < after:
                result = handler(m, _Context(ctx.text, ctx.pub, ctx.tense, str(after.year + 1)))
        except Exception:
            result = None
        if result is not None and _valid(result[0]):
            chosen[i] = (m, handler, result)
