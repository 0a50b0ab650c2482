"""`kpolicy extract` and `kpolicy ingest`: articles to events, printed or stored."""

from __future__ import annotations

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
    (offsets into the article's plain text), date_text, date_anchor, confidence, mentions.
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
    articles: Annotated[list[Path], typer.Argument(metavar="ARTICLE...", help="Article files or folders (*.md, *.txt, *.html, recursively).")],
    published: BatchPublishedOpt = None,
    db: DbOpt = None,
) -> None:
    """Store articles with their extracted events (review state `extracted`).

    Each article is one transaction: stored whole or not at all. A text already in the
    database is skipped; an event another article already gave (same type family,
    compatible dates, a shared state) gains a mention instead of a duplicate, and a
    curated event is never overwritten. A summary line goes to stderr.

    \b
    Examples:
      kpolicy ingest article.md --published 2020-02-05
      kpolicy ingest articles/ --db korea.db
    """
    from kpolicy.ingest import expand, ingest_one, prepare, published_date
    from kpolicy.records import StoreSummary

    when = published_date(published, "--published") if published else None
    paths = expand(articles)
    # every file is read and extracted before the first write: bad input changes nothing
    prepared = [prepare(p, default_published=when) for p in paths]
    database = open_db(db)
    total = StoreSummary()
    show_bar = len(prepared) > 1 and sys.stderr.isatty()
    if show_bar:
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr_console()) as bar:
            task = bar.add_task("ingesting", total=len(prepared))
            for item in prepared:
                total.add(ingest_one(database, item))
                bar.advance(task)
    else:
        for item in prepared:
            total.add(ingest_one(database, item))
    typer.echo(
        f"kpolicy: {total.sources} article(s) stored, {len(total.skipped)} skipped as already present; "
        f"{total.events} events new, {total.merged} merged into existing events",
        err=True,
    )


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
