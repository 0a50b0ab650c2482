"""The interval index (migration 0002): span classes and sort keys, the indexed window query
against a naive full scan, timeline order, the bulk write path and the migration's backfill."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from kpolicy.store import bulk
from kpolicy.store import migrate
from kpolicy import query
from kpolicy.store import schema
from kpolicy.store.bulk import BulkEvent, BulkMention
from kpolicy.dates import SPAN_OPEN_END, SPAN_OPEN_START, SPAN_UNDATED, parse_edtf, sort_key, span_class, span_longest
from kpolicy.store.db import Database, make_engine, resolve
from kpolicy.errors import BadInput
from kpolicy.records import SourceRecord
from kpolicy.store.bootstrap import initialise

from conftest import Cli

# one event per shape of date, around June 2019
SHAPES = {
    "day": "2019-06-15",
    "month": "2019-06",
    "straddle": "2019-05-20/2019-06-03",
    "year": "2019",
    "decade": "2010/2029",
    "open_end": "2019-01/..",
    "open_start": "../2019-06",
    "old_open_start": "../1990",
    "future_open_end": "2030/..",
    "undated": None,
    "before": "2019-05-31",
    "after": "2019-07-01",
}


def naive_order(rows):
    """Timeline order as DESIGN.md states it: undated last, lower NULLS FIRST, upper NULLS LAST, id."""
    return sorted(
        rows,
        key=lambda r: (
            r[1] is None and r[2] is None,
            r[1] is not None,
            r[1] or date.min,
            r[2] is None,
            r[2] or date.max,
            r[0],
        ),
    )


def naive_window(rows, lower, upper, within):
    """The plain overlap / containment test over every event (no index)."""
    found = []
    for event_id, start, end in rows:
        if start is None and end is None:
            continue
        if within:
            ok = (lower is None or (start is not None and start >= lower)) and (upper is None or (end is not None and end <= upper))
        else:
            ok = (upper is None or start is None or start <= upper) and (lower is None or end is None or end >= lower)
        if ok:
            found.append(event_id)
    return found


def _database(db_value: str) -> Database:
    target = resolve(db_value)
    return Database(target, make_engine(target))


def _load(database: Database, dates: list[str | None], actors=("North Korea",)) -> None:
    text = "\n".join(f"Event {i} happened." for i in range(len(dates)))
    source = SourceRecord(slug="bulk-test", title="Bulk test", published=date(2020, 1, 1), text=text)
    events = []
    offset = 0
    for i, edtf in enumerate(dates):
        quote = f"Event {i} happened."
        events.append(BulkEvent("statement", f"Event {i}", edtf, "occurred", [(a, "initiator") for a in actors], [BulkMention("bulk-test", offset, offset + len(quote), quote)]))
        offset += len(quote) + 1
    with database.writing() as conn:
        bulk.load_sources(conn, [source])
        bulk.load_events(conn, events)


def _bounds(conn):
    e = schema.events
    return [(r.id, r.start_date, r.end_date) for r in conn.execute(sa.select(e.c.id, e.c.start_date, e.c.end_date))]


# ---- the keys -------------------------------------------------------------------------------


def test_span_class_bounds_the_duration():
    rng = random.Random(3)
    for _ in range(2000):
        lo = date(1900, 1, 1) + timedelta(days=rng.randrange(60000))
        hi = lo + timedelta(days=rng.choice((0, 1, 2, 3, 30, 364, 365, 5000, rng.randrange(100000))))
        k = span_class(lo, hi)
        assert (hi - lo).days <= span_longest(k)
        assert k == 0 or (hi - lo).days > span_longest(k - 1)
    assert span_class(date(2019, 6, 1), None) == SPAN_OPEN_END
    assert span_class(None, date(2019, 6, 1)) == SPAN_OPEN_START
    assert span_class(None, None) == SPAN_UNDATED
    assert span_class(date(1, 1, 1), date(9999, 12, 31)) == 22


def test_sort_key_is_timeline_order():
    rows = []
    for i, edtf in enumerate([*SHAPES.values(), "2019-06-15/2019-06-16", "2019-06-15/..", "../2019-06-15", None]):
        rng = parse_edtf(edtf)
        rows.append((i, rng.lower, rng.upper))
    by_key = sorted(rows, key=lambda r: (sort_key(r[1], r[2]), r[0]))
    assert by_key == naive_order(rows)


# ---- the indexed window query against a full scan -------------------------------------------


@pytest.fixture
def generated(empty_db):
    """A database with 3000 synthetic events (the benchmark's generator) plus every date shape."""
    from tools.bench import EventGenerator, build_world
    from kpolicy.authority import Gazetteer
    from kpolicy.store.articles import sync_reference

    database = _database(empty_db)
    initialise(database, with_seed=False)
    with database.reading() as conn:
        taken = {k for k in conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars()}
        taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
    world = build_world(taken, people=50)
    with database.writing() as conn:
        sync_reference(conn, Gazetteer(world.entries, {}))
    gen = EventGenerator(world, seed=5)
    sources, events = gen.chunk(3000)
    for ev in events:
        ev.place = None
    with database.writing() as conn:
        bulk.load_sources(conn, sources)
        bulk.load_events(conn, events, batch_size=700)
    _load_extra = [*SHAPES.values()]
    text = "\n".join(f"Shape {i}." for i in range(len(_load_extra)))
    with database.writing() as conn:
        bulk.load_sources(conn, [SourceRecord(slug="shapes", title="Shapes", published=date(2020, 1, 1), text=text)])
        bulk.load_events(conn, [
            BulkEvent("statement", f"Shape {i}", edtf, "occurred", [("China", "initiator")], [BulkMention("shapes", 0, 5, "Shape")])
            for i, edtf in enumerate(_load_extra)
        ])
    yield database
    database.close()


def test_indexed_window_equals_full_scan(generated):
    rng = random.Random(17)
    with generated.reading() as conn:
        rows = _bounds(conn)
        ordered = [r[0] for r in naive_order(rows)]
        position = {event_id: i for i, event_id in enumerate(ordered)}
        windows = [(date(2019, 6, 1), date(2019, 6, 30)), (date(2019, 1, 1), None), (None, date(1960, 12, 31)), (date(1, 1, 1), date(9999, 12, 31))]
        for _ in range(40):
            lo = date(1945, 1, 1) + timedelta(days=rng.randrange(32000))
            windows.append((lo, lo + timedelta(days=rng.choice((0, 6, 30, 365, 3000, rng.randrange(20000))))))
        for lower, upper in windows:
            for within in (False, True):
                got = conn.execute(sa.select(schema.events.c.id).where(schema.events.c.id.in_(query.window_ids(lower, upper, within)))).scalars().all()
                want = naive_window(rows, lower, upper, within)
                assert sorted(got) == sorted(want), (lower, upper, within)
        # through the public query: same ids, in timeline order
        q = query.EventQuery(start="2015", end="2019-06")
        got = [r["id"] for r in query.iter_rows(conn, q)]
        want = sorted(naive_window(rows, date(2015, 1, 1), date(2019, 6, 30), False), key=position.get)
        assert got == want
        everything = [r["id"] for r in query.iter_rows(conn, query.EventQuery())]
        assert everything == ordered


# ---- window semantics on a small crafted database -------------------------------------------


@pytest.fixture
def shapes_db(empty_db):
    database = _database(empty_db)
    initialise(database, with_seed=False)
    _load(database, list(SHAPES.values()))
    database.close()
    return empty_db


def _titles(cli: Cli, *args) -> list[str]:
    result = cli("events", "--format", "csv", *args)
    assert result.exit_code == 0, result.stderr
    names = {f"Event {i}": name for i, name in enumerate(SHAPES)}
    return [names[line.split(",")[7]] for line in result.stdout.splitlines()[1:]]


def test_overlap_within_open_and_undated(shapes_db):
    cli = Cli(shapes_db)
    assert _titles(cli, "--on", "2019-06") == [
        "open_start", "decade", "year", "open_end", "straddle", "month", "day",
    ]
    assert _titles(cli, "--on", "2019-06", "--within") == ["month", "day"]
    assert _titles(cli, "--from", "2031") == ["open_end", "future_open_end"]
    assert _titles(cli, "--to", "1989") == ["old_open_start", "open_start"]
    everything = _titles(cli)
    assert everything[-1] == "undated" and len(everything) == len(SHAPES)
    assert everything[:2] == ["old_open_start", "open_start"]


# ---- the bulk write path --------------------------------------------------------------------


def test_bulk_fills_keys_and_rejects_bad_events_whole(empty_db):
    database = _database(empty_db)
    initialise(database, with_seed=False)
    _load(database, ["2019-06", None, "2020-02/.."], actors=("DPRK", "Kim Jong-un"))
    with database.reading() as conn:
        e = schema.events
        rows = conn.execute(sa.select(e.c.start_date, e.c.end_date, e.c.span_class, e.c.sort_key, e.c.precision).order_by(e.c.id)).all()
        assert [(r.span_class, r.sort_key) for r in rows] == [(span_class(r.start_date, r.end_date), sort_key(r.start_date, r.end_date)) for r in rows]
        assert [r.precision for r in rows] == ["month", "unknown", "open"]
        actor_names = conn.execute(sa.select(schema.actors.c.name).join(schema.event_actors).where(schema.event_actors.c.event_id == 1).order_by(schema.actors.c.name)).scalars().all()
        assert actor_names == ["Kim Jong-un", "North Korea"]
    bad = [
        BulkEvent("statement", "fine", "2019", "occurred", [("China", "initiator")], [BulkMention("bulk-test", 0, 3, "Eve")]),
        BulkEvent("statement", "broken", "2019-13", "occurred", [("China", "initiator")], [BulkMention("bulk-test", 0, 3, "Eve")]),
    ]
    with pytest.raises(BadInput, match=r"event #2 \('broken'\): invalid date '2019-13'"):
        with database.writing() as conn:
            bulk.load_events(conn, bad)
    unknown = [BulkEvent("statement", "who", "2019", "occurred", [("Atlantis", "initiator")], [BulkMention("bulk-test", 0, 3, "Eve")])]
    with pytest.raises(BadInput, match="unknown actor 'Atlantis'"):
        with database.writing() as conn:
            bulk.load_events(conn, unknown)
    with database.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar() == 3
    database.close()


def test_the_write_path_fills_the_keys_and_the_orm_only_reads(empty_db):
    """Every writer goes through kpolicy.store.write: the interval keys follow the bounds on
    insert and on update; the ORM classes read those rows and refuse to write (issue 9)."""
    from sqlalchemy.orm import Session

    from kpolicy.store import write
    from kpolicy.store.models import Event, ReadOnlyModels

    database = _database(empty_db)
    initialise(database, with_seed=False)
    with database.writing() as conn:
        event_id = write.insert_event(conn, {"type": "statement", "title": "Write path", "status": "forecast",
                                             "review": "extracted", "confidence": 0.5}, parse_edtf("2019-06/.."))
    with Session(database.engine) as session:
        ev = session.get(Event, event_id)
        assert (ev.span_class, ev.sort_key, ev.version) == (SPAN_OPEN_END, sort_key(date(2019, 6, 1), None), 1)
    with database.writing() as conn:
        write.update_event(conn, event_id, {}, parse_edtf("2019-06"))
    with Session(database.engine) as session:
        ev = session.get(Event, event_id)
        assert (ev.span_class, ev.version) == (span_class(date(2019, 6, 1), date(2019, 6, 30)), 2)
        ev.title = "changed behind the write path's back"
        with pytest.raises(ReadOnlyModels, match="read-only"):
            session.commit()
    database.close()


# ---- migration 0002 -------------------------------------------------------------------------


def test_migration_backfills_keys_like_python(empty_db):
    """An 0001 database with events of every shape upgrades to keys equal to kpolicy.dates'."""
    database = _database(empty_db)
    rows = []
    for i, edtf in enumerate([*SHAPES.values(), "0001/9999", "9999-12-31", "1582-10-15/1582-10-16"], 1):
        rng = parse_edtf(edtf)
        rows.append({"id": i, "date": edtf, "start_date": rng.lower, "end_date": rng.upper, "precision": rng.precision})
    with database.writing() as conn:
        migrate.upgrade(conn, "0001")
        conn.execute(sa.text("INSERT INTO event_types (code, label, family, description) VALUES ('statement', 'Statement', 'political', '')"))
        old_events = sa.table("events", *(sa.column(c) for c in ("id", "type", "title", "date", "start_date", "end_date", "precision", "status", "review", "confidence", "created_at", "updated_at")))
        stamp = sa.func.current_timestamp()
        for row in rows:
            conn.execute(old_events.insert().values(type="statement", title="t", status="occurred", review="reviewed", confidence=1.0, created_at=stamp, updated_at=stamp, **{k: (v.isoformat() if isinstance(v, date) and conn.dialect.name == "sqlite" else v) for k, v in row.items()}))
        migrate.upgrade(conn)
        migrate.check(conn)  # the migrated schema is the models' schema
    with database.reading() as conn:
        e = schema.events
        got = conn.execute(sa.select(e.c.id, e.c.start_date, e.c.end_date, e.c.span_class, e.c.sort_key).order_by(e.c.id)).all()
        assert [(r.span_class, r.sort_key) for r in got] == [(span_class(r.start_date, r.end_date), sort_key(r.start_date, r.end_date)) for r in got]
        assert conn.execute(sa.text("SELECT count(*) FROM timeline")).scalar() == len(rows)
    with database.writing() as conn:
        migrate.downgrade(conn, "0001")
        assert conn.execute(sa.text("SELECT count(*) FROM timeline")).scalar() == len(rows)
        migrate.upgrade(conn)
    database.close()


def test_window_with_an_actor_equals_full_scan(generated):
    """With an actor (or a source) a long or open window is tested on each row's own bounds
    instead of the span-class ranges (query._window_test), a short one still by ranges: the
    answer must be the naive scan's either way, open ends, undated events and --within included."""
    rng = random.Random(23)
    with generated.reading() as conn:
        rows = _bounds(conn)
        position = {event_id: i for i, event_id in enumerate(r[0] for r in naive_order(rows))}
        china = {r["id"] for r in query.iter_rows(conn, query.EventQuery(actors=["China"]))}
        assert len(china) > 50
        windows = [(date(2019, 6, 1), date(2019, 6, 30)), (date(2019, 1, 1), None), (None, date(1960, 12, 31))]
        for _ in range(15):
            lo = date(1945, 1, 1) + timedelta(days=rng.randrange(32000))
            windows.append((lo, lo + timedelta(days=rng.choice((0, 30, 365, 800, 3000, rng.randrange(20000))))))
        for lower, upper in windows:
            for within in (False, True):
                q = query.EventQuery(start=lower.isoformat() if lower else None, end=upper.isoformat() if upper else None,
                                     within=within, actors=["China"])
                got = [r["id"] for r in query.iter_rows(conn, q)]
                want = sorted((i for i in naive_window(rows, lower, upper, within) if i in china), key=position.get)
                assert got == want, (lower, upper, within)
