"""Articles in, events out: read a file, resolve its metadata, extract, store.

`prepare(path, published=...)` reads one article (.md, .txt, .html, .pdf, .docx) and
returns its SourceRecord and extracted events. `ingest_batch` runs a folder of thousands:
a process pool reads and extracts while this process stores, one transaction per
article, in the order of the files; a bad file is reported and skipped, a text already
stored is skipped before it is extracted (so an interrupted run resumes where it
stopped), and at most a few articles are in memory at once.

Metadata precedence, highest first: the command's own options (`extract --title` ...),
the `--manifest` row, the sidecar `NAME.meta.yaml`, the file's front matter, what the
document says of itself (PDF info, web page meta tags, Word properties), and for the
publication date only, the batch's `--published`.
"""

from __future__ import annotations

import csv
import errno
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from kpolicy.errors import BadInput, RuntimeFailure
from kpolicy.extract.publication import UNRELIABLE
from kpolicy.extract.text import FORMATS_TEXT, SUPPORTED_SUFFIXES, ArticleProblem, Document, read_document, safe_yaml_load
from kpolicy.records import EventRecord, SourceRecord, StoreSummary, check_source_url

ARTICLE_GLOBS = tuple(f"*{s}" for s in sorted(SUPPORTED_SUFFIXES) if s)
META_FIELDS = ("published", "title", "url", "publisher", "author", "site")
SIDECAR_SUFFIX = ".meta.yaml"


@dataclass
class Prepared:
    document: Document
    source: SourceRecord
    events: list  # kpolicy.extract.ExtractedEvent
    took_default: bool = False  # the publication date came from the batch's --published

    def extract(self, extractor=None, explain: bool = False) -> None:
        """Extract the events of the document's text with `extractor`."""
        from kpolicy.extract import extract_events

        self.events = extract_events(self.document.text, self.source.reference, extractor=extractor, explain=explain)

    def records(self) -> list[EventRecord]:
        """The events as the store takes them, mentions carrying their page for a PDF."""
        records = [e.to_record() for e in self.events]
        if self.document.pages:
            for record in records:
                for m in record.mentions:
                    m.page = self.document.page_at(m.char_start)
        return records


def article_text(path: Path) -> str:
    """An article file's plain text, as extraction reads it: the reader the store is handed
    for annotations and the seed (kpolicy.store.annotations.ArticleReader)."""
    return read_document(path).text


def published_date(value, where: str, source: str | None = None):
    """A publication date (kpolicy.extract.publication.Publication: a day or a month) from a value
    given as a date, YYYY-MM-DD, YYYY-MM, 'May 2023' or 'Published May 2023'; ArticleProblem else."""
    from kpolicy.extract.publication import Publication, parse_published

    if isinstance(value, Publication):
        return value if value.source or source is None else replace(value, source=source)
    found = parse_published(value, source)
    if found is None:
        raise ArticleProblem("bad-metadata", f"{where}: published date {value!r} is not YYYY-MM-DD or YYYY-MM; give --published 2020-02-05 (or 2020-02 when only the month is known)")
    return found


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80] or "article"


def _text_field(meta: dict, key: str, where: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (list, dict, set, tuple)):
        kind = "a list" if isinstance(value, (list, set, tuple)) else "a mapping"
        raise ArticleProblem("bad-metadata", f"{where}: `{key}` must be text, not {kind}; quote it: {key}: \"...\"")
    if isinstance(value, bool):
        raise ArticleProblem("bad-metadata", f"{where}: `{key}` must be text, not {str(value).lower()}; quote it: {key}: \"...\"")
    text = str(value).strip()
    return text or None


def sidecar_path(path: Path) -> Path | None:
    """NAME.meta.yaml beside the article: `report.pdf.meta.yaml` or `report.meta.yaml`."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict:
    from kpolicy.extract.text import read_capped, decode_text

    import yaml

    try:
        meta = safe_yaml_load(decode_text(read_capped(path, 1_000_000), path), str(path)) or {}
    except yaml.YAMLError:
        raise ArticleProblem("bad-metadata", f"{path} is not valid YAML; fix it or remove it") from None
    if not isinstance(meta, dict):
        raise ArticleProblem("bad-metadata", f"{path} must be a YAML mapping (published: ..., title: ...)")
    return meta


MANIFEST_FIELD_LIMIT = 128 * 1024  # the csv module's default: a manifest holds paths and short metadata


def load_manifest(path: Path, article_root: Path | None = None) -> dict[Path, dict]:
    """The manifest read under its own field cap. The csv module's limit is process-wide and
    a dataset import raises it for long rows, so the cap is set here and put back after."""
    previous = csv.field_size_limit(MANIFEST_FIELD_LIMIT)
    try:
        return _load_manifest(path, article_root)
    finally:
        csv.field_size_limit(previous)


def _load_manifest(path: Path, article_root: Path | None = None) -> dict[Path, dict]:
    """--manifest FILE.csv: a header row naming `path` and any of published, title, url,
    publisher, author, site; paths relative to the manifest's folder. Keyed by real path.

    Every row must name a file inside `article_root` (default: the manifest's own folder),
    symlinks followed, as an annotation's article.file must: a shared manifest cannot pull
    ../../home/private/notes.txt or /etc/passwd into a database that is then shared."""
    from kpolicy.extract.text import decode_text, read_capped

    text = decode_text(read_capped(path, 50_000_000), path)
    root = real_path(article_root if article_root is not None else path.parent)
    reader = csv.DictReader(text.splitlines())
    try:
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise BadInput(f"{path}, line 1: {exc}; a manifest holds paths and short metadata, one row per article") from None
    if "path" not in fields:
        raise BadInput(f"{path}: a manifest needs a header row with a `path` column (and any of {', '.join(META_FIELDS)})")
    unknown = [f for f in fields if f and f != "path" and f not in META_FIELDS]
    if unknown:
        raise BadInput(f"{path}: unknown manifest column(s) {', '.join(unknown)}; use path, {', '.join(META_FIELDS)}")
    out: dict[Path, dict] = {}
    rows = iter(reader)
    line = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's 128 KB limit, a NUL byte
            raise BadInput(f"{path}, line {line + 1}: {exc}; a manifest holds paths and short metadata, one row per article") from None
        line = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        name = row.pop("path", "")
        if not name:
            raise BadInput(f"{path}, line {line}: empty path; give the article's file name")
        target = real_path(Path(name) if os.path.isabs(name) else path.parent / name)
        if not target.is_relative_to(root):
            raise BadInput(f"{path}, line {line}: {name!r} is outside {root}; move the article into the manifest's folder, "
                           "or allow its folder with --article-root DIR")
        meta = {k: v for k, v in row.items() if v}
        if "published" in meta:
            try:
                meta["published"] = published_date(meta["published"], f"{path}, line {line}")
            except ArticleProblem as exc:
                raise BadInput(str(exc)) from None
        out[target] = meta
    return out


def real_path(path: Path) -> Path:
    """The path with every symlink followed; a symlink loop is left as it stands (never raises)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def prepare(path: Path, published: date | str | None = None, title: str | None = None, url: str | None = None,
            publisher: str | None = None, author: str | None = None, default_published: date | str | None = None,
            external: dict | None = None, force: bool = False, sidecar: bool = True, extractor=None,
            explain: bool = False, extract: bool = True) -> Prepared:
    """Read one article and extract its events (metadata precedence in the module doc) with
    `extractor` ('rules', 'learned' or a loaded model; see kpolicy.extract.extract_events).
    With `extract` false, only read and resolve it (`Prepared.extract` does the rest)."""
    path = Path(path)
    document = read_document(path)
    prepared = _resolve(document, path, published, title, url, publisher, author, default_published, external, force, sidecar)
    if extract:
        prepared.extract(extractor, explain)
    return prepared


def _resolve(document, path, published, title, url, publisher, author, default_published, external, force, sidecar) -> Prepared:
    from kpolicy.extract import publication as pub

    where = str(path)
    # lowest first, each with where its publication date would come from
    layers = [(document.metadata, document.metadata.get("published_from") or pub.FROM_FRONT_MATTER)]
    side = sidecar_path(path) if sidecar else None
    if side is not None:
        layers.append((read_sidecar(side), pub.FROM_SIDECAR))
    if external:
        layers.append((external, pub.FROM_MANIFEST))
    meta: dict = {}
    origin = None  # where meta's publication date came from
    for layer, layer_origin in layers:
        for key in ("date", "published", *META_FIELDS[1:], "id"):
            if layer.get(key) is not None:
                meta["published" if key == "date" else key] = layer[key]
                if key in ("date", "published"):
                    origin = layer_origin
    values = {k: _text_field(meta, k, where) for k in META_FIELDS[1:]}
    took_default = False
    if published is not None:
        when = published_date(published, where, pub.FROM_OPTION)
    elif meta.get("published") is not None and origin not in pub.UNRELIABLE:
        when = published_date(meta["published"], where, origin)
    else:  # the text's own dateline or 'Published ...' line, then a PDF's or Word file's own date, then the batch's
        when = pub.evidence_in_text(document.text)
        if when is None and meta.get("published") is not None:
            when = published_date(meta["published"], where, origin)
        if when is None and default_published is not None:
            when, took_default = published_date(default_published, where, pub.FROM_BATCH), True
    if when is None:
        raise ArticleProblem("no-date", f"{path}: no publication date; give --published YYYY-MM-DD, a `published:` line in the front matter, a {path.name}{SIDECAR_SUFFIX} or a --manifest row")
    if not force:
        from kpolicy.extract.documents import non_english

        why = non_english(document.text)
        if why:
            raise ArticleProblem("non-english", f"{path} does not read as English ({why}); kpolicy's rules are for English text; --force ingests it anyway")
    slug_base = _text_field(meta, "id", where) or path.stem
    try:
        link = check_source_url(url or values["url"], where)
    except BadInput as exc:
        raise ArticleProblem("bad-metadata", str(exc)) from None
    source = SourceRecord(
        slug=slugify(slug_base),
        title=str(title or values["title"] or path.stem),
        published=when.day,
        published_precision=when.precision,
        published_from=when.source,
        text=document.text,
        author=author or values["author"],
        publisher=publisher or values["publisher"],
        url=link,
        site=values["site"],
    )
    return Prepared(document, source, [], took_default)


# ---------------------------------------------------------------- folders

@dataclass
class Unusable:
    """A path that could not even be listed (an unreadable subfolder) or read."""

    path: Path
    reason: str
    message: str


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders as their article files, recursively, sorted (raises on the first unusable entry)."""
    out: list[Path] = []
    for item in walk(paths):
        if isinstance(item, Unusable):
            raise ArticleProblem(item.reason, item.message)
        out.append(item)
    return out


def walk(paths: Iterable[Path], article_root: Path | None = None) -> Iterator[Path | Unusable]:
    """Every article file under `paths`, in sorted order; an unreadable folder is yielded as
    Unusable (reported, never silently skipped). A path that does not exist is bad usage.

    A folder's walk stays inside it (or inside `article_root`, which widens it): a symlink to a
    file or folder outside is reported and skipped, as is a symlink loop; a folder reached twice
    through symlinks is walked once. Files named on the command line are read where they are."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = False
            root = real_path(article_root if article_root is not None else p)
            for item in _walk_dir(p, root, {str(real_path(p))}):
                found = True
                yield item
            if not found:
                raise BadInput(f"{p} holds no {FORMATS_TEXT} articles; name a folder with articles or the files")
        elif not p.exists() and not p.is_symlink():
            raise BadInput(f"{p}: no such file or folder; check the path")
        elif p.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise BadInput(f"{p}: kpolicy reads {FORMATS_TEXT} articles, not {p.suffix!r}; convert it")
        else:
            yield p


def _walk_dir(folder: Path, root: Path, seen: set[str]) -> Iterator[Path | Unusable]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Unusable(folder, "unreadable", f"{folder}: folder cannot be read ({exc.strerror}); check its permissions")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        wanted_file = path.suffix.lower() in SUPPORTED_SUFFIXES
        if entry.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:
                if wanted_file or exc.errno == errno.ELOOP:
                    why = "is a symlink loop" if exc.errno == errno.ELOOP else f"is a broken symlink ({exc.strerror})"
                    yield Unusable(path, "unreadable", f"{path} {why}; remove the link or point it at a file")
                continue
            target = real_path(path)
            if not target.is_relative_to(root):
                if wanted_file or target.is_dir():
                    yield Unusable(path, "outside", f"{path} links to {target}, outside {root}; copy the file into the folder, "
                                   "or allow its folder with --article-root DIR")
                continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            real = str(real_path(path))
            if real not in seen:
                seen.add(real)
                yield from _walk_dir(path, root, seen)
        elif wanted_file and path.suffix:
            yield path


# ---------------------------------------------------------------- storing

def database_gazetteer(database):
    """The shipped authority file with this database's own additions (actors, places and office
    terms added or changed with `kpolicy actors`/`places`), or None when it has none."""
    from kpolicy.authority import load_gazetteer
    from kpolicy.authority.gazetteer import extended
    from kpolicy.store.actors import analyst_entries

    with database.reading() as conn:
        actors, places, terms = analyst_entries(conn)
    if not actors and not places:
        return None
    return extended(load_gazetteer(), actors, places, terms)


def with_database_actors(database, extractor=None):
    """`extractor` finding actors with the database's own additions (kpolicy.extract.WithActors),
    or `extractor` itself when the database has none: the next ingest finds what an analyst added."""
    from kpolicy.extract import WithActors

    if isinstance(extractor, WithActors):
        return extractor
    gazetteer = database_gazetteer(database)
    return extractor if gazetteer is None else WithActors(extractor, gazetteer)


def database_extractor(database, name: str | None = None):
    """The extractor `ingest` and `worker` use on this database: `name` ('rules', 'learned', None:
    the database's learned model when it has one), with the analyst's actors, places and office terms."""
    from kpolicy.learning import resolve_extractor

    with database.reading() as conn:
        chosen = resolve_extractor(name, conn)
    return with_database_actors(database, chosen)


def ingest_one(database, prepared: Prepared | tuple[SourceRecord, list[EventRecord]]) -> StoreSummary:
    """Store one article and its events in ONE transaction."""
    from kpolicy.authority import load_gazetteer
    from kpolicy.store.articles import store_article, sync_reference

    if isinstance(prepared, Prepared):
        source, records = prepared.source, prepared.records()
    else:
        source, records = prepared
    with database.writing() as conn:
        sync_reference_if_needed(conn, load_gazetteer(), sync_reference)
        return store_article(conn, source, records)


def sync_reference_if_needed(conn, gazetteer, sync) -> None:
    import sqlalchemy as sa

    from kpolicy.store import schema

    if conn.execute(sa.select(sa.func.count()).select_from(schema.actors)).scalar_one() == 0:
        sync(conn, gazetteer)


def ingest_paths(database, paths: list[Path], published: date | None = None,
                 progress: Callable[[Path], None] | None = None) -> StoreSummary:
    """Prepare and store every article; each in its own transaction (raises on a bad file)."""
    total = StoreSummary()
    for path in paths:
        prepared = prepare(path, default_published=published)
        total.add(ingest_one(database, prepared))
        if progress:
            progress(path)
    return total


@dataclass
class Outcome:
    """What became of one file of a batch."""

    path: Path
    status: str  # stored | present | skipped
    reason: str | None = None
    message: str | None = None
    summary: StoreSummary | None = None
    took_default: bool = False
    date_from: str | None = None  # where the stored source's publication date came from


@dataclass
class BatchSummary:
    total: StoreSummary = field(default_factory=StoreSummary)
    stored: int = 0
    present: int = 0
    skipped: dict[str, list[Path]] = field(default_factory=dict)
    took_default: list[Path] = field(default_factory=list)
    unreliable_dates: list[tuple[Path, str]] = field(default_factory=list)  # (file, where its date came from)

    @property
    def n_skipped(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    def add(self, outcome: Outcome) -> None:
        if outcome.status == "skipped":
            self.skipped.setdefault(outcome.reason or "error", []).append(outcome.path)
            return
        if outcome.took_default:
            self.took_default.append(outcome.path)
        if outcome.status == "stored" and outcome.date_from in UNRELIABLE:
            self.unreliable_dates.append((outcome.path, outcome.date_from))
        if outcome.status == "present":
            self.present += 1
            return
        self.total.add(outcome.summary)
        if outcome.summary.sources:
            self.stored += 1
        else:
            self.present += 1


_KNOWN: frozenset[str] = frozenset()
_EXTRACTOR = None  # 'rules', 'learned' or a loaded model: what the batch extracts with


def _init_worker(known: frozenset[str], parent: int | None = None, extractor=None) -> None:
    """A worker's start: the stored texts to skip, the extractor, and (Linux) death with its
    parent, so a killed batch leaves no worker behind."""
    global _KNOWN, _EXTRACTOR
    _KNOWN = known
    _EXTRACTOR = extractor
    if parent is None:
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _prepare_task(path: Path, external: dict | None, default_published, force: bool):
    """Runs in a worker: read, resolve metadata, skip a stored text, extract. Returns a small
    picklable tuple; never raises for a bad file."""
    from kpolicy.extract import extract_events

    try:
        document = read_document(path)
        prepared = _resolve(document, path, None, None, None, None, None, default_published, external, force, True)
        if prepared.source.sha256 in _KNOWN:
            return ("present", path, prepared.took_default)
        prepared.events = extract_events(document.text, prepared.source.reference, extractor=_EXTRACTOR)
        return ("ok", path, prepared.source, prepared.records(), prepared.took_default)
    except ArticleProblem as exc:
        return ("skip", path, exc.reason, str(exc))
    except BadInput as exc:
        return ("skip", path, "bad-input", str(exc))
    except MemoryError:
        return ("skip", path, "error", f"{path}: out of memory while reading it; split the file")
    except Exception as exc:  # a defect in a reader or the extractor: report the file, keep going
        return ("skip", path, "error", f"{path}: {type(exc).__name__}: {exc} (a kpolicy defect; please report it with the file)")


def warm_up(extractor=None) -> None:
    """Load the extractor's tables (gazetteer, lexicon, lemmas, the model: seconds on first use)
    by extracting one short sentence."""
    from kpolicy.extract import extract_events

    extract_events("North Korea fired a missile on 1 May 2019, officials said.", date(2019, 5, 2), extractor=extractor)


def known_hashes(database) -> frozenset[str]:
    import sqlalchemy as sa

    from kpolicy.store import schema

    with database.reading() as conn:
        return frozenset(conn.execute(sa.select(schema.sources.c.sha256)).scalars())


def ingest_batch(database, items: Iterable[Path | Unusable], *, default_published: date | None = None,
                 manifest: dict[Path, dict] | None = None, force: bool = False, workers: int = 2,
                 on_outcome: Callable[[Outcome], None] | None = None, extractor=None) -> BatchSummary:
    """Extract with `workers` processes (1: in this process) while this process stores, in
    file order, each article in its own transaction. Bad files are skipped and reported
    through `on_outcome`; texts already stored are skipped before extraction."""
    summary = BatchSummary()
    known = known_hashes(database)
    manifest = manifest or {}
    extractor = with_database_actors(database, extractor)  # the analyst's actors: the next ingest finds them

    def finish(outcome: Outcome) -> None:
        summary.add(outcome)
        if on_outcome:
            on_outcome(outcome)

    def store(result) -> Outcome:
        kind, path = result[0], result[1]
        if kind == "skip":
            return Outcome(path, "skipped", result[2], result[3])
        if kind == "present":
            return Outcome(path, "present", took_default=result[2])
        _, _, source, records, took_default = result
        stored = ingest_one(database, (source, records))
        return Outcome(path, "stored" if stored.sources else "present", summary=stored, took_default=took_default,
                       date_from=source.published_from)

    def tasks():
        for item in items:
            if isinstance(item, Unusable):
                yield item
            else:
                yield (item, manifest.get(real_path(item)))

    if workers <= 1:
        _init_worker(known, None, extractor)
        for task in tasks():
            if isinstance(task, Unusable):
                finish(Outcome(task.path, "skipped", task.reason, task.message))
                continue
            finish(store(_prepare_task(task[0], task[1], default_published, force)))
        return summary

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        warm_up(extractor)  # the gazetteer, lexicon and lemma tables load once here; forked workers share them
    # no database connection may be inherited by a worker: a forked copy of a PostgreSQL socket
    # would keep a killed writer's transaction (and its lock) open after the writer died
    database.engine.dispose()
    window: deque = deque()
    limit = workers * 3  # articles in flight: memory stays flat however many files there are
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_init_worker, initargs=(known, os.getpid(), extractor)) as pool:
        try:
            for task in tasks():
                if isinstance(task, Unusable):
                    window.append(task)
                else:
                    window.append(pool.submit(_prepare_task, task[0], task[1], default_published, force))
                while len(window) >= limit:
                    _drain_one(window, store, finish)
            while window:
                _drain_one(window, store, finish)
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            raise RuntimeFailure(
                f"an extraction worker died (killed, or out of memory) after {summary.stored} article(s) were stored; "
                "they are kept; run the same command again to resume (stored texts are skipped), or use --workers 1"
            ) from None
        except BaseException:
            for pending in window:
                if not isinstance(pending, Unusable):
                    pending.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return summary


def _drain_one(window: deque, store, finish) -> None:
    head = window.popleft()
    if isinstance(head, Unusable):
        finish(Outcome(head.path, "skipped", head.reason, head.message))
    else:
        finish(store(head.result()))


def batch_inputs(articles, published, manifest, article_root, verb: str):
    """What `ingest` and `queue add` read before the database is opened: the articles (the
    manifest's when none are named), the default publication date, the article root and the
    manifest's rows; bad input raises BadInput naming the option."""
    when = None
    if published:
        try:
            when = published_date(published, "--published")
        except Exception as exc:
            raise BadInput(str(exc)) from None
    root = article_root.expanduser() if article_root is not None else None
    rows = load_manifest(manifest, root) if manifest else {}
    if not articles:
        if not manifest:
            raise BadInput(f"name the articles to {verb} (files or folders), or give --manifest FILE.csv")
        articles = list(rows)
    return articles, when, root, rows
