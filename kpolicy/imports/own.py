"""kpolicy's own exports (`kpolicy export --format csv|json|jsonl`) read back.

Export, import into an empty database, export again: the two files are identical apart
from the ids (tests/test_imports.py). Each row keeps its review state and confidence
(they are kpolicy's own), its source slug (one source per slug, whose text is the rows'
quotes) and its quote; actors are canonical names, with the role `participant` (a plain
export does not carry roles) or, from `export --full`, the roles of its `roles` column and a
further mention for each entry of its `mentions` column, in that mention's source. The file's id is the event's external id in the dataset
`kpolicy`, and the report maps each old id to the new one. Derived columns (start, end,
precision, states, sources) are recomputed, not read; so are the authority's codes (wikidata, cameo) and the place's coordinates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.imports.common import (ImportRow, Problems, bad_bytes, check_text_file, csv_rows, display, encoding_problem,
                                    json_lines, unformula)
from kpolicy.query import EXPORT_FIELDS
from kpolicy.vocabulary import EVENT_TYPES, REVIEW_STATES, ROLES, STATUSES

REQUIRED = ("id", "date", "type", "status", "title")
SEPARATOR = "; "


def _row(name: str, number: int, rec: dict, problems: Problems, csv: bool = False) -> ImportRow | None:
    def bad(column, message):
        problems.bad(name, number, column, message)
        return None

    for column, value in rec.items():
        if isinstance(value, str) and bad_bytes(value):
            return bad(column, encoding_problem(value))
    for column in REQUIRED:
        if rec.get(column) in (None, "") and column != "date":
            return bad(column, f"the {column} is empty")
    try:
        date = parse_edtf(rec.get("date") or None)
    except BadInput as exc:
        return bad("date", str(exc))
    kind = str(rec["type"]).strip()
    if kind not in EVENT_TYPES:
        return bad("type", f"unknown type {kind!r}; `kpolicy types` lists them")
    status = str(rec["status"]).strip()
    if status not in STATUSES:
        return bad("status", f"unknown status {status!r}; use occurred, expected or forecast")
    review = str(rec.get("review") or "imported").strip()
    if review not in REVIEW_STATES:
        return bad("review", f"unknown review state {review!r}; use one of {', '.join(REVIEW_STATES)}")
    try:
        confidence = float(rec.get("confidence") if rec.get("confidence") not in (None, "") else 1.0)
    except (TypeError, ValueError):
        return bad("confidence", f"{rec.get('confidence')!r} is not a number")
    if not 0 <= confidence <= 1:
        return bad("confidence", f"{confidence} is outside 0..1")
    actors = [(a.strip(), "participant") for a in str(rec.get("actors") or "").split(";") if a.strip()]
    if rec.get("roles"):  # `export --full`: each actor with its role
        actors = []
        for item in str(rec["roles"]).split(";"):
            who, sep, role = item.strip().rpartition(":")
            if not item.strip():
                continue
            if not sep or not who.strip() or role.strip() not in ROLES:
                return bad("roles", f"{item.strip()!r} is not Name:role (roles are {', '.join(ROLES)})")
            actors.append((who.strip(), role.strip()))
    further = []
    if rec.get("mentions"):  # `export --full`: every further mention, [source slug, quote]
        try:
            given = json.loads(rec["mentions"]) if isinstance(rec["mentions"], str) else rec["mentions"]
        except json.JSONDecodeError as exc:
            return bad("mentions", f"not JSON ({exc.msg}); `kpolicy export --full` writes [[source, quote], ...]")
        if not isinstance(given, list) or not all(isinstance(x, list) and len(x) == 2 and all(isinstance(v, str) and v for v in x)
                                                 for x in given):
            return bad("mentions", "not a list of [source, quote] pairs, as `kpolicy export --full` writes them")
        further = [(slug, unformula(quote, csv)) for slug, quote in given]
    return ImportRow(file=name, row=number, dataset="kpolicy", type=kind, title=unformula(str(rec["title"]), csv), date=date,
                     actors=actors, status=status, place=(rec.get("place") or None), quote=unformula(str(rec.get("quote") or ""), csv),
                     date_text=None, external_id=str(rec["id"]).strip(), source=(rec.get("source") or None), review=review,
                     confidence=confidence, further=further)


def read(path: Path, fmt: str, problems: Problems) -> Iterator[ImportRow]:
    """Rows of a kpolicy export; `fmt` is csv, json or jsonl."""
    name = display(path)
    check_text_file(path, f"kpolicy {fmt}")
    if fmt == "csv":
        header = None
        for number, fields in csv_rows(path, problems):
            if header is None:
                header = [f.strip() for f in fields]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    problems.bad(name, number, ", ".join(missing), "missing required column(s): this is not a kpolicy export "
                                 f"(its header is {','.join(EXPORT_FIELDS)}); for another spreadsheet use `kpolicy import sheet`", fatal=True)
                continue
            if len(fields) != len(header):
                problems.bad(name, number, None, f"the row has {len(fields)} fields, the header {len(header)}")
                continue
            row = _row(name, number, dict(zip(header, fields)), problems, csv=True)
            if row is not None:
                yield row
        if header is None:
            problems.bad(name, 1, None, "the file is empty; export one with `kpolicy export -o FILE.csv`", fatal=True)
        return
    records = _json_records(path, fmt, problems)
    for number, rec in records:
        if not isinstance(rec, dict):
            problems.bad(name, number, None, "not a JSON object")
            continue
        missing = [c for c in REQUIRED if c not in rec]
        if missing:
            problems.bad(name, number, ", ".join(missing), "missing required field(s): is this a kpolicy export?")
            continue
        clean = {k: ("" if v is None else (v if isinstance(v, str) else str(v) if k not in ("confidence",) else v)) for k, v in rec.items()}
        row = _row(name, number, clean, problems)
        if row is not None:
            yield row


def _json_records(path: Path, fmt: str, problems: Problems):
    name = display(path)
    if fmt == "jsonl":
        yield from json_lines(path, problems)
        return
    # a JSON array as `kpolicy export --format json` writes it: one object per line between [ and ]
    whole = path.read_bytes()
    try:
        text = whole.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = whole[:exc.start].count(b"\n") + 1
        problems.bad(name, line, None, f"byte 0x{whole[exc.start]:02x} is not UTF-8; save the file as UTF-8", fatal=True)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.bad(name, exc.lineno, f"character {exc.colno}", f"not JSON ({exc.msg})", fatal=True)
        return
    if not isinstance(data, list):
        problems.bad(name, 1, None, "a kpolicy JSON export is an array of events; is this the right file or format?", fatal=True)
        return
    for index, rec in enumerate(data):
        yield index + 2, rec  # the array's first object is on line 2
