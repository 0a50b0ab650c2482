"""`kpolicy import FORMAT FILE...`: spreadsheets, datasets and kpolicy's own exports, as one change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt


def _say(message: str) -> None:
    typer.echo(f"kpolicy: {message}", err=True)


@app.command(name="import")
@handle_errors
def import_(
    format: Annotated[str, typer.Argument(metavar="FORMAT", help="csv, json, jsonl (kpolicy's own exports), sheet, acled, gdelt, ucdp or polecat.")],
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="The files to import (one change for all of them).")],
    map: Annotated[Optional[str], typer.Option("--map", metavar="FIELD=COLUMN,...", help="sheet: which column holds each field, e.g. date=When,title=Event,actors=Who,source=Link.")] = None,
    map_file: Annotated[Optional[Path], typer.Option("--map-file", metavar="FILE", help="sheet: a saved mapping (YAML; --save-map writes one).")] = None,
    save_map: Annotated[Optional[Path], typer.Option("--save-map", metavar="FILE", help="sheet: save the mapping given, for next time.")] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", metavar="NAME", help="sheet: the worksheet of an .xlsx (default: the first).")] = None,
    anchor: Annotated[Optional[str], typer.Option("--anchor", metavar="YYYY-MM-DD", help="sheet: the day relative dates ('last June') resolve against.")] = None,
    monthfirst: Annotated[bool, typer.Option("--monthfirst", help="sheet: read 03/12/2024 as 12 March (default: 3 December).")] = False,
    deleted: Annotated[Optional[list[Path]], typer.Option("--deleted", metavar="FILE", help="acled: a deletion list (event_id_cnty, deleted_timestamp): those events become tombstones.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN", help="acled: only rows whose timestamp is on or after WHEN (a date or a Unix time).")] = None,
    mentions: Annotated[Optional[list[Path]], typer.Option("--mentions", metavar="FILE", help="gdelt: a mentions file; each event's mentions become its sources.")] = None,
    country: Annotated[Optional[str], typer.Option("--country", metavar="ISO3,...", help="gdelt: keep events with an actor or place in these countries (ISO 3166 alpha-3), e.g. PRK,KOR.")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="gdelt, ucdp, polecat: keep events from this date on.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="gdelt, ucdp, polecat: keep events up to this date.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would happen, row by row; write nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip rows that cannot be read and report each (default: stop at the first, write nothing).")] = False,
    ids: Annotated[Optional[Path], typer.Option("--ids", metavar="FILE.csv", help="Write the id mapping (the file's id, the kpolicy id) as CSV.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who makes the change (default: $KPOLICY_USER, else your OS user).")] = None,
    db: DbOpt = None,
) -> None:
    """Import events from a file: kpolicy's own exports, a spreadsheet, ACLED, GDELT, UCDP GED or POLECAT.

    Every import is one change (`kpolicy undo CHANGE` takes it back). Imported events
    have the review state `imported` and keep their dataset and external id; a row
    that matches an existing event becomes a mention and proposals on it (`kpolicy
    review`), never a silent merge; importing the same file twice changes nothing.
    A row that cannot be read stops the import with a line naming the file, row and
    column (exit 2, nothing written), or with --skip-bad is skipped and reported.
    docs/import.md lists each format's minimum columns and the crosswalks.

    \b
    Examples:
      kpolicy import csv timeline.csv
      kpolicy import sheet events.xlsx --map date=When,title=Event,actors=Who,source=Link --save-map mine.yaml
      kpolicy import sheet events.csv --map-file mine.yaml --dry-run
      kpolicy import acled acled-2024.csv --deleted acled-deleted.csv
      kpolicy import gdelt 20241203.export.CSV --mentions 20241203.mentions.CSV --country PRK,KOR
    """
    from kpolicy.dates import parse_window
    from kpolicy.errors import BadInput
    from kpolicy.imports import ImportOptions, run_import

    anchor_date = None
    if anchor:
        from datetime import date

        try:
            anchor_date = date.fromisoformat(anchor.strip())
        except ValueError:
            raise BadInput(f"--anchor {anchor!r} is not a day; give YYYY-MM-DD") from None
    start, end = parse_window(from_, to) if (from_ or to) else (None, None)
    countries = [c.strip().upper() for c in (country or "").split(",") if c.strip()]
    for code in countries:
        if len(code) != 3 or not code.isalpha():
            raise BadInput(f"--country {code!r} is not an ISO 3166 alpha-3 code; e.g. --country PRK,KOR")
    options = ImportOptions(map=map, map_file=map_file, save_map=save_map, sheet=sheet, anchor=anchor_date,
                            monthfirst=monthfirst, skip_bad=skip_bad, dry_run=dry_run, since=since, deleted=list(deleted or []),
                            mentions=list(mentions or []), countries=countries, start=start, end=end, by=by,
                            keep_ids=ids is not None)
    database = open_db(db)
    report = run_import(database, format, list(files), options)
    for line in report.plan:
        typer.echo(line)
    for problem in report.problems:
        _say(f"{problem.kind} {problem}")
    if ids is not None:
        import csv

        with open(ids, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["external_id", "id"])
            writer.writerows(report.ids)
    what = "would import" if dry_run else "imported"
    counts = (f"{report.read:,} row(s) read: {report.created:,} created, {report.updated:,} updated, "
              f"{report.proposed:,} matched existing events (proposals to review), {report.deleted:,} deleted, "
              f"{report.unchanged:,} unchanged")
    if report.mentions:
        counts += f", {report.mentions:,} further mention(s) from the mentions file(s)"
    if report.not_found:
        counts += f", {report.not_found:,} deletion(s) of events not here"
    skipped = sum(1 for p in report.problems if p.kind == "skipped")
    if skipped:
        counts += f", {skipped:,} line(s) skipped"
    if len(report.problems) > skipped:
        counts += f", {len(report.problems) - skipped:,} repaired"
    tail = ""
    if report.change is not None:
        tail = f"; change {report.change} (`kpolicy undo {report.change} --reason ...` takes it back)"
    elif not dry_run:
        tail = "; nothing changed"
    _say(f"{what} {', '.join(report.files)}: {counts}{tail}")
    if report.unknown_actors:
        names = sorted(report.unknown_actors, key=lambda n: (-report.unknown_actors[n], n))
        shown = ", ".join(f"{n!r} ({report.unknown_actors[n]})" for n in names[:10])
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        _say(f"{len(names)} actor name(s) the registry does not know, kept as proposals on their events: {shown}{more}; "
             "`kpolicy review` lists them")
    moved = [(old, new) for old, new in report.ids if old != str(new)]
    if report.ids and format.strip().lower() in ("csv", "json", "jsonl"):
        shown = ", ".join(f"{old}->{new}" for old, new in report.ids[:10])
        more = f", ... ({len(report.ids):,} in all; --ids FILE writes them)" if len(report.ids) > 10 else ""
        _say(f"ids mapped (file -> database): {shown}{more}" if moved else "ids kept as in the file")
