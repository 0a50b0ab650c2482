"""UCDP GED (the Georeferenced Event Dataset's CSV, codebook version 23.1 and later).

Minimum columns: id, type_of_violence, side_a, side_b, date_start, date_end, date_prec,
best, country. Read when present: where_prec, where_coordinates, latitude, longitude, low,
high, deaths_a, deaths_b, deaths_civilians, deaths_unknown, source_article,
source_headline, source_office, source_date, conflict_name, dyad_name, event_clarity,
number_of_sources, relid, year, adm_1, adm_2, region.

- `id` is the external id (GED has no per-row version stamp: a re-import updates the
  fields that differ).
- The date is date_start/date_end (one day when they are equal); date_prec (1 the day, 2
  within 2-6 days, 3 within a week, 4 within a month, 5 longer) is kept in external_data:
  the interval already says it.
- Every GED event is violence: type_of_violence 1 (state-based), 2 (non-state) and 3
  (one-sided) are all kpolicy `incident` (the kind is kept in external_data).
- side_a is the initiator, side_b the target ("Government of North Korea" resolves to the
  state); the place is where_coordinates with its coordinates; the quote is
  source_headline, else source_article. Every column but `id` (best/low/high, the deaths
  columns, the dyad and conflict, the precisions...) is kept, when not empty, in
  events.external_data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.imports.common import ImportRow, Problems, bad_bytes, check_text_file, csv_rows, display, encoding_problem

REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "date_start", "date_end", "date_prec", "best", "country")
VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def _day(text: str):
    return parse_edtf(text.strip()[:10])


def read(path: Path, problems: Problems, start=None, end=None) -> Iterator[ImportRow]:
    name = display(path)
    check_text_file(path, "UCDP GED CSV")
    index = None
    for number, fields in csv_rows(path, problems):
        if index is None:
            header = [f.strip().lower() for f in fields]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                problems.bad(name, number, ", ".join(missing), "missing required column(s): is this UCDP GED? its minimum "
                             f"columns are {', '.join(REQUIRED)} (docs/import.md)", fatal=True)
            index = {c: i for i, c in reversed(list(enumerate(header)))}
            continue
        if not any(f.strip() for f in fields):
            continue
        rec = {c: (fields[i].strip() if i < len(fields) else "") for c, i in index.items()}
        row = _row(name, number, rec, problems)
        if row is None:
            continue
        if (start and row.date.upper and row.date.upper < start) or (end and row.date.lower and row.date.lower > end):
            continue
        yield row
    if index is None:
        problems.bad(name, 1, None, "the file is empty", fatal=True)


def _row(name, number, rec, problems: Problems) -> ImportRow | None:
    def bad(column, message):
        problems.bad(name, number, column, message)

    for column, value in rec.items():
        if bad_bytes(value):
            return bad(column, encoding_problem(value))
    for column in ("id", "side_a", "date_start", "date_end", "type_of_violence"):
        if not rec.get(column):
            return bad(column, f"the {column} is empty")
    if rec["type_of_violence"] not in VIOLENCE:
        return bad("type_of_violence", f"unknown type_of_violence {rec['type_of_violence']!r}; GED's are 1, 2 and 3")
    for column in ("best", "low", "high"):
        if rec.get(column) and not rec[column].lstrip("-").isdigit():
            return bad(column, f"{rec[column]!r} is not a whole number")
    try:
        first, last = _day(rec["date_start"]), _day(rec["date_end"])
        if first.precision != "day" or last.precision != "day":
            raise ValueError
    except Exception:
        column = "date_start" if not _is_day(rec["date_start"]) else "date_end"
        return bad(column, f"{rec[column]!r} is not a day (GED writes YYYY-MM-DD)")
    if last.lower < first.lower:
        return bad("date_end", f"the event ends ({rec['date_end']}) before it starts ({rec['date_start']})")
    date = first if first.lower == last.lower else parse_edtf(f"{first.edtf}/{last.edtf}")
    actors = [(rec["side_a"], "initiator")] + ([(rec["side_b"], "target")] if rec.get("side_b") else [])
    for column in ("latitude", "longitude"):
        if rec.get(column):
            try:
                float(rec[column])
            except ValueError:
                return bad(column, f"{rec[column]!r} is not a number")
    place = rec.get("where_coordinates") or None
    kind = VIOLENCE[rec["type_of_violence"]]
    title = f"{kind.capitalize()} violence: {rec['side_a']}" + (f" v {rec['side_b']}" if rec.get("side_b") else "") + \
        (f" ({place})" if place else f" ({rec['country']})") + (f", {rec['best']} killed" if rec.get("best") not in (None, "", "0") else "")
    quote = rec.get("source_headline") or rec.get("source_article") or title
    import pycountry

    try:
        country = pycountry.countries.lookup(rec["country"].split("(")[0].strip()).alpha_3
    except LookupError:
        country = None
    return ImportRow(file=name, row=number, dataset="ucdp", type="incident", title=title, date=date, actors=actors,
                     place=place, description=rec.get("source_article") or None, quote=quote,
                     date_text=f"{rec['date_start']} – {rec['date_end']}", external_id=rec["id"], place_country=country,
                     latitude=float(rec["latitude"]) if rec.get("latitude") else None,
                     longitude=float(rec["longitude"]) if rec.get("longitude") else None,
                     data={c: v for c, v in rec.items() if v and c != "id"})


def _is_day(text: str) -> bool:
    try:
        return _day(text).precision == "day"
    except Exception:
        return False


def read_all(files: list[Path], options, problems: Problems) -> Iterator[ImportRow]:
    for path in files:
        yield from read(path, problems, options.start, options.end)
