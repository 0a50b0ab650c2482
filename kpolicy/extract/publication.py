"""Publication dates: what a given value says (`parse_published`: a day, or a month only), and
what an article's own text says when nothing else does (`evidence_in_text`: a dateline such as
"SEOUL, July 13, 2023 -" or "Sept 14, 2023 -" opening the story, or a "Published May 2023" line).

A dateline is publication evidence, never an event's date (candidates skip it); it becomes the
publication date only when no --published, front matter, sidecar or manifest gives one. A
publication known to the month resolves relative dates against the month's last day
(`Publication.reference`): 'last month' in an October 2016 issue is September, 'on Oct. 20' is
2016-10-20 and occurred.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from kpolicy.extract.lexicon import MONTH_NAMES, MONTHS_ABBR, MONTHS_FULL

# where a publication date came from (sources.published_from)
FROM_OPTION = "--published"
FROM_FRONT_MATTER = "front matter"
FROM_SIDECAR = "sidecar"
FROM_MANIFEST = "manifest"
FROM_BATCH = "batch --published"
FROM_DATELINE = "dateline"
FROM_PUBLISHED_LINE = "published line"
FROM_PDF = "pdf creation date"
FROM_DOCX = "docx created date"
FROM_PAGE = "page metadata"
# dates a file's software wrote, not its author: worth a warning (a PDF made later, a Word template)
UNRELIABLE = frozenset({FROM_PDF, FROM_DOCX})


@dataclass(frozen=True)
class Publication:
    day: date  # the day, or the first day of the month when only the month is known
    precision: str = "day"  # "day" | "month"
    source: str | None = None  # where it came from (the FROM_* names)

    @property
    def reference(self) -> date:
        """The date relative phrases resolve against: the day, or the month's last day."""
        if self.precision == "month":
            return date(self.day.year, self.day.month, calendar.monthrange(self.day.year, self.day.month)[1])
        return self.day

    @property
    def edtf(self) -> str:
        return self.day.isoformat() if self.precision == "day" else f"{self.day.year:04d}-{self.day.month:02d}"


_MONTH = rf"(?:{MONTHS_FULL}|(?:{MONTHS_ABBR})\.?)"
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_LEAD = r"(?:(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|date)\s*:?\s*"
_WORDS_MONTH = re.compile(rf"(?:{_LEAD})?(?P<mon>{_MONTH}),?\s+(?P<y>\d{{4}})", re.I)
_WORDS_DAY = re.compile(rf"(?:{_LEAD})?(?:(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})|(?P<d2>\d{{1,2}})\s+(?P<mon2>{_MONTH}),?\s+(?P<y2>\d{{4}}))", re.I)


def _month(word: str) -> int:
    return MONTH_NAMES[word.rstrip(".").lower()]


def parse_published(value, source: str | None = None) -> Publication | None:
    """A publication date from a value: a date, YYYY-MM-DD (a time may follow), YYYY-MM, 'May 2023',
    'May 12, 2023', '12 May 2023', each optionally after 'Published'. None when it is none of these."""
    if isinstance(value, datetime):  # YAML reads `published: 2020-01-01 10:00:00` as a datetime
        return Publication(value.date(), "day", source)
    if isinstance(value, date):
        return Publication(value, "day", source)
    text = " ".join(str(value).split()).strip().rstrip(".")
    try:
        if m := _ISO.fullmatch(text):
            return Publication(date(int(m[1]), int(m[2]), int(m[3])), "day", source)
        if m := _ISO_MONTH.fullmatch(text):
            return Publication(date(int(m[1]), int(m[2]), 1), "month", source)
        if m := _WORDS_DAY.fullmatch(text):
            mon, d, y = (m["mon"], m["d"], m["y"]) if m["mon"] else (m["mon2"], m["d2"], m["y2"])
            return Publication(date(int(y), _month(mon), int(d)), "day", source)
        if m := _WORDS_MONTH.fullmatch(text):
            return Publication(date(int(m["y"]), _month(m["mon"]), 1), "month", source)
    except (ValueError, KeyError):
        return None
    return None


# 'SEOUL, July 13, 2023 -', 'STOCKHOLM, Oct. 6, 2019 (AP) --', 'Sept 14, 2023 -': at a paragraph's start
_DATELINE_DATE = re.compile(
    rf"^(?:[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*(?:,\s*[A-Z][A-Za-z .]+)?,\s+)?(?P<date>(?-i:{_MONTH})\s+\d{{1,2}},?\s+\d{{4}})"
    r"\s*(?:\([^)]{1,40}\))?\s*(?:--|\u2014|\u2013|-)\s+\S", re.M)
_PUBLISHED_LINE = re.compile(rf"^\s*(?P<value>{_LEAD}(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}(?:-\d{{2}})?))\s*$", re.I | re.M)


def dateline_spans(text: str) -> list[tuple[int, int, int]]:
    """(date start, date end, story start) of the dateline of `text`: at the start of one of the
    first three paragraphs, and not one of a chronology's entries (no other paragraph opens so)."""
    found = list(_DATELINE_DATE.finditer(text))
    if len(found) != 1:
        return []  # none, or a chronology ('January 10, 2003 - ...' line after line)
    m = found[0]
    paragraphs_before = len([p for p in re.split(r"\n\s*\n", text[:m.start()]) if p.strip()])
    if paragraphs_before > 3:
        return []
    return [(m.start("date"), m.end("date"), m.end() - 1)]


def evidence_in_text(text: str) -> Publication | None:
    """The publication date the article's own text gives: a 'Published ...' line, else a dateline."""
    m = _PUBLISHED_LINE.search(text[:3000])
    if m:
        found = parse_published(m["value"], FROM_PUBLISHED_LINE)
        if found is not None:
            return found
    spans = dateline_spans(text[:5000])
    if spans:
        found = parse_published(text[spans[0][0]:spans[0][1]], FROM_DATELINE)
        if found is not None:
            return found
    return None
