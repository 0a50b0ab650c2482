"""Dates as people write them in spreadsheets and datasets, read to EDTF with bounds.

`read_date(value)` takes a cell (text, a number, a date or datetime from openpyxl) and
returns a kpolicy.dates.DateRange, or raises ValueError with the reason. The order of
attempts, first match wins:

1. a date or datetime object (openpyxl's typed cells): that day;
2. an Excel serial day number (a number, or 5 digits as text: 45629 = 2024-12-03;
   the 1900 system, as Excel for Windows writes it);
3. a qualifier around a date: "c. 2019", "ca. 2019", "circa 2019", "about 2019",
   "~2019" -> approximate (EDTF `~`); "2019?" -> uncertain (EDTF `?`);
4. the shapes kpolicy's prose reader does not cover: EDTF itself, ISO date-times,
   compact 20241203, abbreviated intervals ("2024-12-03/04", "2024-12/2025-01"),
   numeric day/month/year ("03/12/2024", `dayfirst` decides between 3 Dec and 12 Mar),
   quarters and halves ("Q3 2021", "2021-Q3", "H1 2021"), year ranges ("2019-2020");
5. everything else goes to the extractor's own reader of dates in prose,
   kpolicy.extract.temporal ("3 Dec 2024", "Dec 3, 2024", "Dec 2024", "early 2020",
   "spring 2020", "3-5 Dec 2024", "the 1990s", "28 Dec 2019 – 1 Jan 2020"), accepted
   only when one absolute expression covers the whole cell, or two joined by a dash or
   "to" (an interval from the first to the second). A relative phrase ("last June")
   needs an `anchor` date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from kpolicy.dates import DateRange, month_end, parse_edtf
from kpolicy.errors import BadInput

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, with Lotus's phantom 29 Feb 1900 before serial 60
SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10: a plain 5-digit number in a date column

_APPROX = re.compile(r"^(?:c\.|ca\.?|circa|approx\.?|approximately|about|around|~)\s*(.+)$", re.I)
_UNCERTAIN = re.compile(r"^(.+?)\s*\?$")
_EDTF_LIKE = re.compile(r"^[\d?~%X./-]+$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_ABBR = re.compile(r"^(\d{4}-\d{2}-)(\d{2})\s*/\s*(\d{2})$")  # 2024-12-03/04
_MONTH_ABBR = re.compile(r"^(\d{4}-)(\d{2})\s*/\s*(\d{2})$")  # 2024-03/05
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_QUARTER = re.compile(r"^(?:Q([1-4])\s*[-/ ]?\s*(\d{4})|(\d{4})\s*[-/ ]?\s*Q([1-4])|([1-4])Q\s*(\d{4}))$", re.I)
_HALF = re.compile(r"^(?:H([12])\s*[-/ ]?\s*(\d{4})|(\d{4})\s*[-/ ]?\s*H([12]))$", re.I)
_YEARS = re.compile(r"^(\d{4})\s*(?:(?:-|–|—|to)\s*(\d{4})|(?:–|—|/)\s*(\d{2}))$")  # 2019-2020, 2019–20 (2019-12 is a month)
_JOINER = re.compile(r"^\s*(?:-|–|—|to|until|through)\s*$", re.I)
_FILLER = re.compile(r"^[\s,.;:()\[\]]*(?:(?:in|on|at|by|of|the)\s*)*[\s,.;:()\[\]]*$", re.I)


def _qualify(rng: DateRange, mark: str) -> DateRange:
    """The same bounds with an EDTF qualifier on each end ('2019' -> '2019~')."""
    edtf = rng.edtf or ""
    parts = edtf.split("/")
    if any(p[-1:] in "?~%" for p in parts if p not in ("", "..")):
        marked = edtf  # already qualified: keep what the cell said
    else:
        marked = "/".join(p if p in ("", "..") else p + mark for p in parts)
    return parse_edtf(marked)


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{year:04d}-{month:02d}-{day:02d} is not a day of the calendar") from None


def _serial(number: float) -> DateRange:
    whole = int(number)
    if whole < 1:
        raise ValueError(f"{number} is not an Excel date serial (they start at 1 = 1900-01-01)")
    if whole == 60:
        raise ValueError("Excel serial 60 is 29 Feb 1900, a day that never was; give the date as text")
    day = EXCEL_EPOCH + timedelta(days=whole if whole > 60 else whole + 1)
    return parse_edtf(day.isoformat())


def _interval(a: DateRange, b: DateRange) -> DateRange:
    if a.edtf is None or b.edtf is None:
        raise ValueError("an interval needs both ends")
    left, right = a.edtf.split("/")[0], b.edtf.split("/")[-1]
    return parse_edtf(f"{left}/{right}")


def _shapes(text: str, dayfirst: bool) -> DateRange | None:
    m = _ISO_TIME.match(text)
    if m:
        return parse_edtf(m.group(1))
    m = _COMPACT.match(text)
    if m:
        return parse_edtf(_day(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat())
    m = _DAY_ABBR.match(text)
    if m:
        return parse_edtf(f"{m.group(1)}{m.group(2)}/{m.group(1)}{m.group(3)}")
    m = _MONTH_ABBR.match(text)
    if m:
        return parse_edtf(f"{m.group(1)}{m.group(2)}/{m.group(1)}{m.group(3)}")
    m = _YMD_SLASH.match(text)
    if m:
        return parse_edtf(_day(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat())
    m = _NUMERIC.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if year < 100:
            year += 2000 if year < 50 else 1900
        day, month = (a, b) if dayfirst else (b, a)
        if month > 12 and day <= 12:
            day, month = month, day  # 25/12/2024 read month-first can only mean 25 December
        return parse_edtf(_day(year, month, day).isoformat())
    m = _QUARTER.match(text)
    if m:
        q, year = (m.group(1), m.group(2)) if m.group(1) else ((m.group(4), m.group(3)) if m.group(3) else (m.group(5), m.group(6)))
        first = 3 * (int(q) - 1) + 1
        return parse_edtf(f"{int(year):04d}-{first:02d}/{int(year):04d}-{first + 2:02d}")
    m = _HALF.match(text)
    if m:
        h, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        first = 1 if h == "1" else 7
        return parse_edtf(f"{int(year):04d}-{first:02d}/{int(year):04d}-{first + 5:02d}")
    m = _YEARS.match(text)
    if m:
        start, end = m.group(1), m.group(2) or m.group(3)
        if len(end) == 2:
            end = start[:2] + end
        if int(end) < int(start):
            raise ValueError(f"the years run backwards ({start} to {end})")
        return parse_edtf(f"{start}/{end}")
    if _EDTF_LIKE.match(text):
        try:
            return parse_edtf(text)
        except BadInput as exc:
            raise ValueError(str(exc).split(": ", 1)[-1].split("; use EDTF")[0]) from None
    return None


def _prose(text: str, anchor: date | None) -> DateRange:
    from kpolicy.extract.temporal import find_time_expressions

    found = find_time_expressions(text, anchor or date.today())
    spans = [(e.start, e.end, e) for e in found]
    uncovered, last = [], 0
    for start, end, _ in spans:
        uncovered.append(text[last:start])
        last = end
    uncovered.append(text[last:])
    if len(spans) == 1 and all(_FILLER.match(piece) for piece in uncovered):
        exp = spans[0][2]
    elif len(spans) == 2 and _FILLER.match(uncovered[0]) and _FILLER.match(uncovered[2]) and _JOINER.match(uncovered[1]):
        a, b = (parse_edtf(s[2].edtf) for s in spans)
        if any(s[2].kind != "absolute" for s in spans) and anchor is None:
            raise ValueError("a relative date needs an anchor; give --anchor YYYY-MM-DD (the day the sheet was written)")
        return _interval(a, b)
    else:
        raise ValueError("not a date kpolicy can read (examples it reads: 2024-12-03, 3 Dec 2024, Dec 2024, "
                         "2024-12-03/04, c. 2019, early 2020, Q3 2021, 2019?)")
    if exp.kind != "absolute" and anchor is None:
        raise ValueError(f"{exp.text!r} is relative; give --anchor YYYY-MM-DD (the day the sheet was written) to resolve it")
    return parse_edtf(exp.edtf)


def read_date(value, *, dayfirst: bool = True, anchor: date | None = None) -> DateRange:
    """A cell's date as a DateRange (see the module docstring); ValueError says why it cannot be read."""
    if value is None:
        raise ValueError("the date is empty")
    if isinstance(value, datetime):
        return parse_edtf(value.date().isoformat())
    if isinstance(value, date):
        return parse_edtf(value.isoformat())
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a date")
    if isinstance(value, (int, float)):
        if 1000 <= value <= 9999 and float(value).is_integer():
            return parse_edtf(str(int(value)))  # a bare year typed as a number
        return _serial(value)
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("the date is empty")
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text) and SERIAL_RANGE[0] <= float(text) <= SERIAL_RANGE[1]:
        return _serial(float(text))
    m = _APPROX.match(text)
    if m:
        return _qualify(read_date(m.group(1), dayfirst=dayfirst, anchor=anchor), "~")
    m = _UNCERTAIN.match(text)
    if m and not _EDTF_LIKE.match(text):
        return _qualify(read_date(m.group(1), dayfirst=dayfirst, anchor=anchor), "?")
    found = _shapes(text, dayfirst)
    if found is not None:
        return found
    return _prose(text, anchor)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), month_end(year, month)
