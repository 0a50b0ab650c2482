"""`kpolicy story new|show|add|move|remove|edit|list|export`: briefings over selected events.

Each writing command is one kpolicy.curate.stories call in one transaction (one change, so
`kpolicy undo` reverts it); a bad id, query or block fails with one line (exit 2) before
anything is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt, OutputOpt
from kpolicy.cli.output import check_format, emit, output_stream

story_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(story_app, name="story")


@story_app.callback()
def story() -> None:
    """Write a briefing over selected events: headings, paragraphs citing events as [#12], events and saved queries, exported with a source for every line.

    \b
    Examples:
      kpolicy story new plenum-2019 --title "The December 2019 plenum"
      kpolicy story add plenum-2019 --event 12
      kpolicy story show changes-in-north-koreas-policy
      kpolicy story export plenum-2019 --format docx -o plenum-2019.docx
    """

SlugArg = Annotated[str, typer.Argument(metavar="STORY", help="The story's name (a slug such as plenum-2019).")]
BlockArg = Annotated[int, typer.Argument(metavar="N", help="Block number, as `kpolicy story show` numbers them.")]
ByOpt = Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who makes the change (default: $KPOLICY_USER, else your OS user).")]
ReasonOpt = Annotated[Optional[str], typer.Option("--reason", "-r", metavar="TEXT", help="Why: kept in the history.")]
IfVersionOpt = Annotated[Optional[int], typer.Option("--if-version", metavar="N", help="Refuse unless the story is still at version N (`kpolicy story show` prints it).")]
EventOpt = Annotated[Optional[int], typer.Option("--event", "-e", metavar="ID", help="An event block: the event's date, title and sources.")]
TextOpt = Annotated[Optional[str], typer.Option("--text", metavar="TEXT", help="A paragraph; cite events inline as [#12].")]
TextFileOpt = Annotated[Optional[Path], typer.Option("--text-file", metavar="FILE", help="A paragraph read from FILE (- for stdin), for long text.")]
HeadingOpt = Annotated[Optional[str], typer.Option("--heading", metavar="TEXT", help="A heading.")]
QueryOpt = Annotated[Optional[str], typer.Option("--query", metavar="FILTERS", help="A saved query: `kpolicy events` filter options in one string (and --story SLUG); its block shows the events that match.")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", metavar="CHANGE", help="Freeze the story at this change number (or 'latest'): its events are shown as the database stood then.")]

EXPORT_FORMATS = ("md", "html", "docx", "pdf", "timelinejs")
LIST_COLUMNS = [("slug", "story"), ("title", "title"), ("author", "author"), ("blocks", "blocks"),
                ("frozen_change", "frozen at"), ("version", "version")]
LIST_FIELDS = ("slug", "title", "author", "blocks", "frozen_change", "version", "updated_at")


def _say(message: str) -> None:
    typer.echo(f"kpolicy: {message}", err=True)


def _content(event, text, text_file, heading, query, *, required: bool = True) -> tuple[str, object] | None:
    """The one block given by the options: (kind, value)."""
    from kpolicy.errors import BadInput

    given = [(k, v) for k, v in (("event", event), ("text", text), ("text", text_file), ("heading", heading), ("query", query))
             if v is not None]
    if len(given) > 1:
        raise BadInput("give one of --event, --text, --text-file, --heading or --query per command")
    if not given:
        if required:
            raise BadInput("give the block: --event ID, --text \"...\", --text-file FILE, --heading \"...\" or --query \"FILTERS\"")
        return None
    kind, value = given[0]
    if isinstance(value, Path):
        value = _read_text(value)
    return kind, value


def _read_text(path: Path) -> str:
    from kpolicy.curate.stories import MAX_TEXT
    from kpolicy.errors import BadInput

    limit = MAX_TEXT * 4 + 1  # bytes: read no more than a block could hold, then let the check say so
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(limit)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit)
    except FileNotFoundError:
        raise BadInput(f"--text-file {path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"--text-file {path} is a folder; give a file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if len(data) == limit:
            text = data[: limit - 4].decode("utf-8", "ignore") + "…" * MAX_TEXT
        else:
            raise BadInput(f"--text-file {path} is not UTF-8 text; re-save it as UTF-8") from None
    if len(data) == limit and len(text) <= MAX_TEXT:
        text += " " * MAX_TEXT  # more than a block holds: the check refuses it whole
    return text


@story_app.command("new")
@handle_errors
def story_new(
    slug: SlugArg,
    title: Annotated[str, typer.Option("--title", metavar="TEXT", help="The story's title.")],
    author: Annotated[Optional[str], typer.Option("--author", metavar="NAME", help="Who wrote it.")] = None,
    as_of: AsOfOpt = None,
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Start a story (empty: add blocks with `kpolicy story add`).

    \b
    Example:
      kpolicy story new plenum-2019 --title "The December 2019 plenum" --author "A. Analyst"
    """
    from kpolicy.curate import stories

    database = open_db(db)
    with database.writing() as conn:
        stories.new_story(conn, slug, title, author=author, as_of=as_of, by=by, reason=reason)
    _say(f"started story {slug}; `kpolicy story add {slug} --event ID` adds an event")


@story_app.command("add")
@handle_errors
def story_add(
    slug: SlugArg,
    event: EventOpt = None,
    text: TextOpt = None,
    text_file: TextFileOpt = None,
    heading: HeadingOpt = None,
    query: QueryOpt = None,
    after: Annotated[Optional[int], typer.Option("--after", metavar="N", help="Put it after block N (0: at the top; default: at the end).")] = None,
    if_version: IfVersionOpt = None,
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a block: an event, a paragraph, a heading or a saved query; prints its number.

    \b
    Examples:
      kpolicy story add plenum-2019 --event 12 --after 3
      kpolicy story add plenum-2019 --query "--actor 'North Korea' --type test --from 2019-05 --to 2019-12"
      kpolicy story add plenum-2019 --text "Pyongyang's deadline passed without a deal [#9]."
      kpolicy story add plenum-2019 --heading "What the plenum decided" --after 0
    """
    from kpolicy.curate import stories

    kind, value = _content(event, text, text_file, heading, query)
    database = open_db(db)
    with database.writing() as conn:
        n = stories.add_block(conn, slug, kind, value, after=after, by=by, reason=reason, if_version=if_version)
    typer.echo(n)
    _say(f"added {'an' if kind == 'event' else 'a'} {kind} block to {slug} as block {n}")


@story_app.command("move")
@handle_errors
def story_move(
    slug: SlugArg,
    block: BlockArg,
    to: Annotated[int, typer.Option("--to", metavar="M", help="The block's new number.")],
    if_version: IfVersionOpt = None,
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Move block N so that it becomes block M.

    \b
    Example:
      kpolicy story move plenum-2019 4 --to 1
    """
    from kpolicy.curate import stories

    database = open_db(db)
    with database.writing() as conn:
        n = stories.move_block(conn, slug, block, to=to, by=by, reason=reason, if_version=if_version)
    _say(f"moved block {block} of {slug} to {n}")


@story_app.command("remove")
@handle_errors
def story_remove(
    slug: SlugArg,
    block: BlockArg,
    if_version: IfVersionOpt = None,
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Take block N out of the story (`kpolicy undo` puts it back).

    \b
    Example:
      kpolicy story remove plenum-2019 2
    """
    from kpolicy.curate import stories

    database = open_db(db)
    with database.writing() as conn:
        stories.remove_block(conn, slug, block, by=by, reason=reason, if_version=if_version)
    _say(f"removed block {block} of {slug}")


@story_app.command("edit")
@handle_errors
def story_edit(
    slug: SlugArg,
    block: Annotated[Optional[int], typer.Argument(metavar="[N]", help="The block to rewrite (with --text, --heading, --event or --query).")] = None,
    event: EventOpt = None,
    text: TextOpt = None,
    text_file: TextFileOpt = None,
    heading: HeadingOpt = None,
    query: QueryOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="A new title.")] = None,
    author: Annotated[Optional[str], typer.Option("--author", metavar="NAME", help="A new author ('' clears it).")] = None,
    as_of: AsOfOpt = None,
    unfreeze: Annotated[bool, typer.Option("--unfreeze", help="Show the events as they are now again (and allow edits).")] = False,
    if_version: IfVersionOpt = None,
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Rewrite block N, or change the story's title or author, or freeze it (--as-of) or unfreeze it.

    A frozen story shows every event as the database stood at that change, so a published
    briefing never changes under its reader; its blocks stay as they are until it is unfrozen.

    \b
    Examples:
      kpolicy story edit plenum-2019 3 --text "The plenum ran from 28 to 31 December [#12]."
      kpolicy story edit plenum-2019 --as-of latest --reason "published"
      kpolicy story edit plenum-2019 --unfreeze
    """
    from kpolicy.curate import stories
    from kpolicy.errors import BadInput

    content = _content(event, text, text_file, heading, query, required=False)
    story_level = title is not None or author is not None or as_of is not None or unfreeze
    if content is None and not story_level:
        raise BadInput("nothing to edit; give N with --text/--heading/--event/--query, or --title, --author, --as-of or --unfreeze")
    if content is not None and block is None:
        raise BadInput("which block? give its number: `kpolicy story edit STORY N --text ...` (`kpolicy story show` numbers them)")
    if content is not None and story_level:
        raise BadInput("rewrite a block or change the story, not both in one command")
    if block is not None and content is None:
        raise BadInput(f"give block {block}'s new content: --text, --heading, --event or --query")
    database = open_db(db)
    with database.writing() as conn:
        if content is not None:
            stories.edit_block(conn, slug, block, content[1], by=by, reason=reason, if_version=if_version)
            what = f"rewrote block {block}"
        else:
            stories.edit_story(conn, slug, title=title, author=author, as_of=as_of, unfreeze=unfreeze, by=by, reason=reason,
                               if_version=if_version)
            what = "unfroze it" if unfreeze else ("froze it" if as_of is not None else "changed its title or author")
    _say(f"story {slug}: {what}")


@story_app.command("list")
@handle_errors
def story_list(db: DbOpt = None, format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv, json or jsonl.")] = "table",
               output: OutputOpt = None) -> None:
    """List the stories: name, title, author, blocks, the change a published one is frozen at.

    \b
    Example:
      kpolicy story list
    """
    from kpolicy.curate import stories

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = stories.list_stories(conn)
    with output_stream(output) as out:
        if not emit(rows, fmt, out, LIST_COLUMNS, fields=LIST_FIELDS) and fmt == "table":
            _say("no stories yet; `kpolicy story new SLUG --title ...` starts one")


@story_app.command("show")
@handle_errors
def story_show(
    slug: SlugArg,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text (numbered blocks with warnings) or json.")] = "text",
    db: DbOpt = None,
    output: OutputOpt = None,
) -> None:
    """Show a story's numbered blocks, their events and a warning under each block whose events
    changed since the story was frozen, or were merged, split or deleted.

    \b
    Examples:
      kpolicy story show changes-in-north-koreas-policy
      kpolicy story show plenum-2019 --format json
    """
    from kpolicy.views import story as views

    fmt = check_format(format, ("text", "json"))
    database = open_db(db)
    doc = views.build(database, slug)
    with output_stream(output) as out:
        if fmt == "json":
            from kpolicy.views.render import dumps

            out.write(dumps(views.to_json(doc)) + "\n")
        else:
            out.write(views.to_text(doc))


@story_app.command("export")
@handle_errors
def story_export(
    slug: SlugArg,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="md, html, docx, pdf or timelinejs.")] = "md",
    db: DbOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export a story as a briefing: Markdown, HTML, DOCX, PDF or TimelineJS, every event line
    footnoted with its sources (publisher, date, URL and the exact quote).

    Markdown and HTML are self-contained files; DOCX has real footnotes and headings in the
    document's styles; PDF is made from the HTML by WeasyPrint, without a browser; TimelineJS
    turns the story's text into slides. Dates read as an analyst writes them ("late December
    2019", "28–31 December 2019", "from February 2020"); forecasts and expected events say so.

    \b
    Examples:
      kpolicy story export plenum-2019 -o plenum-2019.md
      kpolicy story export plenum-2019 --format html -o plenum-2019.html
      kpolicy story export plenum-2019 --format docx -o plenum-2019.docx
    """
    from kpolicy.errors import BadInput
    from kpolicy.views import story as views

    fmt = check_format(format, EXPORT_FORMATS)
    if fmt in ("docx", "pdf") and output is None and sys.stdout.isatty():
        raise BadInput(f"a {fmt.upper()} file is binary; give -o FILE (or redirect stdout to a file)")
    database = open_db(db)
    doc = views.build(database, slug)
    data = views.export(doc, fmt)
    with output_stream(output) as out:
        if isinstance(data, bytes):
            out.flush()
            out.buffer.write(data)
            out.buffer.flush()
        else:
            out.write(data)
    if output is not None:
        _say(f"wrote {slug} ({len(doc.blocks)} blocks, {len(doc.event_ids())} events, {len(doc.notes)} footnotes) to {output}")
