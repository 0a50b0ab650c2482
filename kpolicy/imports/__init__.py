"""`kpolicy import FORMAT FILE...`: timelines from files, as one change each, nothing merged silently.

One module per reader, each yielding kpolicy.imports.common.ImportRow (a problem is named
by file, row and column); kpolicy.imports.store writes them; the crosswalks between
dataset codes and kpolicy's types are data (data/crosswalks/, with examples and notes)
read by kpolicy.imports.crosswalks.

    own       kpolicy's own exports: csv, json, jsonl
    sheet     an analyst's spreadsheet, CSV or XLSX, through a column mapping
    acled     ACLED's CSV export, with a deletion list and --since
    gdelt     GDELT 2.0 events (and --mentions), streamed and filtered while read
    ucdp      UCDP GED (CSV)
    polecat   POLECAT/PLOVER (JSON Lines or TSV)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kpolicy.errors import BadInput

FORMATS = ("csv", "json", "jsonl", "sheet", "acled", "gdelt", "ucdp", "polecat")


@dataclass
class ImportOptions:
    map: str | None = None
    map_file: Path | None = None
    save_map: Path | None = None
    sheet: str | None = None
    anchor: date | None = None
    monthfirst: bool = False
    skip_bad: bool = False
    dry_run: bool = False
    since: str | None = None
    deleted: list[Path] = field(default_factory=list)
    mentions: list[Path] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    by: str | None = None
    keep_ids: bool = False  # keep the whole id mapping (--ids); always for kpolicy's own files and sheets


class _DryRun(Exception):
    """Raised inside the write transaction to roll a dry run back."""

    def __init__(self, report) -> None:
        self.report = report


def reader(fmt: str, files: list[Path], options: ImportOptions, problems):
    """(dataset name, rows iterator, deletions iterator) for a format."""
    if fmt in ("csv", "json", "jsonl"):
        from kpolicy.imports import own

        def rows():
            for path in files:
                yield from own.read(path, fmt, problems)
        return "kpolicy", rows(), ()
    if fmt == "sheet":
        from kpolicy.imports import sheet

        mapping = sheet.Mapping.parse(options.map, options.map_file)
        if options.monthfirst:
            mapping.dayfirst = False
        if options.save_map is not None:
            mapping.save(options.save_map)

        def rows():
            for path in files:
                yield from sheet.read(path, mapping, problems, sheet=options.sheet, anchor=options.anchor)
        return "sheet", rows(), ()
    if fmt == "acled":
        from kpolicy.imports import acled

        return "acled", acled.read_all(files, options, problems), acled.deletions(options.deleted, problems)
    if fmt == "gdelt":
        from kpolicy.imports import gdelt

        return "gdelt", gdelt.read_all(files, options, problems), ()  # mentions: see run_import
    if fmt == "ucdp":
        from kpolicy.imports import ucdp

        return "ucdp", ucdp.read_all(files, options, problems), ()
    if fmt == "polecat":
        from kpolicy.imports import polecat

        return "polecat", polecat.read_all(files, options, problems), ()
    from kpolicy.errors import unknown_name

    raise unknown_name("import format", fmt, FORMATS, "kpolicy import --help", list_all=True)


def run_import(database, fmt: str, files: list[Path], options: ImportOptions):
    """Read `files` in `fmt` and store them as one change (nothing, with dry_run). Returns the ImportReport."""
    from kpolicy.imports import store
    from kpolicy.imports.common import Problems

    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        from kpolicy.errors import unknown_name

        raise unknown_name("import format", fmt, FORMATS, "kpolicy import --help", list_all=True)
    if not files:
        raise BadInput("no file to import; give one or more files: kpolicy import FORMAT FILE...")
    if options.deleted and fmt != "acled":
        raise BadInput("--deleted is for ACLED's deletion lists; drop it or use `kpolicy import acled`")
    problems = Problems(options.skip_bad)
    dataset, rows, deletions = reader(fmt, files, options, problems)
    names = [str(p) for p in files]
    mentions = None
    if options.mentions:
        if fmt != "gdelt":
            raise BadInput("--mentions is for GDELT's mentions files; drop it or use `kpolicy import gdelt`")
        from kpolicy.imports import gdelt

        mentions = gdelt.mentions(options.mentions, problems)
    try:
        with database.writing() as conn:
            report = store.run(conn, dataset, names, rows, deletions=deletions, mentions=mentions, by=options.by,
                               dry_run=options.dry_run, keep_ids=options.keep_ids or dataset in ("kpolicy", "sheet"))
            report.problems = problems.items
            if options.dry_run:
                raise _DryRun(report)
    except _DryRun as done:
        report = done.report
        report.change = None
    return report
