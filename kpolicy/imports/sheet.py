"""An analyst's spreadsheet (CSV or XLSX) read through a column mapping.

`--map date=When,title=Event,actors=Who,source=Link` names which of the sheet's columns
holds each field (case-insensitive); `--map-file FILE` reads a saved mapping (YAML:
`columns:`, and optionally `types:` for the sheet's own words, `dayfirst:`,
`actor_separators:`), and `--save-map FILE` writes the one given, for next time.

Fields: date (required), title (required), end (an end date: the event runs from date
to end), actors, type, status, place, source (a link or an outlet: kept with the quote),
quote (the words to keep as provenance; default the title), description, id (the
sheet's own id; without one, a digest of the row's date, title, type and actors stands
in, so the same row imported twice is one event).

Dates are read by kpolicy.imports.dates (the forms people type, Excel's typed dates and
serials). Types go through the editable table data/crosswalks/sheet_types.csv (a word,
its kpolicy type, an example), the mapping file's `types:` first; kpolicy's own type
codes and labels are always understood. Cells are text, never evaluated: openpyxl reads
a formula cell as its formula (`=cmd|...`), and `export` neutralises it on the way out.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path

from kpolicy.errors import BadInput
from kpolicy.imports.common import (MAX_COLUMNS, ImportRow, Problems, bad_bytes, check_text_file, csv_rows, display,
                                    encoding_problem)
from kpolicy.imports.dates import read_date
from kpolicy.vocabulary import EVENT_TYPES, STATUSES

FIELDS = ("date", "end", "title", "actors", "type", "status", "place", "source", "quote", "description", "id")
REQUIRED = ("date", "title")
DEFAULT_SEPARATORS = (";", ",")


def type_table() -> dict[str, str]:
    """data/crosswalks/sheet_types.csv: the words people write for each kpolicy type."""
    text = files("kpolicy.data").joinpath("crosswalks/sheet_types.csv").read_text(encoding="utf-8")
    return {r["word"].strip().lower(): r["type"].strip() for r in csv.DictReader(text.splitlines())}


class Mapping:
    """Which column holds which field, and the sheet's own words for types."""

    def __init__(self, columns: dict[str, str], types: dict[str, str] | None = None, dayfirst: bool = True,
                 separators: tuple[str, ...] = DEFAULT_SEPARATORS) -> None:
        unknown = [f for f in columns if f not in FIELDS]
        if unknown:
            raise BadInput(f"--map: unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}")
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            raise BadInput(f"--map names no column for {', '.join(missing)}; e.g. --map date=When,title=Event,actors=Who,source=Link")
        self.columns = columns
        self.types = {k.strip().lower(): v for k, v in (types or {}).items()}
        for word, code in self.types.items():
            if code not in EVENT_TYPES:
                raise BadInput(f"the mapping's types: {word!r} -> {code!r} is not a kpolicy type; `kpolicy types` lists them")
        self.dayfirst = dayfirst
        self.separators = separators

    @classmethod
    def parse(cls, spec: str | None, path: Path | None) -> Mapping:
        columns: dict[str, str] = {}
        types, dayfirst, seps = {}, True, DEFAULT_SEPARATORS
        if path is not None:
            from kpolicy import safe_yaml

            try:
                data = safe_yaml.load(path.read_text(encoding="utf-8"), f"--map-file {path}") or {}
            except FileNotFoundError:
                raise BadInput(f"--map-file {path}: no such file") from None
            except BadInput:
                raise
            except Exception as exc:
                raise BadInput(f"--map-file {path}: not a mapping file ({str(exc).splitlines()[0]}); "
                               "write it with --save-map, or as YAML with a `columns:` mapping") from None
            if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
                raise BadInput(f"--map-file {path}: it needs a `columns:` mapping such as `columns: {{date: When, title: Event}}`")
            columns.update({str(k): str(v) for k, v in data["columns"].items()})
            types = {str(k): str(v) for k, v in (data.get("types") or {}).items()}
            dayfirst = bool(data.get("dayfirst", True))
            seps = tuple(data.get("actor_separators") or DEFAULT_SEPARATORS)
        for part in (spec or "").split(","):
            if not part.strip():
                continue
            field, sep, column = part.partition("=")
            if not sep or not column.strip():
                raise BadInput(f"--map: {part.strip()!r} is not FIELD=COLUMN; e.g. --map date=When,title=Event,actors=Who")
            columns[field.strip().lower()] = column.strip()
        return cls(columns, types, dayfirst, seps)

    def save(self, path: Path) -> None:
        import yaml

        data = {"columns": self.columns, "types": self.types, "dayfirst": self.dayfirst, "actor_separators": list(self.separators)}
        path.write_text("# kpolicy import sheet --map-file: column mapping (FIELD: the sheet's column)\n"
                        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _cells_csv(path: Path, problems: Problems) -> Iterator[tuple[int, list]]:
    check_text_file(path, "CSV")
    delimiter = ","
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", errors="ignore").split("\n", 1)[0]
    if head.count("\t") > head.count(",") and head.count("\t") > head.count(";"):
        delimiter = "\t"
    elif head.count(";") > head.count(","):
        delimiter = ";"  # Excel's CSV in locales where the comma is the decimal mark
    yield from csv_rows(path, problems, delimiter)


def _cells_xlsx(path: Path, problems: Problems, sheet: str | None) -> Iterator[tuple[int, list]]:
    import zipfile

    import openpyxl

    name = display(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.bad(name, None, None, f"not an .xlsx workbook ({exc}); save it as .xlsx, or as CSV UTF-8", fatal=True)
        return
    try:
        if sheet is not None and sheet not in book.sheetnames:
            problems.bad(name, None, None, f"no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}", fatal=True)
        ws = book[sheet] if sheet else book.worksheets[0]
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if len(values) > MAX_COLUMNS:
                problems.bad(name, number, None, f"the row has {len(values):,} cells; no format read here has more than {MAX_COLUMNS}")
                continue
            yield number, list(values)
    finally:
        book.close()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read(path: Path, mapping: Mapping, problems: Problems, *, sheet: str | None = None, anchor: date | None = None,
         default_type: str = "other") -> Iterator[ImportRow]:
    name = display(path)
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    cells = _cells_xlsx(path, problems, sheet) if xlsx else _cells_csv(path, problems)
    table = {**type_table(), **mapping.types}
    labels = {label.lower(): code for code, (label, _, _) in EVENT_TYPES.items()}
    split = re.compile("|".join(re.escape(s) for s in mapping.separators))
    index: dict[str, int] | None = None
    header: list[str] = []
    for number, values in cells:
        if index is None:
            if all(v is None or str(v).strip() == "" for v in values):
                continue  # blank rows above the header
            header = ["" if v is None else str(v).strip() for v in values]
            lowered = {h.lower(): i for i, h in reversed(list(enumerate(header)))}
            missing = [f"{f}={c}" for f, c in mapping.columns.items() if c.lower() not in lowered]
            if missing:
                problems.bad(name, number, ", ".join(missing), f"missing mapped column(s); the sheet's columns are "
                             f"{', '.join(h for h in header if h) or '(none)'}; fix --map or --map-file", fatal=True)
            index = {f: lowered[c.lower()] for f, c in mapping.columns.items()}
            continue
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row = _row(name, number, values, index, header, mapping, table, labels, split, problems, anchor, default_type, xlsx)
        if row is not None:
            yield row
    if index is None:
        problems.bad(name, 1, None, "the sheet is empty (no header row)", fatal=True)


def _row(name, number, values, index, header, mapping, table, labels, split, problems, anchor, default_type, xlsx):
    def col(field: str) -> str:
        i = index[field]
        return _column_letter(i) + f" ({header[i]})" if xlsx else header[i]

    def get(field: str):
        i = index.get(field)
        if i is None or i >= len(values):
            return None
        value = values[i]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    for field, i in index.items():
        if i < len(values) and isinstance(values[i], str) and bad_bytes(values[i]):
            problems.bad(name, number, col(field), encoding_problem(values[i]))
            return None
    title = get("title")
    if title is None:
        problems.bad(name, number, col("title"), "the title is empty")
        return None
    raw_date = get("date")
    try:
        rng = read_date(raw_date, dayfirst=mapping.dayfirst, anchor=anchor)
        if get("end") is not None:
            end = read_date(get("end"), dayfirst=mapping.dayfirst, anchor=anchor)
            from kpolicy.dates import parse_edtf

            rng = parse_edtf(f"{rng.edtf.split('/')[0]}/{end.edtf.split('/')[-1]}")
    except ValueError as exc:
        problems.bad(name, number, col("end") if raw_date is not None and get("end") is not None else col("date"),
                     f"cannot read the date {raw_date!r}: {exc}")
        return None
    except BadInput as exc:
        problems.bad(name, number, col("date"), f"cannot read the date {raw_date!r}: {str(exc).split(': ', 1)[-1]}")
        return None
    kind = default_type
    word = get("type")
    if word is not None:
        key = " ".join(str(word).split()).lower()
        kind = table.get(key) or labels.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in EVENT_TYPES else None)
        if kind is None:
            problems.bad(name, number, col("type"), f"unknown type {word!r}: add it to the mapping file's `types:` "
                         "(or data/crosswalks/sheet_types.csv), or use a kpolicy type (`kpolicy types`)")
            return None
    status = "occurred"
    if get("status") is not None:
        status = str(get("status")).strip().lower()
        if status not in STATUSES:
            problems.bad(name, number, col("status"), f"unknown status {get('status')!r}; use occurred, expected or forecast")
            return None
    actors = []
    if get("actors") is not None:
        actors = [(a.strip(), "participant") for a in split.split(str(get("actors"))) if a.strip()]
    title = " ".join(str(title).split())
    link = get("source")
    quote = " ".join(str(get("quote") or title).split())
    if link is not None:
        quote = f"{quote} <{link}>"
    ident = get("id")
    if ident is None:
        digest = hashlib.sha1("\x1f".join([str(raw_date), title, kind, ";".join(sorted(a for a, _ in actors))]).encode()).hexdigest()
        ident = f"sha1:{digest[:20]}"
    date_text = raw_date.isoformat() if hasattr(raw_date, "isoformat") else str(raw_date)
    return ImportRow(file=name, row=number, dataset="sheet", type=kind, title=title, date=rng, actors=actors, status=status,
                     place=get("place") and str(get("place")), description=get("description") and str(get("description")),
                     quote=quote, date_text=date_text, external_id=str(ident), references=[str(link)] if link else [])
