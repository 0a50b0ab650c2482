"""`kpolicy extract` and `kpolicy ingest`: articles to events, printed or stored."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt

PublishedOpt = Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Publication date: relative dates ('last year', 'in June') resolve against it. Default: the file's front matter.")]
BatchPublishedOpt = Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Publication date for files whose front matter gives none.")]


@app.command()
@handle_errors
def extract(
    article: Annotated[Path, typer.Argument(metavar="ARTICLE", help="A .md, .txt or .html article.")],
    published: PublishedOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Article title (default: front matter or file name).")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Article URL.")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher.")] = None,
) -> None:
    """Print the events an article states, as JSON Lines; no database is touched.

    One JSON object per event, in the order of first mention: type, title, date (EDTF),
    start, end, precision, status, actors, states, place, quote, char_start, char_end
    (offsets into the article's plain text), date_text, date_anchor, type_rule, date_rule,
    offices (each role word: the office, its holder at the date or null, acting), confidence,
    mentions.
    Metadata may come from YAML front matter (published, title, url, publisher, author).

    \b
    Examples:
      kpolicy extract article.md --published 2020-02-05
      kpolicy extract article.html --published 2019-07-18 | jq .title
    """
    import json

    from kpolicy.ingest import prepare

    prepared = prepare(article, published, title=title, url=url, publisher=publisher)
    out = sys.stdout
    for event in prepared.events:
        out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")


@app.command()
@handle_errors
def ingest(
    articles: Annotated[Optional[list[Path]], typer.Argument(metavar="[ARTICLE...]", help="Article files or folders (.md .txt .html .pdf .docx, recursively). Default with --manifest: the files it lists.")] = None,
    published: BatchPublishedOpt = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", metavar="FILE.csv", help="CSV with a header row: path, published, title, url, publisher (author, site); paths relative to the CSV.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Ingest files that do not read as English too.")] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", min=0, max=64, help="Processes that read and extract while one writer stores (default: up to 2, one per core).")] = 0,
    db: DbOpt = None,
) -> None:
    """Store articles with their extracted events (review state `extracted`).

    Reads Markdown, text, saved web pages (main text only: no navigation, ads or
    comments), PDF (running headers, footers and page numbers dropped, columns in
    reading order, mentions keep their page) and Word .docx. Metadata, highest first:
    --manifest row, sidecar NAME.meta.yaml, front matter, the document's own metadata
    (PDF info, page meta tags, Word properties); --published fills only files with no
    date of their own, and the summary names them.

    Each article is one transaction. A text already in the database is skipped before
    it is extracted, so an interrupted run resumes where it stopped. In a batch, a bad
    file (undecodable, empty, encrypted PDF, not English...) is reported and skipped,
    the rest are stored, and the command ends with a count per reason and exit code 1.
    An event another article already gave gains a mention instead of a duplicate; a
    curated event is never overwritten.

    \b
    Examples:
      kpolicy ingest article.md --published 2020-02-05
      kpolicy ingest bulletins/ --db korea.db
      kpolicy ingest --manifest bulletins/manifest.csv --db korea.db
    """
    from kpolicy.ingest import BatchSummary, ingest_batch, ingest_one, load_manifest, prepare, published_date, walk

    when = None
    if published:
        try:
            when = published_date(published, "--published")
        except Exception as exc:
            from kpolicy.errors import BadInput

            raise BadInput(str(exc)) from None
    rows = load_manifest(manifest) if manifest else {}
    if not articles:
        if not manifest:
            from kpolicy.errors import BadInput

            raise BadInput("name the articles to ingest (files or folders), or give --manifest FILE.csv")
        articles = list(rows)
    single = len(articles) == 1 and not articles[0].is_dir()
    if single:
        # one file named on its own: bad input is exit 2 before any database is touched
        prepared = prepare(articles[0], default_published=when, external=rows.get(articles[0].resolve()), force=force)
        database = open_db(db)
        from kpolicy.ingest import database_gazetteer, reextract

        total = ingest_one(database, reextract(prepared, database_gazetteer(database)))  # with the analyst's actors
        summary = BatchSummary()
        summary.total = total
        summary.stored = total.sources
        summary.present = len(total.skipped)
        if prepared.took_default:
            summary.took_default.append(articles[0])
        _report(summary, published)
        return
    items = list(walk(articles))  # paths only: the texts stream through the workers
    database = open_db(db)
    if not workers:
        workers = min(2, os.cpu_count() or 1)
    n_files = len(items)
    console = _stderr_console()
    show_bar = n_files > 1 and sys.stderr.isatty()

    def report_skip(outcome) -> None:
        if outcome.status == "skipped":
            console.print(f"kpolicy: skipped: {outcome.message}", markup=False, highlight=False, soft_wrap=True)

    if show_bar:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[name]}"))
        with Progress(*columns, transient=True, console=console) as bar:
            task = bar.add_task("ingesting", total=n_files, name="")

            def on_outcome(outcome) -> None:
                report_skip(outcome)
                bar.update(task, advance=1, name=outcome.path.name[:40])

            summary = ingest_batch(database, items, default_published=when, manifest=rows, force=force,
                                   workers=workers, on_outcome=on_outcome)
    else:
        summary = ingest_batch(database, items, default_published=when, manifest=rows, force=force,
                               workers=workers, on_outcome=report_skip)
    _report(summary, published)
    if summary.n_skipped:
        raise typer.Exit(1)


def _report(summary, published: str | None) -> None:
    total = summary.total
    parts = [f"{summary.stored} article(s) stored", f"{summary.present} skipped as already present"]
    if summary.n_skipped:
        reasons = ", ".join(f"{len(paths)} {reason}" for reason, paths in sorted(summary.skipped.items()))
        parts.append(f"{summary.n_skipped} skipped as unusable ({reasons})")
    typer.echo(
        f"kpolicy: {', '.join(parts)}; {total.events} events new, {total.merged} merged into existing events",
        err=True,
    )
    if summary.took_default:
        names = [p.name for p in summary.took_default]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        typer.echo(f"kpolicy: --published {published} was used for {len(names)} file(s) with no date of their own: {shown}", err=True)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
