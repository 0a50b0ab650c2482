"""Resolving a matched date phrase against its anchors: the publication date, the sentence's
tense and mood, and the narrative time the text has reached.

`Context` holds what a resolver needs beyond the match; each `resolve_<family>` function turns
one pattern family's match (kpolicy.extract.temporal.find) into (edtf, anchor, kind), or None.
The rules are ../shared/eval/GUIDELINES.md's: relative phrases resolve against the publication
date ('in June' = the most recent June unless the tense says future; 'the last six months' = an
interval ending at publication, month precision); early/mid/late X = X-01/04, 05/08, 09/12
(days 1-10, 11-20, 21-end of a month); seasons are three-month intervals; vague futures
('soon') are open intervals from the publication month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from kpolicy.dates import parse_edtf, shift_months
from kpolicy.extract.lexicon import CLAUSE_ABBREVIATIONS, MONTH_NAMES, SEASONS, WEEKDAYS
from kpolicy.extract.temporal.tense import WOULD, clause_tense, modality

# ----------------------------------------------------------------------------- vocabulary

_MONTH_NAMES = MONTH_NAMES
_WEEKDAYS = WEEKDAYS
_SEASONS = SEASONS
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "few": 3, "a few": 3, "several": 4, "a couple of": 2, "couple of": 2,
}



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



# ----------------------------------------------------------------------------- context

# A full stop after an abbreviation ('U.S.', 'Dr.', 'Nov.') or an initial ends no sentence.
_ABBREVIATIONS = CLAUSE_ABBREVIATIONS
_STOP = r"(?:[!?]|\." + "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS) + r"(?<!\b[A-Z]\.))"
_BOUNDARY = re.compile(r"[,;:!?()\"“”]|" + _STOP + r"(?=\s)|\s(?:that|and|but|while|when|after|before|because)\s")


_SENT_END = re.compile(_STOP + r"[\"”’')\]]*\s+|\n")


# a phrase that looks forward from its clause's time: the month it names comes after
_AHEAD_OF = re.compile(r"\b(?:ahead\s+of|in\s+the\s+run-?up\s+to|in\s+preparation\s+for|prepar(?:e|es|ed|ing)\s+for|preparations\s+for|gearing\s+up\s+for)"
                       r"\s+(?:[\w'\u2019-]+\s+){0,6}$", re.I)


class Context:
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
        if WOULD.search(window):  # 'Seoul said it would hold talks in March': the future of the saying
            return "future"
        after = text[end:end + 80]
        m = _BOUNDARY.search(after)
        clause = window + text[start:end] + (after[: m.start()] if m else after)
        weak = None  # a bare -ed form ('possibly timed to coincide') yields to the sentence's modality
        for part in (window, clause):
            tense = clause_tense(part)
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
        if _AHEAD_OF.search(self.text, max(0, start - 80), start):
            # 'rose ahead of the elections in April', 'preparing for the summit in June': what the
            # clause looks forward to comes after the time it speaks of (the narrative's, else publication)
            base, anchor = (self.narrative_lower, self.narrative) if self.narrative_lower is not None else (pub, self.pub_iso)
            return (base.year if month >= base.month else base.year + 1), anchor
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
# Each returns (edtf, anchor, kind) or None; `ctx` is the Context, `m` the match.

_Result = tuple[str, str | None, str] | None


def resolve_iso(m, ctx) -> _Result:
    d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    return d.isoformat(), None, "absolute"


def resolve_dmy_dots(m, ctx) -> _Result:
    d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    return d.isoformat(), None, "absolute"


def resolve_day_range(m, ctx) -> _Result:
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


def resolve_cross_range(m, ctx) -> _Result:
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


def resolve_date(m, ctx) -> _Result:
    month, day = _month_of(m.group("mon")), int(m.group("d"))
    if not 1 <= day <= 31:
        return None
    if m.group("y"):
        return date(int(m.group("y")), month, day).isoformat(), None, "absolute"
    d, anchor = ctx.date_without_year(month, day, m.start(), m.end())
    return d.isoformat(), anchor, "relative"


def resolve_weekday_date(m, ctx) -> _Result:
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


def resolve_month_range(m, ctx) -> _Result:
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


def resolve_month_year(m, ctx) -> _Result:
    return _ym(int(m.group("y")), _month_of(m.group("mon"))), None, "absolute"


def resolve_month_rel_year(m, ctx) -> _Result:
    """'in September last year', 'March of this year', 'June the previous year': the month of that year."""
    year, anchor = _relative_year(m.group("ry"), ctx, m)
    return _ym(year, _month_of(m.group("mon"))), anchor, "relative"


_BARE_MONTH_AFTER = re.compile(
    r"(?:\(|\b(?:in|by|during|since|until|till|before|after|through|of|and|or|for|from|the|a|its|their|his|her)\s)$", re.I)
# a month in a list of months: '(April, August and December)'
_MONTH_LIST_BEFORE = re.compile(
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December),\s$")


def resolve_bare_month(m, ctx) -> _Result:
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


def resolve_modified(m, ctx) -> _Result:
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


def resolve_week_of_month(m, ctx) -> _Result:
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


def resolve_earlier_later(m, ctx) -> _Result:
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


def resolve_year_end(m, ctx) -> _Result:
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


def resolve_rel_year(m, ctx) -> _Result:
    year, anchor = _relative_year(m.group(0), ctx, m)
    return f"{year:04d}", anchor, "relative"


def resolve_years_ago(m, ctx) -> _Result:
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


def resolve_rel_month(m, ctx) -> _Result:
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


def resolve_rel_day(m, ctx) -> _Result:
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



def resolve_later_same_day(m, ctx) -> _Result:
    """'by the afternoon', 'that evening', 'several hours later', 'later that day': the day the
    narrative has reached (a single day), else the publication day. candidates re-reads it against
    an earlier date of the same sentence ('arrived on Wednesday ..., and by the afternoon ...')."""
    if ctx.narrative_lower is not None:
        if ctx.narrative_lower != ctx.narrative_upper:
            return None  # 'hours later' than a month: no day to name
        return ctx.narrative_lower.isoformat(), ctx.narrative, "relative"
    return ctx.pub_iso, ctx.pub_iso, "relative"

def _week_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def resolve_rel_week(m, ctx) -> _Result:
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


def resolve_weekday(m, ctx) -> _Result:
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


def resolve_weekday_range(m, ctx) -> _Result:
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


def resolve_season(m, ctx) -> _Result:
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


def resolve_span(m, ctx) -> _Result:
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


def resolve_within(m, ctx) -> _Result:
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


def resolve_vague(m, ctx) -> _Result:
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


def resolve_year(m, ctx) -> _Result:
    lo = max(0, m.start() - 14)
    before = ctx.text[lo:m.start()].lower()
    if re.search(r"(?:resolution|no\.|number|article|section|pp?\.|page|room|route|flight|model|type|version|unit|#|\$)\s*$", before):
        return None
    return m.group("y"), None, "absolute"


def resolve_year_range(m, ctx) -> _Result:
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


def resolve_decade(m, ctx) -> _Result:
    y = int(m.group("y"))
    lo, hi = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get((m.group("mod") or "").lower(), (0, 9))
    return f"{y + lo:04d}/{y + hi:04d}", None, "absolute"


def resolve_new_year(m, ctx) -> _Result:
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



def direction_of(edtf: str, kind: str, published: date) -> str | None:
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


def valid_edtf(edtf: str) -> bool:
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


# resolvers whose year comes from the context, so a sentence's frame ('In 2019, ...') can give it
YEARLESS = frozenset({resolve_week_of_month, resolve_date, resolve_day_range, resolve_cross_range, resolve_month_range, resolve_bare_month, resolve_modified, resolve_season})
