"""Commands that answer from the timeline: `events`, `timeline`, `show`, `actors`, `types`,
`sources` and `export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from kpolicy.cli.app import app, command_line, group_options, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt, filter_options

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.query import EventQuery
from kpolicy.cli.output import check_format, emit, output_stream, with_progress

AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", metavar="WHEN", help="As the database stood then: an ISO date (its end), a UTC time, or a change number (`kpolicy history`).")]


def _reading(database, as_of):
    """The database as it is, or as it stood at `as_of` (every later change rewound and rolled back)."""
    if as_of is None:
        return database.reading()
    from kpolicy.curate import as_of as rewound

    return rewound(database, as_of)



@app.command()
@handle_errors
@filter_options
def events(
    db: DbOpt = None,
    format: FormatOpt = "table",
    output: OutputOpt = None,
    query: EventQuery = None,
    as_of: AsOfOpt = None,
) -> None:
    """List events matching the filters, in timeline order.

    A window (--from/--to, or --on) keeps events whose dates overlap it; --within
    keeps only those certainly inside. Undated events are listed last and are in no
    window. Repeated --actor means all of them take part; an actor includes its
    children (Kim Jong-un's events count for North Korea).

    \b
    Examples:
      kpolicy events --from 2019 --to 2019-06
      kpolicy events --actor "Kim Jong-un" --type meeting
      kpolicy events --status forecast --format jsonl
      kpolicy events --review extracted
      kpolicy events --as-of 2026-11-30
    """
    from kpolicy import query as queries
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with _reading(database, as_of) as conn, output_stream(output) as out:
        # tables and CSV need the timeline row only; JSON carries actors with roles and mentions
        rows = queries.iter_rows(conn, query) if fmt == "table" else (
            queries.iter_export_rows(conn, query) if fmt == "csv" else queries.iter_detailed(conn, query))
        if not emit(rows, fmt, out, render.EVENT_COLUMNS, fields=queries.EXPORT_FIELDS, exempt=("date", "start", "end"), what="events") and fmt == "table":
            typer.echo("kpolicy: no events match", err=True)


@app.command()
@handle_errors
@filter_options
def timeline(
    db: DbOpt = None,
    output: OutputOpt = None,
    query: EventQuery = None,
    as_of: AsOfOpt = None,
) -> None:
    """Show the timeline for reading: chronological, grouped by year.

    Each line shows the date as the text licenses it, its precision, the type, the
    status (expected and FORECAST? events are marked and set in italics: they have
    not happened), the title, the actors and the event id for `kpolicy show`;
    machine-extracted events not yet reviewed are marked "unreviewed" after the id.

    \b
    Examples:
      kpolicy timeline
      kpolicy timeline --from 2019-06 --actor "United States"
      kpolicy timeline --as-of 41
    """
    from kpolicy import query as queries
    from kpolicy.views import render

    database = open_db(db)
    with _reading(database, as_of) as conn, output_stream(output) as out:
        if not render.write_timeline(queries.iter_rows(conn, query), out):
            typer.echo("kpolicy: no events match", err=True)


@app.command()
@handle_errors
def show(
    event_id: Annotated[int, typer.Argument(metavar="ID", help="Event id, as listed by `kpolicy events`.")],
    db: DbOpt = None,
    format: FormatOpt = "table",
    as_of: AsOfOpt = None,
) -> None:
    """Show one event: actors, every mention (quote, source, offsets, mention id), review state
    and version, open proposals and a history summary. A deleted or merged-away id says when,
    by whom and why (and where it redirects). `--format json` also carries every proposal and
    the whole history: the object the review desk's /events/ID.json returns.

    \b
    Examples:
      kpolicy show 3
      kpolicy show 3 --format json
      kpolicy show 3 --as-of 2026-11-30
    """
    from kpolicy import query
    from kpolicy.curate import changes as hist
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    if as_of is not None:  # a point before the event was made: say so (its rewound row is a tombstone)
        with database.reading() as conn:
            later = hist.created_after(conn, event_id, as_of)
        if later is not None:
            if fmt in ("csv", "jsonl"):
                from kpolicy.errors import BadInput

                raise BadInput(hist.not_yet_text(later) + "; give a later --as-of")
            typer.echo(render.dumps(later) if fmt == "json" else render.terminal_safe(hist.not_yet_text(later)))
            return
    with _reading(database, as_of) as conn:
        gone = hist.tombstone(conn, event_id)
        if fmt in ("csv", "jsonl"):  # one row, the export's fields (a merged-away id: its target's row)
            shown = event_id
            if gone is not None:
                if gone["redirect"] is None or hist.tombstone(conn, gone["redirect"]) is not None:
                    from kpolicy.errors import BadInput

                    raise BadInput(f"event {event_id} was deleted; `kpolicy show {event_id}` says when, by whom and why")
                shown = gone["redirect"]
            row = query.export_row(conn, shown)
            if fmt == "csv":
                render.write_csv_rows(iter([tuple(row.values())]), query.EXPORT_FIELDS, sys.stdout, exempt=("date", "start", "end"))
            else:
                render.write_jsonl([row], sys.stdout)
            return
        if fmt == "json":  # the same object as the review desk's /events/ID.json (docs/web.md)
            typer.echo(render.dumps(hist.event_object(conn, event_id)))
            return
        if gone is not None:
            target = None
            if gone["redirect"] is not None and hist.tombstone(conn, gone["redirect"]) is None:
                target = query.get_event(conn, gone["redirect"])
                target["set_by"] = hist.hand_set(conn, gone["redirect"])
            text = hist.tombstone_text(gone)
            if target is not None:
                text += "\n\n" + render.show_text(target)
            typer.echo("\n".join(render.terminal_safe(line) for line in text.split("\n")))
            return
        event = query.get_event(conn, event_id)
        event["set_by"] = hist.hand_set(conn, event_id)
        extra = hist.summary_lines(conn, event_id)
    typer.echo("\n".join([render.show_text(event), *(render.terminal_safe(line) for line in extra)]))


@app.command()
@handle_errors
def types(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List event types with their family (usable in --type too) and event counts.

    \b
    Example:
      kpolicy types
    """
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_types(conn)
    with output_stream(output) as out:
        emit(rows, fmt, out, render.TYPE_COLUMNS)


sources_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(sources_app, name="sources")


@sources_app.callback()
@handle_errors
def sources(ctx: typer.Context, db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None,
            all_: Annotated[bool, typer.Option("--all", help="Also list removed sources (`sources remove`), marked with when.")] = False) -> None:
    """List ingested sources with their publication date and event counts.

    A removed source is left out unless --all is given; then its `removed` column says when.

    \b
    Examples:
      kpolicy sources
      kpolicy sources --all
      kpolicy sources edit SLUG --published 2020-02-05 --reason "misdated"
      kpolicy sources remove SLUG --reason "wrong file"
    """
    group_options(ctx, db=db, format=format, output=output, all_=all_)
    if ctx.invoked_subcommand is not None:
        return
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_sources(conn, include_removed=all_)
    if not rows:
        typer.echo("kpolicy: no sources yet; `kpolicy ingest FILE` adds one", err=True)
    with output_stream(output) as out:
        columns = render.SOURCE_COLUMNS + ([("removed", "removed")] if all_ else [])
        emit(rows, fmt, out, columns, fields=query.SOURCE_FIELDS)  # machine formats still get their header / []


# ---- export -----------------------------------------------------------------------------


def _datapackage(folder, output, db, query, raw, as_of) -> None:
    """`export --format datapackage DIR`: events.csv and datapackage.json, each written atomically."""
    import dataclasses
    import json
    import sys

    from kpolicy import query as queries
    from kpolicy.errors import BadInput
    from kpolicy.imports import exports as dataset_exports
    from kpolicy.store import schema as tables
    from kpolicy.store.write import now
    from kpolicy.views import render

    target = folder or output
    if target is None:
        raise BadInput("--format datapackage needs a folder: kpolicy export --format datapackage DIR")
    if target.exists() and not target.is_dir():
        raise BadInput(f"{target} is a file; a data package is a folder: give a new or empty folder")
    database = open_db(db)
    with _reading(database, as_of) as conn:
        import sqlalchemy as sa

        change = conn.execute(sa.select(sa.func.max(tables.changes.c.id)).where(tables.changes.c.action != "as-of")).scalar()
        if as_of is not None:
            from kpolicy.curate.changes import parse_when

            kind, value = parse_when(as_of)
            if kind == "change":
                change = min(change or 0, value) or None
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        target.mkdir(parents=True, exist_ok=True)
        with output_stream(target / "events.csv") as out:
            rows = render.write_csv_rows(queries.iter_export_tuples(conn, query), queries.EXPORT_FIELDS, out, raw=raw,
                                         exempt=("date", "start", "end"))
    filters = {k: v for k, v in dataclasses.asdict(query).items() if v not in (None, [], False)} if query else {}
    package = dataset_exports.datapackage(query=filters, command=command_line(), schema_revision=revision,
                                          change=change, as_of=None if as_of is None else str(as_of), rows=rows,
                                          created=now().isoformat() + "Z")
    with output_stream(target / "datapackage.json") as out:
        out.write(json.dumps(package, ensure_ascii=False, indent=2) + "\n")
    typer.echo(f"kpolicy: wrote {target}/events.csv ({rows:,} events) and {target}/datapackage.json", err=True)



EXPORT_FORMATS = ("csv", "json", "jsonl", "timelinejs", "ics", "acled", "plover", "datapackage")
GroupOpt = Annotated[Optional[str], typer.Option("--group", metavar="BY", help="TimelineJS groups (rows): type (the default) or actor (the first actor's state); timelinejs only.")]


@app.command()
@handle_errors
@filter_options
def export(
    folder: Annotated[Optional[Path], typer.Argument(metavar="[DIR]", help="datapackage: the folder to write (created if missing).")] = None,
    db: DbOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="csv, json, jsonl, timelinejs, ics, acled, plover or datapackage.")] = "csv",
    output: OutputOpt = None,
    query: EventQuery = None,
    raw: Annotated[bool, typer.Option("--raw", help="Do not neutralise cells that a spreadsheet would run as formulas (csv, acled, datapackage only).")] = False,
    bom: Annotated[bool, typer.Option("--bom", help="Start with a UTF-8 byte-order mark (for Excel).")] = False,
    group: GroupOpt = None,
    as_of: AsOfOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Also write roles (each actor as Name:role) and mentions (every further mention as JSON [source, quote]): what `kpolicy import` needs to restore them (csv, json, jsonl only).")] = False,
) -> None:
    """Export the filtered timeline as a file: CSV, JSON, JSON Lines, TimelineJS, iCalendar, ACLED, PLOVER or a data package.

    csv: RFC 4180, UTF-8, header row, one row per event: id, date, start, end,
    precision, type, status, title, actors, place, source, quote, review (reviewed or
    extracted; rejected events only with --review rejected), confidence, states (the
    actors' states) and sources (how many sources mention it). Cells starting with
    = + - @ or a control character get a leading apostrophe so a spreadsheet shows
    them as text (--raw turns that off). json/jsonl: the same fields, one object per
    event. timelinejs: TimelineJS's JSON (date parts only as precise as the text;
    --group type|actor). ics: an iCalendar file of all-day events (month and year
    precision span the month or year; open-ended events mark their known bound).
    Undated events are skipped by timelinejs and ics (counted on stderr). acled:
    ACLED's CSV columns (types through data/crosswalks/acled.csv; events imported
    from ACLED written back as they came); plover: PLOVER's JSON fields, one object
    per line. datapackage DIR: DIR/events.csv and DIR/datapackage.json, a
    Frictionless data package with the table schema and the provenance (the
    filters, the schema revision, the change number for --as-of). Rows stream; the
    file is written completely or not at all. docs/import.md has the crosswalks.
    --full adds roles and mentions to csv/json/jsonl, so `kpolicy import` of the file
    restores each actor's role and every source of an event.

    \b
    Examples:
      kpolicy export -o timeline.csv
      kpolicy export --actor China --from 2019 -o china-2019.csv --bom
      kpolicy export --format timelinejs --group actor -o timeline.json
      kpolicy export --format ics --status expected -o upcoming.ics
      kpolicy export --as-of 2026-11-30 -o yesterday.csv
      kpolicy export --format acled --actor "North Korea" -o nk-acled.csv
      kpolicy export --format datapackage timeline-package/
      kpolicy export --full -o whole.csv && kpolicy import csv whole.csv --db copy.db
    """
    import itertools

    from kpolicy import query as queries
    from kpolicy.views import render

    from kpolicy.errors import BadInput

    fmt = check_format(format, EXPORT_FORMATS)
    group_by = (group or "type").strip().lower()
    if group_by not in ("type", "actor"):
        raise BadInput(f"--group {group!r} is not type or actor; use --group type or --group actor")
    # an option the format has no use for is refused, never accepted and ignored
    if group is not None and fmt != "timelinejs":
        raise BadInput(f"--group groups TimelineJS rows; --format {fmt} has no groups: drop --group, or use --format timelinejs")
    if raw and fmt not in ("csv", "acled", "datapackage"):
        raise BadInput(f"--raw keeps spreadsheet formulas in CSV cells; --format {fmt} neutralises nothing, so drop --raw")
    if bom and fmt not in ("csv", "acled"):
        from kpolicy.errors import BadInput

        raise BadInput(f"--bom is for CSV (Excel); drop it for --format {fmt}")
    if full and fmt not in ("csv", "json", "jsonl"):
        raise BadInput(f"--full adds roles and mentions to csv, json and jsonl; --format {fmt} has no place for them: drop --full")
    if fmt == "datapackage":
        return _datapackage(folder, output, db, query, raw, as_of)
    if folder is not None:
        from kpolicy.errors import BadInput

        raise BadInput(f"a folder ({folder}) is for --format datapackage; write --format {fmt} with -o FILE")
    database = open_db(db)
    if fmt in ("acled", "plover"):
        from kpolicy.imports import exports as dataset_exports

        with _reading(database, as_of) as conn:
            rows = queries.iter_export_rows(conn, query)
            first = next(rows, None)
            stream = itertools.chain([first], rows) if first is not None else iter(())
            with output_stream(output) as out:
                pairs = dataset_exports.with_extras(conn, stream)
                if fmt == "acled":
                    if bom:
                        out.write("\ufeff")
                    _, skipped = dataset_exports.write_acled(pairs, out, raw=raw)
                    if skipped:
                        typer.echo(f"kpolicy: skipped {skipped} undated event(s): ACLED rows need a date", err=True)
                else:
                    dataset_exports.write_plover(pairs, out)
        return
    with _reading(database, as_of) as conn:
        if fmt == "timelinejs":
            rows = queries.iter_detailed(conn, query)
        elif fmt == "ics":
            rows = queries.iter_rows(conn, query)
        elif fmt == "csv":
            # plain tuples, streamed: memory stays flat at any size
            rows = queries.iter_export_tuples(conn, query)
            if full:
                rows = queries.with_roles_and_mentions(conn, rows)
        elif full:
            names = (*queries.EXPORT_FIELDS, *queries.FULL_FIELDS)
            rows = (dict(zip(names, row)) for row in queries.with_roles_and_mentions(conn, queries.iter_export_tuples(conn, query)))
        else:
            rows = queries.iter_export_rows(conn, query)
        first = next(rows, None)  # run the query (and its validation) before opening the output
        stream = itertools.chain([first], rows) if first is not None else iter(())
        stream = with_progress(stream, lambda: queries.count_matching(conn, query), f"export {fmt}")
        skipped = 0
        with output_stream(output) as out:
            if bom:
                out.write("\ufeff")
            if fmt == "csv":
                fields = (*queries.EXPORT_FIELDS, *queries.FULL_FIELDS) if full else queries.EXPORT_FIELDS
                render.write_csv_rows(stream, fields, out, raw=raw, exempt=("date", "start", "end"))
            elif fmt == "json":
                render.write_json(stream, out)
            elif fmt == "jsonl":
                render.write_jsonl(stream, out)
            else:
                from kpolicy.views import exports

                if fmt == "timelinejs":
                    skipped = exports.write_timelinejs(stream, out, group=group_by).skipped_undated
                else:
                    skipped = exports.write_ics(stream, out).skipped_undated
        if skipped:
            typer.echo(f"kpolicy: skipped {skipped} undated event(s): {fmt} needs a date", err=True)


