"""Migration 0004: the timeline row's stored aggregates (events.actor_names, first_mention_id)
equal what the view used to compute per row, on every write path and after the backfill."""

from __future__ import annotations

import sqlalchemy as sa

from kpolicy.store import write as denorm  # the aggregates live in the one write path
from kpolicy.store import migrate
from kpolicy.store import schema
from kpolicy.store.db import Database, make_engine, resolve

# what 0002's view computed per row, ordered in code points on both engines
LIVE = {
    "sqlite": (
        "SELECT e.id, (SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name)), "
        "(SELECT min(m.id) FROM mentions m WHERE m.event_id = e.id) FROM events e ORDER BY e.id"
    ),
    "postgresql": (
        "SELECT e.id, (SELECT string_agg(name, '; ' ORDER BY name) FROM (SELECT DISTINCT a.name COLLATE \"C\" AS name "
        "FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id) d), "
        "(SELECT min(m.id) FROM mentions m WHERE m.event_id = e.id) FROM events e ORDER BY e.id"
    ),
}
STORED = "SELECT id, actor_names, first_mention_id FROM events ORDER BY id"


def _database(value: str) -> Database:
    target = resolve(value)
    return Database(target, make_engine(target))


def test_write_paths_and_backfill_fill_the_row(db):
    database = _database(db)
    with database.reading() as conn:
        live = conn.exec_driver_sql(LIVE[conn.dialect.name]).all()
        stored = conn.exec_driver_sql(STORED).all()
        view = conn.exec_driver_sql("SELECT id, actors, source, quote FROM timeline ORDER BY id").all()
    assert len(stored) > 20 and stored == live  # store_article (the seed) filled them
    assert all(r[1] and r[2] for r in stored)
    with database.writing() as conn:  # the migration's SQL backfill gives the same
        migrate.downgrade(conn, "0003")
        migrate.upgrade(conn)
        migrate.check(conn)
    with database.reading() as conn:
        assert conn.exec_driver_sql(STORED).all() == stored
        assert conn.exec_driver_sql("SELECT id, actors, source, quote FROM timeline ORDER BY id").all() == view
    database.close()


def test_the_view_falls_back_for_rows_plain_sql_wrote(db):
    database = _database(db)
    with database.reading() as conn:
        before = conn.exec_driver_sql("SELECT id, actors, source, quote FROM timeline ORDER BY id").all()
    with database.writing() as conn:
        conn.execute(schema.events.update().values(actor_names=None, first_mention_id=None))
    with database.reading() as conn:
        assert conn.exec_driver_sql("SELECT id, actors, source, quote FROM timeline ORDER BY id").all() == before
    with database.writing() as conn:
        denorm.refresh(conn, [r[0] for r in before])
        assert conn.execute(sa.select(sa.func.count()).where(schema.events.c.first_mention_id.is_(None))).scalar() == 0
    database.close()


def test_actor_names_cell():
    assert denorm.actor_names(["South Korea", "North Korea", "South Korea"]) == "North Korea; South Korea"
    assert denorm.actor_names([]) is None


def test_bulk_fills_the_row_like_the_view(db):
    from datetime import date

    from kpolicy.store import bulk
    from kpolicy.store.bulk import BulkEvent, BulkMention
    from kpolicy.records import SourceRecord

    database = _database(db)
    text = "Talks resumed. Talks stalled. Talks ended."
    events = [
        BulkEvent("talks", f"Round {i}", "2019-06", "occurred",
                  [("South Korea", "initiator"), ("DPRK", "target"), ("North Korea", "participant"), ("China", "target")][: i + 1],
                  [BulkMention("bulk-denorm", 15 * k, 15 * k + 14, text[15 * k:15 * k + 14]) for k in range(i % 3 + 1)])
        for i in range(4)
    ]
    with database.writing() as conn:
        bulk.load_sources(conn, [SourceRecord(slug="bulk-denorm", title="Bulk", published=date(2020, 1, 1), text=text)])
        bulk.load_events(conn, events)
    with database.reading() as conn:
        assert conn.exec_driver_sql(STORED).all() == conn.exec_driver_sql(LIVE[conn.dialect.name]).all()
        names = conn.exec_driver_sql("SELECT actors FROM timeline WHERE title = 'Round 3'").scalar()
    assert names == "China; North Korea; South Korea"
    database.close()
