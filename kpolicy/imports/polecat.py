"""POLECAT (PLOVER-coded events): its weekly TSV files, and PLOVER JSON (JSON Lines or an array).

Column names are read case-insensitively with spaces as underscores ("Event ID" =
event_id), and PLOVER's JSON names are accepted for the same fields (id, date, event,
mode, actor, recipient, text). Minimum: event_id, event_date, event_type, and an actor
(actor_name). Read when present: event_mode, intensity, quad_code, contexts,
actor_country, recipient_name, recipient_country, placename, country, latitude,
longitude, event_text, headline, source, url, publication_date, version.

- event_id is the external id, version (when given) the version.
- The type comes from data/crosswalks/plover.csv by event_type and event_mode (an
  unknown mode falls back to its type's row).
- actor_name(s) are initiators, recipient_name(s) targets (several are split at ';'),
  resolved through the actor registry (a country code in actor_country stands for an
  unnamed actor's state); the place is placename with its country and coordinates; the
  quote is event_text, else the headline.

POLECAT's files carry known malformations, tolerated and reported line by line (not
fatal, with or without --skip-bad): a header line repeated inside the file (weekly files
concatenated) is skipped; a row with more fields than the header because of stray tabs is
read when the extra fields are empty (trailing tabs), and skipped otherwise; blank lines are
ignored. Anything else wrong with a row (a date, an unknown type) follows the usual rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from kpolicy.imports import crosswalks
from kpolicy.imports.common import (ImportRow, Problems, bad_bytes, check_text_file, csv_rows, display, encoding_problem,
                                    json_lines)
from kpolicy.imports.dates import read_date

ALIASES = {"id": "event_id", "date": "event_date", "event": "event_type", "mode": "event_mode", "actor": "actor_name",
           "recipient": "recipient_name", "text": "event_text", "context": "contexts", "story_date": "publication_date",
           "actor_names": "actor_name", "recipient_names": "recipient_name", "location": "placename"}
REQUIRED = ("event_id", "event_date", "event_type", "actor_name")


def _key(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", str(name).strip().lower())
    return ALIASES.get(key, key)


def _row(name: str, number: int, rec: dict, problems: Problems, walk) -> ImportRow | None:
    def bad(column, message):
        problems.bad(name, number, column, message)

    for column, value in rec.items():
        if isinstance(value, str) and bad_bytes(value):
            return bad(column, encoding_problem(value))
    for column in REQUIRED:
        if not rec.get(column):
            return bad(column, f"the {column} is empty")
    try:
        date = read_date(str(rec["event_date"]))
    except ValueError as exc:
        return bad("event_date", f"cannot read the date {rec['event_date']!r}: {exc}")
    kind, mode = str(rec["event_type"]).strip().upper(), str(rec.get("event_mode") or "").strip().lower()
    found = walk.lookup(kind, mode)
    if found is None:
        return bad("event_type", f"unknown PLOVER event type {rec['event_type']!r}; data/crosswalks/plover.csv lists them")

    def names(value) -> list[str]:
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [v.strip() for v in str(value or "").split(";") if v.strip()]

    actors = [(n, "initiator") for n in names(rec.get("actor_name"))]
    actors += [(n, "target") for n in names(rec.get("recipient_name"))]
    for column in ("latitude", "longitude"):
        if rec.get(column) not in (None, ""):
            try:
                float(rec[column])
            except (TypeError, ValueError):
                return bad(column, f"{rec[column]!r} is not a number")
    text = str(rec.get("event_text") or rec.get("headline") or "").strip()
    who = ", ".join(names(rec.get("actor_name"))) or "?"
    whom = ", ".join(names(rec.get("recipient_name")))
    title = f"{kind}{'/' + mode if mode else ''}: {who}" + (f" → {whom}" if whom else "")
    place = str(rec.get("placename") or "").strip() or None
    country = str(rec.get("country") or "").strip().upper()
    data = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in rec.items()
            if k not in ("event_id", "event_date", "event_text") and v not in (None, "", [])}
    return ImportRow(file=name, row=number, dataset="polecat", type=found["kpolicy_type"], title=title, date=date,
                     actors=actors, place=place, description=text or None, quote=text or title, date_text=str(rec["event_date"]),
                     external_id=str(rec["event_id"]).strip(), external_version=str(rec.get("version") or "").strip() or None,
                     place_country=country if len(country) == 3 else None,
                     latitude=float(rec["latitude"]) if rec.get("latitude") not in (None, "") else None,
                     longitude=float(rec["longitude"]) if rec.get("longitude") not in (None, "") else None,
                     references=[str(rec["url"])] if rec.get("url") else [], data=data)


def read_tsv(path: Path, problems: Problems) -> Iterator[ImportRow]:
    name = display(path)
    walk = crosswalks.plover()
    header_raw, header = None, None
    for number, fields in csv_rows(path, problems, delimiter="\t"):
        if header is None:
            if not any(f.strip() for f in fields):
                continue
            header_raw = [f.strip() for f in fields]
            header = [_key(f) for f in fields]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                problems.bad(name, number, ", ".join(missing), "missing required column(s): is this a POLECAT TSV? its "
                             f"minimum columns are {', '.join(REQUIRED)} (docs/import.md)", fatal=True)
            continue
        if not any(f.strip() for f in fields):
            continue
        if [f.strip() for f in fields] == header_raw:
            problems.note(name, number, None, "a repeated header line (files joined together), skipped")
            continue
        if len(fields) > len(header):
            extra = fields[len(header):]
            if any(f.strip() for f in extra):
                problems.note(name, number, None, f"{len(fields) - len(header)} field(s) more than the header "
                              "(a stray tab inside a field), skipped: the fields cannot be told apart")
                continue
            problems.note(name, number, None, f"{len(extra)} trailing empty field(s) (stray tabs) ignored; the row was read",
                          kind="repaired")
            fields = fields[:len(header)]
        rec = {k: (fields[i].strip() if i < len(fields) else "") for i, k in enumerate(header)}
        row = _row(name, number, rec, problems, walk)
        if row is not None:
            yield row
    if header is None:
        problems.bad(name, 1, None, "the file is empty", fatal=True)


def read_json(path: Path, problems: Problems) -> Iterator[ImportRow]:
    name = display(path)
    walk = crosswalks.plover()
    with open(path, "rb") as f:
        head = f.read(64).lstrip()
    records = []
    if head.startswith(b"["):
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.bad(name, getattr(exc, "lineno", None), None, f"not JSON ({exc})", fatal=True)
            return
        records = ((i + 2, rec) for i, rec in enumerate(data))
    else:
        records = json_lines(path, problems)
    for number, rec in records:
        if not isinstance(rec, dict):
            problems.bad(name, number, None, "not a JSON object (a PLOVER event is one object)")
            continue
        flat = {}
        for k, v in rec.items():
            key = _key(k)
            if isinstance(v, dict):  # {"actor": {"name": ..., "country": ...}}
                for sub, value in v.items():
                    flat[f"{key.removesuffix('_name')}_{_key(sub)}"] = value
            else:
                flat[key] = v
        flat.setdefault("actor_name", flat.get("actor_name") or flat.get("actor"))
        row = _row(name, number, flat, problems, walk)
        if row is not None:
            yield row


def read_all(files: list[Path], options, problems: Problems) -> Iterator[ImportRow]:
    for path in files:
        check_text_file(path, "POLECAT")
        is_json = path.suffix.lower() in (".json", ".jsonl", ".ndjson")
        if not is_json:
            with open(path, "rb") as f:
                is_json = f.read(64).lstrip()[:1] in (b"{", b"[")
        for row in (read_json if is_json else read_tsv)(path, problems):
            if (options.start and row.date.upper and row.date.upper < options.start) or \
                    (options.end and row.date.lower and row.date.lower > options.end):
                continue
            yield row
