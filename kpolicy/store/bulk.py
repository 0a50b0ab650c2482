"""The bulk write path: many already-distinct events (a dataset export, a benchmark) in one go.

`store_article` is for articles: it looks every event up for a cross-article duplicate,
one statement at a time. A dataset of a million events needs the opposite trade: the
same validation and normalisation (types, statuses, roles, actors by name or alias,
EDTF dates through kpolicy.dates.parse_edtf, the interval index keys) but inserts in
large batches (SQLite: `executemany` of multi-row INSERTs; PostgreSQL: COPY, ids from the
sequences), inside the caller's one transaction (Database.writing): a bad event rejects the
whole load, naming the event and the reason.

    with database.writing() as conn:
        slugs = load_sources(conn, sources)
        summary = load_events(conn, events)

No cross-article dedupe happens here: give it events that are distinct already.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
import itertools
import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema, write
from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput, KpolicyError, RuntimeFailure, suggest
from kpolicy.records import SourceRecord, StoreSummary
from kpolicy.vocabulary import EVENT_TYPES, REVIEW_STATES, ROLES, STATUSES

DEFAULT_BATCH = 20_000
# SQLite's page cache during a bulk load: index pages of a large database stay in memory
# instead of being re-read for every random insert (the default is 2 MB)
SQLITE_CACHE_KB = 128 * 1024
# a load at least this large, and at least as large as what is already stored, builds the
# secondary indexes once at the end instead of updating them row by row (see `deferred`)
DEFER_MIN = 50_000
# the tables a load writes; their plain secondary indexes are what `deferred` drops and rebuilds
LOAD_TABLES = ("events", "event_actors", "mentions", "revisions")
_DEFERRED = "kpolicy.bulk.deferred"  # Connection.info key: a deferred load is in progress


@dataclass(slots=True)
class BulkMention:
    """One mention: the source (by slug), the character span in its text and the quote."""

    source: str
    char_start: int
    char_end: int
    quote: str
    date_text: str | None = None
    date_anchor: str | None = None
    type_rule: str | None = None
    date_rule: str | None = None
    page: int | None = None


@dataclass(slots=True)
class BulkEvent:
    """One event to bulk-load. `date` is EDTF (None for undated); actors are (name or alias, role)."""

    type: str
    title: str
    date: str | None
    status: str
    actors: Sequence[tuple[str, str]]
    mentions: Sequence[BulkMention]
    place: str | None = None
    description: str | None = None
    confidence: float = 1.0
    review: str = "extracted"


# SQLite: rows per INSERT statement. The CHECK constraints with IN lists (status, review,
# precision, role) build their lookup table once per statement execution, so an executemany
# of one-row INSERTs builds it for every row: most of the time of an `events` insert
ROWS_PER_INSERT = 100


@dataclass
class _Writer:
    """Driver-level executemany of prebuilt INSERTs with the dialect's placeholder and value formats."""

    conn: Connection
    placeholder: str = field(init=False)
    rows_per_insert: int = field(init=False)
    copying: bool = field(init=False)
    variables: int = field(init=False)
    _statements: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.placeholder = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self.copying = self.conn.dialect.name == "postgresql"
        self.rows_per_insert, self.variables = 1, 0
        if self.conn.dialect.name == "sqlite":
            driver = self.conn.connection.driver_connection
            self.variables = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(driver, "getlimit") else 999
            self.rows_per_insert = ROWS_PER_INSERT

    def sql(self, table: sa.Table, columns: Sequence[str], rows: int = 1) -> str:
        marks = "(" + ", ".join([self.placeholder] * len(columns)) + ")"
        names = ", ".join(f'"{c}"' for c in columns)
        return f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join([marks] * rows)

    def many(self, sql: str, rows: list) -> None:
        if not rows:
            return
        cursor = self.conn.connection.cursor()
        try:
            cursor.executemany(sql, rows)
        except Exception as exc:  # the driver's own errors: executemany bypasses SQLAlchemy's wrapping
            raise _load_error(exc) from None
        finally:
            cursor.close()

    def copy(self, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """PostgreSQL: stream rows into `table` with COPY FROM STDIN, in the caller's transaction.

        One statement per call instead of one per row (psycopg's executemany sends each row as
        its own INSERT): the difference between about 1,000 and tens of thousands of events per
        second. Values go through psycopg's own text dumpers, as the bound parameters of an INSERT do."""
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = self.conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as stream:
                write_row = stream.write_row
                for row in rows:
                    write_row(row)
        except Exception as exc:  # psycopg's own errors, as in `many`
            raise _load_error(exc) from None
        finally:
            cursor.close()

    def flat(self, table: sa.Table, columns: Sequence[str], values: list) -> None:
        """Insert rows given as one flat list of values (len(columns) per row), many rows per statement
        (SQLite), or all of them in one COPY (PostgreSQL)."""
        width = len(columns)
        rows = len(values) // width
        if not rows:
            return
        if self.copying:
            self.copy(table, columns, (values[i:i + width] for i in range(0, len(values), width)))
            return
        per = max(1, min(self.rows_per_insert, self.variables // width)) if self.variables else 1
        step = per * width
        whole = rows // per * step
        if whole:
            self.many(self._statement(table, columns, per), [values[i:i + step] for i in range(0, whole, step)])
        if whole < len(values):
            self.many(self._statement(table, columns, (len(values) - whole) // width), [values[whole:]])

    def _statement(self, table: sa.Table, columns: Sequence[str], rows: int) -> str:
        key = (table.name, tuple(columns), rows)
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = self.sql(table, columns, rows)
        return found

    def bind(self, column: sa.Column):
        """The dialect's conversion of a column's Python value: what an SQLAlchemy insert binds
        (SQLite stores dates and times as text in SQLAlchemy's own format)."""
        process = column.type.dialect_impl(self.conn.dialect).bind_processor(self.conn.dialect)
        return process if process is not None else (lambda value: value)


def _load_error(exc: Exception) -> KpolicyError:
    """The driver's error from a bulk statement as kpolicy's: a broken constraint is the input's fault."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if type(exc).__name__ in ("IntegrityError", "UniqueViolation", "ForeignKeyViolation", "CheckViolation", "NotNullViolation"):
        return BadInput(f"the load breaks a database constraint ({first}); fix the duplicate or invalid rows")
    return RuntimeFailure(f"database error during bulk load: {first}")


def load_sources(conn: Connection, sources: Iterable[SourceRecord]) -> dict[str, int]:
    """Insert sources (unique slug and text) with one executemany (SQLite) or one COPY (PostgreSQL);
    returns slug -> id for all of them."""
    s = schema.sources
    writer = _Writer(conn)
    stamp = writer.bind(s.c.ingested_at)(write.now())
    day = writer.bind(s.c.published)
    rows, slugs = [], []
    for src in sources:
        if not src.slug or not src.title or not src.text:
            raise BadInput(f"source {src.slug or '(no slug)'!r} needs a slug, a title and a text; fix the record")
        rows.append((src.slug, src.title, src.author, src.publisher, day(src.published), src.url, src.sha256, src.text, stamp))
        slugs.append(src.slug)
    if len(set(slugs)) != len(slugs):
        raise BadInput("two sources share a slug; give each source its own slug")
    cols = ("slug", "title", "author", "publisher", "published", "url", "sha256", "text", "ingested_at")
    if not slugs:
        return {}
    if writer.copying:  # ids from the sequence in one call, the rows in one COPY: no read-back
        ids = conn.exec_driver_sql(f"SELECT nextval((SELECT pg_get_serial_sequence('{s.name}', 'id')::regclass)) "
                                   "FROM generate_series(1, %s)", (len(rows),)).scalars().all()
        writer.copy(s, ("id", *cols), ((source_id, *row) for source_id, row in zip(ids, rows)))
        return dict(zip(slugs, ids))
    writer.many(writer.sql(s, cols), rows)
    found: dict[str, int] = {}
    for start in range(0, len(slugs), 500):
        chunk = slugs[start:start + 500]
        found.update(conn.execute(sa.select(s.c.slug, s.c.id).where(s.c.slug.in_(chunk))).all())
    return found


class _Resolver:
    """Name -> id maps read once, and a cache of parsed dates (datasets repeat them a lot)."""

    def __init__(self, conn: Connection, writer: _Writer, all_sources: bool = True) -> None:
        a, al = schema.actors, schema.actor_aliases
        self.conn = conn
        self.actors: dict[str, int] = {}
        for actor_id, key in conn.execute(sa.select(al.c.actor_id, al.c.alias_key)).all():
            self.actors[key] = actor_id
        self.names: dict[int, str] = {}
        for actor_id, name in conn.execute(sa.select(a.c.id, a.c.name)).all():
            self.actors[name.lower()] = actor_id
            self.names[actor_id] = name
        self.places = dict(conn.execute(sa.select(schema.places.c.name, schema.places.c.id)).all())
        # every stored source (SQLite), or only those the events name, looked up chunk by chunk
        # (`sources_of`: a 10^7-event database has half a million sources, read again by every call)
        self.all_sources = all_sources
        self.sources = dict(conn.execute(sa.select(schema.sources.c.slug, schema.sources.c.id)).all()) if all_sources else {}
        self.day = writer.bind(schema.events.c.start_date)
        self.dates: dict[str | None, tuple] = {}

    def date(self, text: str | None) -> tuple:
        found = self.dates.get(text)
        if found is None:
            cols = write.date_columns(parse_edtf(text))
            lo, hi = cols["start_date"], cols["end_date"]
            found = (
                cols["date"],
                None if lo is None else self.day(lo),
                None if hi is None else self.day(hi),
                cols["precision"],
                cols["span_class"],
                cols["sort_key"],
            )
            self.dates[text] = found
        return found

    def sources_of(self, events: Sequence[BulkEvent]) -> None:
        """Look up the sources these events' mentions name that are not known yet, in one statement."""
        known = self.sources
        missing = list({m.source for ev in events for m in ev.mentions if m.source not in known})
        s = schema.sources
        for start in range(0, len(missing), 10_000):
            chunk = missing[start:start + 10_000]
            known.update(self.conn.execute(sa.select(s.c.slug, s.c.id).where(s.c.slug.in_(chunk))).all())

    def actor(self, name: str) -> int:
        found = self.actors.get(name.strip().lower())
        if found is None:
            raise BadInput(f"unknown actor {name!r}{suggest(name, self.actors)}; add it to the gazetteer first (`kpolicy actors` lists them)")
        return found


class _NextIds:
    """Ids for the new events and mentions, counted on from the highest stored one (SQLite)."""

    def __init__(self, conn: Connection) -> None:
        e, m = schema.events, schema.mentions
        self.events = itertools.count((conn.execute(sa.select(sa.func.max(e.c.id))).scalar() or 0) + 1)
        self.mentions = itertools.count((conn.execute(sa.select(sa.func.max(m.c.id))).scalar() or 0) + 1)

    def reserve(self, events: Sequence[BulkEvent]) -> tuple[Iterator[int], Iterator[int]]:
        return self.events, self.mentions


class _SequenceIds:
    """PostgreSQL: ids for a chunk's events and mentions taken from their sequences, one call each.

    nextval needs only the USAGE right a desk or worker role has on the sequences (setval, which
    moving a sequence past explicitly numbered rows takes, needs UPDATE); a chunk reserves exactly
    the ids it numbers, so the sequences end where a row-by-row load leaves them."""

    def __init__(self, conn: Connection) -> None:
        self.driver = conn.connection.driver_connection
        # each sequence's oid looked up once (as a call in the select list it would run per row)
        self.sequences = {table: conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')::regclass::oid").scalar()
                          for table in ("events", "mentions")}

    def _take(self, table: str, n: int) -> list[int]:
        if not n:
            return []
        with self.driver.cursor() as cursor:
            cursor.execute("SELECT nextval(%s::oid::regclass) FROM generate_series(1, %s)", (self.sequences[table], n))
            return sorted(row[0] for row in cursor.fetchall())

    def reserve(self, events: Sequence[BulkEvent]) -> tuple[Iterator[int], Iterator[int]]:
        return iter(self._take("events", len(events))), iter(self._take("mentions", sum(len(ev.mentions) for ev in events)))


def _chunks(events: Iterable[BulkEvent], size: int) -> Iterator[Sequence[BulkEvent]]:
    if isinstance(events, Sequence):
        for start in range(0, len(events), size):
            yield events[start:start + size]
        return
    it = iter(events)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def load_events(conn: Connection, events: Iterable[BulkEvent], batch_size: int = DEFAULT_BATCH, by: str | None = None,
                defer: bool | None = None) -> StoreSummary:
    """Validate and insert events with their actors and mentions, `batch_size` events per batch
    (multi-row INSERTs on SQLite, one COPY per table on PostgreSQL).

    Runs in the caller's transaction. Sources must be stored first (load_sources or
    store_article); places unknown so far are added. Raises BadInput naming the event
    (its position in `events` and its title) for any invalid field; nothing is kept then,
    as long as the caller's transaction rolls back (Database.writing does).

    `defer`: build the secondary indexes after the load (`deferred`); by default when
    `events` is a sequence of at least DEFER_MIN events and no smaller than the table.
    Inside a `deferred` block the block's own policy applies.
    """
    if conn.info.get(_DEFERRED):
        return _load_events(conn, events, batch_size, by, own_rows=True)
    if defer is None:
        defer = (isinstance(events, Sequence) and len(events) >= DEFER_MIN
                 and len(events) >= (conn.execute(sa.select(sa.func.max(schema.events.c.id))).scalar() or 0))
    if defer:
        with deferred(conn):
            return _load_events(conn, events, batch_size, by, own_rows=True)
    if conn.dialect.name != "sqlite":
        return _load_events(conn, events, batch_size, by, own_rows=False)
    old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    try:
        triggers = suspend_search_triggers(conn)
        summary = _load_events(conn, events, batch_size, by, own_rows=bool(triggers))
        resume_search_triggers(conn, triggers)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={old_cache}")
    return summary


# an event's search row (migration 0016) as kpolicy_event_search_refresh builds it: the title
# weighted A, its quotes in mention order joined by ' … ' weighted D; here from the texts the
# load holds, given as two arrays, one vector (as text, which COPY reads back losslessly) per event
_PG_VECTORS = (
    "SELECT (setweight(to_tsvector('english'::regconfig, u.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(u.quotes, '')), 'D'))::text "
    "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS u(title, quotes, n) ORDER BY u.n"
)
_PG_SEARCH = sa.table("event_search")


class _PgSearchRows:
    """PostgreSQL: the loaded events' tsvector rows, computed on a second connection while the
    load's own connection copies the chunk and the next one is built, then copied into
    event_search inside the load's transaction.

    Stemming every title and quote (to_tsvector) is half of the server's work in a load (in line,
    the load's backend spent 6-7 s of CPU on a 10^5 load, 3.5 s without it). The helper only evaluates the function on texts it
    is sent, so it needs no access to the uncommitted rows; without a second connection (a
    server at its connection limit) the vectors are computed on the load's own one."""

    def __init__(self, conn: Connection, writer: _Writer) -> None:
        self.conn, self.writer = conn, writer
        self.pending: tuple[list, Future] | None = None
        try:
            self.helper = conn.engine.connect()
        except sa.exc.DBAPIError:
            self.helper = None
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="kpolicy-search-rows") if self.helper is not None else None

    def add(self, values: list) -> None:
        """Flat (event id, title, joined quotes) values, three per event (write.search_row)."""
        if not values:
            return
        ids, titles, quotes = values[0::3], values[1::3], values[2::3]
        self.finish_pending()
        if self.worker is None:
            self._store(ids, self._vectors(self.conn, titles, quotes))
        else:
            self.pending = (ids, self.worker.submit(self._vectors, self.helper, titles, quotes))

    def finish_pending(self) -> None:
        if self.pending is not None:
            ids, future = self.pending
            self.pending = None
            self._store(ids, future.result())

    def close(self) -> None:
        """Wait for the helper (its result dropped if finish_pending was not called) and release it."""
        if self.worker is not None:
            self.worker.shutdown(wait=True)
            self.helper.close()
            self.worker = None

    @staticmethod
    def _vectors(conn: Connection, titles: list, quotes: list) -> list[str]:
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(_PG_VECTORS, (titles, quotes))
            return [row[0] for row in cursor.fetchall()]
        except Exception as exc:  # psycopg's own errors
            raise _load_error(exc) from None
        finally:
            cursor.close()

    def _store(self, ids: list, vectors: list[str]) -> None:
        self.writer.copy(_PG_SEARCH, ("event_id", "vector"), zip(ids, vectors))


def _load_events(conn: Connection, events: Iterable[BulkEvent], batch_size: int, by: str | None, own_rows: bool) -> StoreSummary:
    writer = _Writer(conn)
    summary = StoreSummary()
    if conn.dialect.name == "postgresql":
        # the search triggers off for the load (a setting of this transaction); the load writes
        # each chunk's tsvector rows itself (_PgSearchRows)
        previous = conn.exec_driver_sql("SELECT current_setting('kpolicy.search_deferred', true)").scalar() or ""
        conn.exec_driver_sql("SELECT set_config('kpolicy.search_deferred', 'all', true)")
        search = _PgSearchRows(conn, writer)
        try:
            _load(conn, events, batch_size, writer, _Resolver(conn, writer, all_sources=False), summary, [], by,
                  ids=_SequenceIds(conn), search_sink=search.add)
            search.finish_pending()
        finally:
            search.close()
        conn.exec_driver_sql("SELECT set_config('kpolicy.search_deferred', %(mode)s, true)", {"mode": previous})
    else:
        _load(conn, events, batch_size, writer, _Resolver(conn, writer), summary, [] if own_rows else None, by)
    return summary


def suspend_indexes(conn: Connection, tables: Sequence[str] = LOAD_TABLES) -> list[str]:
    """Drop the plain secondary indexes of `tables`; returns the statements that rebuild them.

    Unique constraints (SQLite's autoindexes, which carry no SQL) stay: they are what
    rejects a duplicate, and a load appends to them in key order anyway.

    PostgreSQL: the non-unique indexes (B-tree and the search table's GIN) and the foreign
    keys of `tables`. A foreign key is checked by a trigger per inserted row, an index probe of
    the parent each; adding it back checks the whole table in one join. Returns CREATE INDEX
    statements, then ALTER TABLE ... ADD CONSTRAINT ones, each as the catalog defines it."""
    if conn.dialect.name == "postgresql":
        return _pg_suspend(conn, tables)
    marks = ", ".join("?" * len(tables))
    rows = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def resume_indexes(conn: Connection, indexes: Sequence[str]) -> None:
    for sql in indexes:
        conn.exec_driver_sql(sql)


# PostgreSQL: the tables a deferred load rebuilds the indexes and foreign keys of (the search
# table's GIN index among them); their owner may drop and re-create those, nobody else
PG_DEFER_TABLES = (*LOAD_TABLES, "event_search")
_PG_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relnamespace = current_schema()::regnamespace "
    "AND t.relname = ANY(%(tables)s) AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname"
)
_PG_FOREIGN_KEYS = (
    "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
    "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%(tables)s) "
    "ORDER BY t.relname, c.conname"
)
_PG_OWNS = (
    "SELECT coalesce(bool_and(pg_has_role(relowner, 'USAGE')), false) FROM pg_class "
    "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname = ANY(%(tables)s)"
)
# memory for each rebuilt index's sort (this transaction only; the server default is 64 MB)
PG_INDEX_MEMORY = "256MB"


def _pg_suspend(conn: Connection, tables: Sequence[str]) -> list[str]:
    params = {"tables": list(tables)}
    indexes = conn.exec_driver_sql(_PG_INDEXES, params).all()
    keys = conn.exec_driver_sql(_PG_FOREIGN_KEYS, params).all()
    for table, name, _definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in indexes] + [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                                              for table, name, definition in keys]


@contextmanager
def _pg_deferred(conn: Connection) -> Iterator[None]:
    from psycopg.pq import TransactionStatus  # here: psycopg is the `postgres` extra

    if not conn.exec_driver_sql(_PG_OWNS, {"tables": list(PG_DEFER_TABLES)}).scalar():
        # a role that may not change the schema (team.md's kpolicy_app) loads with everything kept
        yield
        return
    statements = suspend_indexes(conn, PG_DEFER_TABLES)
    conn.info[_DEFERRED] = True
    try:
        yield
    except BaseException:
        conn.info.pop(_DEFERRED, None)
        # a failed statement has aborted the transaction: its rollback restores the schema;
        # a refused event has not, and a caller that goes on gets the indexes back
        if conn.connection.driver_connection.info.transaction_status != TransactionStatus.INERROR:
            _pg_resume(conn, statements)
        raise
    conn.info.pop(_DEFERRED, None)
    _pg_resume(conn, statements)


def _pg_resume(conn: Connection, statements: Sequence[str]) -> None:
    # building an index of ten million rows is one long statement by design: no per-statement
    # limit (kpolicy's connections have one against a hung server) while the load rebuilds
    settings = {"maintenance_work_mem": PG_INDEX_MEMORY, "statement_timeout": "0"}
    previous = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in settings}
    for name, value in settings.items():
        conn.exec_driver_sql("SELECT set_config(%(name)s, %(value)s, true)", {"name": name, "value": value})
    try:
        resume_indexes(conn, statements)
    except sa.exc.DBAPIError as exc:  # a row a foreign key refuses (an event naming a source deleted meanwhile)
        raise _load_error(exc.orig) from None
    for name, value in previous.items():
        conn.exec_driver_sql("SELECT set_config(%(name)s, %(value)s, true)", {"name": name, "value": value})


@contextmanager
def deferred(conn: Connection) -> Iterator[None]:
    """A large load: secondary indexes and the FTS sync triggers off inside, rebuilt once at the end.

    Updating seven B-tree indexes of `events` (and three of its children) in random key
    order costs a page read per insert once they outgrow the page cache; sorting each
    index once after the load (CREATE INDEX) is linear and sequential. The FTS rows are
    written by the load itself, as with suspended triggers. Everything happens in the
    caller's transaction: a failed load rolls the drops back with the rows, and other
    connections never see the schema without its indexes (SQLite DDL is transactional).

        with database.writing() as conn, bulk.deferred(conn):
            for sources, events in chunks:
                bulk.load_sources(conn, sources)
                bulk.load_events(conn, events)

    PostgreSQL: the same with its non-unique indexes, its foreign keys and the search table's
    GIN index (suspend_indexes), the search triggers off by a setting of the transaction
    (load_events builds each chunk's tsvector rows), DDL as transactional as SQLite's. Only the
    tables' owner may do that: for any other role this is a plain block (COPY, indexes kept).
    """
    if conn.info.get(_DEFERRED):
        yield
        return
    if conn.dialect.name == "postgresql":
        with _pg_deferred(conn):
            yield
        return
    if conn.dialect.name != "sqlite":
        yield
        return
    old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    triggers = suspend_search_triggers(conn)
    indexes = suspend_indexes(conn)
    conn.info[_DEFERRED] = True
    try:
        yield
    finally:
        conn.info.pop(_DEFERRED, None)
        try:
            resume_indexes(conn, indexes)
            resume_search_triggers(conn, triggers)
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size={old_cache}")


SEARCH_TABLE = write.SEARCH_TABLE
# the FTS5 table is not in the metadata (migration 0003): a bare Table names it for the writer
_SEARCH = sa.table(SEARCH_TABLE)


def suspend_search_triggers(conn: Connection) -> list[str]:
    """Drop the FTS sync triggers (migration 0003) for a bulk load; returns their SQL.

    The triggers re-index an event's row once per inserted event and again per mention
    (a delete and a re-insert of every quote each time): at 1.7 mentions per event that
    is most of a bulk load's time. The load writes the index rows of its own events
    itself (search_rows) and resume_search_triggers puts the triggers back, all inside
    the caller's one transaction: a failed load rolls the drop back with everything else.
    """
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ORDER BY name", (f"{SEARCH_TABLE}_%",)
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [sql for _name, sql in rows]


def resume_search_triggers(conn: Connection, triggers: list[str]) -> None:
    for sql in triggers:
        conn.exec_driver_sql(sql)


def _load(conn: Connection, events: Iterable[BulkEvent], batch_size: int, writer: _Writer, resolve: _Resolver,
          summary: StoreSummary, search_rows: list | None = None, by: str | None = None,
          ids: _NextIds | _SequenceIds | None = None, search_sink=None) -> None:
    e, ea, m = schema.events, schema.event_actors, schema.mentions
    stamp = writer.bind(e.c.created_at)(write.now())
    ids = ids or _NextIds(conn)
    event_cols = (
        "id", "type", "title", "description", "date", "start_date", "end_date", "span_class", "sort_key",
        "precision", "status", "place_id", "review", "confidence", "created_at", "updated_at",
        "actor_names", "first_mention_id",
    )
    actor_cols = ("event_id", "actor_id", "role")
    mention_cols = ("id", "event_id", "source_id", "char_start", "char_end", "quote", "date_text", "date_anchor",
                    "type_rule", "date_rule", "page")
    revision_cols = ("change_id", "event_id", "action")
    search_cols = ("rowid", "title", "quotes")
    # the history: the load is one change, each event gets a bare 'created' revision (its
    # first state is its row: later revisions hold the old values of what they changed)
    change_id = write.begin_change(conn, "bulk load", by=by)
    # each table's rows as one flat list of values: the writer cuts it into multi-row INSERTs
    event_vals: list = []
    actor_vals: list = []
    mention_vals: list = []
    revision_vals: list = []
    search_vals = search_rows
    types, statuses, reviews, roles = EVENT_TYPES, STATUSES, REVIEW_STATES, ROLES
    sources, places, actor_ids, names = resolve.sources, resolve.places, resolve.actors, resolve.names
    dates, date_of = resolve.dates, resolve.date
    actor_names, search_row = write.actor_names, write.search_row

    def flush() -> None:
        if search_sink is not None:  # PostgreSQL: the search rows start on their own connection first
            search_sink(list(search_vals))
            search_vals.clear()
        writer.flat(e, event_cols, event_vals)
        writer.flat(ea, actor_cols, actor_vals)
        writer.flat(m, mention_cols, mention_vals)
        writer.flat(schema.revisions, revision_cols, revision_vals)
        if search_vals is not None and search_sink is None:  # the FTS rows the suspended triggers would have written
            writer.flat(_SEARCH, search_cols, search_vals)
            search_vals.clear()
        summary.events += len(event_vals) // len(event_cols)
        summary.mentions += len(mention_vals) // len(mention_cols)
        event_vals.clear()
        actor_vals.clear()
        mention_vals.clear()
        revision_vals.clear()

    position = 0
    for chunk in _chunks(events, batch_size):
        event_ids, mention_ids = ids.reserve(chunk)
        if not resolve.all_sources:
            resolve.sources_of(chunk)
        for ev in chunk:
            position += 1
            try:
                if ev.type not in types:
                    raise BadInput(f"unknown type {ev.type!r}{suggest(ev.type, types)}; `kpolicy types` lists them")
                if ev.status not in statuses:
                    raise BadInput(f"unknown status {ev.status!r}; use one of {', '.join(statuses)}")
                if ev.review not in reviews:
                    raise BadInput(f"unknown review state {ev.review!r}; use reviewed or extracted")
                if not ev.title or not ev.title.strip():
                    raise BadInput("the title is empty; give every event a short title")
                if not 0.0 <= ev.confidence <= 1.0:
                    raise BadInput(f"confidence {ev.confidence} is outside 0..1")
                if not ev.mentions:
                    raise BadInput("it has no mention; every event needs the sentence it came from")
                edtf, start, end, precision, span, key = dates.get(ev.date) or date_of(ev.date)
                place_id = None
                if ev.place:
                    place_id = places.get(ev.place)
                    if place_id is None:
                        place_id = conn.execute(schema.places.insert().values(name=ev.place)).inserted_primary_key[0]
                        places[ev.place] = place_id
                event_id = next(event_ids)
                seen = set()
                for name, role in ev.actors:
                    actor_id = actor_ids.get(name.lower())
                    if actor_id is None:
                        actor_id = resolve.actor(name)
                    if role not in roles:
                        raise BadInput(f"unknown role {role!r} for {name!r}; use one of {', '.join(roles)}")
                    if (actor_id, role) not in seen:
                        seen.add((actor_id, role))
                        actor_vals += (event_id, actor_id, role)
                first_mention = None
                for mention in ev.mentions:
                    source_id = sources.get(mention.source)
                    if source_id is None:
                        raise BadInput(f"unknown source {mention.source!r}; store the source before its events")
                    if not 0 <= mention.char_start <= mention.char_end:
                        raise BadInput(f"mention span {mention.char_start}-{mention.char_end} is not ordered")
                    mention_id = next(mention_ids)
                    if first_mention is None:
                        first_mention = mention_id
                    mention_vals += (
                        mention_id, event_id, source_id, mention.char_start, mention.char_end, mention.quote,
                        mention.date_text, mention.date_anchor, mention.type_rule, mention.date_rule, mention.page,
                    )
                event_vals += (
                    event_id, ev.type, ev.title, ev.description, edtf, start, end, span, key,
                    precision, ev.status, place_id, ev.review, ev.confidence, stamp, stamp,
                    actor_names([names[actor_id] for actor_id, _role in seen]), first_mention,
                )
                revision_vals += (change_id, event_id, "created")
                if search_vals is not None:
                    search_vals += search_row(event_id, ev.title, [mn.quote for mn in ev.mentions])
            except KpolicyError as exc:
                raise BadInput(f"event #{position} ({ev.title!r}): {exc}") from None
        flush()
