"""Curation commands: add, edit, review, merge, split, delete, undo, history, `sources remove|edit`.

Each runs one kpolicy.curate call in one write transaction: a bad id, value or quote
fails with one line (exit 2) before anything is committed.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, group_options, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt
from kpolicy.cli.output import check_format, emit, output_stream

ByOpt = Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who makes the change (default: $KPOLICY_USER, else your OS user).")]
ReasonOpt = Annotated[Optional[str], typer.Option("--reason", "-r", metavar="TEXT", help="Why: kept in the history.")]
ActorsOpt = Annotated[Optional[list[str]], typer.Option("--actor", "-a", metavar="NAME[:ROLE]", help="Actor (name or alias) with an optional role: initiator, target or participant (default); repeat.")]

HISTORY_COLUMNS = [("change", "change"), ("at", "at"), ("by", "by"), ("command", "command"), ("event", "event"),
                   ("action", "action"), ("field", "field"), ("old", "old"), ("new", "new"), ("reason", "reason")]
HISTORY_FIELDS = ("revision", "change", "at", "by", "command", "event", "action", "field", "old", "new", "reason")
QUEUE_COLUMNS = [("kind", "kind"), ("id", "event"), ("proposal", "proposal"), ("source", "source"), ("date", "date"),
                 ("type", "type"), ("title", "title"), ("detail", "detail"), ("quote", "quote"), ("cursor", "cursor")]


def say(message: str) -> None:
    typer.echo(f"kpolicy: {message}", err=True)


# ---- add / edit ---------------------------------------------------------------------------------

@app.command()
@handle_errors
def add(
    type_: Annotated[str, typer.Option("--type", "-t", metavar="TYPE", help="Event type (`kpolicy types`).")],
    date: Annotated[str, typer.Option("--date", metavar="EDTF", help="EDTF date: 2019-06-30, 2019-06, 2019-12-28/2019-12-31, 2020-02/..")],
    title: Annotated[str, typer.Option("--title", metavar="TEXT", help="A short title.")],
    actor: ActorsOpt = None,
    status: Annotated[str, typer.Option("--status", "-s", metavar="STATUS", help="occurred, expected or forecast.")] = "occurred",
    place: Annotated[Optional[str], typer.Option("--place", metavar="PLACE", help="A gazetteer place.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", metavar="SLUG", help="The source that states it (`kpolicy sources`).")] = None,
    quote: Annotated[Optional[str], typer.Option("--quote", "-q", metavar="TEXT", help="The exact text of that source that states it (offsets are computed).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="Where it comes from, when no ingested source states it.")] = None,
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Add an event by hand (reviewed), from an exact quote of a source or with a note; prints its id.

    \b
    Examples:
      kpolicy add --type summit --date 2019-06-30 --title "Trump and Kim meet at Panmunjom" \\
          --actor "Donald Trump:participant" --actor "Kim Jong-un:participant" --place Panmunjom \\
          --source changes-in-north-koreas-policy --quote "the meeting in Panmunjom"
      kpolicy add --type statement --date 2020-01-01 --title "New Year address skipped" \\
          --actor "Kim Jong-un" --note "KCNA, 1 Jan 2020"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        event_id = curate.add_event(conn, type=type_, date=date, title=title, actors=actor or [], status=status, place=place,
                                    source=source, quote=quote, note=note, by=by, reason=reason)
    typer.echo(event_id)
    say(f"added event {event_id}; `kpolicy show {event_id}` shows it")


@app.command()
@handle_errors
def edit(
    event_id: Annotated[int, typer.Argument(metavar="ID", help="Event id.")],
    type_: Annotated[Optional[str], typer.Option("--type", "-t", metavar="TYPE", help="New type.")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="EDTF", help="New date (EDTF).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="New title.")] = None,
    status: Annotated[Optional[str], typer.Option("--status", "-s", metavar="STATUS", help="New status.")] = None,
    place: Annotated[Optional[str], typer.Option("--place", metavar="PLACE", help="New place ('' clears it).")] = None,
    actor: Annotated[Optional[list[str]], typer.Option("--actor", "-a", metavar="NAME[:ROLE]", help="Replace all actors by these; repeat.")] = None,
    add_actor: Annotated[Optional[list[str]], typer.Option("--add-actor", metavar="NAME[:ROLE]", help="Add an actor; repeat.")] = None,
    remove_actor: Annotated[Optional[list[str]], typer.Option("--remove-actor", metavar="NAME[:ROLE]", help="Remove an actor (in any role unless one is given); repeat.")] = None,
    reason: ReasonOpt = None,
    if_version: Annotated[Optional[int], typer.Option("--if-version", metavar="N", help="Refuse the edit unless the event is still at version N (`kpolicy show ID` prints it).")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Also accept the event (review state reviewed) in the same change.")] = False,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Correct an event's fields; dates, stored aggregates and the search index follow; prints the new version.

    \b
    Examples:
      kpolicy edit 12 --date 2019-12-28/2019-12-31 --reason "KCNA gives the four days"
      kpolicy edit 20 --type missile_test --add-actor "Kim Jong-un:initiator" --reason "he oversaw it"
      kpolicy edit 9 --title "End-of-2019 deadline" --if-version 3 --reason "shorter"
      kpolicy edit 31 --type sanctions --accept --reason "checked against the source"
    """
    from kpolicy import curate

    changes: dict = {}
    for key, value in (("type", type_), ("date", date), ("title", title), ("status", status), ("place", place)):
        if value is not None:
            changes[key] = value
    if actor:
        changes["actors"] = actor
    if add_actor:
        changes["add_actors"] = add_actor
    if remove_actor:
        changes["remove_actors"] = remove_actor
    if not changes:
        from kpolicy.errors import BadInput

        raise BadInput("nothing to edit; give --type, --date, --title, --status, --place, --actor, --add-actor or --remove-actor")
    database = open_db(db)
    with database.writing() as conn:
        version = curate.edit_event(conn, event_id, changes, reason=reason, by=by, if_version=if_version, accept=accept)
    typer.echo(version)
    say(f"event {event_id} is now at version {version}" + (" and reviewed" if accept else ""))


# ---- review ---------------------------------------------------------------------------------------

review_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(review_app, name="review")


@review_app.callback()
@handle_errors
def review(
    ctx: typer.Context,
    db: DbOpt = None,
    format: FormatOpt = "table",
    output: OutputOpt = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", metavar="N", help="At most N items.")] = None,
    after: Annotated[Optional[str], typer.Option("--after", metavar="CURSOR",
                                                 help="Start after the item with this cursor (the last item's `cursor` in --format json or csv): the next page.")] = None,
) -> None:
    """List what awaits review: extracted events and open proposals, oldest source first.

    A proposal is what a later article or dataset row brought to an existing event — a
    more precise date, actors it lacks, a conflicting date, a dataset's newer title or
    notes for a reviewed event — which is never applied silently.

    \b
    Examples:
      kpolicy review
      kpolicy review accept 3 4 5
      kpolicy review reject 7 --reason "not an event: background"
      kpolicy review accept --proposal 2
      kpolicy review reject --proposal 3 --reason "the article misdates it"
    """
    group_options(ctx, db=db, format=format, output=output, limit=limit)
    if ctx.invoked_subcommand is not None:
        return
    from kpolicy import curate

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = curate.review_queue(conn, limit=limit, after=curate.parse_review_cursor(after) if after is not None else None)
    with output_stream(output) as out:
        if fmt == "table":  # blocks fitted to the terminal, with the quote (a table of eight columns wrapped mid-slug)
            from kpolicy.views import render

            if not render.write_review(rows, out, render.review_width()):
                say("nothing awaits review")
        else:
            emit(rows, fmt, out, QUEUE_COLUMNS)


def _decide(ids: list[int] | None, proposals: list[int] | None, accept: bool, reason, by, db, kind: str | None = None) -> None:
    from kpolicy import curate
    from kpolicy.errors import BadInput

    if not ids and not proposals:
        raise BadInput("give event ids, or --proposal N; `kpolicy review` lists the queue")
    if kind is not None and not proposals:
        raise BadInput("--kind is the kind of an actor an unknown-actor proposal creates; give --proposal N with it")
    database = open_db(db)
    with database.writing() as conn:
        if ids:
            curate.review_events(conn, ids, "accept" if accept else "reject", reason=reason, by=by)
        for p in proposals or []:
            curate.resolve_proposal(conn, p, accept, reason=reason, by=by, kind=kind)
    what = []
    if ids:
        what.append(f"{'accepted' if accept else 'rejected'} event(s) {', '.join(map(str, ids))}")
    if proposals:
        what.append(f"{'accepted' if accept else 'dismissed'} proposal(s) {', '.join(map(str, proposals))}")
    say("; ".join(what))


ProposalOpt = Annotated[Optional[list[int]], typer.Option("--proposal", "-p", metavar="N", help="A proposal number (`kpolicy review` lists them); repeat.")]


@review_app.command("accept")
@handle_errors
def review_accept(
    ids: Annotated[Optional[list[int]], typer.Argument(metavar="ID...", help="Event ids.")] = None,
    proposal: ProposalOpt = None,
    kind: Annotated[Optional[str], typer.Option("--kind", metavar="KIND", help="The kind of the actor an unknown-actor proposal creates (state, person, party, organ, agency, armed_force, media, international_organisation, alliance, group). Default: group.")] = None,
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Mark events reviewed, or accept proposals (their date, actors or fields are applied).

    A proposal of names the actor registry did not know (an import's unknown actors)
    creates each still-unknown name as your actor (`--kind`, default group) and names it on
    the event, in one change: `kpolicy undo` takes back both.

    \b
    Examples:
      kpolicy review accept 3 4 5
      kpolicy review accept --proposal 2 --reason "KCNA confirms 30 June"
      kpolicy review accept --proposal 9 --kind party
    """
    _decide(ids, proposal, True, reason, by, db, kind)


@review_app.command("reject")
@handle_errors
def review_reject(
    ids: Annotated[Optional[list[int]], typer.Argument(metavar="ID...", help="Event ids.")] = None,
    proposal: ProposalOpt = None,
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Reject events (kept, out of the default timeline; `--review rejected` lists them), or dismiss proposals.

    \b
    Examples:
      kpolicy review reject 7 --reason "background, not an event"
      kpolicy review reject --proposal 3 --reason "misdated"
    """
    _decide(ids, proposal, False, reason, by, db)


# ---- merge / split / delete / undo ----------------------------------------------------------------

@app.command()
@handle_errors
def merge(
    keep: Annotated[int, typer.Argument(metavar="KEEP", help="The event that stays.")],
    others: Annotated[list[int], typer.Argument(metavar="OTHER...", help="Events folded into it: their mentions move, their ids redirect.")],
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Merge duplicates: every mention of OTHER moves to KEEP; OTHER's id redirects to KEEP.

    \b
    Example:
      kpolicy merge 13 18 --reason "the same plenum statement"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        change = curate.merge_events(conn, keep, others, reason=reason, by=by)
    say(f"merged {', '.join(map(str, others))} into {keep} (change {change}; `kpolicy undo {change}` reverts it)")


@app.command()
@handle_errors
def split(
    event_id: Annotated[int, typer.Argument(metavar="ID", help="The event to split.")],
    mention: Annotated[list[int], typer.Option("--mention", "-m", metavar="N", help="A mention id (`kpolicy show ID` lists them as 'mention N'); repeat.")],
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Split mentions off an event into a new event (fields copied, ready to edit); prints the new id.

    The new event starts unreviewed (`extracted`, in `kpolicy review`), whatever the
    original's state: its title and fields are the original's until you edit them.

    \b
    Example:
      kpolicy split 20 --mention 31 --reason "a different test"
      kpolicy edit 32 --date 2019-10-02 --title "SLBM test" --reason "after the split"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        new_id = curate.split_event(conn, event_id, mention, reason=reason, by=by)
    typer.echo(new_id)
    say(f"split mention(s) {', '.join(map(str, mention))} of event {event_id} into event {new_id}")


@app.command()
@handle_errors
def delete(
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Event ids.")],
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Delete events: they become tombstones (ids never reused; `show` explains; `undo` restores).

    \b
    Example:
      kpolicy delete 14 --reason "not an event: background"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        change = curate.delete_events(conn, ids, reason=reason, by=by)
    say(f"deleted event(s) {', '.join(map(str, ids))} (change {change}; `kpolicy undo {change}` restores them)")


@app.command()
@handle_errors
def undo(
    change: Annotated[int, typer.Argument(metavar="CHANGE", help="A change number (`kpolicy history` lists them).")],
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Revert a change by a new change (nothing is lost: the undo can itself be undone).

    A change that a later one built on (the same field changed again) is refused:
    undo the later one first. An ingest is undone with `kpolicy sources remove`.

    \b
    Examples:
      kpolicy history --limit 5
      kpolicy undo 41 --reason "wrong merge"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        new_change = curate.undo_change(conn, change, reason=reason, by=by)
    typer.echo(new_change)
    say(f"undid change {change} (as change {new_change})")


@app.command()
@handle_errors
def history(
    event_id: Annotated[Optional[int], typer.Argument(metavar="[ID]", help="Only this event's revisions.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN", help="From this date, time (UTC) or change number on.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Only changes by NAME.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", metavar="N", help="At most N revisions.")] = None,
    db: DbOpt = None,
    format: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Who changed what, when and why: revisions, newest first.

    Each row is one field of one event (old and new value as JSON) within a change
    (one command: its number, time in UTC, who, the command and the reason).

    \b
    Examples:
      kpolicy history 12
      kpolicy history --since 2026-12-01 --by alice
      kpolicy history --format csv -o history.csv
    """
    from kpolicy import curate

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = curate.history(conn, event_id, since=since, by=by, limit=limit)
        if fmt in ("table", "csv"):
            from kpolicy.views.render import dumps

            def cell(v):
                return None if v is None else (v if isinstance(v, str) else dumps(v))

            rows = ({**r, "old": cell(r["old"]), "new": cell(r["new"])} for r in rows)
        cut = []
        if fmt == "table":  # only the table shortens, and says so; csv and json give every value whole
            rows = ({**r, "old": _short(r["old"], cut), "new": _short(r["new"], cut)} for r in rows)
        with output_stream(output) as out:
            if not emit(rows, fmt, out, HISTORY_COLUMNS, fields=HISTORY_FIELDS) and fmt == "table":
                say("no revisions match")
        if cut:
            say(f"{len(cut)} value(s) longer than {SHORT} characters are cut short in the table, marked ' …[cut]'; "
                "`--format csv` or `--format json` gives them whole")


SHORT = 40  # the widest old/new value `history`'s table shows whole
CUT_MARK = " …[cut]"


def _short(text, cut: list, width: int = SHORT):
    if text is None or len(text) <= width:
        return text
    cut.append(1)
    return text[: width - len(CUT_MARK)].rstrip() + CUT_MARK


# ---- sources remove / edit ------------------------------------------------------------------------

def sources_remove(
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="The source (`kpolicy sources`).")],
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Undo an ingest: the source's mentions go; events only it supported are deleted, unless reviewed (kept, flagged).

    Nothing is lost: the text and every mention stay in the history, and
    `kpolicy undo CHANGE` puts them back.

    \b
    Example:
      kpolicy sources remove kcna-2020-01-01 --reason "wrong file"
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        change = curate.remove_source(conn, slug, reason=reason, by=by)
    say(f"removed source {slug} (change {change}; `kpolicy undo {change}` restores it)")


def sources_edit(
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="The source (`kpolicy sources`).")],
    published: Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Corrected publication date (YYYY-MM when only the month is known): dates are re-resolved.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="Corrected title.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", metavar="URL", help="Corrected URL.")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", metavar="TEXT", help="Corrected publisher.")] = None,
    reason: ReasonOpt = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Correct a source's metadata. A new --published re-resolves the dates and statuses
    of its extracted events exactly as a fresh `kpolicy extract` of the stored text against
    that date gives them, as revisions; a reviewed event gets a proposal instead.

    \b
    Examples:
      kpolicy sources edit kcna-2020-01-01 --published 2021-01-01 --reason "the file was misdated"
      kpolicy sources edit changes-in-north-koreas-policy --url https://pism.pl/publications/Changes_in_North_Koreas_Policy
    """
    from kpolicy import curate

    database = open_db(db)
    with database.writing() as conn:
        change = curate.edit_source(conn, slug, published=published, title=title, url=url, publisher=publisher, reason=reason, by=by)
        from kpolicy.store import schema
        import sqlalchemy as sa

        r = schema.revisions
        redated = conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.change_id == change, r.c.field == "date")).scalar_one()
    say(f"edited source {slug} (change {change}); {redated} event date(s) re-resolved")


from kpolicy.cli.queries import sources_app  # noqa: E402

sources_app.command("remove")(handle_errors(sources_remove))
sources_app.command("edit")(handle_errors(sources_edit))
