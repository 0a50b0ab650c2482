"""A team's PostgreSQL at N events: bulk load, search and actor queries with their EXPLAIN ANALYZE,
and the article write path against the bulk loader (docs/team.md, "How fast").

    python tools/bench_team.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres --size 100000

Loads N synthetic events (tools/bench.py's generator) into a scratch database `kpolicy_team_bench_N`
with kpolicy.store.bulk (dropped and made again each run), then, each run alternating with its
baseline (median and range of --repeat runs, milliseconds):
- `kpolicy search` (migration 0016's tsvector rows and GIN index) against the same search with the
  tsvectors built per query (what kpolicy ran before 0016);
- the actor queries of tools/bench.py against its hand-written SQL, through psycopg;
- store_article (the ingest write path: duplicate look-up, merges, history) against
  bulk.load_events for the same --write-events events, each in a transaction rolled back after it.
Prints Markdown tables and the plans (EXPLAIN (ANALYZE, BUFFERS)) of kpolicy's own statements.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.benchlib.measure import paired  # noqa: E402
from tools.benchlib.postgres import add_world, bulk_load, scratch_database  # noqa: E402
from tools.benchlib.raw import query_specs  # noqa: E402

# the search as kpolicy ran it before migration 0016: every event's tsvector built per query
BEFORE_0016 = (
    "SELECT e.id, -ts_rank(v.vector, q.q) AS rank FROM events e "
    "LEFT JOIN (SELECT event_id, string_agg(quote, ' … ') AS quotes FROM mentions GROUP BY event_id) m ON m.event_id = e.id "
    "CROSS JOIN LATERAL (SELECT setweight(to_tsvector('english'::regconfig, e.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(m.quotes, '')), 'D') AS vector) v "
    "CROSS JOIN (SELECT phraseto_tsquery('english'::regconfig, %s) AS q) q "
    "WHERE v.vector @@ q.q ORDER BY rank, e.id"
)


def stat(s) -> str:
    return f"{s.median:.1f} ({s.lo:.1f}–{s.hi:.1f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="a server URL (a scratch database is made on it)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-events", type=int, default=1000)
    parser.add_argument("--people", type=int, default=3000)
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    from kpolicy import search as search_mod
    from kpolicy import query
    from kpolicy.store import schema

    admin, database, db_url = scratch_database(args.postgres, f"kpolicy_team_bench_{args.size}")
    world = add_world(database, args.people)
    with database.reading() as conn:
        print(f"## {args.size:,} events on {conn.dialect.name} {'.'.join(map(str, conn.dialect.server_version_info))}\n")
    load = bulk_load(database, world, args.size)
    print(f"bulk load: {load['events']:,} events in {load['load_s']:.1f} s ({load['events'] / load['load_s']:,.0f} events/s; "
          f"{load['load_cpu']:.1f} s of this process's CPU, peak {load['peak_mb']:.0f} MB), search rows included\n")
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()

    with database.reading() as conn:
        actor_ids = dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all())
    raw = database.engine.raw_connection()
    cursor = raw.driver_connection.cursor()
    captured: list = []

    @sa.event.listens_for(database.engine, "before_cursor_execute")
    def capture(conn, cur, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    print("| query | rows | kpolicy ms | baseline ms | ratio | baseline |")
    print("|---|---:|---:|---:|---:|---|")
    plans = []
    for word in ("kaesong", "sanctions relief"):
        def kp(word=word):
            with database.reading() as conn:
                return [r["id"] for r in search_mod.search(conn, f'"{word}"')]

        def before(word=word):
            cursor.execute(BEFORE_0016, (word,))
            return [r[0] for r in cursor.fetchall()]
        k, r, ka, ra = paired(kp, before, args.repeat)
        assert sorted(ka) == sorted(ra), f"search {word!r}: kpolicy and the per-query vectors disagree"
        print(f"| search '{word}' | {len(ka):,} | {stat(k)} | {stat(r)} | {k.median / r.median:.2f}x | vectors built per query (before 0016) |")
        captured.clear()
        kp()
        plans.append((f"kpolicy search '{word}'", captured[-1]))
    for qname, q, sql, params in query_specs(world, actor_ids):
        if isinstance(q, tuple) or "actor" not in qname:
            continue
        pg_sql = sql.replace("?", "%s")

        def kp(q=q):
            with database.reading() as conn:
                return [r["id"] for r in query.iter_rows(conn, q)]

        def base(pg_sql=pg_sql, params=params):
            cursor.execute(pg_sql, params)
            return [r[0] for r in cursor.fetchall()]
        k, r, ka, ra = paired(kp, base, args.repeat)
        print(f"| {qname} | {len(ka):,} | {stat(k)} | {stat(r)} | {k.median / r.median:.2f}x | tools/bench.py's SQL, psycopg |")
        captured.clear()
        kp()
        plans.append((f"kpolicy {qname}", captured[-1]))
    raw.close()
    sa.event.remove(database.engine, "before_cursor_execute", capture)

    from tools.benchlib.load import SizeResult
    from tools.benchlib.writes import measure_write

    res = SizeResult(args.size)
    measure_write(res, world, db_url, args.repeat, profile=False, n_events=args.write_events)
    w = res.write
    n = w["events"]
    print(f"\n| path | events | articles | wall ms | µs/event | CPU ms |\n|---|---:|---:|---:|---:|---:|")
    print(f"| store_article (ingest's write path) | {n:,} | {w['articles']} | {stat(w['k'])} | {w['k'].median / n * 1000:,.0f} | {stat(w['k_cpu'])} |")
    print(f"| bulk.load_events | {n:,} | {w['articles']} | {stat(w['r'])} | {w['r'].median / n * 1000:,.0f} | {stat(w['r_cpu'])} |")
    print(f"\nwrite path / bulk: {w['k'].median / w['r'].median:.2f}x (wall)\n")

    with database.engine.connect() as conn:
        for title, (statement, parameters) in plans:
            print(f"### {title}\n\n```")
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters).all()
            print("\n".join(r[0] for r in rows))
            print("```\n")
    database.close()
    admin.dispose()


if __name__ == "__main__":
    main()
