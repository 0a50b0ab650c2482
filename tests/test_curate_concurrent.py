"""Four processes curating one database at once lose nothing (issue 10, item 5)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import sqlalchemy as sa

from kpolicy.store.db import resolve

WRITER = textwrap.dedent("""
    import sys
    from kpolicy import curate
    from kpolicy.store.bootstrap import open_database

    db, n, actor = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    database = open_database(db, create=False)
    for k in range(5):
        event_id = n * 5 + k + 1
        with database.writing() as conn:
            curate.edit_event(conn, event_id, {"title": f"writer {n} edit {k}"}, reason="concurrent", by=f"writer-{n}")
    with database.writing() as conn:  # all four on the same event: a read-modify-write under the write lock
        curate.edit_event(conn, 30, {"add_actors": [actor]}, reason="concurrent", by=f"writer-{n}")
    database.close()
""")
ACTORS = ["China", "Russia", "Japan", "United States"]


def test_four_processes_editing_at_once_lose_nothing(db):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db, str(n), ACTORS[n]], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            titles = dict(conn.exec_driver_sql("SELECT id, title FROM events WHERE id <= 20").all())
            edits = conn.exec_driver_sql("SELECT count(*) FROM changes WHERE action = 'edit'").scalar_one()
            version = conn.exec_driver_sql("SELECT version FROM events WHERE id = 30").scalar_one()
            actors = set(conn.exec_driver_sql(
                "SELECT a.name FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = 30").scalars())
            revs = conn.exec_driver_sql("SELECT count(*) FROM revisions r JOIN changes c ON c.id = r.change_id "
                                        "WHERE c.action = 'edit' AND r.event_id = 30").scalar_one()
    finally:
        engine.dispose()
    assert titles == {n * 5 + k + 1: f"writer {n} edit {k}" for n in range(4) for k in range(5)}
    assert edits == 24
    assert set(ACTORS) <= actors  # event 30 (South Korean elections) had none of them
    assert version == 1 + len(ACTORS)
    assert revs == len(ACTORS)
