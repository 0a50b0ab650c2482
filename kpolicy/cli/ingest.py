"""`kpolicy extract` and `kpolicy ingest`: articles to events, printed or stored."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt

PublishedOpt = Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Publication date (YYYY-MM when only the month is known): relative dates ('last year', 'in June') resolve against it. Default: the file's front matter, else its dateline.")]
ExtractorOpt = Annotated[Optional[str], typer.Option("--extractor", metavar="rules|learned", help="What decides the events: the rules, or the learned models (the package's, or the one `kpolicy learn` kept in the --db database). Default: the database's learned model when it has one, else the rules.")]
BatchPublishedOpt = Annotated[Optional[str], typer.Option("--published", metavar="YYYY-MM-DD", help="Publication date (or YYYY-MM) for files that give none of their own.")]


@app.command()
@handle_errors
def extract(
    article: Annotated[Path, typer.Argument(metavar="ARTICLE", help="A .md, .txt or .html article.")],
    published: PublishedOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Article title (default: front matter or file name).")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Article URL.")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher.")] = None,
    extractor: ExtractorOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Add to each event an `explain` object: per decision (event, type, date, status, actors, merges) the features and weights that decided it, or the rules that did.")] = False,
    db: Annotated[Optional[str], typer.Option("--db", metavar="PATH_OR_URL", help="Read the learned model `kpolicy learn` kept in this database (read only; nothing is written). Default: none.")] = None,
) -> None:
    """Print the events an article states, as JSON Lines; no database is written.

    One JSON object per event, in the order of first mention: type, title, date (EDTF),
    start, end, precision, status, actors, states, place, quote, char_start, char_end
    (offsets into the article's plain text), date_text, date_anchor, type_rule, date_rule,
    offices (each role word: the office, its holder at the date or null, acting), confidence,
    mentions, extractor ('rules' or the learned model's id), and article: the article as
    `ingest` would store it (slug, title, author, publisher, url, published).
    Metadata may come from YAML front matter (published, title, url, publisher, author);
    --title, --url and --publisher override it.
    `--extractor learned` decides with the learned models (docs/extraction.md); a model file
    that is missing, damaged or of another version is refused in one line.

    \b
    Examples:
      kpolicy extract article.md --published 2020-02-05
      kpolicy extract article.html --published 2019-07-18 | jq .title
      kpolicy extract article.md --published 2020-02-05 --extractor learned --explain
    """
    import json

    from kpolicy.ingest import prepare

    chosen = _extractor(extractor, db)
    prepared = prepare(article, published, title=title, url=url, publisher=publisher, extractor=chosen, explain=explain)
    source = prepared.source
    # the article as ingest would store it: --title/--url/--publisher (over the front matter) show here
    about = {"slug": source.slug, "title": source.title, "author": source.author, "publisher": source.publisher,
             "url": source.url,
             "published": f"{source.published:%Y-%m}" if source.published_precision == "month" else source.published.isoformat()}
    out = sys.stdout
    for event in prepared.events:
        out.write(json.dumps({**event.to_json(), "article": about}, ensure_ascii=False) + "\n")


@app.command()
@handle_errors
def ingest(
    articles: Annotated[Optional[list[Path]], typer.Argument(metavar="[ARTICLE...]", help="Article files or folders (.md .txt .html .pdf .docx, recursively). Default with --manifest: the files it lists.")] = None,
    published: BatchPublishedOpt = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", metavar="FILE.csv", help="CSV with a header row: path, published, title, url, publisher (author, site); paths relative to the CSV.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Ingest files that do not read as English too.")] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", min=0, max=64, help="Processes that read and extract while one writer stores (default: up to 2, one per core).")] = 0,
    article_root: Annotated[Optional[Path], typer.Option("--article-root", metavar="DIR", help="Allow manifest rows and symlinks in a folder to name files anywhere inside DIR (default: only inside the manifest's folder, or the folder given).")] = None,
    extractor: ExtractorOpt = None,
    queue: Annotated[bool, typer.Option("--queue", help="Queue the files for `kpolicy worker` processes instead of storing them here (`kpolicy queue add`).")] = False,
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
    curated event is never overwritten. Each mention records its extractor ('rules' or
    the learned model's id).

    A folder's walk and a manifest's rows stay inside the folder (the manifest's own,
    for its rows): a symlink or a row naming a file outside is refused unless
    --article-root DIR allows DIR.

    \b
    Examples:
      kpolicy ingest article.md --published 2020-02-05
      kpolicy ingest bulletins/ --db korea.db --extractor learned
      kpolicy ingest --manifest bulletins/manifest.csv --db korea.db
      kpolicy ingest --queue bulletins/ --db postgresql+psycopg://kpolicy_app@dbhost/kpolicy
    """
    if queue:
        from kpolicy.cli.queue import enqueue_command

        if extractor is not None or workers:
            from kpolicy.errors import BadInput

            raise BadInput("--queue leaves extraction to the workers; give --extractor to `kpolicy worker`, and drop --workers")
        enqueue_command(articles, published, manifest, force, article_root, None, db)
        return
    from kpolicy.extract.publication import UNRELIABLE
    from kpolicy.ingest import BatchSummary, batch_inputs, ingest_batch, ingest_one, prepare, real_path, walk

    articles, when, root, rows = batch_inputs(articles, published, manifest, article_root, "ingest")
    single = len(articles) == 1 and not articles[0].is_dir()
    if extractor not in (None, "rules", "learned"):
        from kpolicy.errors import BadInput

        raise BadInput(f"unknown extractor {extractor!r}; use --extractor rules or --extractor learned")
    if extractor == "learned":  # a damaged shipped model is refused before any database is touched
        from kpolicy.extract.model import shipped_model

        shipped_model()
    if single:
        # one file named on its own: bad input is exit 2 before any database is touched
        prepared = prepare(articles[0], default_published=when, external=rows.get(real_path(articles[0])), force=force,
                           extract=False)
        database = open_db(db)
        prepared.extract(database_extractor(database, extractor))
        total = ingest_one(database, prepared)
        summary = BatchSummary()
        summary.total = total
        summary.stored = total.sources
        summary.present = len(total.skipped)
        if prepared.took_default:
            summary.took_default.append(articles[0])
        if total.sources and prepared.source.published_from in UNRELIABLE:
            summary.unreliable_dates.append((articles[0], prepared.source.published_from))
        _report(summary, published)
        return
    items = list(walk(articles, root))  # paths only: the texts stream through the workers
    database = open_db(db)
    chosen = database_extractor(database, extractor)
    if not workers:
        workers = min(2, os.cpu_count() or 1)
    n_files = len(items)
    console = _stderr_console()
    from kpolicy.views.render import terminal_safe

    show_bar = n_files > 1 and sys.stderr.isatty()

    def report_skip(outcome) -> None:
        if outcome.status == "skipped":
            # the message names the file: an ESC or a bidi override in a file name is shown, not obeyed
            console.print(f"kpolicy: skipped: {terminal_safe(outcome.message)}", markup=False, highlight=False, soft_wrap=True)

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
                                   workers=workers, on_outcome=on_outcome, extractor=chosen)
    else:
        summary = ingest_batch(database, items, default_published=when, manifest=rows, force=force,
                               workers=workers, on_outcome=report_skip, extractor=chosen)
    _report(summary, published)
    if summary.n_skipped:
        raise typer.Exit(1)


def _extractor(name: str | None, db: str | None):
    """`extract`'s extractor: the rules, the shipped model, or the model kept in --db (read only)."""
    from kpolicy.learning import resolve_extractor

    if db is None:
        return resolve_extractor(name)
    database = open_db(db, create=False)
    with database.reading() as conn:
        return resolve_extractor(name, conn)


def database_extractor(database, name: str | None):
    from kpolicy.ingest import database_extractor as chosen

    return chosen(database, name)


@app.command()
@handle_errors
def learn(db: DbOpt = None) -> None:
    """Retrain the learned extractor on this database's own decisions and keep the new model in it.

    The decisions are what analysts did to extracted events: accepted, rejected or deleted
    them, edited their type, date, status or actors, merged or split them (read from the
    events and their history). About a third of the decided events is held out; the new
    model is fitted on the rest together with the corpus examples shipped in the package,
    and the command prints, per decision, how often the current model and the new one
    decide the held-out part as the analyst did. The model is kept in the database (table
    extractor_models, with its id, base model and these figures) and later `extract --db`
    and `ingest` into this database use it. With too few decisions (fewer than 20 decided
    events) it says how many it needs and changes nothing.

    \b
    Examples:
      kpolicy learn --db korea.db
      kpolicy ingest new-bulletins/ --db korea.db      # now extracts with the learned model
    """
    from kpolicy.learning import learn as run

    database = open_db(db, create=False)
    result = run(database)
    typer.echo(f"decision  held-out  before  after   (model {result.model_id}, retrained from {result.base} on "
               f"{result.decided} decided events)")
    for d in ("event", "type", "date", "status", "actor", "merge"):
        b, n = result.before[d]
        a, _ = result.after[d]
        if n:
            typer.echo(f"{d:<9} {n:>8}  {b:.3f}   {a:.3f}")
        else:
            typer.echo(f"{d:<9} {n:>8}  -       -")
    typer.echo(f"kpolicy: kept model {result.model_id} in the database; later extracts and ingests into it use it", err=True)


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
        from kpolicy.views.render import terminal_safe

        names = [terminal_safe(p.name) for p in summary.took_default]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        typer.echo(f"kpolicy: --published {published} was used for {len(names)} file(s) with no date of their own: {shown}", err=True)
    for path, origin in summary.unreliable_dates:
        typer.echo(f"kpolicy: warning: {path.name}: its publication date is the file's {origin.removeprefix('pdf ').removeprefix('docx ')} "
                   f"({'PDF' if origin.startswith('pdf') else 'Word'} metadata, often not the publication's); check it and correct it "
                   f"with `kpolicy sources edit SLUG --published DATE`", err=True)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)

