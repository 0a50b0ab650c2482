"""Articles in, events out: read a file, resolve its metadata, extract, store.

`prepare(path, published=...)` reads an article (.md, .txt, .html, YAML front matter
for published/title/url/publisher/author) and returns its SourceRecord and extracted
EventRecords; `ingest_paths` stores each article in its own transaction
(Database.writing()), so a failure in one article leaves the others as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kpolicy.errors import BadInput
from kpolicy.records import EventRecord, SourceRecord, StoreSummary
from kpolicy.extract.text import SUPPORTED_SUFFIXES, Document, read_document

ARTICLE_GLOBS = ("*.md", "*.txt", "*.html")


@dataclass
class Prepared:
    document: Document
    source: SourceRecord
    events: list  # kpolicy.extract.ExtractedEvent


def published_date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(f"{where}: published date {value!r} is not YYYY-MM-DD; give --published 2020-02-05") from None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80] or "article"


def prepare(path: Path, published: date | str | None = None, title: str | None = None, url: str | None = None,
            publisher: str | None = None, author: str | None = None, default_published: date | str | None = None) -> Prepared:
    """Read one article and extract its events; options override the front matter, which
    overrides `default_published` (the date given for a batch of files)."""
    from kpolicy.extract import extract_events

    document = read_document(path)
    meta = document.metadata
    when = published if published is not None else meta.get("published") or meta.get("date") or default_published
    if when is None:
        raise BadInput(f"{path}: no publication date; give --published YYYY-MM-DD or a `published:` line in the front matter")
    when = published_date(when, str(path))
    source = SourceRecord(
        slug=slugify(meta.get("id") or path.stem),
        title=str(title or meta.get("title") or path.stem),
        published=when,
        text=document.text,
        author=author or meta.get("author"),
        publisher=publisher or meta.get("publisher"),
        url=url or meta.get("url"),
    )
    return Prepared(document, source, extract_events(document.text, when))


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders as their .md, .txt and .html files, recursively, sorted."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted({f for pattern in ARTICLE_GLOBS for f in p.rglob(pattern) if f.is_file()})
            if not found:
                raise BadInput(f"{p} holds no .md, .txt or .html articles; name a folder with articles or the files")
            out.extend(found)
        elif not p.exists():
            raise BadInput(f"{p}: no such file or folder; check the path")
        elif p.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise BadInput(f"{p}: kpolicy reads .md, .txt and .html articles, not {p.suffix!r}; convert it")
        else:
            out.append(p)
    return out


def ingest_one(database, prepared: Prepared) -> StoreSummary:
    """Store one article and its events in ONE transaction."""
    from kpolicy.extract.gazetteer import load_gazetteer
    from kpolicy.store.articles import store_article, sync_reference

    records: list[EventRecord] = [e.to_record() for e in prepared.events]
    with database.writing() as conn:
        sync_reference_if_needed(conn, load_gazetteer(), sync_reference)
        return store_article(conn, prepared.source, records)


def sync_reference_if_needed(conn, gazetteer, sync) -> None:
    import sqlalchemy as sa

    from kpolicy.store import schema

    if conn.execute(sa.select(sa.func.count()).select_from(schema.actors)).scalar_one() == 0:
        sync(conn, gazetteer)


def ingest_paths(database, paths: list[Path], published: date | None = None,
                 progress: Callable[[Path], None] | None = None) -> StoreSummary:
    """Prepare and store every article; each in its own transaction."""
    total = StoreSummary()
    for path in paths:
        prepared = prepare(path, default_published=published)
        total.add(ingest_one(database, prepared))
        if progress:
            progress(path)
    return total
