"""`kpolicy init` and `kpolicy seed`: creating, upgrading and seeding a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import TARGET_KEY, app, get_current_context, handle_errors, keep_open, open_db, read_article
from kpolicy.cli.options import DbOpt


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
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import connect_for_init, resolve
    from kpolicy.store.schema import SCHEMA_REVISION

    get_current_context().meta[TARGET_KEY] = resolve(db)
    database, _ = connect_for_init(db)
    keep_open(database)
    summary = initialise(database, with_seed=seed, read=read_article)
    before = database.revision_before  # read again inside the write lock
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
    article_root: Annotated[
        Optional[Path],
        typer.Option(
            "--article-root",
            metavar="DIR",
            help="Allow an annotation's article.file anywhere inside DIR (default: only inside the annotation's own folder).",
        ),
    ] = None,
    by: Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who loads it (default: $KPOLICY_USER, else your OS user).")] = None,
) -> None:
    """Load the bundled article and its curated events (again: a no-op when present).

    Every annotation is validated first; a bad file loads nothing and names the
    event and the reason. With --annotation, your own curated files are loaded the
    same way (see data/annotations/ for the format), all of them in one transaction.
    An annotation of an article already ingested replaces its extracted events by
    the curated ones, as one change that `kpolicy undo` can revert.

    \b
    Examples:
      kpolicy seed --db korea.db
      kpolicy seed --db korea.db --annotation notes/kcna-2019-12-31.yaml
    """
    from kpolicy.store.bootstrap import seed as run_seed

    if annotation:
        from kpolicy.curate.seeding import replace_extracted
        from kpolicy.authority import load_gazetteer
        from kpolicy.ingest import article_text
        from kpolicy.records import StoreSummary
        from kpolicy.store.annotations import load_annotation
        from kpolicy.store.articles import source_exists, store_article, sync_reference

        gazetteer = load_gazetteer()
        root = article_root.expanduser() if article_root is not None else None
        loaded = [load_annotation(path.expanduser(), gazetteer, article_root=root, read=article_text) for path in annotation]  # validate before opening
        database = open_db(db)
        summary, replaced = StoreSummary(), []
        with database.writing() as conn:  # all of them in one transaction
            sync_reference(conn, gazetteer)
            for item in loaded:
                if source_exists(conn, item.source):
                    replaced.append(replace_extracted(conn, item, by=by))
                else:
                    summary.add(store_article(conn, item.source, item.events, by=by, action="seed"))
        if summary.sources:
            typer.echo(f"kpolicy: seeded {summary.sources} article(s): {summary.events} events, {summary.mentions} mentions", err=True)
        for r in replaced:
            if r["change"] is None:
                typer.echo(f"kpolicy: {r['source']} is already in the database with no extracted events left to replace; "
                           "nothing changed (edit its events with `kpolicy edit`)", err=True)
            else:
                typer.echo(f"kpolicy: {r['source']} was already ingested: replaced its {r['replaced']} extracted event(s) by "
                           f"{r['created']} curated one(s) (change {r['change']}; `kpolicy undo {r['change']}` reverts it)", err=True)
        return
    summary = run_seed(open_db(db), read=read_article, by=by)
    if summary.sources:
        typer.echo(f"kpolicy: seeded {summary.sources} article(s): {summary.events} events, {summary.mentions} mentions", err=True)
    else:
        typer.echo("kpolicy: the bundled article is already in the database; nothing changed", err=True)


@app.command(short_help="Where the database is: path or URL, engine, schema revision, counts, size.")
@handle_errors
def info(
    db: DbOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table or json.")] = "table",
) -> None:
    """Where the database is (path or URL), its engine, schema revision, counts and size.

    Counts are of sources, events, mentions and changes (the edit history); size is
    the file's (and its -wal's) for SQLite, pg_database_size for PostgreSQL. A
    database that does not exist yet is named and left uncreated. Use it to find
    the default database, e.g. to serve it with Datasette.

    \b
    Examples:
      kpolicy info
      kpolicy info --db korea.db --format json
    """
    from kpolicy.cli.output import check_format
    from kpolicy.store.db import connect, describe, resolve
    from kpolicy.views import render

    fmt = check_format(format, ("table", "json"))
    target = resolve(db)
    get_current_context().meta[TARGET_KEY] = target
    if target.path is not None and (not target.path.exists() or target.path.stat().st_size == 0):
        facts = {"database": target.label, "default": target.is_default, "engine": "sqlite", "schema_revision": None,
                 "exists": False}
        if fmt == "json":
            typer.echo(render.dumps(facts))
        else:
            typer.echo(f"database         {render.terminal_safe(target.label)}{' (default)' if target.is_default else ''}\n"
                       "engine           sqlite")
        typer.echo(f"kpolicy: no database there yet; `kpolicy init{'' if target.is_default else ' --db ' + target.label}` creates it", err=True)
        return
    database, _ = connect(db)
    keep_open(database)
    facts = describe(database)
    if fmt == "json":
        typer.echo(render.dumps(facts))
        return
    lines = [f"database         {render.terminal_safe(facts['database'])}{' (default)' if facts['default'] else ''}",
             f"engine           {facts['engine']}",
             f"schema revision  {facts['schema_revision'] or '(empty: `kpolicy init` sets it up)'}"]
    lines += [f"{name:<17}{facts[name]:,}" for name in ("sources", "events", "mentions", "changes")]
    size = f"{facts['size_bytes']:,} bytes"
    if facts.get("wal_bytes"):
        size += f" (+ {facts['wal_bytes']:,} in -wal)"
    lines.append(f"size             {size}")
    typer.echo("\n".join(lines))


@app.command(short_help="Check the database for damage (SQLite's integrity check); exit 1 if damaged.")
@handle_errors
def check(db: DbOpt = None) -> None:
    """Check the database for damage; exit 1 with what to do when it is damaged.

    SQLite: runs PRAGMA integrity_check (every page, index and constraint).
    PostgreSQL, which has no built-in full check: reads every kpolicy table in full,
    the schema revision, and that mentions and event actors point at existing rows.
    Nothing is written.

    \b
    Example:
      kpolicy check --db korea.db
    """
    from kpolicy.errors import DatabaseError
    from kpolicy.store.db import check_integrity, connect, resolve

    target = resolve(db)
    get_current_context().meta[TARGET_KEY] = target
    if target.path is not None and not target.path.exists():
        raise DatabaseError(f"no kpolicy database at {target.label}; nothing to check")
    try:
        database, _ = connect(db)
    except DatabaseError as exc:
        if " is damaged " not in str(exc):
            raise
        typer.echo(f"kpolicy: {exc}", err=True)  # too damaged to open: that is the check's answer
        raise typer.Exit(1) from None
    keep_open(database)
    result = check_integrity(database)
    if result.ok:
        typer.echo(f"kpolicy: {target.label} is sound; checked: {result.checked}", err=True)
        return
    for problem in result.problems:
        typer.echo(f"kpolicy: {problem}", err=True)
    if target.path is not None:
        advice = (f"restore it from a backup, or recover what is left with "
                  f"`sqlite3 {target.label} .recover | sqlite3 recovered.db` and check that one")
    else:
        advice = "restore it from a backup (pg_dump/pg_restore), or ask the server's administrator"
    typer.echo(f"kpolicy: {target.label} is damaged ({len(result.problems)} problem(s) found by {result.checked}); {advice}", err=True)
    raise typer.Exit(1)
