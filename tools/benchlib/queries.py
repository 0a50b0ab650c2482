"""In-process queries: kpolicy's query layer against hand-written SQL, every value compared."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tools.benchlib.world import World
from tools.benchlib.raw import query_specs
from tools.benchlib.measure import paired, peak_kb, profile_text, rows_equal
from tools.benchlib.load import SizeResult


def query_answers(conn, raw, q, sql, params):
    from kpolicy import query, search

    if isinstance(q, tuple):  # kpolicy search
        return (lambda: [tuple(r.values()) for r in search.search(conn, q[1], q[2])],
                lambda: raw.execute(sql, params).fetchall())
    return (lambda: [tuple(r.values()) for r in query.iter_rows(conn, q)],
            lambda: raw.execute(sql, params).fetchall())


def measure_queries(res: SizeResult, world: World, ids: dict, kp_path: Path, repeat: int, profile: bool) -> None:
    """kpolicy's library call against hand-written SQL on sqlite3, same file, both inside one read
    transaction, alternating run by run; every value of every row compared."""
    from kpolicy.store.db import Database, make_engine, resolve

    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    raw = sqlite3.connect(kp_path, isolation_level=None)
    raw.execute("BEGIN")  # one read transaction, as database.reading() holds
    with database.reading() as conn:
        for name, q, sql, params in query_specs(world, ids["actors"]):
            fk, fr = query_answers(conn, raw, q, sql, params)
            k, r, k_rows, r_rows = paired(fk, fr, repeat)
            rows_equal(name, k_rows, r_rows)
            res.queries.append({"name": name, "rows": len(k_rows), "k": k, "r": r, "k_kb": peak_kb(fk), "r_kb": peak_kb(fr)})
            if profile and k.median > 1.5 * r.median:
                res.profiles.append((f"query '{name}' at {res.size:,} events: kpolicy {k.median:.1f} ms, raw {r.median:.1f} ms", profile_text(fk)))
    raw.execute("COMMIT")
    raw.close()
    database.close()
