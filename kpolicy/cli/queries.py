"""Commands that answer from the timeline: `events`, `timeline`, `show`, `actors`, `types`,
`sources` and `export`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt, filter_options

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.query import EventQuery
from kpolicy.cli.output import check_format, emit, output_stream, with_progress



@app.command()
@handle_errors
@filter_options
def events(
    db: DbOpt = None,
    format: FormatOpt = "table",
    output: OutputOpt = None,
    query: EventQuery = None,
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
    """
    from kpolicy import query as queries
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn, output_stream(output) as out:
        # tables and CSV need the timeline row only; JSON carries actors with roles and mentions
        rows = queries.iter_rows(conn, query) if fmt in ("table", "csv") else queries.iter_detailed(conn, query)
        if not emit(rows, fmt, out, render.EVENT_COLUMNS, fields=queries.EXPORT_FIELDS, exempt=("date", "start", "end"), what="events") and fmt == "table":
            typer.echo("kpolicy: no events match", err=True)


@app.command()
@handle_errors
@filter_options
def timeline(
    db: DbOpt = None,
    output: OutputOpt = None,
    query: EventQuery = None,
) -> None:
    """Show the timeline for reading: chronological, grouped by year.

    Each line shows the date as the text licenses it, its precision, the type, the
    status (expected and FORECAST? events are marked and set in italics: they have
    not happened), the title, the actors and the event id for `kpolicy show`.

    \b
    Examples:
      kpolicy timeline
      kpolicy timeline --from 2019-06 --actor "United States"
    """
    from kpolicy import query as queries
    from kpolicy.views import render

    database = open_db(db)
    with database.reading() as conn, output_stream(output) as out:
        if not render.write_timeline(queries.iter_rows(conn, query), out):
            typer.echo("kpolicy: no events match", err=True)


@app.command()
@handle_errors
def show(
    event_id: Annotated[int, typer.Argument(metavar="ID", help="Event id, as listed by `kpolicy events`.")],
    db: DbOpt = None,
    format: FormatOpt = "table",
) -> None:
    """Show one event with its actors and every mention (quote, source, offsets).

    \b
    Example:
      kpolicy show 3
    """
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format, ("table", "json"))
    database = open_db(db)
    with database.reading() as conn:
        event = query.get_event(conn, event_id)
    if fmt == "json":
        typer.echo(render.dumps(event))
        return
    typer.echo(render.show_text(event))


@app.command()
@handle_errors
def actors(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List actors with their kind, ISO code, parent, aliases and event counts.

    \b
    Example:
      kpolicy actors --format csv
    """
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_actors(conn)
    with output_stream(output) as out:
        emit(rows, fmt, out, render.ACTOR_COLUMNS)


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


@app.command()
@handle_errors
def sources(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List ingested sources with their publication date and event counts.

    \b
    Example:
      kpolicy sources
    """
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_sources(conn)
    with output_stream(output) as out:
        emit(rows, fmt, out, render.SOURCE_COLUMNS)


# ---- export -----------------------------------------------------------------------------


EXPORT_FORMATS = ("csv", "json", "jsonl", "timelinejs", "ics")
GroupOpt = Annotated[str, typer.Option("--group", metavar="BY", help="TimelineJS groups (rows): type or actor (the first actor's state).")]


@app.command()
@handle_errors
@filter_options
def export(
    db: DbOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="csv, json, jsonl, timelinejs or ics.")] = "csv",
    output: OutputOpt = None,
    query: EventQuery = None,
    raw: Annotated[bool, typer.Option("--raw", help="Do not neutralise cells that a spreadsheet would run as formulas.")] = False,
    bom: Annotated[bool, typer.Option("--bom", help="Start with a UTF-8 byte-order mark (for Excel).")] = False,
    group: GroupOpt = "type",
) -> None:
    """Export the filtered timeline as a file: CSV, JSON, JSON Lines, TimelineJS or iCalendar.

    csv: RFC 4180, UTF-8, header row, one row per event: id, date, start, end,
    precision, type, status, title, actors, place, source, quote. Cells starting with
    = + - @ or a control character get a leading apostrophe so a spreadsheet shows
    them as text (--raw turns that off). json/jsonl: the same fields, one object per
    event. timelinejs: TimelineJS's JSON (date parts only as precise as the text;
    --group type|actor). ics: an iCalendar file of all-day events (month and year
    precision span the month or year; open-ended events mark their known bound).
    Undated events are skipped by timelinejs and ics (counted on stderr). Rows
    stream; the file is written completely or not at all.

    \b
    Examples:
      kpolicy export -o timeline.csv
      kpolicy export --actor China --from 2019 -o china-2019.csv --bom
      kpolicy export --format timelinejs --group actor -o timeline.json
      kpolicy export --format ics --status expected -o upcoming.ics
    """
    import itertools

    from kpolicy import query as queries
    from kpolicy.views import render

    fmt = check_format(format, EXPORT_FORMATS)
    group_by = group.strip().lower()
    if group_by not in ("type", "actor"):
        from kpolicy.errors import BadInput

        raise BadInput(f"--group {group!r} is not type or actor; use --group type or --group actor")
    if bom and fmt != "csv":
        from kpolicy.errors import BadInput

        raise BadInput(f"--bom is for CSV (Excel); drop it for --format {fmt}")
    database = open_db(db)
    with database.reading() as conn:
        if fmt == "timelinejs":
            rows = queries.iter_detailed(conn, query)
        elif fmt == "ics":
            rows = queries.iter_rows(conn, query)
        elif fmt == "csv":
            # plain tuples, streamed: memory stays flat at any size
            _, rows = queries.iter_tuples(conn, query, columns=[queries.timeline.c[c] for c in queries.EXPORT_FIELDS])
        else:
            rows = queries.iter_rows(conn, query, columns=[queries.timeline.c[c] for c in queries.EXPORT_FIELDS])
        first = next(rows, None)  # run the query (and its validation) before opening the output
        stream = itertools.chain([first], rows) if first is not None else iter(())
        stream = with_progress(stream, lambda: queries.count_matching(conn, query), f"export {fmt}")
        skipped = 0
        with output_stream(output) as out:
            if bom:
                out.write("\ufeff")
            if fmt == "csv":
                render.write_csv_rows(stream, queries.EXPORT_FIELDS, out, raw=raw, exempt=("date", "start", "end"))
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


