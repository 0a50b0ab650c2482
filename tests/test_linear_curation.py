"""Issue 24, item 19: storing, merging and undoing stay linear in an event's mentions.

Migration 0003's search triggers rebuilt an event's whole search row (every quote) on each
mention inserted, moved or deleted: an event gaining n mentions cost n rebuilds of up to n
quotes. Each case doubles the mentions and checks that the time at most roughly doubles (a
ratio, never an absolute time: linear work doubles, quadratic work quadruples), as
tests/test_linear_time.py does for extraction. The search index must come out exactly as
the triggers would have written it.
"""

from __future__ import annotations

import gc
import time
from datetime import date

import pytest
import sqlalchemy as sa

RATIO = 3.0
N = 1000


def _records(source_slug: str, n: int, type_: str, actor: str, offset: int = 0):
    from kpolicy.dates import parse_edtf
    from kpolicy.records import EventRecord, MentionRecord, SourceRecord

    sentences = [f"{actor} held event number {i} of report {source_slug} in June 2019." for i in range(n)]
    mentions, start = [], 0
    for sentence in sentences:
        mentions.append(MentionRecord(sentence, start, start + len(sentence)))
        start += len(sentence) + 1
    record = EventRecord(type_, f"{actor} {type_}", parse_edtf("2019-06"), "occurred", [(actor, "initiator")], mentions)
    return SourceRecord(source_slug, f"Report {source_slug}", date(2019, 7, 1 + offset), " ".join(sentences)), [record]


def _database(tmp_path, name: str):
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    target = resolve(str(tmp_path / f"{name}.db"))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    return database


def _search_rows(conn) -> list[tuple]:
    return conn.exec_driver_sql("SELECT rowid, title, quotes FROM event_search ORDER BY rowid").all()


def _expected_rows(conn) -> list[tuple]:
    return conn.exec_driver_sql(
        "SELECT e.id, e.title, (SELECT group_concat(quote, ' … ') FROM (SELECT quote FROM mentions WHERE event_id = e.id "
        "ORDER BY id)) FROM events e ORDER BY e.id").all()


def _timed(fn) -> float:
    gc.collect()
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def assert_linear(measure) -> None:
    ratios = []
    for _attempt in range(3):
        small, large = measure(N), measure(2 * N)
        ratios.append(large / max(small, 1e-3))
        if ratios[-1] <= RATIO:
            return
    pytest.fail(f"doubling the mentions multiplied the time by {min(ratios):.1f} (at most {RATIO} expected): super-linear")


def test_ingest_into_an_existing_event_is_linear_in_its_mentions(tmp_path):
    from kpolicy.store.articles import store_article

    def measure(n: int) -> float:
        database = _database(tmp_path, f"ingest-{n}-{time.monotonic_ns()}")
        try:
            with database.writing() as conn:
                store_article(conn, *_records("first", 1, "missile_test", "North Korea"))
            source, records = _records("second", n, "missile_test", "North Korea", offset=1)
            with database.writing() as conn:
                spent = _timed(lambda: store_article(conn, source, records))
                assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == 1  # merged: one event
                assert _search_rows(conn) == _expected_rows(conn)
            return spent
        finally:
            database.close()

    assert_linear(measure)


@pytest.mark.parametrize("step", ["merge", "undo"])
def test_merge_and_its_undo_are_linear_in_the_mentions_moved(tmp_path, step):
    from kpolicy import curate
    from kpolicy.store.articles import store_article

    def measure(n: int) -> float:
        database = _database(tmp_path, f"merge-{n}-{time.monotonic_ns()}")
        try:
            with database.writing() as conn:
                store_article(conn, *_records("first", n, "missile_test", "North Korea"))
                store_article(conn, *_records("second", n, "summit", "South Korea", offset=1))
            with database.writing() as conn:
                spent = _timed(lambda: curate.merge_events(conn, 1, [2], reason="duplicates"))
                assert _search_rows(conn) == _expected_rows(conn)
                change = conn.execute(sa.text("SELECT max(id) FROM changes")).scalar_one()
            if step == "merge":
                return spent
            with database.writing() as conn:
                spent = _timed(lambda: curate.undo_change(conn, change, reason="not duplicates"))
                assert conn.execute(sa.text("SELECT count(*) FROM mentions WHERE event_id = 2")).scalar_one() == n
                assert _search_rows(conn) == _expected_rows(conn)
            return spent
        finally:
            database.close()

    assert_linear(measure)


def test_remove_source_and_split_keep_the_search_index_exact(tmp_path):
    from kpolicy import curate
    from kpolicy.store.articles import store_article

    database = _database(tmp_path, "exact")
    try:
        with database.writing() as conn:
            store_article(conn, *_records("first", 20, "missile_test", "North Korea"))
            store_article(conn, *_records("second", 20, "missile_test", "North Korea", offset=1))
            ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM mentions WHERE event_id = 1 ORDER BY id LIMIT 5"))]
            curate.split_event(conn, 1, ids, reason="two events")
            assert _search_rows(conn) == _expected_rows(conn)
            curate.remove_source(conn, "second", reason="wrong file")
            assert _search_rows(conn) == _expected_rows(conn)
            curate.undo_change(conn, conn.execute(sa.text("SELECT max(id) FROM changes")).scalar_one(), reason="right file")
            assert _search_rows(conn) == _expected_rows(conn)
    finally:
        database.close()
