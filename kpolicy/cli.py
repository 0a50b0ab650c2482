"""The `kpolicy` command: a thin layer that parses options, calls the library, renders.

Start-up matters: only Typer and the standard library are imported here; each
command imports what it needs (SQLAlchemy for database commands, never Alembic on
the query path). Errors the library raises become one line on stderr and an exit
code (2 for bad usage or input, 1 for a runtime failure), never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

try:  # recent Typer bundles its own Click; its exceptions are not the `click` package's
    from typer import _click as click
except ImportError:  # pragma: no cover - older Typer uses the click package
    import click

from kpolicy import __version__

# Typer's bundled Click (0.29+) has no Abort; without this, any unexpected error in a command
# would surface as "AttributeError: ... has no attribute 'Abort'" instead of itself.
_Abort = getattr(click.exceptions, "Abort", None) or getattr(click, "Abort", None) or KeyboardInterrupt


class OneLineErrors(TyperGroup):
    """Usage errors (unknown option, missing argument) as one line on stderr, exit 2."""

    def main(self, *args, **kwargs):
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
                click.echo(exc.ctx.get_help())  # bare `kpolicy`: help, not an error
                return 0 if not standalone else sys.exit(0)
            where = exc.ctx.command_path if exc.ctx is not None else "kpolicy"
            message = " ".join(exc.format_message().split()).rstrip(".")
            click.echo(f"kpolicy: error: {message}; see `{where} --help`", err=True)
            rv = 2
        except _Abort:
            click.echo("kpolicy: aborted", err=True)
            rv = 1
        except click.ClickException as exc:
            click.echo(f"kpolicy: error: {exc.format_message()}", err=True)
            rv = exc.exit_code
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    name="kpolicy",
    help="A policy-event timeline database for North Korea watchers: dated events, their actors, "
    "honest fuzzy dates and the sentence each came from.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# ---- shared options, defined once -------------------------------------------------------

DbOpt = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        envvar="KPOLICY_DB",
        show_envvar=True,
        metavar="PATH_OR_URL",
        help="SQLite file or database URL (postgresql+psycopg://user@host/db). Default: kpolicy.db in your user data folder.",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv, json or jsonl.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="Window start: EDTF or partial ISO date (2019, 2019-06, 2019-06-30).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Window end (inclusive): its upper bound closes the window.")]
OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="A single day, month or year as the window.")]
WithinOpt = Annotated[bool, typer.Option("--within", help="Only events certainly inside the window (default: any overlap).")]
ActorOpt = Annotated[Optional[list[str]], typer.Option("--actor", "-a", metavar="NAME", help="Canonical name or alias, with its children; repeat: all must take part.")]
TypeOpt = Annotated[Optional[list[str]], typer.Option("--type", "-t", metavar="TYPE", help="Event type or family (meeting, test...); repeat for any of several.")]
StatusOpt = Annotated[Optional[list[str]], typer.Option("--status", "-s", metavar="STATUS", help="occurred, expected or forecast; repeatable.")]
PlaceOpt = Annotated[Optional[list[str]], typer.Option("--place", metavar="PLACE", help="Place name (case-insensitive); repeatable.")]
TextOpt = Annotated[Optional[str], typer.Option("--text", metavar="WORDS", help="Case-insensitive substring of the title or a quote.")]
SourceOpt = Annotated[Optional[str], typer.Option("--source", metavar="SLUG", help="Only events mentioned by this source (see `kpolicy sources`).")]
ReviewOpt = Annotated[Optional[str], typer.Option("--review", metavar="STATE", help="reviewed (curated) or extracted.")]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-n", metavar="N", help="At most N events.")]


def fail(exc_message: str, code: int) -> None:
    typer.echo(f"kpolicy: error: {exc_message}", err=True)
    raise typer.Exit(code)


def handle_errors(func):
    """Turn the library's typed errors (and database driver errors) into one line + exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from kpolicy.errors import KpolicyError

        try:
            return func(*args, **kwargs)
        except KpolicyError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; nothing was committed by the unfinished step", 130)
        except BrokenPipeError:
            os._exit(0)  # the reader (head, less) went away: not an error
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                from kpolicy.db import translate_error

                translated = translate_error(exc, _current_target)
                fail(str(translated), getattr(translated, "exit_code", 1))
            raise
        finally:
            # close what the command opened: SQLite checkpoints its WAL when the last connection goes
            while _opened:
                _opened.pop().close()

    return wrapper


_current_target = None
_opened: list = []


def open_db(db: str | None, create: bool = True):
    """Open the database for a command, telling the user on stderr when it was just created."""
    global _current_target
    from kpolicy.db import open_database, resolve

    _current_target = resolve(db)
    database = open_database(db, create=create)
    _opened.append(database)
    for notice in database.notices:
        typer.echo(f"kpolicy: {notice}", err=True)
    return database


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    from kpolicy.errors import BadInput, suggest

    key = fmt.strip().lower()
    if key not in allowed:
        raise BadInput(f"unknown format {fmt!r}{suggest(fmt, allowed)}; use --format {', '.join(allowed[:-1]) + ' or ' if len(allowed) > 1 else ''}{allowed[-1]}")
    return key


@contextmanager
def output_stream(path: Path | None):
    """stdout, or a file written beside its destination and renamed into place when complete."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    from kpolicy.errors import BadInput

    path = path.expanduser()
    if not path.parent.exists():
        raise BadInput(f"the folder {path.parent} does not exist; create it or choose another -o")
    if path.is_dir():
        raise BadInput(f"-o {path} is a folder; give a file name")
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a user's file gets the usual mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_query(start, end, on, within, actor, type_, status, place, text, source, review, limit):
    from kpolicy.query import EventQuery

    return EventQuery(
        start=start,
        end=end,
        on=on,
        within=within,
        actors=list(actor or []),
        types=list(type_ or []),
        statuses=list(status or []),
        places=list(place or []),
        text=text,
        source=source,
        review=review,
        limit=limit,
    )


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kpolicy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A policy-event timeline database for North Korea watchers.

    \b
    Start with:  kpolicy timeline
    Then try:    kpolicy events --actor "Kim Jong-un" --from 2019 --to 2019-12
    """


# ---- database set-up --------------------------------------------------------------------


@app.command()
@handle_errors
def init(db: DbOpt = None, seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Also load the bundled article.")] = False) -> None:
    """Create a database or upgrade one to this version's schema.

    Creates the file (its folder must exist), runs every migration and loads the
    reference data (event types, the actor gazetteer, places). An existing database
    is upgraded in place; one written by a newer kpolicy is refused.

    \b
    Example:
      kpolicy init --db ~/work/korea.db
    """
    from kpolicy.db import connect_for_init
    from kpolicy.seed import initialise

    global _current_target
    database, _ = connect_for_init(db)
    _opened.append(database)
    _current_target = database.target
    summary = initialise(database, with_seed=seed)
    before = database.revision_before  # read again inside the write lock
    from kpolicy.schema import SCHEMA_REVISION

    if before is None:
        msg = f"created {database.target.label} at schema revision {SCHEMA_REVISION}"
    elif before != SCHEMA_REVISION:
        msg = f"upgraded {database.target.label} from schema revision {before} to {SCHEMA_REVISION}"
    else:
        msg = f"{database.target.label} is already at schema revision {SCHEMA_REVISION}"
    if seed:
        msg += f"; seeded {summary.sources} article(s), {summary.events} events"
    typer.echo(f"kpolicy: {msg}", err=True)


@app.command()
@handle_errors
def seed(
    db: DbOpt = None,
    annotation: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--annotation",
            metavar="FILE",
            help="Load this curated annotation file (YAML; its article.file is relative to it) instead of the bundled one; repeatable.",
        ),
    ] = None,
) -> None:
    """Load the bundled article and its curated events (again: a no-op when present).

    Every annotation is validated first; a bad file loads nothing and names the
    event and the reason. With --annotation, your own curated files are loaded the
    same way (see data/annotations/ for the format), all of them in one transaction.

    \b
    Examples:
      kpolicy seed --db korea.db
      kpolicy seed --db korea.db --annotation notes/kcna-2019-12-31.yaml
    """
    from kpolicy.seed import seed as run_seed

    if annotation:
        from kpolicy.annotations import load_annotation
        from kpolicy.gazetteer import load_gazetteer

        gazetteer = load_gazetteer()
        loaded = [load_annotation(path.expanduser(), gazetteer) for path in annotation]  # validate before opening
        database = open_db(db)
        summary = run_seed(database, loaded)
    else:
        database = open_db(db)
        summary = run_seed(database)
    what = "the annotated article(s) are" if annotation else "the bundled article is"
    if summary.sources:
        typer.echo(f"kpolicy: seeded {summary.sources} article(s): {summary.events} events, {summary.mentions} mentions", err=True)
    else:
        typer.echo(f"kpolicy: {what} already in the database; nothing changed", err=True)


# ---- queries ----------------------------------------------------------------------------

EVENT_TABLE = [
    ("id", "id"),
    ("date", "date"),
    ("precision", "precision"),
    ("type", "type"),
    ("status", "status"),
    ("title", "title"),
    ("actors", "actors"),
    ("place", "place"),
]


@app.command()
@handle_errors
def events(
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
    text: TextOpt = None,
    source: SourceOpt = None,
    review: ReviewOpt = None,
    limit: LimitOpt = None,
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
    from kpolicy import query, render

    fmt = check_format(format, render.FORMATS)
    q = build_query(start, end, on, within, actor, type_, status, place, text, source, review, limit)
    database = open_db(db)
    with database.reading() as conn, output_stream(output) as out:
        if fmt == "table":
            if not render.write_table(query.iter_rows(conn, q), EVENT_TABLE, out):
                typer.echo("kpolicy: no events match", err=True)
        elif fmt == "csv":
            render.write_csv(query.iter_rows(conn, q), query.EXPORT_FIELDS, out, exempt=("date", "start", "end"))
        elif fmt == "json":
            render.write_json(query.iter_detailed(conn, q), out)
        else:
            render.write_jsonl(query.iter_detailed(conn, q), out)


@app.command()
@handle_errors
def timeline(
    db: DbOpt = None,
    output: OutputOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    on: OnOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    status: StatusOpt = None,
    place: PlaceOpt = None,
    text: TextOpt = None,
    source: SourceOpt = None,
    review: ReviewOpt = None,
    limit: LimitOpt = None,
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
    from kpolicy import query, render

    q = build_query(start, end, on, within, actor, type_, status, place, text, source, review, limit)
    database = open_db(db)
    with database.reading() as conn, output_stream(output) as out:
        if not render.write_timeline(query.iter_rows(conn, q), out):
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
    from kpolicy import query, render
    from kpolicy.dates import humanize

    fmt = check_format(format, ("table", "json"))
    database = open_db(db)
    with database.reading() as conn:
        event = query.get_event(conn, event_id)
    if fmt == "json":
        typer.echo(render.dumps(event))
        return
    actor_list = ", ".join(f"{a['name']} ({a['role']})" for a in event["actor_roles"])
    lines = [
        f"#{event['id']}  {event['title']}",
        f"  type       {event['type']} ({event['family']})",
        f"  date       {event['date'] or 'undated'}  ({humanize(event['date'])}; precision {event['precision']}; "
        f"{event['start'] or '..'} to {event['end'] or '..'})",
        f"  status     {event['status']}",
        f"  actors     {actor_list or '-'}",
        f"  place      {event['place'] or '-'}",
        f"  review     {event['review']} (confidence {event['confidence']:.2f})",
    ]
    if event.get("description"):
        lines.append(f"  about      {event['description']}")
    lines.append(f"  mentions   {len(event['mentions'])}")
    for i, m in enumerate(event["mentions"], 1):
        lines.append(f"  [{i}] {m['source']} ({m['published']}), characters {m['char_start']}-{m['char_end']}")
        lines.append(f"      “{m['quote']}”")
        if m["date_text"]:
            lines.append(f"      date from {m['date_text']!r}, resolved against {m['date_anchor'] or 'nothing (absolute)'}")
    typer.echo("\n".join(lines))


def _listing(rows: list[dict], fmt: str, output: Path | None, columns: list[tuple[str, str]]) -> None:
    from kpolicy import render

    with output_stream(output) as out:
        if fmt == "table":
            render.write_table(rows, columns, out)
        elif fmt == "csv":
            render.write_csv(rows, tuple(rows[0]) if rows else tuple(k for k, _ in columns), out)
        elif fmt == "json":
            render.write_json(rows, out)
        else:
            render.write_jsonl(rows, out)


@app.command()
@handle_errors
def actors(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List actors with their kind, ISO code, parent, aliases and event counts.

    \b
    Example:
      kpolicy actors --format csv
    """
    from kpolicy import query, render

    fmt = check_format(format, render.FORMATS)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_actors(conn)
    columns = [("name", "name"), ("kind", "kind"), ("iso3", "iso3"), ("parent", "parent"), ("events", "events"), ("aliases", "aliases")]
    _listing(rows, fmt, output, columns)


@app.command()
@handle_errors
def types(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List event types with their family (usable in --type too) and event counts.

    \b
    Example:
      kpolicy types
    """
    from kpolicy import query, render

    fmt = check_format(format, render.FORMATS)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_types(conn)
    columns = [("code", "type"), ("family", "family"), ("events", "events"), ("description", "covers")]
    _listing(rows, fmt, output, columns)


@app.command()
@handle_errors
def sources(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List ingested sources with their publication date and event counts.

    \b
    Example:
      kpolicy sources
    """
    from kpolicy import query, render

    fmt = check_format(format, render.FORMATS)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_sources(conn)
    columns = [("slug", "slug"), ("published", "published"), ("publisher", "publisher"), ("events", "events"), ("mentions", "mentions"), ("title", "title")]
    _listing(rows, fmt, output, columns)


# ---- export -----------------------------------------------------------------------------


EXPORT_FORMATS = ("csv", "json", "jsonl", "timelinejs", "ics")
GroupOpt = Annotated[str, typer.Option("--group", metavar="BY", help="TimelineJS groups (rows): type or actor (the first actor's state).")]


def with_progress(rows, total_of, label: str):
    """Rows passed through unchanged; with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from rows
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = total_of()
    columns = [TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        for i, row in enumerate(rows, 1):
            yield row
            if i % 200 == 0:
                progress.update(task, completed=i)
        progress.update(task, completed=total)


@app.command()
@handle_errors
def export(
    db: DbOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="csv, json, jsonl, timelinejs or ics.")] = "csv",
    output: OutputOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    on: OnOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    status: StatusOpt = None,
    place: PlaceOpt = None,
    text: TextOpt = None,
    source: SourceOpt = None,
    review: ReviewOpt = None,
    limit: LimitOpt = None,
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

    from kpolicy import query, render

    fmt = check_format(format, EXPORT_FORMATS)
    group_by = group.strip().lower()
    if group_by not in ("type", "actor"):
        from kpolicy.errors import BadInput

        raise BadInput(f"--group {group!r} is not type or actor; use --group type or --group actor")
    if bom and fmt != "csv":
        from kpolicy.errors import BadInput

        raise BadInput(f"--bom is for CSV (Excel); drop it for --format {fmt}")
    q = build_query(start, end, on, within, actor, type_, status, place, text, source, review, limit)
    database = open_db(db)
    with database.reading() as conn:
        if fmt == "timelinejs":
            rows = query.iter_detailed(conn, q)
        elif fmt == "ics":
            rows = query.iter_rows(conn, q)
        elif fmt == "csv":
            # plain tuples, streamed: memory stays flat at any size
            _, rows = query.iter_tuples(conn, q, columns=[query.timeline.c[c] for c in query.EXPORT_FIELDS])
        else:
            rows = query.iter_rows(conn, q, columns=[query.timeline.c[c] for c in query.EXPORT_FIELDS])
        first = next(rows, None)  # run the query (and its validation) before opening the output
        stream = itertools.chain([first], rows) if first is not None else iter(())
        stream = with_progress(stream, lambda: query.count_matching(conn, q), f"export {fmt}")
        skipped = 0
        with output_stream(output) as out:
            if bom:
                out.write("\ufeff")
            if fmt == "csv":
                render.write_csv_rows(stream, query.EXPORT_FIELDS, out, raw=raw, exempt=("date", "start", "end"))
            elif fmt == "json":
                render.write_json(stream, out)
            elif fmt == "jsonl":
                render.write_jsonl(stream, out)
            else:
                from kpolicy import exports

                if fmt == "timelinejs":
                    skipped = exports.write_timelinejs(stream, out, group=group_by).skipped_undated
                else:
                    skipped = exports.write_ics(stream, out).skipped_undated
        if skipped:
            typer.echo(f"kpolicy: skipped {skipped} undated event(s): {fmt} needs a date", err=True)


from kpolicy import cli_ingest  # noqa: E402,F401  registers commands
from kpolicy import cli_views  # noqa: E402,F401  registers search and plot


def main() -> None:
    app(prog_name="kpolicy")


if __name__ == "__main__":
    main()

