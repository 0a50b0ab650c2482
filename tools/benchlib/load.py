"""The bulk load: kpolicy.store.bulk against raw executemany, and the template database both start from."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.benchlib.world import CHUNK, EventGenerator, World, build_world
from tools.benchlib.raw import RAW_INSERTS, raw_many, raw_rows


# ---- one size ----------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    events: int = 0
    mentions: int = 0
    load: dict = field(default_factory=dict)
    queries: list = field(default_factory=list)  # dicts: name, rows, k, r (Stat), k_kb, r_kb
    export: dict = field(default_factory=dict)
    cli: list = field(default_factory=list)
    output: list = field(default_factory=list)
    write: dict = field(default_factory=dict)
    profiles: list = field(default_factory=list)  # (title, text)
    db_mb: float = 0.0
    pg: dict = field(default_factory=dict)  # load and queries on PostgreSQL, when --postgres is given
    gdelt: dict = field(default_factory=dict)  # the GDELT reader at `size` rows (tools/benchlib/gdelt.py)


EXPORT_COLUMNS = 'id, date, start, "end", precision, type, status, title, actors, place, source, quote'


def export_sql_parts() -> tuple[str, str]:
    """(WITH clause, select list) of the CLI's CSV row (query.EXPORT_FIELDS) in plain SQL: the view's
    columns, each actor's state (nearest ancestor-or-self of a state kind, else its top), distinct sources."""
    from kpolicy.vocabulary import STATE_KINDS

    kinds = ", ".join("'" + k + "'" for k in sorted(STATE_KINDS))
    with_clause = (
        "WITH RECURSIVE up(actor, id, parent, kind) AS (SELECT a.id, a.id, a.parent_id, a.kind FROM actors a "
        f"UNION ALL SELECT up.actor, p.id, p.parent_id, p.kind FROM up JOIN actors p ON p.id = up.parent WHERE up.kind NOT IN ({kinds})), "
        f"top(actor, id) AS (SELECT actor, id FROM up WHERE kind IN ({kinds}) OR parent IS NULL) "
    )
    columns = (
        EXPORT_COLUMNS + ", review, confidence, "
        "(SELECT group_concat(n, '; ') FROM (SELECT DISTINCT s.name AS n FROM event_actors ea JOIN top ON top.actor = ea.actor_id "
        "JOIN actors s ON s.id = top.id WHERE ea.event_id = timeline.id ORDER BY n)) AS states, "
        "(SELECT count(DISTINCT m.source_id) FROM mentions m WHERE m.event_id = timeline.id) AS sources, "
        # issue 20's columns: the actors' Wikidata ids and CAMEO codes in the actors' (name) order,
        # each code once, and the place's coordinates
        "(SELECT group_concat(w, '; ') FROM (SELECT DISTINCT a.name AS n, a.wikidata AS w FROM event_actors ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = timeline.id AND a.wikidata IS NOT NULL ORDER BY n)) AS wikidata, "
        "(SELECT group_concat(c, '; ') FROM (SELECT a.cameo AS c, min(a.name) AS n FROM event_actors ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = timeline.id AND a.cameo IS NOT NULL "
        "GROUP BY a.cameo ORDER BY n)) AS cameo, "
        "(SELECT p.latitude FROM places p WHERE p.name = timeline.place) AS latitude, "
        "(SELECT p.longitude FROM places p WHERE p.name = timeline.place) AS longitude"
    )
    return with_clause, columns
DEFER_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ('events', 'event_actors', 'mentions', 'revisions') ORDER BY name"
)


def counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT count(*) FROM events").fetchone()[0],
                conn.execute("SELECT count(*) FROM mentions").fetchone()[0])
    finally:
        conn.close()


def template_db(folder: Path, people: int, reuse: bool = False):
    import sqlalchemy as sa

    from kpolicy.authority import Gazetteer, PlaceEntry
    from kpolicy.store import schema
    from kpolicy.store.articles import sync_reference
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    template = folder / "template.db"
    target = resolve(str(template))
    database = Database(target, make_engine(target))
    if not reuse:
        initialise(database, with_seed=False)
    taken_path = folder / "taken.json"  # the names before the world was added: the same seed then rebuilds the same world
    if reuse:
        taken = set(json.loads(taken_path.read_text()))
    else:
        with database.reading() as conn:
            taken = set(conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars())
            taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
        taken_path.write_text(json.dumps(sorted(taken)))
    world = build_world(taken, people)
    if not reuse:
        with database.writing() as conn:
            sync_reference(conn, Gazetteer(world.entries, {p: PlaceEntry(p) for p in world.places}))
    with database.reading() as conn:
        ids = {
            "actors": dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all()),
            "places": dict(conn.execute(sa.select(schema.places.c.name, schema.places.c.id)).all()),
        }
    database.close()
    return template, world, ids


def measure_load(res: SizeResult, size: int, world: World, ids: dict, kp_path: Path, raw_path: Path, log) -> None:
    """kpolicy.store.bulk (one transaction, bulk.deferred) against raw executemany of pre-computed
    rows with the same strategy (indexes and FTS triggers dropped, rebuilt before the commit),
    chunk by chunk from one generator, so both see the same machine; wall and CPU time."""
    from kpolicy.store import bulk
    from kpolicy.store.db import Database, make_engine, resolve

    gen = EventGenerator(world)
    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    raw = sqlite3.connect(raw_path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute(f"PRAGMA cache_size=-{bulk.SQLITE_CACHE_KB}")
    k_wall = k_cpu = r_wall = r_cpu = 0.0

    def clock():
        return time.perf_counter(), time.process_time()

    w0, c0 = clock()
    raw.execute("BEGIN IMMEDIATE")
    triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'event_search_%'").fetchall()
    indexes = raw.execute(DEFER_INDEXES).fetchall()
    for name, _ in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    raw.execute("INSERT INTO changes (at, \"by\", action) VALUES ('2026-01-01 00:00:00', 'bench', 'bulk load')")
    change_id = raw.execute("SELECT max(id) FROM changes").fetchone()[0]
    w1, c1 = clock()
    r_wall, r_cpu = w1 - w0, c1 - c0
    next_event = next_source = next_mention = 1
    with database.writing() as conn:
        w0, c0 = clock()
        deferred = bulk.deferred(conn)
        deferred.__enter__()
        w1, c1 = clock()
        k_wall, k_cpu = w1 - w0, c1 - c0
        done = 0
        while done < size:
            n = min(CHUNK, size - done)
            sources, events = gen.chunk(n)
            rows = raw_rows(sources, events, ids, next_event, next_source, next_mention)
            rows = (*rows, [(change_id, r[0], "created") for r in rows[1]])
            flat = [[value for row in batch for value in row] for batch in rows]  # untimed: the rows are given
            w0, c0 = clock()
            bulk.load_sources(conn, sources)
            summary = bulk.load_events(conn, events)
            w1, c1 = clock()
            k_wall, k_cpu = k_wall + w1 - w0, k_cpu + c1 - c0
            res.events += summary.events
            res.mentions += summary.mentions
            for sql, batch in zip(RAW_INSERTS, flat):
                raw_many(raw, sql, batch)
            w2, c2 = clock()
            r_wall, r_cpu = r_wall + w2 - w1, r_cpu + c2 - c1
            next_event += n
            next_source += len(sources)
            next_mention += len(rows[3])
            done += n
            log(f"[{size}] loaded {done:,}")
        w0, c0 = clock()
        deferred.__exit__(None, None, None)
    w1, c1 = clock()  # the commit included
    k_wall, k_cpu = k_wall + w1 - w0, k_cpu + c1 - c0
    for _, sql in indexes:
        raw.execute(sql)
    for _, sql in triggers:
        raw.execute(sql)
    raw.execute("COMMIT")
    w2, c2 = clock()
    r_wall, r_cpu = r_wall + w2 - w1, r_cpu + c2 - c1
    raw.close()
    database.close()
    res.load = {"k_s": k_wall, "k_cpu": k_cpu, "r_s": r_wall, "r_cpu": r_cpu}
