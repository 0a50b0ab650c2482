"""ACLED's CSV export (the codebook's columns), a deletion list, and --since.

Minimum columns: event_id_cnty, event_date, event_type, sub_event_type, actor1, country,
timestamp. Every other column of the codebook is read when present (time_precision,
disorder_type, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction,
civilian_targeting, iso, region, admin1-3, location, latitude, longitude, geo_precision,
source, source_scale, notes, fatalities, tags, year).

- event_id_cnty is the event's external id; `timestamp` (ACLED's last change, Unix
  seconds) its version: a re-import updates an event only from a newer row, as revisions.
- the date is event_date with time_precision: 1 that day, 2 the week around it (the day
  given +-3 days: ACLED puts a week's event on its middle day), 3 the month.
- the type comes from data/crosswalks/acled.csv by event_type and sub_event_type.
- actor1 and assoc_actor_1 are initiators, actor2 and assoc_actor_2 targets (assoc
  actors split at ';'), resolved through the actor registry (kpolicy.imports.actors).
- the place is `location`, with its country (ISO from `iso`, ACLED's numeric code) and
  coordinates; notes are the description and the mention's quote.
- every column kpolicy has no place for is kept in events.external_data, so
  `kpolicy export --format acled` writes the row back as it came.
- a deletion list (ACLED's deleted-events file: event_id_cnty, deleted_timestamp) makes
  tombstones; `--since WHEN` reads only rows whose timestamp is on or after WHEN.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.imports import crosswalks
from kpolicy.imports.common import ImportRow, Problems, bad_bytes, check_text_file, csv_rows, display, encoding_problem
from kpolicy.imports.dates import read_date

REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "country", "timestamp")
COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
           "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
           "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
           "source", "source_scale", "notes", "fatalities", "tags", "timestamp")
KEPT = tuple(c for c in COLUMNS if c not in ("event_id_cnty", "event_date", "notes", "timestamp"))


def since_stamp(since: str | None) -> int | None:
    """--since as Unix seconds: a number as it is, a date or time (UTC) converted."""
    if since is None:
        return None
    text = since.strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"--since {since!r} is neither a Unix time nor a date; e.g. --since 2024-12-01 or --since 1733011200") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def _country(iso: str | None, name: str | None) -> str | None:
    import pycountry

    if iso and iso.strip().isdigit():
        found = pycountry.countries.get(numeric=iso.strip().zfill(3))
        if found is not None:
            return found.alpha_3
    if name:
        try:
            return pycountry.countries.lookup(name.strip()).alpha_3
        except LookupError:
            return None
    return None


def _header(name: str, number: int, fields: list[str], required, problems: Problems, what: str) -> dict[str, int]:
    header = [f.strip().lower() for f in fields]
    missing = [c for c in required if c not in header]
    if missing:
        problems.bad(name, number, ", ".join(missing), f"missing required column(s): is this {what}? "
                     f"its minimum columns are {', '.join(required)} (docs/import.md)", fatal=True)
    return {c: i for i, c in reversed(list(enumerate(header)))}


def read(path: Path, problems: Problems, since: int | None = None) -> Iterator[ImportRow]:
    name = display(path)
    check_text_file(path, "ACLED CSV")
    index = None
    walk = crosswalks.acled()
    for number, fields in csv_rows(path, problems):
        if index is None:
            index = _header(name, number, fields, REQUIRED, problems, "an ACLED export")
            continue
        if not any(f.strip() for f in fields):
            continue
        rec = {c: (fields[i].strip() if i < len(fields) else "") for c, i in index.items()}
        row = _row(name, number, rec, walk, problems, since)
        if row is not None:
            yield row
    if index is None:
        problems.bad(name, 1, None, "the file is empty; ACLED's CSV export starts with its header row", fatal=True)


def _row(name, number, rec, walk, problems: Problems, since) -> ImportRow | None:
    def bad(column, message):
        problems.bad(name, number, column, message)

    for column, value in rec.items():
        if bad_bytes(value):
            return bad(column, encoding_problem(value))
    for column in REQUIRED:
        if not rec.get(column):
            return bad(column, f"the {column} is empty")
    stamp = rec["timestamp"]
    if not stamp.isdigit():
        return bad("timestamp", f"{stamp!r} is not a Unix time (ACLED's timestamp is whole seconds)")
    if since is not None and int(stamp) < since:
        return None
    try:
        day = read_date(rec["event_date"])
    except ValueError as exc:
        return bad("event_date", f"cannot read the date {rec['event_date']!r}: {exc}")
    if day.precision != "day":
        return bad("event_date", f"{rec['event_date']!r} is not one day (ACLED dates are days; time_precision says how sure)")
    precision = rec.get("time_precision") or "1"
    if precision == "1":
        date = day
    elif precision == "2":
        date = parse_edtf(f"{(day.lower - timedelta(days=3)).isoformat()}/{(day.lower + timedelta(days=3)).isoformat()}")
    elif precision == "3":
        date = parse_edtf(day.lower.isoformat()[:7])
    else:
        return bad("time_precision", f"unknown time_precision {precision!r}; ACLED's are 1 (day), 2 (week), 3 (month)")
    found = walk.lookup(rec["event_type"], rec["sub_event_type"])
    if found is None or found["sub_event_type"] != rec["sub_event_type"]:
        return bad("sub_event_type", f"unknown ACLED event type {rec['event_type']!r} / {rec['sub_event_type']!r}; "
                   "data/crosswalks/acled.csv lists the codebook's")
    for column in ("latitude", "longitude"):
        if rec.get(column):
            try:
                float(rec[column])
            except ValueError:
                return bad(column, f"{rec[column]!r} is not a number")
    if rec.get("fatalities") and not rec["fatalities"].isdigit():
        return bad("fatalities", f"{rec['fatalities']!r} is not a whole number")
    actors = [(rec["actor1"], "initiator")]
    actors += [(a.strip(), "initiator") for a in (rec.get("assoc_actor_1") or "").split(";") if a.strip()]
    if rec.get("actor2"):
        actors.append((rec["actor2"], "target"))
    actors += [(a.strip(), "target") for a in (rec.get("assoc_actor_2") or "").split(";") if a.strip()]
    place = rec.get("location") or None
    title = f"{rec['sub_event_type']}: {rec['actor1']}" + (f" v {rec['actor2']}" if rec.get("actor2") else "") + \
        (f" ({place}, {rec['country']})" if place else f" ({rec['country']})")
    notes = rec.get("notes") or ""
    data = {c: rec[c] for c in KEPT if rec.get(c)}
    return ImportRow(file=name, row=number, dataset="acled", type=found["kpolicy_type"], title=title, date=date,
                     actors=actors, place=place, description=notes or None, quote=notes or title,
                     date_text=rec["event_date"], external_id=rec["event_id_cnty"], external_version=stamp,
                     references=[s.strip() for s in (rec.get("source") or "").split(";") if s.strip()],
                     place_country=_country(rec.get("iso"), rec.get("country")),
                     latitude=float(rec["latitude"]) if rec.get("latitude") else None,
                     longitude=float(rec["longitude"]) if rec.get("longitude") else None, data=data)


def read_all(files: list[Path], options, problems: Problems) -> Iterator[ImportRow]:
    since = since_stamp(options.since)
    for path in files:
        yield from read(path, problems, since)


def deletions(files: list[Path], problems: Problems):
    """ACLED's deleted-events lists: (event_id_cnty[, deleted_timestamp]) rows -> Deletion."""
    from kpolicy.imports.store import Deletion

    for path in files:
        name = display(path)
        check_text_file(path, "ACLED deletion list")
        index = None
        for number, fields in csv_rows(path, problems):
            if index is None:
                index = _header(name, number, fields, ("event_id_cnty",), problems, "an ACLED deletion list")
                continue
            value = fields[index["event_id_cnty"]].strip() if index["event_id_cnty"] < len(fields) else ""
            if not value:
                continue
            if bad_bytes(value):
                problems.bad(name, number, "event_id_cnty", encoding_problem(value))
                continue
            yield Deletion(name, number, value)
