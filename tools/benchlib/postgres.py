"""The same load and queries on PostgreSQL."""

from __future__ import annotations

import time

from tools.benchlib.world import CHUNK, EventGenerator, build_world
from tools.benchlib.raw import query_specs
from tools.benchlib.measure import paired, rows_equal
from tools.benchlib.load import SizeResult
from tools.benchlib.queries import query_answers


def peak_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scratch_database(url: str, name: str):
    """A new database `name` on the server at `url` (dropped first when it is there), with kpolicy's
    schema and no seed: (the server's admin engine, the kpolicy Database, the database's URL)."""
    import sqlalchemy as sa

    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db_url = admin.url.set(database=name).render_as_string(hide_password=False)
    target = resolve(db_url)
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    return admin, database, db_url


def add_world(database, people: int):
    """The synthetic gazetteer (tools/benchlib/world.py) stored in `database`; returns the World."""
    import sqlalchemy as sa

    from kpolicy.authority import Gazetteer, PlaceEntry
    from kpolicy.store import schema
    from kpolicy.store.articles import sync_reference

    with database.reading() as conn:
        taken = set(conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars())
        taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
    world = build_world(taken, people)
    with database.writing() as conn:
        sync_reference(conn, Gazetteer(world.entries, {p: PlaceEntry(p) for p in world.places}))
    return world


def bulk_load(database, world, size: int, log=lambda message: None) -> dict:
    """`size` generated events loaded by kpolicy.store.bulk in one transaction inside bulk.deferred
    (COPY; indexes, foreign keys and the search index built after the rows), as the SQLite load
    (tools/benchlib/load.py) is; generating the events is left out of the times. Returns load_s,
    load_cpu (this process), events, mentions and peak_mb (this process's peak resident memory)."""
    from kpolicy.store import bulk

    gen = EventGenerator(world)
    t0, c0 = time.perf_counter(), time.process_time()
    events_n = mentions_n = 0
    untimed = untimed_cpu = 0.0
    with database.writing() as conn, bulk.deferred(conn):
        done = 0
        while done < size:
            g0, gc0 = time.perf_counter(), time.process_time()
            sources, events = gen.chunk(min(CHUNK, size - done))
            untimed, untimed_cpu = untimed + time.perf_counter() - g0, untimed_cpu + time.process_time() - gc0
            bulk.load_sources(conn, sources)
            summary = bulk.load_events(conn, events)
            events_n, mentions_n = events_n + summary.events, mentions_n + summary.mentions
            done += len(events)
            if done % 1_000_000 == 0 or done == size:
                log(f"[{size}] postgres loaded {done:,} "
                    f"({done / (time.perf_counter() - t0 - untimed):,.0f} events/s, peak {peak_mb():.0f} MB)")
        log(f"[{size}] postgres: building the indexes and committing")
    return {"load_s": time.perf_counter() - t0 - untimed, "load_cpu": time.process_time() - c0 - untimed_cpu,
            "events": events_n, "mentions": mentions_n, "peak_mb": peak_mb()}


def measure_postgres(res: SizeResult, size: int, people: int, url: str, repeat: int, log) -> None:
    """The same generated data, loaded by kpolicy.store.bulk into a fresh PostgreSQL database, and
    the same queries (windows, actors; FTS5 search is SQLite's) against the same hand-written SQL
    through psycopg, one read transaction each, alternating, every value compared."""
    import sqlalchemy as sa

    from kpolicy.store import schema

    name = f"kpolicy_bench_{size}"
    admin, database, _db_url = scratch_database(url, name)
    try:
        world = add_world(database, people)
        with database.reading() as conn:
            ids = {"actors": dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all())}
        res.pg.update(bulk_load(database, world, size, log))
        log(f"[{size}] postgres queries")
        with database.engine.connect() as analyse:
            analyse.exec_driver_sql("ANALYZE")
            analyse.commit()
        raw = database.engine.raw_connection()
        cursor = raw.driver_connection.cursor()
        res.pg["queries"] = []
        with database.reading() as conn:
            for qname, q, sql, params in query_specs(world, ids["actors"]):
                if isinstance(q, tuple):
                    continue  # FTS5 syntax: the search rows are SQLite's
                pg_sql = sql.replace("?", "%s")

                def fr(pg_sql=pg_sql, params=params):
                    cursor.execute(pg_sql, params)
                    return cursor.fetchall()

                fk, _ = query_answers(conn, None, q, sql, params)
                k, r, k_rows, r_rows = paired(fk, fr, repeat)
                rows_equal(f"postgres {qname}", k_rows, r_rows)
                res.pg["queries"].append({"name": qname, "rows": len(k_rows), "k": k, "r": r})
        raw.close()
        database.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
