"""What the damaged-file check costs, and what a write pays for it (docs/robustness.md, section 10).

    python tools/bench_quick_check.py --sizes 100000,1000000 --workdir /tmp/kpolicy-qc

Builds a SQLite file of N synthetic events per size (tools/bench.py's generator, loaded with
kpolicy.store.bulk; kept in --workdir and reused), then times in CPU seconds SQLite's
`PRAGMA quick_check` (what `kpolicy init` runs before migrating) and, on a fresh copy of the
file (the case that used to trigger the scan before a write), opening it and committing one
write transaction (Database.writing). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build(n: int, folder: Path) -> Path:
    import bench

    from kpolicy.store import bulk
    from kpolicy.store.db import Database, make_engine, resolve

    path = folder / f"events-{n}.db"
    if path.exists():
        return path
    template, world, _ids = bench.template_db(folder, 3000)
    shutil.copyfile(template, path)
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    gen = bench.EventGenerator(world)
    with database.writing() as conn, bulk.deferred(conn):
        done = 0
        while done < n:
            k = min(bench.CHUNK, n - done)
            sources, events = gen.chunk(k)
            bulk.load_sources(conn, sources)
            bulk.load_events(conn, events)
            done += k
    database.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)

    from kpolicy.store.db import connect, quick_check

    print("| Events | File | quick_check (CPU, s) | first write on a copied file (CPU, ms) |")
    print("|---|---|---|---|")
    for n in [int(s) for s in args.sizes.split(",")]:
        path = build(n, args.workdir)
        full, first = [], []
        for run in range(args.runs):
            database, _ = connect(str(path))
            t0 = time.process_time()
            assert quick_check(database.engine) == ["ok"]
            full.append(time.process_time() - t0)
            database.close()
            copy = args.workdir / f"copy-{n}.db"
            shutil.copyfile(path, copy)  # an outside change: a new inode, new times
            t0 = time.process_time()
            database, _ = connect(str(copy))
            with database.writing() as conn:
                conn.exec_driver_sql("UPDATE events SET updated_at = updated_at WHERE id = 1")
            first.append((time.process_time() - t0) * 1000)
            database.close()
            copy.unlink()
        print(f"| {n:,} | {path.stat().st_size / 1e6:,.0f} MB | {min(full):.2f}-{max(full):.2f} | "
              f"{min(first):.1f}-{max(first):.1f} |")


if __name__ == "__main__":
    main()
