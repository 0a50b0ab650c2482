"""PostgreSQL's full-text rows (migration 0016) stay equal to what they index, whatever writes them,
and `kpolicy search` reaches them through the GIN index (issue 23, item 4)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import ENGINES, Cli, query_rows, seeded_postgres_database

pytestmark = pytest.mark.skipif("postgresql" not in ENGINES, reason="needs KPOLICY_TEST_POSTGRES_URL")

FRESH = ("SELECT e.id, setweight(to_tsvector('english'::regconfig, e.title), 'A') || "
         "setweight(to_tsvector('english'::regconfig, coalesce((SELECT string_agg(m.quote, ' … ' ORDER BY m.id) "
         "FROM mentions m WHERE m.event_id = e.id), '')), 'D') FROM events e ORDER BY e.id")


def stored_and_fresh(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            stored = [tuple(r) for r in conn.exec_driver_sql("SELECT event_id, vector FROM event_search ORDER BY event_id")]
            fresh = [tuple(r) for r in conn.exec_driver_sql(FRESH)]
    finally:
        engine.dispose()
    return stored, fresh


@pytest.fixture
def pg():
    url, drop = seeded_postgres_database()
    yield url
    drop()


def test_the_search_rows_follow_every_write(pg, tmp_path):
    cli = Cli(pg)
    stored, fresh = stored_and_fresh(pg)
    assert stored == fresh and len(stored) == 31
    note = tmp_path / "note.md"
    note.write_text("---\ntitle: Note\npublished: 2020-03-05\n---\nNorth Korea fired two short-range missiles on "
                    "2 March 2020, officials said. The launch of the missiles came days later.\n", encoding="utf-8")
    assert cli("ingest", str(note)).exit_code == 0
    assert cli("edit", "1", "--title", "Plenum report published in Rodong Sinmun", "--reason", "clearer").exit_code == 0
    assert cli("merge", "20", "21", "--reason", "the same tests").exit_code == 0
    merged = query_rows(pg, "SELECT max(id) FROM changes")[0][0]
    assert cli("sources", "remove", "note", "--reason", "a test").exit_code == 0
    assert cli("undo", str(merged), "--reason", "keep them apart").exit_code == 0
    stored, fresh = stored_and_fresh(pg)
    assert stored == fresh
    found = cli("search", "Rodong", "--format", "csv")
    assert found.exit_code == 0 and found.stdout.splitlines()[1].startswith("1,")


def test_search_uses_the_gin_index(pg):
    engine = sa.create_engine(pg)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                "EXPLAIN SELECT event_id FROM event_search WHERE vector @@ phraseto_tsquery('english'::regconfig, 'plenum')"))
    finally:
        engine.dispose()
    assert "ix_event_search_vector" in plan
