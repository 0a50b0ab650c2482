"""A large bulk load builds its indexes after the rows (bulk.deferred): the database it leaves
is the one a row-by-row load through kpolicy.store.write leaves, with its triggers active and
its indexes in place: same rows, same full-text index, same query and search answers, the
same indexes and triggers, integrity intact. A failed deferred load leaves the schema whole."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from kpolicy import query, search
from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.records import SourceRecord
from kpolicy.store import bulk, schema, write
from kpolicy.store.bootstrap import initialise
from kpolicy.store.bulk import BulkEvent, BulkMention
from kpolicy.store.db import Database, make_engine, resolve

ACTORS = ("North Korea", "China", "United States", "Kim Jong-un", "South Korea", "Donald Trump", "WPK Central Committee")
WORDS = ("missile", "summit", "plenum", "sanctions", "talks", "drills", "Kaesong", "border", "envoy", "moratorium")
SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
TYPES = ("statement", "talks", "missile_test", "summit", "sanctions", "military_drill")


def _fresh(path) -> Database:
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    return database


def _dataset(n: int = 400, seed: int = 3):
    rng = random.Random(seed)
    text_parts, events, length = [], [], 0
    for i in range(n):
        day = date(2015, 1, 1) + timedelta(days=rng.randrange(2000))
        edtf = rng.choice([day.isoformat(), f"{day.year}-{day.month:02d}", str(day.year), f"{day.isoformat()}/{(day + timedelta(days=9)).isoformat()}",
                           f"{day.year}-{day.month:02d}/..", None])
        title = f"{rng.choice(ACTORS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
        mentions = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            quote = f"On {edtf or 'some day'} {title.lower()} {rng.choice(WORDS)}."
            mentions.append(BulkMention("deferred", length, length + len(quote), quote, rng.choice((None, "in June")), None))
            text_parts.append(quote)
            length += len(quote) + 1
        actors = [(a, "participant" if k else "initiator") for k, a in enumerate(rng.sample(ACTORS, rng.choice((1, 2, 3))))]
        events.append(BulkEvent(rng.choice(TYPES), title, edtf, "occurred", actors, mentions, confidence=0.8))
    return SourceRecord(slug="deferred", title="Deferred", published=date(2020, 1, 1), text="\n".join(text_parts)), events


def _row_by_row(conn, source: SourceRecord, events: list[BulkEvent]) -> None:
    """The article path's writes, one event at a time, triggers and indexes live."""
    ids = {name.lower(): actor_id for actor_id, name in conn.execute(sa.select(schema.actors.c.id, schema.actors.c.name))}
    source_id = bulk.load_sources(conn, [source])[source.slug]
    write.begin_change(conn, "bulk load")
    for ev in events:
        event_id = write.insert_event(conn, {"type": ev.type, "title": ev.title, "description": None, "status": ev.status,
                                             "place_id": None, "review": ev.review, "confidence": ev.confidence}, parse_edtf(ev.date))
        write.set_actors(conn, event_id, [(ids[name.lower()], role) for name, role in ev.actors])
        write.add_mentions(conn, event_id, source_id, [
            type("M", (), {"char_start": m.char_start, "char_end": m.char_end, "quote": m.quote, "date_text": m.date_text,
                           "date_anchor": m.date_anchor, "type_rule": None, "date_rule": None, "page": None,
                           "extractor": None}) for m in ev.mentions])
        write.refresh(conn, [event_id])


def _state(conn) -> dict:
    e = schema.events
    columns = [c for c in e.c if c.name not in ("created_at", "updated_at")]
    out = {
        "events": conn.execute(sa.select(*columns).order_by(e.c.id)).all(),
        "event_actors": conn.execute(sa.select(schema.event_actors).order_by(*schema.event_actors.c)).all(),
        "mentions": conn.execute(sa.select(schema.mentions).order_by(schema.mentions.c.id)).all(),
        "fts": conn.exec_driver_sql("SELECT rowid, title, quotes FROM event_search ORDER BY rowid").all(),
        "schema": conn.exec_driver_sql(SCHEMA).all(),
        "integrity": conn.exec_driver_sql("PRAGMA integrity_check").scalars().all(),
        "foreign keys": conn.exec_driver_sql("PRAGMA foreign_key_check").all(),
        "fts integrity": conn.exec_driver_sql("INSERT INTO event_search(event_search) VALUES ('integrity-check')").rowcount,
    }
    for q in (query.EventQuery(on="2017"), query.EventQuery(actors=["North Korea"], start="2016", end="2018-06"),
              query.EventQuery(types=["test"]), query.EventQuery()):
        out[repr(q)] = list(query.iter_rows(conn, q))
    for words in ("missile", '"kaesong border"', "summit OR plenum", "envoy*"):
        out[words] = list(search.search(conn, words)) + list(search.search(conn, words, query.EventQuery(limit=7)))
    return out


def test_deferred_load_equals_a_row_by_row_load(tmp_path):
    source, events = _dataset()
    fast, slow = _fresh(tmp_path / "fast.db"), _fresh(tmp_path / "slow.db")
    with fast.reading() as conn:
        before = conn.exec_driver_sql(SCHEMA).all()
    with fast.writing() as conn:
        with bulk.deferred(conn):
            assert not [r for r in conn.exec_driver_sql(SCHEMA).all() if r[3] and r[2] in bulk.LOAD_TABLES]  # really deferred
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, events[:150])
            bulk.load_events(conn, events[150:], batch_size=64)
    with slow.writing() as conn:
        _row_by_row(conn, source, events)
    with fast.reading() as a, slow.reading() as b:
        got, want = _state(a), _state(b)
    assert got["schema"] == before
    assert got["integrity"] == ["ok"] and not got["foreign keys"]
    for key in want:
        assert got[key] == want[key], key
    assert len(got["events"]) == 400 and len(got["fts"]) == 400 and got["missile"]
    fast.close()
    slow.close()


def test_a_large_sequence_defers_by_itself_and_a_failed_load_keeps_the_schema(tmp_path, monkeypatch):
    source, events = _dataset(60)
    database = _fresh(tmp_path / "k.db")
    with database.reading() as conn:
        before = conn.exec_driver_sql(SCHEMA).all()
    seen = []
    real = bulk.suspend_indexes
    monkeypatch.setattr(bulk, "suspend_indexes", lambda conn, *a: seen.append(1) or real(conn, *a))
    monkeypatch.setattr(bulk, "DEFER_MIN", 50)
    bad = [*events, BulkEvent("statement", "broken", "2019-13", "occurred", [("China", "initiator")], [BulkMention("deferred", 0, 3, "On ")])]
    with pytest.raises(BadInput, match="event #61"):
        with database.writing() as conn:
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, bad)
    assert seen == [1]
    with database.reading() as conn:
        assert conn.exec_driver_sql(SCHEMA).all() == before
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar() == 0
    with database.writing() as conn:
        bulk.load_sources(conn, [source])
        bulk.load_events(conn, events)
    assert seen == [1, 1]
    with database.reading() as conn:
        assert conn.exec_driver_sql(SCHEMA).all() == before
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert len(list(search.search(conn, "missile"))) > 0
    database.close()


def test_bulk_stores_times_and_dates_as_the_write_path_does(tmp_path, monkeypatch):
    # the stored text, not the parsed value: SQLite compares and sorts these columns as text
    monkeypatch.setenv(write.CLOCK_ENV, "2026-03-04T05:06:07")
    source, events = _dataset(130)  # more than one multi-row INSERT and a remainder
    fast, slow = _fresh(tmp_path / "fast.db"), _fresh(tmp_path / "slow.db")
    with fast.writing() as conn:
        bulk.load_sources(conn, [source])
        bulk.load_events(conn, events)
    with slow.writing() as conn:
        _row_by_row(conn, source, events)
    sql = "SELECT id, created_at, updated_at, typeof(start_date), start_date, end_date, sort_key FROM events ORDER BY id"
    with fast.reading() as a, slow.reading() as b:
        got, want = a.exec_driver_sql(sql).all(), b.exec_driver_sql(sql).all()
    assert got == want and len(got) == 130
    assert got[0][1] == "2026-03-04 05:06:07.000000"
    fast.close()
    slow.close()


def test_a_constraint_broken_inside_a_multi_row_insert_names_it_and_keeps_nothing(tmp_path):
    source, events = _dataset(120)
    twice = events[110].mentions[0]
    events[110] = BulkEvent(events[110].type, events[110].title, events[110].date, "occurred", events[110].actors, [twice, twice])
    database = _fresh(tmp_path / "k.db")
    with pytest.raises(BadInput) as caught:
        with database.writing() as conn:
            bulk.load_sources(conn, [source])
            bulk.load_events(conn, events)
    assert str(caught.value) == ("the load breaks a database constraint (UNIQUE constraint failed: mentions.event_id, mentions.source_id, "
                                 "mentions.char_start, mentions.char_end); fix the duplicate or invalid rows")
    with database.reading() as conn:
        assert conn.exec_driver_sql("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM sources)").scalar() == 0
    database.close()
