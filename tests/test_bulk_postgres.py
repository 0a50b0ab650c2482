"""PostgreSQL's bulk load streams its rows with COPY (and, for a large load, builds its secondary
indexes, foreign keys and full-text index after the rows): the database it leaves answers
exactly as one filled row by row through kpolicy.store.write with every trigger live, and as
the same load on SQLite: same export, same events, same search rows, same schema afterwards.
Needs KPOLICY_TEST_POSTGRES_URL."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ENGINES, Cli, _postgres_database
from test_bulk_deferred import _dataset, _row_by_row

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.store import bulk, schema, write
from kpolicy.store.bootstrap import initialise
from kpolicy.store.bulk import BulkEvent, BulkMention
from kpolicy.store.db import Database, make_engine, resolve

pytestmark = pytest.mark.skipif("postgresql" not in ENGINES, reason="set KPOLICY_TEST_POSTGRES_URL to test PostgreSQL")

# what a load must leave as it found it: every index, constraint and trigger of the tables it fills
SCHEMA = (
    "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
    "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace "
    "UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
)
COMMANDS = (
    ["export", "--format", "csv"],
    ["export", "--format", "jsonl", "--full"],
    ["events", "--actor", "North Korea", "--from", "2016", "--to", "2018-06", "--format", "csv"],
    ["search", "missile", "--format", "csv"],
    ["search", "kaesong border", "--format", "csv"],
)


def _open(url: str) -> Database:
    target = resolve(url)
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    return database


def _search_rows(conn) -> list[tuple]:
    return conn.exec_driver_sql("SELECT event_id, vector::text FROM event_search ORDER BY event_id").all()


def _events(conn) -> list[tuple]:
    e = schema.events
    columns = [c for c in e.c if c.name not in ("created_at", "updated_at")]
    return conn.execute(sa.select(*columns).order_by(e.c.id)).all()


@pytest.fixture(scope="module")
def loaded():
    """The same 400 events: bulk-loaded into SQLite, COPY-loaded into PostgreSQL (plain and
    deferred, each in two calls), and written row by row into PostgreSQL."""
    source, events = _dataset()
    folder = Path(tempfile.mkdtemp())
    made = [_postgres_database() for _ in range(3)]
    urls = {"sqlite": str(folder / "k.db"), "copy": made[0][0], "deferred": made[1][0], "rows": made[2][0]}
    databases = {key: _open(url) for key, url in urls.items()}
    with databases["copy"].reading() as conn:
        schema_before = conn.exec_driver_sql(SCHEMA).all()
    for key in ("sqlite", "copy"):
        with databases[key].writing() as conn:
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, events[:150], defer=False)
            bulk.load_events(conn, events[150:], batch_size=64, defer=False)
    with databases["deferred"].writing() as conn:
        with bulk.deferred(conn):
            dropped = conn.exec_driver_sql(SCHEMA).all()
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, events[:150])
            bulk.load_events(conn, events[150:], batch_size=64)
    with databases["rows"].writing() as conn:
        _row_by_row(conn, source, events)
    yield urls, databases, schema_before, dropped
    for database in databases.values():
        database.close()
    for _url, drop in made:
        drop()
    shutil.rmtree(folder)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_a_copy_load_answers_as_sqlite_and_as_row_by_row(loaded, args):
    urls = loaded[0]
    # search ranks and cuts headlines by each engine's own full-text index: PostgreSQL against PostgreSQL
    reference = "rows" if args[0] == "search" else "sqlite"
    want = Cli(urls[reference])(*args)
    assert want.exit_code == 0 and want.stdout.count("\n") > 5, want.stderr
    for key in {"copy", "deferred", "rows"} - {reference}:
        got = Cli(urls[key])(*args)
        assert got.exit_code == 0, got.stderr
        assert got.stdout == want.stdout, key


def test_a_copy_load_stores_the_rows_and_search_vectors_the_triggers_store(loaded):
    _urls, databases, schema_before, dropped = loaded
    with databases["rows"].reading() as conn:
        want = {"events": _events(conn), "search": _search_rows(conn),
                "actors": conn.execute(sa.select(schema.event_actors).order_by(*schema.event_actors.c)).all(),
                "mentions": conn.execute(sa.select(schema.mentions).order_by(schema.mentions.c.id)).all()}
    assert len(want["events"]) == 400 and len(want["search"]) == 400
    for key in ("copy", "deferred"):
        with databases[key].reading() as conn:
            assert _events(conn) == want["events"], key
            assert _search_rows(conn) == want["search"], key
            assert conn.execute(sa.select(schema.event_actors).order_by(*schema.event_actors.c)).all() == want["actors"], key
            assert conn.execute(sa.select(schema.mentions).order_by(schema.mentions.c.id)).all() == want["mentions"], key
            assert conn.exec_driver_sql(SCHEMA).all() == schema_before, key
    # inside the deferred block the secondary indexes, the foreign keys and the GIN index were gone
    gone = {name for _kind, name, _sql in schema_before} - {name for _kind, name, _sql in dropped}
    assert {"ix_events_sort_key", "ix_mentions_event_id", "ix_event_search_vector", "fk_mentions_event_id_events"} <= gone
    assert {"pk_events", "uq_mentions_event_id", "event_search_events_sync"}.isdisjoint(gone)


def test_after_a_copy_load_the_write_path_takes_the_next_ids(loaded):
    databases = loaded[1]
    for key in ("copy", "deferred"):
        with databases[key].writing() as conn:
            source_id = conn.execute(sa.select(sa.func.max(schema.sources.c.id))).scalar()
            write.begin_change(conn, "test")
            event_id = write.insert_event(conn, {"type": "statement", "title": "Plover envoy after the load", "description": None,
                                                 "status": "occurred", "place_id": None, "review": "extracted",
                                                 "confidence": 1.0}, parse_edtf("2020"))
            write.add_mentions(conn, event_id, source_id, [type("M", (), {
                "char_start": 0, "char_end": 3, "quote": "On ", "date_text": None, "date_anchor": None, "type_rule": None,
                "date_rule": None, "page": None, "extractor": None})])
            assert event_id == 401
            assert conn.execute(sa.select(sa.func.max(schema.mentions.c.id))).scalar() == \
                conn.execute(sa.select(sa.func.count()).select_from(schema.mentions)).scalar()
            conn.rollback()


def test_a_failed_copy_load_keeps_nothing_and_leaves_the_schema_whole():
    source, events = _dataset(60, seed=5)
    url, drop = _postgres_database()
    database = _open(url)
    try:
        with database.reading() as conn:
            before = conn.exec_driver_sql(SCHEMA).all()
        bad = [*events, BulkEvent("statement", "broken", "2019-13", "occurred", [("China", "initiator")],
                                  [BulkMention("deferred", 0, 3, "On ")])]
        with pytest.raises(BadInput, match="event #61"):
            with database.writing() as conn, bulk.deferred(conn):
                bulk.load_sources(conn, [source])
                bulk.load_events(conn, bad)
        twice = events[40].mentions[0]
        events[40] = BulkEvent(events[40].type, events[40].title, events[40].date, "occurred", events[40].actors, [twice, twice])
        with pytest.raises(BadInput, match=r'^the load breaks a database constraint \(duplicate key value violates unique '
                                           r'constraint "uq_mentions_event_id"\); fix the duplicate or invalid rows$'):
            with database.writing() as conn:
                bulk.load_sources(conn, [source])
                bulk.load_events(conn, events)
        with database.reading() as conn:
            assert conn.exec_driver_sql(SCHEMA).all() == before
            assert conn.exec_driver_sql("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM sources) "
                                        "+ (SELECT count(*) FROM event_search)").scalar() == 0
    finally:
        database.close()
        drop()


def test_a_role_that_may_only_read_and_write_loads_with_copy():
    """team.md's application role (table rights, USAGE on the sequences, no schema rights): the
    load numbers its rows with nextval (setval would need UPDATE on the sequences) and, not
    owning the tables, keeps every index in place."""
    import uuid

    source, events = _dataset(80, seed=9)
    url, drop = _postgres_database()
    owner = _open(url)
    role = f"kpolicy_app_{uuid.uuid4().hex[:8]}"
    with owner.writing() as conn:
        before = conn.exec_driver_sql(SCHEMA).all()
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    app = _open(sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False))
    try:
        with app.writing() as conn:
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, events[:50], defer=True)  # not the owner: a plain COPY load
            bulk.load_events(conn, events[50:])
        with app.reading() as conn:
            assert [row[0] for row in _events(conn)] == list(range(1, 81))
            assert conn.exec_driver_sql(SCHEMA).all() == before
            assert len(_search_rows(conn)) == 80
    finally:
        app.close()
        with owner.writing() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        owner.close()
        drop()
