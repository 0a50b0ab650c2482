"""Exports in the datasets' shapes: `kpolicy export --format acled|plover|datapackage`.

- acled: ACLED's CSV columns (kpolicy.imports.acled.COLUMNS). An event imported from
  ACLED is written back from the fields it kept (events.external_data) with its current
  date, notes and id; any other event gets `KPOLICY<id>` as event_id_cnty and its type
  through data/crosswalks/acled.csv (most policy events are Strategic developments / Other,
  their kpolicy type in the notes), actor1 and actor2 the first initiator and target, the
  others as associated actors. ACLED's dates are days: an interval of up to a week is
  written as its middle day with time_precision 2, a longer one as its first day with
  time_precision 3 (detail lost: docs/import.md). Undated events are skipped (counted).
- plover: PLOVER's JSON fields, one object per line (id, date, event_type, mode, actor,
  actor_country, recipient, recipient_country, location, latitude, longitude, text,
  source), with the kpolicy id, type and EDTF date beside them; types through
  data/crosswalks/plover.csv.
- datapackage: a folder with events.csv (the CSV export) and datapackage.json, a
  Frictionless tabular data package: the table schema of every column, and the
  provenance (the command's filters, the database's schema revision, and the change number
  it reflects, so `kpolicy export --as-of N` reproduces it).
"""

from __future__ import annotations

import calendar
import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.imports import crosswalks
from kpolicy.store import schema


def _extras(conn: Connection, ids: list[int]) -> dict[int, dict]:
    e, ea, a = schema.events, schema.event_actors, schema.actors
    out = {r.id: {"dataset": r.dataset, "external_id": r.external_id, "external_version": r.external_version,
                  "data": json.loads(r.external_data) if r.external_data else {}, "description": r.description,
                  "updated_at": r.updated_at, "roles": [], "country": r.country, "lat": r.latitude, "lon": r.longitude}
           for r in conn.execute(sa.select(e.c.id, e.c.dataset, e.c.external_id, e.c.external_version, e.c.external_data,
                                           e.c.description, e.c.updated_at, schema.places.c.country, schema.places.c.latitude,
                                           schema.places.c.longitude)
                                 .outerjoin(schema.places, schema.places.c.id == e.c.place_id).where(e.c.id.in_(ids)))}
    for r in conn.execute(sa.select(ea.c.event_id, a.c.name, a.c.iso3, ea.c.role).join(a, a.c.id == ea.c.actor_id)
                          .where(ea.c.event_id.in_(ids)).order_by(ea.c.event_id, a.c.name)):
        out[r.event_id]["roles"].append((r.name, r.role, r.iso3))
    return out


def with_extras(conn: Connection, rows: Iterable[dict], batch: int = 500) -> Iterator[tuple[dict, dict]]:
    """(export row, its dataset fields and actor roles), looked up a batch at a time."""
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            extras = _extras(conn, [r["id"] for r in chunk])
            yield from ((r, extras[r["id"]]) for r in chunk)
            chunk = []
    if chunk:
        extras = _extras(conn, [r["id"] for r in chunk])
        yield from ((r, extras[r["id"]]) for r in chunk)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _sides(roles) -> tuple[list, list]:
    first = [r for r in roles if r[1] == "initiator"] or [r for r in roles if r[1] == "participant"][:1]
    second = [r for r in roles if r[1] == "target"] or [r for r in roles if r[1] == "participant" and r not in first]
    return first, second


def acled_rows(pairs) -> Iterator[dict | None]:
    """ACLED rows (dicts of acled.COLUMNS); None for an undated event (which ACLED cannot hold)."""
    import pycountry

    walk = crosswalks.acled()
    for row, x in pairs:
        lo, hi = _day(row.get("start")), _day(row.get("end"))
        if lo is None:
            yield None
            continue
        span = (hi - lo).days if hi is not None else None
        if span == 0:
            day, precision = lo, "1"
        elif span is not None and span <= 7:
            day, precision = date.fromordinal(lo.toordinal() + span // 2), "2"
        else:
            day, precision = lo, "3"
        if x["dataset"] == "acled":
            out = {**x["data"], "event_id_cnty": x["external_id"], "timestamp": x["external_version"] or ""}
            out.update({"event_date": day.isoformat(), "year": str(day.year), "time_precision": precision,
                        "notes": x["description"] or ""})
            yield out
            continue
        mapped = walk.export(row["type"])
        first, second = _sides(x["roles"])
        states = [s for s in (row.get("states") or "").split("; ") if s]
        iso3 = x["country"] or next((r[2] for r in x["roles"] if r[2]), None)
        country = pycountry.countries.get(alpha_3=iso3) if iso3 else None
        notes = row["title"] + (f" [kpolicy type: {row['type']}]" if mapped["kpolicy_type"] != row["type"] else "")
        if row.get("quote"):
            notes += f" — “{row['quote']}”"
        yield {
            "event_id_cnty": f"KPOLICY{row['id']}", "event_date": day.isoformat(), "year": str(day.year),
            "time_precision": precision, "disorder_type": "Strategic developments" if mapped["event_type"] == "Strategic developments" else "Political violence",
            "event_type": mapped["event_type"], "sub_event_type": mapped["sub_event_type"],
            "actor1": first[0][0] if first else "", "assoc_actor_1": "; ".join(r[0] for r in first[1:]),
            "actor2": second[0][0] if second else "", "assoc_actor_2": "; ".join(r[0] for r in second[1:]),
            "iso": country.numeric.lstrip("0") if country else "",
            "country": next((r[0] for r in x["roles"] if r[2] == iso3), None) or (getattr(country, "common_name", None) or country.name
                                                                                   if country else (states[0] if states else "")),
            "location": row.get("place") or "", "latitude": "" if x["lat"] is None else str(x["lat"]),
            "longitude": "" if x["lon"] is None else str(x["lon"]), "source": row.get("source") or "",
            "notes": notes, "fatalities": "", "timestamp": str(calendar.timegm(x["updated_at"].timetuple())) if isinstance(x["updated_at"], datetime) else "",
        }


def write_acled(pairs, out, raw: bool = False) -> tuple[int, int]:
    from kpolicy.imports.acled import COLUMNS
    from kpolicy.views.render import neutralise

    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    written = skipped = 0
    for row in acled_rows(pairs):
        if row is None:
            skipped += 1
            continue
        writer.writerow(row if raw else {k: neutralise(v) for k, v in row.items()})
        written += 1
    return written, skipped


def plover_rows(pairs) -> Iterator[dict]:
    walk = crosswalks.plover()
    for row, x in pairs:
        first, second = _sides(x["roles"])
        if x["dataset"] == "polecat" and x["data"].get("event_type"):
            kind, mode = x["data"].get("event_type", "").upper(), x["data"].get("event_mode", "")
        else:
            mapped = walk.export(row["type"])
            kind, mode = mapped["event_type"], mapped["mode"]
        yield {
            "id": x["external_id"] if x["dataset"] == "polecat" else f"kpolicy-{row['id']}",
            "date": _day(row.get("start")).isoformat() if row.get("start") else None,
            "event_type": kind, "mode": mode,
            "actor": [r[0] for r in first], "actor_country": [r[2] for r in first if r[2]],
            "recipient": [r[0] for r in second], "recipient_country": [r[2] for r in second if r[2]],
            "location": row.get("place"), "latitude": x["lat"], "longitude": x["lon"],
            "text": row.get("quote") or row["title"], "source": row.get("source"),
            "kpolicy_id": row["id"], "kpolicy_type": row["type"], "kpolicy_date": row["date"],
        }


def write_plover(pairs, out) -> int:
    count = 0
    for obj in plover_rows(pairs):
        out.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


# ---- the Frictionless data package ------------------------------------------------------------

def table_schema() -> dict:
    """The CSV export's columns (kpolicy.query.EXPORT_FIELDS, in order) as a Frictionless table schema."""
    from kpolicy.query import EXPORT_FIELDS

    known = {f["name"]: f for f in _described()["fields"]}
    return {"fields": [known.get(name, {"name": name, "type": "string"}) for name in EXPORT_FIELDS], "primaryKey": ["id"]}


def _described() -> dict:
    from kpolicy.vocabulary import EVENT_TYPES, REVIEW_STATES, STATUSES

    text = lambda name, description, **extra: {"name": name, "type": "string", "description": description, **extra}  # noqa: E731
    return {
        "fields": [
            {"name": "id", "type": "integer", "description": "kpolicy's event id", "constraints": {"required": True, "unique": True}},
            text("date", "the date as EDTF (ISO 8601-2): 2019, 2019-12, 2019-12-28/2019-12-31, 2020-02/.."),
            {"name": "start", "type": "date", "description": "the date's lower bound (inclusive); empty when open or undated"},
            {"name": "end", "type": "date", "description": "the date's upper bound (inclusive); empty when open or undated"},
            text("precision", "how precise the date is", constraints={"required": True, "enum": ["day", "month", "season", "year", "interval", "open", "unknown"]}),
            text("type", "the event type (kpolicy types)", constraints={"required": True, "enum": list(EVENT_TYPES)}),
            text("status", "occurred, expected or forecast", constraints={"required": True, "enum": list(STATUSES)}),
            text("title", "a short title", constraints={"required": True}),
            text("actors", "the actors' canonical names, '; '-joined"),
            text("place", "the place"),
            text("source", "the slug of the source of its first mention"),
            text("quote", "the sentence of its first mention"),
            text("review", "review state", constraints={"enum": list(REVIEW_STATES)}),
            {"name": "confidence", "type": "number", "description": "0..1", "constraints": {"minimum": 0, "maximum": 1}},
            text("states", "the actors' states, '; '-joined"),
            {"name": "sources", "type": "integer", "description": "how many sources mention it", "constraints": {"minimum": 0}},
            text("wikidata", "the actors' Wikidata ids, '; '-joined in the actors' order"),
            text("cameo", "the actors' CAMEO codes, '; '-joined in the actors' order"),
            {"name": "latitude", "type": "number", "description": "the place's latitude"},
            {"name": "longitude", "type": "number", "description": "the place's longitude"},
        ],
        "primaryKey": ["id"],
    }


def datapackage(*, query: dict, command: str, schema_revision: str, change: int | None, as_of: str | None,
                rows: int, created: str) -> dict:
    from kpolicy import __version__

    return {
        "profile": "tabular-data-package",
        "name": "kpolicy-timeline",
        "title": "kpolicy timeline export",
        "created": created,
        "licenses": [{"name": "other-at", "title": "as the sources of the events allow"}],
        "sources": [{"title": "kpolicy database", "path": "events.csv"}],
        "resources": [{
            "name": "events", "path": "events.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": f"{rows:,} event(s)", "schema": table_schema(),
        }],
        "kpolicy": {
            "version": __version__, "command": command, "query": query, "schema_revision": schema_revision,
            "change": change, "as_of": as_of,
            "reproduce": f"kpolicy export --format datapackage DIR --as-of {change}" if change else None,
        },
    }
