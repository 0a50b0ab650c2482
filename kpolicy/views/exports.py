"""Exports for the tools analysts already use: TimelineJS's JSON and iCalendar (RFC 5545).

Both formats have a narrower notion of a date than EDTF, so each converts at the edge
(DESIGN.md: bounds are inclusive days inside kpolicy) and follows a stated convention
for what it cannot say directly (docs/views.md):

- TimelineJS: start_date/end_date carry only the parts the text licenses (a month-
  precision event has year and month, no day); display_date spells out fuzzy dates;
  an open-ended event shows at its known bound with no end ("from Feb 2020 on");
  undated events are skipped (and counted).
- iCalendar: all-day VALUE=DATE events with an exclusive DTEND; month, season and year
  precision and intervals span their whole bounds and say their precision in the
  SUMMARY; an open-ended event is a one-day marker at its known bound with a note;
  undated events are skipped (and counted).

Rows stream in; TimelineJS and iCalendar documents are written event by event.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import IO

from kpolicy.dates import SEASON_START, humanize, parse_edtf

GROUPS = ("type", "actor")
_SINGLE = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class ExportSummary:
    written: int = 0
    skipped_undated: int = 0


def as_date(value) -> date | None:
    """The view returns dates (PostgreSQL) or ISO strings (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def row_range(row: dict):
    """The row's DateRange; a stored date this code cannot re-parse falls back to the stored bounds."""
    from kpolicy.dates import DateRange
    from kpolicy.errors import BadInput

    try:
        return parse_edtf(row.get("date"))
    except BadInput:
        return DateRange(row.get("date"), as_date(row.get("start")), as_date(row.get("end")), row.get("precision") or "interval")


# ---- TimelineJS ------------------------------------------------------------------------


def _parts(piece: str | None, bound: date | None, side: str) -> dict | None:
    """TimelineJS date parts for one side of an EDTF date: only what the text licenses."""
    if bound is None:
        return None
    m = _SINGLE.fullmatch(piece or "")
    if not m:  # forms outside the plain grammar (2019-12-2X...): the computed bound, to the day
        return {"year": bound.year, "month": bound.month, "day": bound.day}
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month is None:
        return {"year": bound.year}
    if int(month) in SEASON_START:  # a season: its first or last month
        return {"year": bound.year, "month": bound.month}
    if day is None:
        return {"year": bound.year, "month": bound.month}
    return {"year": bound.year, "month": bound.month, "day": bound.day}


def display_date(edtf: str | None, lower: date | None, upper: date | None, precision: str) -> str:
    """A compact reader's date: '28–31 Dec 2019', 'Apr–Dec 2018', 'Dec 2019', 'from Feb 2020 on'."""
    if edtf and "/" in edtf and lower is not None and upper is not None:
        left, right = edtf.split("/", 1)
        ml, mr = _SINGLE.fullmatch(left), _SINGLE.fullmatch(right)
        if ml and mr and not ml.group(4) and not mr.group(4):
            both_days = ml.group(3) is not None and mr.group(3) is not None
            both_months = ml.group(3) is None and mr.group(3) is None and ml.group(2) and mr.group(2)
            both_months = both_months and int(ml.group(2)) <= 12 and int(mr.group(2)) <= 12
            if both_days and lower.year == upper.year and lower.month == upper.month:
                return f"{lower.day}–{upper.day} {_MONTHS[lower.month]} {lower.year}"
            if both_days and lower.year == upper.year:
                return f"{lower.day} {_MONTHS[lower.month]} – {upper.day} {_MONTHS[upper.month]} {lower.year}"
            if both_months and lower.year == upper.year:
                return f"{_MONTHS[lower.month]}–{_MONTHS[upper.month]} {lower.year}"
    return humanize(edtf)


def timelinejs_slide(row: dict, group: str) -> dict | None:
    """One TimelineJS event from an iter_detailed row; None for an undated event."""
    edtf = row.get("date")
    rng = row_range(row)
    if rng.lower is None and rng.upper is None:
        return None
    left, right = (edtf.split("/", 1) + [""])[:2] if "/" in edtf else (edtf, edtf)
    slide: dict = {"unique_id": f"event-{row['id']}"}
    if rng.lower is not None:
        slide["start_date"] = _parts(left, rng.lower, "start")
        if "/" in edtf and rng.upper is not None:
            slide["end_date"] = _parts(right, rng.upper, "end")
        elif "/" not in edtf and rng.upper is not None and (rng.precision == "season" or (not _SINGLE.fullmatch(edtf) and rng.upper != rng.lower)):
            slide["end_date"] = _parts(right, rng.upper, "end")
    else:  # open start ("../2019"): shown at the one bound the text gives
        slide["start_date"] = _parts(right, rng.upper, "end")
    if rng.precision != "day" or "/" in edtf or (edtf and edtf[-1] in "?~%"):
        slide["display_date"] = display_date(edtf, rng.lower, rng.upper, rng.precision)
    status = row.get("status") or "occurred"
    headline = row["title"] if status == "occurred" else f"{row['title']} ({'forecast' if status == 'forecast' else 'expected'})"
    bits = []
    if row.get("quote"):
        bits.append(f"<blockquote>“{html.escape(row['quote'], quote=False)}”</blockquote>")
    # "as written" is the article's own phrase where the extractor kept one ("later this year"),
    # with the resolved EDTF beside it; curated events have no phrase and show their EDTF
    phrase = (row.get("date_text") or "").strip()
    written = f"“{html.escape(phrase, quote=False)}” ({html.escape(edtf, quote=False)}, {rng.precision} precision)" if phrase \
        else f"{html.escape(edtf, quote=False)} ({rng.precision} precision)"
    meta = [f"Source: {html.escape(row.get('source') or 'unknown', quote=False)}", f"date as written: {written}"]
    if rng.is_open:
        meta.append("open-ended: the text gives only one bound")
    if status != "occurred":
        meta.append(f"status: {status} (has not happened as of the source)")
    bits.append(f"<p>{'; '.join(meta)}.</p>")
    slide["text"] = {"headline": html.escape(headline, quote=False), "text": "".join(bits)}
    if group == "type":
        slide["group"] = row.get("type")
    else:
        states = row.get("states") or []
        slide["group"] = states[0] if states else "No actor"
    return slide


def write_timelinejs(rows: Iterable[dict], out: IO[str], title: str = "kpolicy timeline", group: str = "type") -> ExportSummary:
    """A TimelineJS JSON document (https://timeline.knightlab.com/docs/json-format.html), streamed."""
    from kpolicy.views.render import dumps

    summary = ExportSummary()
    out.write('{"title": ' + dumps({"text": {"headline": html.escape(title, quote=False), "text": "Exported by kpolicy; every event links to the sentence it came from."}}))
    out.write(',\n "events": [')
    for row in rows:
        slide = timelinejs_slide(row, group)
        if slide is None:
            summary.skipped_undated += 1
            continue
        out.write(",\n  " if summary.written else "\n  ")
        out.write(dumps(slide))
        summary.written += 1
    out.write("\n ]}\n" if summary.written else "]}\n")
    return summary


# ---- iCalendar -------------------------------------------------------------------------

ICS_STATUS = {"occurred": "CONFIRMED", "expected": "TENTATIVE", "forecast": "TENTATIVE"}
PRODID = "-//kpolicy//policy-event timeline//EN"


def ics_span(edtf: str | None, rng=None) -> tuple[date, date, str] | None:
    """(DTSTART, exclusive DTEND, note for the SUMMARY) of an event, or None when undated."""
    rng = rng or parse_edtf(edtf)
    if rng.lower is None and rng.upper is None:
        return None
    one_day = timedelta(days=1)
    if rng.is_open:
        bound = rng.lower if rng.lower is not None else rng.upper
        return bound, bound + one_day, f"open-ended: {humanize(edtf)}"
    note = "" if rng.precision == "day" and not edtf.endswith(("?", "~", "%")) else f"{rng.precision} precision"
    if rng.precision == "interval":
        pieces = edtf.split("/")
        exact = all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p) for p in pieces)
        note = "" if exact else f"interval {display_date(edtf, rng.lower, rng.upper, rng.precision)}, not exact days"
    elif rng.precision == "day" and note:
        note = f"uncertain: {humanize(edtf)}"
    elif note and any(p.endswith(("?", "~", "%")) for p in edtf.split("/")):
        note += f", uncertain: {humanize(edtf)}"
    return rng.lower, rng.upper + one_day, note


def ics_event(row: dict, stamp: datetime):
    """One VEVENT (icalendar.Event) for a timeline row, or None when undated."""
    from icalendar import Event

    span = ics_span(row.get("date"), row_range(row))
    if span is None:
        return None
    start, end, note = span
    status = row.get("status") or "occurred"
    summary = row["title"]
    if status != "occurred":
        summary += f" ({status})"
    if note:
        summary += f" ({note})"
    event = Event()
    event.add("uid", f"event-{row['id']}@kpolicy")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    lines = []
    if row.get("quote"):
        lines.append(f"“{row['quote']}”")
    lines.append(f"Source: {row.get('source') or 'unknown'}")
    lines.append(f"Date as written: {row.get('date')} ({row.get('precision')}; {humanize(row.get('date'))})")
    if note.startswith("open-ended"):
        lines.append("Open-ended: the text gives only this bound; the event is marked on that day.")
    if row.get("actors"):
        lines.append(f"Actors: {row['actors']}")
    lines.append(f"kpolicy event {row['id']} ({status})")
    event.add("description", "\n".join(lines))
    event.add("categories", [c for c in (row.get("type"), status) if c])
    event.add("status", ICS_STATUS.get(status, "CONFIRMED"))
    event.add("transp", "TRANSPARENT")
    if row.get("place"):
        event.add("location", row["place"])
    return event


def write_ics(rows: Iterable[dict], out: IO[str], name: str = "kpolicy timeline") -> ExportSummary:
    """An RFC 5545 calendar, written event by event (the library renders each VEVENT)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    head = cal.to_ical().decode("utf-8")
    footer = "END:VCALENDAR\r\n"
    assert head.endswith(footer)
    out.write(head[: -len(footer)])
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    summary = ExportSummary()
    for row in rows:
        event = ics_event(row, stamp)
        if event is None:
            summary.skipped_undated += 1
            continue
        out.write(event.to_ical().decode("utf-8"))
        summary.written += 1
    out.write(footer)
    return summary


# ---- Datasette -------------------------------------------------------------------------


def datasette_metadata(database: str, source_label: str = "kpolicy") -> dict:
    """Datasette metadata for a kpolicy SQLite file named `database` (its file stem):
    full-text search on events and the timeline view through the FTS5 index, facets on
    year, month, type, status and review state, timeline sorted by date, the history tables
    (changes, revisions, proposals) newest first, the bookkeeping table hidden."""
    search = {"fts_table": "event_search", "fts_pk": "id"}
    return {
        "title": "kpolicy timeline",
        "description": "Dated policy events with their actors, honest fuzzy dates (EDTF) and the sentence each came from.",
        "source": source_label,
        "databases": {
            database: {
                "tables": {
                    "timeline": {
                        **search,
                        "sort": "start",
                        "facets": ["year", "type", "status", "precision", "review"],
                        "label_column": "title",
                        "description": "One row per event: dates (start/end are inclusive bounds; an open end is empty), "
                        "type, status, actors, place, first source and its quote. Search runs over titles and quotes.",
                    },
                    "events": {**search, "sort": "start_date", "facets": ["type", "status", "precision"], "label_column": "title"},
                    "actors": {"label_column": "name", "facets": ["kind"]},
                    "sources": {"label_column": "slug"},
                    "places": {"label_column": "name"},
                    "event_types": {"label_column": "label", "facets": ["family"]},
                    "changes": {"sort_desc": "id", "facets": ["action", "by"], "label_column": "action",
                                "description": "The history: one row per command that changed the data (when, who, what, why)."},
                    "revisions": {"sort_desc": "id", "facets": ["action", "field"],
                                  "description": "What each change did: event, field, old and new value (JSON)."},
                    "proposals": {"facets": ["kind", "status"],
                                  "description": "What later articles brought to an event (a more precise date, actors, a conflict), open until reviewed."},
                    "alembic_version": {"hidden": True},
                }
            }
        },
    }
