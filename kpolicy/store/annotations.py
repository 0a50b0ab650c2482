"""Curated annotation files (data/annotations/<article>.yaml) -> source and event records.

A file is all or nothing: any quote not found in the article, unknown actor, type,
status or place, or invalid EDTF date rejects the whole file with a message naming
the file, the event and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput, KpolicyError, suggest
from kpolicy.authority import Gazetteer
from kpolicy.records import EventRecord, MentionRecord, SourceRecord, check_source_url
from kpolicy.vocabulary import EVENT_TYPES, ROLES, STATUSES

# An article file -> its plain text, as extraction reads it (the caller hands it in:
# kpolicy.ingest.article_text; the store reads no article formats itself).
ArticleReader = Callable[[Path], str]

REQUIRED_EVENT_KEYS = ("type", "date", "status", "actors", "title", "quote")

# a source's slug as ingest makes them (kpolicy.ingest.slugify): what an annotation's article.id may be
SOURCE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


@dataclass
class Annotation:
    path: Path
    source: SourceRecord
    events: list[EventRecord]


ANNOTATION_MAX_BYTES = 10_000_000


def _yaml_load(path: Path):
    import yaml

    import os
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such annotation file; check the path") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror}); check the path and permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{path} is a folder; name an annotation file (kpolicy seed --annotation FOLDER/NAME.yaml)")
    # a FIFO or a device is refused before it is opened, a regular file read up to the cap: reading
    # it whole hung on a FIFO and ran out of memory on /dev/zero
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{path} is not a regular file (a pipe, socket or device); save the annotation to a file first")
    if st.st_size > ANNOTATION_MAX_BYTES:
        raise BadInput(f"{path}: {st.st_size / 1e6:.0f} MB is larger than the {ANNOTATION_MAX_BYTES // 1_000_000} MB "
                       "an annotation file may be; split it")
    try:
        with open(path, "rb") as fh:
            data = fh.read(min(st.st_size, ANNOTATION_MAX_BYTES) + 1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror}); check the permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8; re-save it as UTF-8") from None
    from kpolicy import safe_yaml

    try:
        return safe_yaml.load(text, str(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        opened = getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or "syntax error"
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if mark and opened and opened.line != mark.line:
            where += f" (in what opens at line {opened.line + 1})"
        raise BadInput(f"{path}:{where}: YAML {problem}; fix the syntax there") from None


def _text(value, path: Path, what: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadInput(f"{path}: {what} must be a line of text, not {type(value).__name__}; fix it")
    return str(value)


def _as_date(value, path: Path, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"{path}: {what} {value!r} is not a YYYY-MM-DD date; fix it") from None


def _locate(text: str, quote: str, taken: set[tuple[int, int]]) -> tuple[int, int] | None:
    """First occurrence of quote not already used by this event (a quote can repeat, e.g. a caption)."""
    start = text.find(quote)
    while start >= 0:
        span = (start, start + len(quote))
        if span not in taken:
            return span
        start = text.find(quote, start + 1)
    return None


def load_annotation(path: Path, gazetteer: Gazetteer, article_root: Path | None = None, *, read: ArticleReader) -> Annotation:
    """Validate and read one annotation file. Its article.file must resolve (symlinks
    followed) inside `article_root`, by default the annotation's own folder: a shared
    annotation cannot pull /etc/shadow or ../../secrets into a database that is then shared.
    `read` turns the article file into its plain text (kpolicy.ingest.article_text)."""
    doc = _yaml_load(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("article"), dict) or not isinstance(doc.get("events"), list):
        raise BadInput(f"{path}: expected `article:` metadata and an `events:` list; see data/annotations/ for the format")
    meta = doc["article"]
    for key in ("id", "file", "title", "published"):
        if not meta.get(key):
            raise BadInput(f"{path}: article.{key} is missing; add it")
    slug = str(meta["id"]).strip()
    if not SOURCE_SLUG.fullmatch(slug):  # it names the source in URLs (/sources/SLUG) and commands: checked here, where it enters
        shown = slug[:60].encode("unicode_escape").decode("ascii")
        raise BadInput(f"{path}: article.id {shown!r} is not a slug; use lower-case letters, digits and hyphens "
                       "(at most 100), e.g. kcna-2019-12-31")
    article_path = (path.parent / str(meta["file"])).resolve()
    root = (article_root if article_root is not None else path.parent).resolve()
    if not article_path.is_relative_to(root):
        raise BadInput(f"{path}: article.file {str(meta['file'])!r} is outside {root}; "
                       f"move the article beside the annotation, or allow its folder with --article-root DIR")
    try:
        text = read(article_path)
    except KpolicyError as exc:
        raise BadInput(f"{path}: article.file: {exc}") from None
    source = SourceRecord(
        slug=slug,
        title=_text(meta["title"], path, "article.title"),
        published=_as_date(meta["published"], path, "article.published"),
        text=text,
        author=None if meta.get("author") is None else _text(meta["author"], path, "article.author"),
        publisher=None if meta.get("publisher") is None else _text(meta["publisher"], path, "article.publisher"),
        url=None if meta.get("url") is None else check_source_url(_text(meta["url"], path, "article.url"), f"{path}: article.url"),
        published_from="annotation",
    )
    events = [_event(path, i, item, text, gazetteer) for i, item in enumerate(doc["events"], 1)]
    return Annotation(path, source, events)


def _event(path: Path, index: int, item, text: str, gazetteer: Gazetteer) -> EventRecord:
    label = f"event #{index}"
    if isinstance(item, dict) and item.get("title"):
        label += f" ({str(item['title'])[:50]!r})"

    def bad(reason: str) -> BadInput:
        return BadInput(f"{path}: {label}: {reason}; nothing from this file was loaded")

    if not isinstance(item, dict):
        raise bad("expected a mapping of type, date, status, actors, title, quote")
    missing = [k for k in REQUIRED_EVENT_KEYS if k not in item]
    if missing:
        raise bad(f"missing {', '.join(missing)}")
    etype = str(item["type"])
    if etype not in EVENT_TYPES:
        raise bad(f"unknown type {etype!r}{suggest(etype, EVENT_TYPES)}")
    status = str(item["status"])
    if status not in STATUSES:
        raise bad(f"unknown status {status!r}{suggest(status, STATUSES)}")
    try:
        when = parse_edtf(None if item["date"] is None else str(item["date"]))
    except BadInput as exc:
        raise bad(str(exc).split(";")[0]) from None
    if not isinstance(item["title"], str) or not item["title"].strip():
        raise bad("title must be a line of text")
    if item["actors"] is not None and not isinstance(item["actors"], list):
        raise bad("actors must be a list of names (actors: [North Korea])")
    if item.get("description") is not None and not isinstance(item["description"], str):
        raise bad("description must be text")
    extra = item.get("mentions")
    if extra is not None and not (isinstance(extra, list) and all(isinstance(q, str) for q in extra)):
        raise bad("mentions must be a list of quotes (mentions: [\"first quote\", \"second quote\"])")
    quotes = [item["quote"], *(extra or [])]
    for quote in quotes:
        if not isinstance(quote, str) or not quote.strip():
            raise bad("a quote must be a non-empty exact substring of the article's text")
    try:
        confidence = float(item.get("confidence", 1.0))
    except (TypeError, ValueError):
        confidence = -1.0
    if not 0.0 <= confidence <= 1.0 or isinstance(item.get("confidence"), bool):
        raise bad(f"confidence {item.get('confidence')!r} is not a number from 0 to 1")
    actors: list[tuple[str, str]] = []
    for entry in item["actors"] or []:
        name, role = (entry.get("name"), entry.get("role", "participant")) if isinstance(entry, dict) else (entry, "participant")
        canonical = gazetteer.actor(str(name))
        if canonical is None:
            raise bad(f"unknown actor {name!r}{suggest(str(name), gazetteer.actors)}; add it to data/gazetteer.yaml or fix the name")
        if role not in ROLES:
            raise bad(f"unknown role {role!r} for {name}; use one of {', '.join(ROLES)}")
        if (canonical, role) not in actors:
            actors.append((canonical, role))
    place = None
    if item.get("place"):
        place = gazetteer.place(str(item["place"]))
        if place is None:
            raise bad(f"unknown place {item['place']!r}{suggest(str(item['place']), gazetteer.places)}; add it to the gazetteer's places")
    taken: set[tuple[int, int]] = set()
    mentions = []
    for k, quote in enumerate(quotes):
        span = _locate(text, quote, taken)
        if span is None:
            short = re.sub(r"\s+", " ", quote)[:60]
            raise bad(f"quote {short!r} is not in the article's text (quotes must be exact substrings)")
        taken.add(span)
        first = k == 0
        mentions.append(
            MentionRecord(
                quote=quote,
                char_start=span[0],
                char_end=span[1],
                date_text=item.get("date_text") if first else None,
                date_anchor=str(item["date_anchor"]) if first and item.get("date_anchor") else None,
            )
        )
    return EventRecord(
        type=etype,
        title=str(item["title"]).strip(),
        date=when,
        status=status,
        actors=actors,
        mentions=mentions,
        place=place,
        description=item.get("description"),
        confidence=confidence,
        review="reviewed",
    )


def bundled_annotations() -> list[Path]:
    from importlib.resources import files

    folder = Path(str(files("kpolicy.data") / "annotations"))
    return sorted(folder.glob("*.yaml"))
