"""Commands that show the timeline in other shapes: `kpolicy search` and `kpolicy plot`.

Like every command module, this imports only Typer and the standard library at the top;
each command imports the library (SQLAlchemy, matplotlib) inside its body.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt, filter_options
from kpolicy.cli.output import check_format, emit, output_stream, refuse_open_database

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.query import EventQuery

@app.command()
@handle_errors
@filter_options(text=False)
def search(
    words: Annotated[str, typer.Argument(metavar="TEXT", help='Words to find in titles and quotes: all must match; "double quotes" keep a phrase together.')],
    db: DbOpt = None,
    fts: Annotated[bool, typer.Option("--fts", help="Read TEXT as the engine's query syntax (SQLite FTS5: OR, NOT, NEAR, prefix*, column:; PostgreSQL: websearch).")] = False,
    format: FormatOpt = "table",
    output: OutputOpt = None,
    query: EventQuery = None,
) -> None:
    """Find events by the words of their titles and quotes, most relevant first.

    Full-text search (SQLite: an FTS5 index with bm25 ranking, titles weighted above
    quotes; PostgreSQL: stored tsvectors with a GIN index). Words are stemmed (test finds
    tests). The snippet column shows the matching passage with [matches] marked.
    The filters are those of `kpolicy events`.

    \b
    Examples:
      kpolicy search moratorium
      kpolicy search '"strategic weapon"' --status forecast
      kpolicy search summit --actor "Donald Trump" --format csv
      kpolicy search --fts 'missile* OR rocket* NOT cruise'
    """
    from kpolicy.search import SEARCH_FIELDS, search as run_search
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = run_search(conn, words, query, fts=fts)
        with output_stream(output) as out:
            # table cells are plain text (render.write_table): a '[' in a title or snippet is no markup
            if not emit(rows, fmt, out, render.SEARCH_COLUMNS, fields=SEARCH_FIELDS, exempt=("date", "start", "end"), what="hits") and fmt == "table":
                typer.echo(f"kpolicy: no events match {words!r}", err=True)


@app.command()
@handle_errors
@filter_options
def plot(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="The chart to write: FILE.png or FILE.svg (the suffix picks the format).")],
    db: DbOpt = None,
    lanes: Annotated[str, typer.Option("--lanes", metavar="BY", help="One lane per actor (its state; see --people) or per type.")] = "actor",
    people: Annotated[bool, typer.Option("--people", help="Actor lanes for the actors as named (Kim Jong-un, the WPK), not their states (--lanes actor only).")] = False,
    labels: Annotated[Optional[int], typer.Option("--labels", metavar="N", help="Label only the N most important events per lane and show counts (default: all up to 120 events, else 6).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="Chart title.")] = None,
    query: EventQuery = None,
) -> None:
    """Draw the filtered timeline as a chart (PNG or SVG): lanes over a time axis.

    One lane per actor's state (or per type with --lanes type). Events known to the
    day are diamonds; fuzzier dates are bars over their whole bounds (pale when the
    text gives only a month, season, year or a vague span; hatched when uncertain);
    open-ended events fade out toward the edge. Expected events are hollow and
    dashed, forecasts hollow and dotted with a "?". With many events, each lane shows
    counts per period and labels only its most important events. Undated events
    cannot be placed and are counted on stderr.

    \b
    Examples:
      kpolicy plot -o timeline.png
      kpolicy plot --lanes type --from 2019 -o 2019.svg
      kpolicy plot --actor "North Korea" --people -o north-korea.png
    """
    from kpolicy import query as queries
    from kpolicy.views.plot import LANES, check_output, draw

    check_output(output)
    lanes_by = lanes.strip().lower()
    if lanes_by not in LANES:
        from kpolicy.errors import BadInput

        raise BadInput(f"--lanes {lanes!r} is not actor or type; use --lanes actor or --lanes type")
    if people and lanes_by != "actor":
        from kpolicy.errors import BadInput

        raise BadInput("--people names the actor lanes; --lanes type has none: drop --people, or use --lanes actor")
    if labels is not None and labels < 1:
        from kpolicy.errors import BadInput

        raise BadInput(f"--labels {labels} must be at least 1")
    q = query
    filters = [f"{name} {value}" for name, value in (("from", q.start), ("to", q.end), ("on", q.on), ("actor", ", ".join(q.actors)),
               ("type", ", ".join(q.types)), ("status", ", ".join(q.statuses)), ("text", q.text), ("source", q.source)) if value]
    database = open_db(db)
    refuse_open_database(output)
    with database.reading() as conn:
        rows = list(queries.iter_detailed(conn, q))
    from kpolicy.dates import parse_window

    window = parse_window(q.start, q.end, q.on) if (q.start or q.end or q.on) else (None, None)
    summary = draw(rows, output, lanes=lanes_by, people=people, labels=labels, title=title, subtitle="; ".join(filters), window=window)
    note = f"drew {summary.drawn} events in {summary.lanes} lanes to {output} ({summary.labelled} labels"
    note += ", counts per period)" if summary.aggregated else ")"
    if summary.skipped_undated:
        note += f"; {summary.skipped_undated} undated event(s) not shown"
    typer.echo(f"kpolicy: {note}", err=True)
    if summary.missing_glyphs:
        from kpolicy.views.render import terminal_safe

        shown = " ".join(summary.missing_glyphs[:12]) + (" …" if len(summary.missing_glyphs) > 12 else "")
        typer.echo(f"kpolicy: {len(summary.missing_glyphs)} character(s) have no glyph in the fonts installed and show as boxes: "
                   f"{terminal_safe(shown)}; install a font that has them (Debian: fonts-noto-cjk) and plot again", err=True)


@app.command("datasette-metadata")
@handle_errors
def datasette_metadata(db: DbOpt = None, output: OutputOpt = None) -> None:
    """Write Datasette metadata (JSON) for a kpolicy SQLite file: search, facets, sorting.

    With it, Datasette offers full-text search on the timeline view and the events
    table (the FTS5 index), facets on year, type, status and precision, the timeline
    sorted by date, and labels for foreign keys.

    \b
    Example:
      kpolicy datasette-metadata --db kpolicy.db -o metadata.json
      datasette kpolicy.db -m metadata.json
    """
    import json

    from kpolicy.store.db import resolve
    from kpolicy.errors import BadInput
    from kpolicy.views.exports import datasette_metadata as build

    target = resolve(db)
    if target.path is None:
        raise BadInput("Datasette reads SQLite files; give --db a SQLite file (export from PostgreSQL first)")
    open_db(db, create=False)  # a kpolicy database at this revision, or a one-line error
    with output_stream(output) as out:
        out.write(json.dumps(build(target.path.stem), indent=2, ensure_ascii=False) + "\n")
