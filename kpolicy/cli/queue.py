"""`kpolicy queue` and `kpolicy worker`: the ingest queue kept in the database, and the processes that empty it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, group_options, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt

queue_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(queue_app, name="queue")

QUEUE_COLUMNS = [("id", "job"), ("status", "status"), ("attempts", "tries"), ("file", "file"), ("worker", "worker"),
                 ("queued", "queued"), ("finished", "finished"), ("reason", "reason"), ("result", "result")]
QUEUE_FIELDS = ("id", "status", "attempts", "file", "path", "worker", "queued", "queued_by", "started", "finished",
                "reason", "result", "source_id", "change")
StatusFilter = Annotated[Optional[str], typer.Option("--status", "-s", metavar="STATUS", help="Only jobs in this state: pending, running, failed or done.")]
QueueLimit = Annotated[Optional[int], typer.Option("--limit", "-n", metavar="N", help="At most N jobs (oldest first).")]


@queue_app.callback()
@handle_errors
def queue(ctx: typer.Context, status: StatusFilter = None, limit: QueueLimit = None, db: DbOpt = None,
          format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """The ingest queue: article files waiting for `kpolicy worker` processes, and what became of each.

    Without a subcommand, lists the jobs, oldest first: pending, running (with the worker
    that holds it), failed (with the reason and its one line) and done (what was stored),
    and counts them on stderr. The queue lives in the database itself, so workers on any
    machine that reaches it (PostgreSQL for a team) share it; docs/team.md sets one up.

    \b
    Examples:
      kpolicy queue add bulletins/ --db postgresql+psycopg://kpolicy_app@dbhost/kpolicy
      kpolicy queue --status failed
      kpolicy queue retry --failed
    """
    group_options(ctx, db=db, status=status, limit=limit, format=format, output=output)
    if ctx.invoked_subcommand is not None:
        return
    from kpolicy.cli.output import check_format, emit, output_stream
    from kpolicy.store import jobs

    fmt = check_format(format)
    jobs.check_status(status)
    database = open_db(db)
    with database.reading() as conn:
        rows = jobs.listing(conn, status, limit)
        counted = jobs.counts(conn)
    typer.echo("kpolicy: " + ", ".join(f"{n} {s}" for s, n in counted.items()) + " job(s)", err=True)
    with output_stream(output) as out:
        emit(rows, fmt, out, QUEUE_COLUMNS, fields=QUEUE_FIELDS, what="jobs")


def queue_add(
    articles: Annotated[Optional[list[Path]], typer.Argument(metavar="[ARTICLE...]", help="Article files or folders (.md .txt .html .pdf .docx, recursively). Default with --manifest: the files it lists.")] = None,
    published: Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Publication date (or YYYY-MM) for files that give none of their own.")] = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", metavar="FILE.csv", help="CSV with a header row: path, published, title, url, publisher (author, site); paths relative to the CSV.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Ingest files that do not read as English too.")] = False,
    article_root: Annotated[Optional[Path], typer.Option("--article-root", metavar="DIR", help="Allow manifest rows and symlinks to name files anywhere inside DIR.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who queued them (recorded on the ingest changes; default: KPOLICY_USER or your login).")] = None,
    db: DbOpt = None,
) -> None:
    """Queue article files for `kpolicy worker` processes to extract and store.

    Each file is kept in the database with its sidecar NAME.meta.yaml and manifest row, so
    a worker on another machine needs no shared folder; it is stored as `kpolicy ingest
    FILE` would store it, one transaction per article, signed by whoever queued it. A file
    already queued (the same bytes) is not queued twice; one that failed is queued again.

    \b
    Examples:
      kpolicy queue add bulletins/ --published 2020-02 --db postgresql+psycopg://kpolicy_app@dbhost/kpolicy
      kpolicy queue add --manifest wires/manifest.csv
    """
    enqueue_command(articles, published, manifest, force, article_root, by, db)


def enqueue_command(articles, published, manifest, force, article_root, by, db) -> None:
    """`queue add` and `ingest --queue`: bad input is refused before the database is opened."""
    from kpolicy.ingest import batch_inputs, walk
    from kpolicy.jobs import enqueue_paths
    from kpolicy.views.render import terminal_safe

    articles, when, root, rows = batch_inputs(articles, published, manifest, article_root, "queue")
    items = list(walk(articles, root))
    database = open_db(db)
    done = enqueue_paths(database, items, default_published=when, manifest=rows, force=force, by=by)
    tally: dict[str, int] = {}
    for item in done:
        tally[item.what] = tally.get(item.what, 0) + 1
        if item.what == "skipped":
            typer.echo(f"kpolicy: skipped: {terminal_safe(item.message or str(item.path))}", err=True)
        elif item.what not in ("queued", "requeued"):
            typer.echo(f"kpolicy: {terminal_safe(item.path.name)} is queued already (job {item.job}, {item.what})", err=True)
    words = {"queued": "queued", "requeued": "queued again after failing", "skipped": "skipped as unreadable"}
    parts = [f"{tally[k]} {words.get(k, 'already in the queue (' + k + ')')}" for k in
             ("queued", "requeued", "pending", "running", "done", "failed", "skipped") if tally.get(k)]
    typer.echo(f"kpolicy: {', '.join(parts) or 'nothing queued'}; `kpolicy worker` takes them, `kpolicy queue` shows them",
               err=True)
    if tally.get("skipped"):
        raise typer.Exit(1)


def queue_retry(
    ids: Annotated[Optional[list[int]], typer.Argument(metavar="[JOB...]", help="Failed jobs to queue again (`kpolicy queue --status failed`).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every failed job.")] = False,
    db: DbOpt = None,
) -> None:
    """Queue failed jobs again (after a worker died on them, or a defect was fixed).

    \b
    Examples:
      kpolicy queue retry 12 14
      kpolicy queue retry --failed
    """
    from kpolicy.errors import BadInput
    from kpolicy.store import jobs

    if not ids and not failed:
        raise BadInput("name the failed jobs to retry (`kpolicy queue --status failed` lists them), or give --failed")
    database = open_db(db)
    with database.bookkeeping() as conn:
        n = jobs.retry(conn, list(ids or []) or None)
    typer.echo(f"kpolicy: {n} failed job(s) queued again", err=True)


queue_app.command("add")(handle_errors(queue_add))
queue_app.command("retry")(handle_errors(queue_retry))


@app.command()
@handle_errors
def worker(
    db: DbOpt = None,
    until_empty: Annotated[bool, typer.Option("--until-empty", help="Stop when no job is pending or running (one another worker holds is waited for: its worker may die). Default: keep waiting for new jobs.")] = False,
    max_jobs: Annotated[Optional[int], typer.Option("--max-jobs", min=1, metavar="N", help="Stop after N jobs.")] = None,
    lease: Annotated[float, typer.Option("--lease", min=1.0, max=3600.0, metavar="SECONDS", help="How long a taken job stays this worker's without a heartbeat (default 60); a killed worker's job is taken again after it.")] = 60.0,
    poll: Annotated[float, typer.Option("--poll", min=0.1, max=600.0, metavar="SECONDS", help="How often an idle worker looks for new jobs (default 2).")] = 2.0,
    extractor: Annotated[Optional[str], typer.Option("--extractor", metavar="rules|learned", help="What decides the events (default: the database's learned model when it has one, else the rules).")] = None,
) -> None:
    """Take jobs from the ingest queue, extract them and store them; run one on each machine.

    Each job is taken in a short transaction (on PostgreSQL `SELECT ... FOR UPDATE SKIP
    LOCKED`: workers never wait on or take the same job), extracted while a heartbeat
    keeps the worker's lease on it, and stored in ONE transaction with its job marked done,
    through the same write path as `kpolicy ingest`. A killed worker stores nothing of its
    job, and the job is taken again when its lease runs out; a dropped database connection
    is retried with backoff. One line per job on stderr. Stop it with Ctrl-C or SIGTERM:
    the job in hand goes back to the queue.

    \b
    Examples:
      kpolicy worker --db postgresql+psycopg://kpolicy_app@dbhost/kpolicy
      kpolicy worker --until-empty --db korea.db
    """
    import signal

    from kpolicy.errors import BadInput
    from kpolicy.ingest import database_extractor
    from kpolicy.jobs import run_worker, worker_name

    if extractor not in (None, "rules", "learned"):
        raise BadInput(f"unknown extractor {extractor!r}; use --extractor rules or --extractor learned")
    database = open_db(db)
    chosen = database_extractor(database, extractor)
    name = worker_name()

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    typer.echo(f"kpolicy: worker {name} on {database.target.label}", err=True)
    try:
        summary = run_worker(database, extractor=chosen, lease=lease, poll=poll, until_empty=until_empty,
                             max_jobs=max_jobs, name=name, on_event=lambda line: typer.echo(f"kpolicy: {line}", err=True))
    finally:
        signal.signal(signal.SIGTERM, previous)
    typer.echo(f"kpolicy: worker {name} stops: {summary.done} job(s) stored ({summary.events} events new, "
               f"{summary.merged} merged), {summary.failed} failed" + (f", {summary.lost} taken over by another worker"
                                                                     if summary.lost else ""), err=True)
