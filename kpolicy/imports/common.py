"""What every reader shares: the row it hands to the store, problems named by file, row and
column, and streaming line and CSV reading with limits.

A reader yields `ImportRow`s. Whatever it cannot read becomes a `Problem` (file, row,
column, what, and the fix): `Problems.bad` raises it as BadInput at once (exit 2, the
import's transaction rolls back, the database is unchanged), or with `skip_bad` records it
and the reader skips the row; every skipped row is reported.

Rows are numbered as a spreadsheet numbers them: a CSV's header is row 1, its first
record row 2; a headerless file (GDELT) starts at row 1. A physical line longer than
MAX_ROW_BYTES, a row of more than MAX_COLUMNS fields, and bytes that are not UTF-8 are
problems of their row (the line is skipped whole, not read into memory beyond the limit).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kpolicy.dates import DateRange
from kpolicy.errors import BadInput

MAX_ROW_BYTES = 1 << 20  # 1 MiB: no dataset row comes near it
MAX_COLUMNS = 1000  # the widest format read here has 61 (GDELT events)
_SURROGATE = ("\udc80", "\udcff")  # bytes that were not UTF-8, kept by errors="surrogateescape"


@dataclass
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str
    kind: str = "skipped"  # or "repaired": a known malformation read anyway

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f": row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class Problems:
    """The problems of one import; `bad` raises unless skip_bad (then the row is skipped and reported)."""

    def __init__(self, skip_bad: bool = False) -> None:
        self.skip_bad = skip_bad
        self.items: list[Problem] = []

    def bad(self, file: str, row: int | None, column: str | None, message: str, *, fatal: bool = False) -> None:
        problem = Problem(file, row, column, message)
        if fatal or not self.skip_bad:
            hint = "" if fatal else "; fix the row, or give --skip-bad to skip such rows and report them"
            raise BadInput(f"{problem}{hint}")
        self.items.append(problem)

    def note(self, file: str, row: int | None, column: str | None, message: str, kind: str = "skipped") -> None:
        """A known malformation, skipped (or with kind='repaired' read anyway): reported, never fatal."""
        self.items.append(Problem(file, row, column, message, kind))


@dataclass
class ImportRow:
    """One event as a reader gives it to the store (kpolicy.imports.store)."""

    file: str
    row: int
    dataset: str
    type: str
    title: str
    date: DateRange
    actors: list[tuple[str, str]] = field(default_factory=list)  # (name as written or canonical, role)
    status: str = "occurred"
    place: str | None = None
    description: str | None = None
    quote: str = ""  # what the event's mention quotes (notes, the source's words, a URL)
    date_text: str | None = None  # the date as written in the file
    external_id: str | None = None
    external_version: str | None = None
    source: str | None = None  # kpolicy's own export: the source slug the row came from
    review: str = "imported"
    confidence: float = 1.0
    references: list[str] = field(default_factory=list)  # further sources named by the row (URLs, outlets)
    place_country: str | None = None  # ISO 3166-1 alpha-3 of a new place
    latitude: float | None = None
    longitude: float | None = None
    data: dict | None = None  # the dataset's own fields kpolicy has no column for (events.external_data)
    further: list[tuple[str, str]] = field(default_factory=list)  # kpolicy's `export --full`: (source slug, quote) of each further mention


def display(path: Path | str) -> str:
    return str(path)


def open_binary(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder; give the file(s) to import") from None
    except PermissionError:
        raise BadInput(f"{path}: permission denied; check its permissions") from None


def check_text_file(path: Path, fmt: str) -> None:
    """Refuse a binary file (a spreadsheet, an archive) given as text, before reading it."""
    with open_binary(path) as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        raise BadInput(f"{path}: row 1: this is a zip archive (an .xlsx workbook or a zipped download), not {fmt} text; "
                       f"unzip it, or import a workbook with `kpolicy import sheet FILE.xlsx`")
    if head.startswith(b"\x1f\x8b"):
        raise BadInput(f"{path}: row 1: this is a gzip file; decompress it first (gunzip)")
    if b"\x00" in head:
        raise BadInput(f"{path}: row 1: the file holds NUL bytes, so it is binary, not {fmt} text; check the file and the format")


def lines(path: Path, problems: Problems, first_row: int = 1) -> Iterator[tuple[int, str]]:
    """(row number, text) for each physical line, decoded as UTF-8 (a BOM is dropped).

    A line over MAX_ROW_BYTES is reported and skipped without being held whole; bytes
    that are not UTF-8 are reported with the row and the column (field) they are in by
    the caller (`check_encoding`), so they survive here as surrogate escapes."""
    name = display(path)
    with open_binary(path) as f:
        row = first_row - 1
        first = True
        while True:
            raw = f.readline(MAX_ROW_BYTES + 1)
            if not raw:
                return
            row += 1
            if len(raw) > MAX_ROW_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line, a block at a time
                    raw = f.readline(MAX_ROW_BYTES)
                problems.bad(name, row, None, f"the row is longer than {MAX_ROW_BYTES:,} bytes (1 MiB)")
                continue
            if first:
                first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            yield row, raw.decode("utf-8", errors="surrogateescape")


def byte_lines(path: Path, problems: Problems, block: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """(row number, line without its newline) of a file read a block at a time: the fast path for
    the large tab-separated datasets (GDELT), which filters on bytes before decoding anything.

    A line longer than MAX_ROW_BYTES is reported and skipped (never held beyond one block more)."""
    name = display(path)
    with open_binary(path) as f:
        row, carry, skipping = 0, b"", False
        first = True
        while True:
            chunk = f.read(block)
            if not chunk:
                break
            if first:
                first = False
                if chunk.startswith(b"\xef\xbb\xbf"):
                    chunk = chunk[3:]
            parts = (carry + chunk).split(b"\n")
            carry = parts.pop()
            for part in parts:
                if skipping:  # the end of an over-long line, already reported
                    skipping = False
                    continue
                row += 1
                if len(part) > MAX_ROW_BYTES:
                    problems.bad(name, row, None, f"the row is longer than {MAX_ROW_BYTES:,} bytes (1 MiB)")
                    continue
                yield row, part[:-1] if part.endswith(b"\r") else part
            if len(carry) > MAX_ROW_BYTES and not skipping:
                row += 1
                problems.bad(name, row, None, f"the row is longer than {MAX_ROW_BYTES:,} bytes (1 MiB)")
                carry, skipping = b"", True
            elif skipping:
                carry = b""
        if carry and not skipping:
            row += 1
            yield row, carry[:-1] if carry.endswith(b"\r") else carry


def json_lines(path: Path, problems: Problems) -> Iterator[tuple[int, object]]:
    """(line number, value) of each non-blank line of a JSON Lines file, streamed; a line that
    is not UTF-8 or not JSON is reported to `problems` and passed over."""
    import json

    name = display(path)
    for number, text in lines(path, problems):
        if not text.strip():
            continue
        if bad_bytes(text):
            problems.bad(name, number, None, encoding_problem(text))
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            problems.bad(name, number, f"character {exc.colno}", f"not JSON ({exc.msg})")


def bad_bytes(text: str) -> bool:
    return any(_SURROGATE[0] <= ch <= _SURROGATE[1] for ch in text)


def encoding_problem(text: str) -> str:
    at = next(i for i, ch in enumerate(text) if _SURROGATE[0] <= ch <= _SURROGATE[1])
    byte = ord(text[at]) - 0xDC00
    return (f"byte 0x{byte:02x} at character {at + 1} is not UTF-8; save the file as UTF-8 "
            "(Excel: Save As, CSV UTF-8) and import it again")


def csv_rows(path: Path, problems: Problems, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of a CSV/TSV file, streamed; a quoted field may span lines
    (the row number is the line the record starts on)."""
    name = display(path)
    csv.field_size_limit(MAX_ROW_BYTES)
    pending: list[tuple[int, str]] = []
    source = lines(path, problems)

    def feed():
        for row, text in source:
            pending.append((row, text))
            yield text

    reader = csv.reader(feed(), delimiter=delimiter, strict=False)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = pending[0][0] if pending else None
            pending.clear()
            problems.bad(name, row, None, f"the row cannot be read as CSV ({exc})")
            continue
        row = pending[0][0] if pending else None
        pending.clear()
        if len(fields) > MAX_COLUMNS:
            problems.bad(name, row, None, f"the row has {len(fields):,} fields; no format read here has more than {MAX_COLUMNS}")
            continue
        yield row, fields


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")  # kpolicy.views.render's: what `export` neutralises


def unformula(value: str, exported_csv: bool) -> str:
    """A kpolicy CSV export's neutralised cell ("'=1+2") back to its text ("=1+2"); other text as it is.

    Nothing is ever evaluated: a formula is text from the file to the database."""
    if exported_csv and value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value
