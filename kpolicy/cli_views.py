"""Commands that show the timeline in other shapes: `kpolicy search` and `kpolicy plot`.

Registered by one import line at the bottom of kpolicy/cli.py. Like cli.py, this module
imports only Typer and the standard library at the top; each command imports the
library (SQLAlchemy, matplotlib) inside its body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli import (
    ActorOpt,
    DbOpt,
    FormatOpt,
    FromOpt,
    LimitOpt,
    OnOpt,
    OutputOpt,
    PlaceOpt,
    ReviewOpt,
    SourceOpt,
    StatusOpt,
    ToOpt,
    TypeOpt,
    WithinOpt,
    app,
    build_query,
    check_format,
    handle_errors,
    open_db,
    output_stream,
)

SEARCH_TABLE = [
    ("id", "id"),
    ("date", "date"),
    ("type", "type"),
    ("status", "status"),
    ("title", "title"),
    ("snippet", "snippet"),
]


@app.command()
@handle_errors
def search(
    words: Annotated[str, typer.Argument(metavar="TEXT", help='Words to find in titles and quotes: all must match; "exact phrase", OR, NOT and prefix* work too.')],
    db: DbOpt = None,
    format: FormatOpt = "table",
    output: OutputOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    on: OnOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    status: StatusOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    review: ReviewOpt = None,
    limit: LimitOpt = None,
) -> None:
    """Find events by the words of their titles and quotes, most relevant first.

    Full-text search (SQLite: an FTS5 index with bm25 ranking, titles weighted above
    quotes; PostgreSQL: tsvectors built on the fly). Words are stemmed (test finds
    tests). The snippet column shows the matching passage with [matches] marked.
    The filters are those of `kpolicy events`.

    \b
    Examples:
      kpolicy search moratorium
      kpolicy search '"strategic weapon"' --status forecast
      kpolicy search summit --actor "Donald Trump" --format csv
    """
    from kpolicy import render
    from kpolicy.search import SEARCH_FIELDS, search as run_search

    fmt = check_format(format, render.FORMATS)
    q = build_query(start, end, on, within, actor, type_, status, place, None, source, review, limit)
    database = open_db(db)
    with database.reading() as conn:
        rows = run_search(conn, words, q)
        with output_stream(output) as out:
            if fmt == "table":
                from rich.markup import escape

                shown = ({**r, "snippet": escape(r["snippet"] or ""), "title": escape(r["title"])} for r in rows)
                count = render.write_table(shown, SEARCH_TABLE, out)
                if not count:
                    typer.echo(f"kpolicy: no events match {words!r}", err=True)
            elif fmt == "csv":
                render.write_csv(rows, SEARCH_FIELDS, out, exempt=("date", "start", "end"))
            elif fmt == "json":
                render.write_json(rows, out)
            else:
                render.write_jsonl(rows, out)
