"""The bulk write path: many already-distinct events (a dataset export, a benchmark) in one go.

`store_article` is for articles: it looks every event up for a cross-article duplicate,
one statement at a time. A dataset of a million events needs the opposite trade: the
same validation and normalisation (types, statuses, roles, actors by name or alias,
EDTF dates through kpolicy.dates.parse_edtf, the interval index keys) but inserts with
the driver's `executemany` in large batches, inside the caller's one transaction
(Database.writing): a bad event rejects the whole load, naming the event and the reason.

    with database.writing() as conn:
        slugs = load_sources(conn, sources)
        summary = load_events(conn, events)

No cross-article dedupe happens here: give it events that are distinct already.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    variables: int = field(init=False)
    _statements: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.placeholder = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
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
            if type(exc).__name__ in ("IntegrityError", "UniqueViolation", "ForeignKeyViolation", "CheckViolation"):
                first = str(exc).splitlines()[0]
                raise BadInput(f"the load breaks a database constraint ({first}); fix the duplicate or invalid rows") from None
            raise RuntimeFailure(f"database error during bulk load: {str(exc).splitlines()[0]}") from None
        finally:
            cursor.close()

    def flat(self, table: sa.Table, columns: Sequence[str], values: list) -> None:
        """Insert rows given as one flat list of values (len(columns) per row), many rows per statement."""
        width = len(columns)
        rows = len(values) // width
        if not rows:
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


def load_sources(conn: Connection, sources: Iterable[SourceRecord]) -> dict[str, int]:
    """Insert sources (unique slug and text) with one executemany; returns slug -> id for all of them."""
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
    writer.many(writer.sql(s, cols), rows)
    if not slugs:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(slugs), 500):
        chunk = slugs[start:start + 500]
        found.update(conn.execute(sa.select(s.c.slug, s.c.id).where(s.c.slug.in_(chunk))).all())
    return found


class _Resolver:
    """Name -> id maps read once, and a cache of parsed dates (datasets repeat them a lot)."""

    def __init__(self, conn: Connection, writer: _Writer) -> None:
        a, al = schema.actors, schema.actor_aliases
        self.actors: dict[str, int] = {}
        for actor_id, key in conn.execute(sa.select(al.c.actor_id, al.c.alias_key)).all():
            self.actors[key] = actor_id
        self.names: dict[int, str] = {}
        for actor_id, name in conn.execute(sa.select(a.c.id, a.c.name)).all():
            self.actors[name.lower()] = actor_id
            self.names[actor_id] = name
        self.places = dict(conn.execute(sa.select(schema.places.c.name, schema.places.c.id)).all())
        self.sources = dict(conn.execute(sa.select(schema.sources.c.slug, schema.sources.c.id)).all())
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

    def actor(self, name: str) -> int:
        found = self.actors.get(name.strip().lower())
        if found is None:
            raise BadInput(f"unknown actor {name!r}{suggest(name, self.actors)}; add it to the gazetteer first (`kpolicy actors` lists them)")
        return found


def load_events(conn: Connection, events: Iterable[BulkEvent], batch_size: int = DEFAULT_BATCH, by: str | None = None,
                defer: bool | None = None) -> StoreSummary:
    """Validate and insert events with their actors and mentions, `batch_size` events per executemany.

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
    if defer and conn.dialect.name == "sqlite":
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


# PostgreSQL's search rows (migration 0016) of the events after :lo, built in one statement
_PG_SEARCH_AFTER = (
    "DELETE FROM event_search WHERE event_id > %(lo)s",
    "INSERT INTO event_search (event_id, vector) SELECT e.id, setweight(to_tsvector('english'::regconfig, e.title), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, coalesce(q.quotes, '')), 'D') FROM events e LEFT JOIN "
    "(SELECT event_id, string_agg(quote, ' … ' ORDER BY id) AS quotes FROM mentions WHERE event_id > %(lo)s "
    "GROUP BY event_id) q ON q.event_id = e.id WHERE e.id > %(lo)s",
)


def _load_events(conn: Connection, events: Iterable[BulkEvent], batch_size: int, by: str | None, own_rows: bool) -> StoreSummary:
    writer = _Writer(conn)
    resolve = _Resolver(conn, writer)
    summary = StoreSummary()
    if conn.dialect.name == "postgresql":
        # the search triggers off for the load (a setting of this transaction); the new events'
        # tsvector rows are built once at the end, in one statement (they have the highest ids)
        lo = conn.execute(sa.select(sa.func.max(schema.events.c.id))).scalar() or 0
        previous = conn.exec_driver_sql("SELECT current_setting('kpolicy.search_deferred', true)").scalar() or ""
        conn.exec_driver_sql("SELECT set_config('kpolicy.search_deferred', 'all', true)")
        _load(conn, events, batch_size, writer, resolve, summary, None, by)
        conn.exec_driver_sql("SELECT set_config('kpolicy.search_deferred', %(mode)s, true)", {"mode": previous})
        if summary.events:
            for statement in _PG_SEARCH_AFTER:
                conn.exec_driver_sql(statement, {"lo": lo})
    else:
        _load(conn, events, batch_size, writer, resolve, summary, [] if own_rows else None, by)
    if conn.dialect.name == "postgresql" and summary.events:
        # ids were given explicitly: move the sequence past them
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))")
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('mentions', 'id'), (SELECT max(id) FROM mentions))")
    return summary


def suspend_indexes(conn: Connection, tables: Sequence[str] = LOAD_TABLES) -> list[str]:
    """Drop the plain secondary indexes of `tables` (SQLite); returns their CREATE statements.

    Unique constraints (SQLite's autoindexes, which carry no SQL) stay: they are what
    rejects a duplicate, and a load appends to them in key order anyway."""
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

    PostgreSQL: a plain block (its executemany is pipelined; indexes stay).
    """
    if conn.info.get(_DEFERRED) or conn.dialect.name != "sqlite":
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
          summary: StoreSummary, search_rows: list | None = None, by: str | None = None) -> None:
    e, ea, m = schema.events, schema.event_actors, schema.mentions
    stamp = writer.bind(e.c.created_at)(write.now())
    next_id = (conn.execute(sa.select(sa.func.max(e.c.id))).scalar() or 0) + 1
    next_mention = (conn.execute(sa.select(sa.func.max(m.c.id))).scalar() or 0) + 1
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
    pending = 0

    def flush() -> None:
        writer.flat(e, event_cols, event_vals)
        writer.flat(ea, actor_cols, actor_vals)
        writer.flat(m, mention_cols, mention_vals)
        writer.flat(schema.revisions, revision_cols, revision_vals)
        if search_vals is not None:  # the FTS rows the suspended triggers would have written
            writer.flat(_SEARCH, search_cols, search_vals)
            search_vals.clear()
        summary.events += len(event_vals) // len(event_cols)
        summary.mentions += len(mention_vals) // len(mention_cols)
        event_vals.clear()
        actor_vals.clear()
        mention_vals.clear()
        revision_vals.clear()

    position = 0
    for position, ev in enumerate(events, 1):
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
            event_id = next_id
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
            first_mention = next_mention
            for mention in ev.mentions:
                source_id = sources.get(mention.source)
                if source_id is None:
                    raise BadInput(f"unknown source {mention.source!r}; store the source before its events")
                if not 0 <= mention.char_start <= mention.char_end:
                    raise BadInput(f"mention span {mention.char_start}-{mention.char_end} is not ordered")
                mention_vals += (
                    next_mention, event_id, source_id, mention.char_start, mention.char_end, mention.quote,
                    mention.date_text, mention.date_anchor, mention.type_rule, mention.date_rule, mention.page,
                )
                next_mention += 1
            event_vals += (
                event_id, ev.type, ev.title, ev.description, edtf, start, end, span, key,
                precision, ev.status, place_id, ev.review, ev.confidence, stamp, stamp,
                actor_names([names[actor_id] for actor_id, _role in seen]), first_mention,
            )
            revision_vals += (change_id, event_id, "created")
            if search_vals is not None:
                search_vals += search_row(event_id, ev.title, [mn.quote for mn in ev.mentions])
            next_id += 1
        except KpolicyError as exc:
            raise BadInput(f"event #{position} ({ev.title!r}): {exc}") from None
        pending += 1
        if pending >= batch_size:
            flush()
            pending = 0
    flush()
