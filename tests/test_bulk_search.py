"""A bulk load writes the full-text index itself (its sync triggers are suspended for the
load): the index ends exactly as the triggers would have left it, the triggers are back
afterwards, and a failed load leaves both untouched."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from kpolicy.store import bulk
from kpolicy.store.bulk import BulkEvent, BulkMention
from kpolicy.store.db import Database, make_engine, resolve
from kpolicy.errors import BadInput
from kpolicy.records import SourceRecord
from kpolicy.store.bootstrap import initialise

TRIGGERS = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'event_search%' ORDER BY name"
INDEX = "SELECT rowid, title, quotes FROM event_search ORDER BY rowid"


def _events(text: str) -> list[BulkEvent]:
    out = []
    for i in range(4):
        mentions = [BulkMention("bulk-fts", k, k + 5, text[k:k + 5]) for k in range(i + 1)]
        out.append(BulkEvent("statement", f"Plover envoy {i}", "2019-06", "occurred", [("North Korea", "initiator")], mentions))
    return out


def _fresh(path) -> Database:
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    return database


def test_bulk_load_indexes_like_the_triggers(tmp_path):
    text = "Qwertz delegations arrived in Pyongyang on Monday."
    source = SourceRecord(slug="bulk-fts", title="FTS", published=date(2020, 1, 1), text=text)
    bulk_db, trig_db = _fresh(tmp_path / "bulk.db"), _fresh(tmp_path / "trig.db")
    with bulk_db.writing() as conn:
        triggers = conn.exec_driver_sql(TRIGGERS).scalars().all()
        bulk.load_sources(conn, [source])
        bulk.load_events(conn, _events(text))
    with trig_db.writing() as conn:  # the same events, indexed row by row by the triggers
        bulk.load_sources(conn, [source])
        sql = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        bulk._load(conn, _events(text), 2, bulk._Writer(conn), bulk._Resolver(conn, bulk._Writer(conn)), bulk.StoreSummary())
        assert conn.exec_driver_sql(TRIGGERS).scalars().all() == triggers and len(sql) == 6
    with bulk_db.reading() as a, trig_db.reading() as b:
        assert a.exec_driver_sql(TRIGGERS).scalars().all() == triggers
        got, want = a.exec_driver_sql(INDEX).all(), b.exec_driver_sql(INDEX).all()
        assert got == want and len(got) == 4 and got[3][2].count(" … ") == 3
        assert a.execute(sa.text("SELECT rowid FROM event_search WHERE event_search MATCH 'plover'")).scalars().all() == [1, 2, 3, 4]
    bad = [*_events(text), BulkEvent("statement", "broken", "2019-13", "occurred", [("China", "initiator")], [BulkMention("bulk-fts", 0, 3, "Qwe")])]
    with pytest.raises(BadInput, match="event #5"):
        with bulk_db.writing() as conn:
            bulk.load_events(conn, bad)
    with bulk_db.reading() as conn:
        assert conn.exec_driver_sql(TRIGGERS).scalars().all() == triggers
        assert len(conn.exec_driver_sql(INDEX).all()) == 4
    bulk_db.close()
    trig_db.close()


def test_search_top_hits_equal_the_head_of_all_hits(sqlite_db):
    from kpolicy import search
    from kpolicy.query import EventQuery

    target = resolve(sqlite_db)
    database = Database(target, make_engine(target))
    with database.reading() as conn:
        for text in ("summit", "missile OR talks", "Kim"):
            fts = " OR " in text  # FTS5 syntax only with fts=True (issue 15, item 1)
            everything = [(r["id"], r["snippet"], r["score"]) for r in search.search(conn, text, fts=fts)]
            assert len(everything) >= 3
            for n in (1, 2, len(everything), len(everything) + 5):
                top = [(r["id"], r["snippet"], r["score"]) for r in search.search(conn, text, EventQuery(limit=n), fts=fts)]
                assert top == everything[:n]
        filtered = [r["id"] for r in search.search(conn, "summit", EventQuery(on="2019", limit=1))]
        assert filtered == [r["id"] for r in search.search(conn, "summit", EventQuery(on="2019"))][:1]
    database.close()
