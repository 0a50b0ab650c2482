"""EDTF dates and their bounds: the one place kpolicy turns a date string into days.

An event's date is an EDTF string (ISO 8601-2). Bounds are inclusive days; an open
end is None. `precision` says how much the text licensed: day, month, season, year,
interval, open (one end unbounded) or unknown (no date at all).

Plain ISO forms (2019, 2019-12, 2019-12-28, seasons 2020-21..24, their `?`/`~`/`%`
qualified forms and intervals of them, with `..` for an open end) are parsed here
directly; anything else in the EDTF grammar goes to the `edtf` library. The split
keeps the 100 ms pyparsing import of `edtf` off the query path, where every
`--from`/`--to` is one of the plain forms; a test checks both paths agree.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from kpolicy.errors import BadInput

PRECISIONS = ("day", "month", "season", "year", "interval", "open", "unknown")

# EDTF seasons, northern hemisphere: the month each starts in (winter runs into next year).
SEASON_START = {21: 3, 22: 6, 23: 9, 24: 12}

_SINGLE = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?")
EXAMPLES = "use EDTF such as 2019, 2019-12, 2019-12-28, 2019-12-28/2019-12-31 or 2020-02/.."


@dataclass(frozen=True)
class DateRange:
    """A parsed EDTF date: the string as given, its inclusive bounds and its precision."""

    edtf: str | None
    lower: date | None
    upper: date | None
    precision: str

    @property
    def is_open(self) -> bool:
        return self.edtf is not None and (self.lower is None or self.upper is None)


UNDATED = DateRange(None, None, None, "unknown")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _bad(text: str, reason: str) -> BadInput:
    return BadInput(f"invalid date {text!r}: {reason}; {EXAMPLES}")


def _single(text: str, whole: str) -> tuple[date, date, str]:
    """Bounds and precision of one plain EDTF date; raises LookupError if not a plain form."""
    m = _SINGLE.fullmatch(text)
    if not m:
        raise LookupError(text)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if year < 1 or year > 9999:
        raise _bad(whole, "kpolicy handles years 0001 to 9999")
    if month is None:
        return date(year, 1, 1), date(year, 12, 31), "year"
    mo = int(month)
    if day is None and mo in SEASON_START:
        first = SEASON_START[mo]
        last_month = first + 2
        end = month_end(year + (last_month > 12), (last_month - 1) % 12 + 1)
        return date(year, first, 1), end, "season"
    if not 1 <= mo <= 12:
        raise _bad(whole, f"month {month} does not exist (months are 01-12, seasons 21-24)")
    if day is None:
        return date(year, mo, 1), month_end(year, mo), "month"
    d = int(day)
    last = calendar.monthrange(year, mo)[1]
    if not 1 <= d <= last:
        raise _bad(whole, f"{calendar.month_name[mo]} {year} has {last} days")
    return date(year, mo, d), date(year, mo, d), "day"


def _from_library(text: str) -> DateRange:
    """The full EDTF grammar (unspecified digits, sets, level-2 qualifiers) via `edtf`."""
    import edtf  # deferred: a 100 ms import only the rare forms need

    try:
        parsed = edtf.parse_edtf(text)
    except Exception:
        raise _bad(text, "not a date kpolicy can read") from None

    def as_date(value) -> date | None:
        if isinstance(value, float):  # edtf gives +-inf for an open end
            return None
        return date(value.tm_year, value.tm_mon, value.tm_mday)

    try:
        lower, upper = as_date(parsed.lower_strict()), as_date(parsed.upper_strict())
    except Exception:  # the library fails on some valid forms (e.g. 2019-12-2X)
        raise _bad(text, "kpolicy cannot compute its bounds") from None
    if lower is None or upper is None:
        precision = "open"
    elif lower == upper:
        precision = "day"
    else:
        precision = "interval"
    return DateRange(text, lower, upper, precision)


def parse_edtf(text: str | None) -> DateRange:
    """Parse an EDTF string into a DateRange; None or '' is UNDATED.

    >>> parse_edtf("2019-12").upper
    datetime.date(2019, 12, 31)
    """
    if text is None:
        return UNDATED
    text = str(text).strip()
    if not text:
        return UNDATED
    try:
        if "/" in text:
            left, right = text.split("/", 1)
            lower = None if left in ("..", "") else _single(left, text)[0]
            upper = None if right in ("..", "") else _single(right, text)[1]
            if lower is None and upper is None:
                raise _bad(text, "an interval needs at least one bound")
            if lower is not None and upper is not None and lower > upper:
                raise _bad(text, "the interval ends before it starts")
            precision = "interval" if lower is not None and upper is not None else "open"
            return DateRange(text, lower, upper, precision)
        lower, upper, precision = _single(text, text)
        return DateRange(text, lower, upper, precision)
    except LookupError:
        return _from_library(text)


def parse_window(start: str | None = None, end: str | None = None, on: str | None = None) -> tuple[date | None, date | None]:
    """A query window: from the lower bound of `start` to the upper bound of `end`.

    `on` is a single date, month or year and stands for both ends. An omitted end
    is open. A window whose end falls before its start is rejected.
    """
    if on is not None:
        if start is not None or end is not None:
            raise BadInput("--on cannot be combined with --from/--to; use either --on 2019-06 or --from 2019-06 --to 2019-08")
        rng = parse_edtf(on)
        if rng is UNDATED:
            raise _bad(on, "--on needs a date")
        return rng.lower, rng.upper
    lower = parse_edtf(start).lower if start else None
    upper = parse_edtf(end).upper if end else None
    if start and end and lower is not None and upper is not None and lower > upper:
        raise BadInput(f"the window is reversed: --from {start} starts after --to {end} ends; swap them")
    return lower, upper


def compatible(a: DateRange, b: DateRange) -> bool:
    """Could two dates be the same event's? Their bounds overlap (an open end overlaps
    everything on its side), and two exact days must be the same day."""
    if a.lower is not None and b.upper is not None and a.lower > b.upper:
        return False
    if b.lower is not None and a.upper is not None and b.lower > a.upper:
        return False
    if a.precision == "day" and b.precision == "day":
        return a.lower == b.lower
    return True


def shift_months(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def days_between(lower: date, upper: date) -> int:
    return (upper - lower).days


ONE_DAY = timedelta(days=1)


_MONTH_ABBR = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}


def _human_single(text: str) -> str:
    m = _SINGLE.fullmatch(text)
    if not m:
        return text
    year, month, day, qualifier = m.groups()
    mark = {"?": "?", "~": " (approx.)", "%": "? (approx.)"}.get(qualifier or "", "")
    if month is None:
        return f"{int(year)}{mark}"
    mo = int(month)
    if mo in _SEASON_NAMES:
        return f"{_SEASON_NAMES[mo]} {int(year)}{mark}"
    if day is None:
        return f"{_MONTH_ABBR[mo]} {int(year)}{mark}"
    return f"{int(day)} {_MONTH_ABBR[mo]} {int(year)}{mark}"


def humanize(edtf: str | None) -> str:
    """A reader's rendering of an EDTF date: '28 Dec 2019 – 31 Dec 2019', 'Dec 2019', 'from Feb 2020'."""
    if not edtf:
        return "undated"
    if "/" in edtf:
        left, right = edtf.split("/", 1)
        if left in ("..", ""):
            return f"until {_human_single(right)}"
        if right in ("..", ""):
            return f"from {_human_single(left)} on"
        return f"{_human_single(left)} – {_human_single(right)}"
    return _human_single(edtf)


# ---- dates as an analyst writes them (stories, kpolicy.views.story) ---------------------------

MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
_QUALIFIER_WORDS = {"?": "probably ", "~": "about ", "%": "probably about "}


def _written_single(text: str) -> tuple[str, int | None, int | None, int | None, str] | None:
    """(qualifier word, year, month, day, season name) of one plain EDTF date, or None."""
    m = _SINGLE.fullmatch(text)
    if not m:
        return None
    year, month, day, qualifier = m.groups()
    mo = int(month) if month else None
    season = _SEASON_NAMES.get(mo or 0, "")
    return _QUALIFIER_WORDS.get(qualifier or "", ""), int(year), (None if season else mo), int(day) if day else None, season


def _written(parts) -> str:
    word, year, month, day, season = parts
    if season:
        return f"{word}{season} {year}"
    if month is None:
        return f"{word}{year}"
    if day is None:
        return f"{word}{MONTH_NAMES[month]} {year}"
    return f"{word}{day} {MONTH_NAMES[month]} {year}"


def analyst_date(edtf: str | None) -> str:
    """An EDTF date as an analyst writes it in a briefing: '1 January 2020', 'December 2019',
    '28–31 December 2019', 'late December 2019' (the 21st to the month's end; 'early' the 1st to
    the 10th, 'mid-' the 11th to the 20th), 'March–April 2020', 'from February 2020',
    'until 2019', 'probably 2019' (`?`), 'about June 2019' (`~`), 'undated'."""
    if not edtf:
        return "undated"
    if "/" not in edtf:
        parts = _written_single(edtf)
        if parts is None:
            return humanize(edtf)
        return _written(parts)
    left, right = edtf.split("/", 1)
    if left in ("..", ""):
        parts = _written_single(right)
        return f"until {_written(parts)}" if parts else humanize(edtf)
    if right in ("..", ""):
        parts = _written_single(left)
        return f"from {_written(parts)}" if parts else humanize(edtf)
    a, b = _written_single(left), _written_single(right)
    if a is None or b is None:
        return humanize(edtf)
    if a[0] or b[0] or a[4] or b[4]:  # qualified or seasonal ends: each written whole
        return f"{_written(a)} – {_written(b)}"
    _, ya, ma, da, _ = a
    _, yb, mb, db, _ = b
    if da is not None and db is not None:
        if ya == yb and ma == mb:
            last = calendar.monthrange(ya, ma)[1]
            third = {(1, 10): "early", (11, 20): "mid-", (21, last): "late"}.get((da, db))
            if third:
                return f"{third}{'' if third.endswith('-') else ' '}{MONTH_NAMES[ma]} {ya}"
            if da == 1 and db == last:
                return f"{MONTH_NAMES[ma]} {ya}"
            return f"{da}–{db} {MONTH_NAMES[ma]} {ya}"
        if ya == yb:
            return f"{da} {MONTH_NAMES[ma]} – {db} {MONTH_NAMES[mb]} {ya}"
        return f"{_written(a)} – {_written(b)}"
    if da is None and db is None and ma is not None and mb is not None:
        if ya == yb:
            return f"{MONTH_NAMES[ma]}–{MONTH_NAMES[mb]} {ya}"
        return f"{MONTH_NAMES[ma]} {ya} – {MONTH_NAMES[mb]} {yb}"
    if ma is None and mb is None:
        return f"{ya}–{yb}"
    return f"{_written(a)} – {_written(b)}"


# ---- interval index keys (migration 0002) ---------------------------------------------
#
# Window-overlap queries stay logarithmic with the bounded-duration trick: every dated
# event falls in a *span class* by the length of its interval, and within one class an
# event overlapping [lo, hi] must start in [lo - longest(k), hi] -- one index range per
# class on (span_class, start_date). docs/benchmarks.md explains the choice.

SPAN_CLASSES = 23  # bounded classes 0..22: (end - start).days.bit_length(); 9999 years < 2**22 days
SPAN_OPEN_END = 30  # start known, end open ("2020-02/..")
SPAN_OPEN_START = 31  # end known, start open ("../2020-02")
SPAN_UNDATED = 32  # no date at all

ORD_SHIFT = 1 << 22  # date.toordinal() of 9999-12-31 is 3_652_059 < 2**22
_OPEN_END_ORD = ORD_SHIFT - 1
SORT_UNDATED = ORD_SHIFT * ORD_SHIFT  # after every dated key


def span_longest(k: int) -> int:
    """The longest duration (upper - lower, in days) an event of bounded class k can have."""
    return (1 << k) - 1


def span_class(lower: date | None, upper: date | None) -> int:
    """The span class of bounds: 0 for a day, k for a duration < 2**k days, or an open/undated class."""
    if lower is None:
        return SPAN_UNDATED if upper is None else SPAN_OPEN_START
    if upper is None:
        return SPAN_OPEN_END
    return (upper - lower).days.bit_length()


def sort_key(lower: date | None, upper: date | None) -> int:
    """One integer in timeline order: lower bound (open first), upper bound (open last), undated last.

    Ordering by (sort_key, id) is ordering by (undated last, lower NULLS FIRST, upper NULLS LAST, id),
    and an index on it serves the whole-timeline export without a sort.
    """
    if lower is None and upper is None:
        return SORT_UNDATED
    lo = lower.toordinal() if lower is not None else 0
    hi = upper.toordinal() if upper is not None else _OPEN_END_ORD
    return lo * ORD_SHIFT + hi
