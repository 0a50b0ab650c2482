"""`kpolicy import gdelt` end to end, through the store's write path, at a file of N events, on each engine.

    python tools/bench_import.py --rows 1000000 [--postgres URL] [--filter korea|none] [--out docs/import.md]

The synthetic GDELT 2.0 file of tools/benchlib/gdelt.py (61 columns, the codebook's shape,
2% of rows about the Koreas) is written first, untimed. Then, for each engine, a fresh
database is made (`kpolicy init`) and the real command runs in its own process:
`kpolicy import gdelt FILE --db DB` with `--country PRK,KOR` (`--filter korea`, what an analyst
runs) or every row (`--filter none`: each row matched against the database, written as an
event with its actors, place, mention and history, one change). Timed: the wall and CPU
time of that process and its peak resident memory (the kernel's, for the child), and the
events it created, counted in the database afterwards. Nothing is timed in a test. With
--out the section between the import-bench markers of that file is replaced (a mode of
its own per --filter).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKS = {"korea": ("<!-- import-bench:korea:start -->", "<!-- import-bench:korea:end -->"),
         "none": ("<!-- import-bench:all:start -->", "<!-- import-bench:all:end -->")}


def _fresh_postgres(admin_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


def _kpolicy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpolicy", *args], capture_output=True, text=True, cwd=ROOT)


def _timed(args: list[str]) -> dict:
    """Run `kpolicy ARGS` as a child; its wall time, CPU time (user + system) and peak RSS."""
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "kpolicy", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
    out, err = child.communicate()
    wall = time.perf_counter() - t0
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # exactly this child: the only one this process waited for
    if child.returncode != 0:
        raise SystemExit(f"kpolicy {' '.join(args)} failed ({child.returncode}): {err.strip()[-500:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "stderr": err.strip()}


def _count(db: str) -> tuple[int, int, int]:
    import sqlalchemy as sa

    from kpolicy.store.db import resolve

    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("events", "mentions", "revisions"))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> list[dict]:
    from tools.benchlib.gdelt import write_file

    parser = argparse.ArgumentParser(prog="python tools/bench_import.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=None, help="an admin URL of a PostgreSQL server (a database is made on it)")
    parser.add_argument("--filter", choices=("korea", "none"), default="korea")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    command = "python tools/bench_import.py " + " ".join(a if "://" not in a else "URL" for a in (argv if argv is not None else sys.argv[1:]))
    results = []
    # the child processes count in RUSAGE_CHILDREN: one measured child per process of this tool keeps it exact
    with tempfile.TemporaryDirectory(prefix="kpolicy-import-bench-") as tmp:
        path = Path(tmp) / "events.CSV"
        write_file(path, args.rows)
        mb = path.stat().st_size / 1e6
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            if engine == "sqlite":
                db = str(Path(tmp) / "bench.db")
            elif args.postgres:
                db = _fresh_postgres(args.postgres, f"kpolicy_import_bench_{args.rows}")
            else:
                print("postgresql: skipped (give --postgres URL)", file=sys.stderr)
                continue
            init = _kpolicy("init", "--db", db)
            if init.returncode != 0:
                raise SystemExit(f"init failed: {init.stderr}")
            before = _count(db)
            cmd = ["import", "gdelt", str(path), "--db", db] + (["--country", "PRK,KOR"] if args.filter == "korea" else [])
            runner = subprocess.run([sys.executable, __file__, "--_child", *cmd], capture_output=True, text=True)
            if runner.returncode != 0:
                raise SystemExit(runner.stderr.strip()[-800:])
            measured = eval_line(runner.stdout)
            after = _count(db)
            created = after[0] - before[0]
            results.append({"engine": engine, "rows": args.rows, "mb": mb, "created": created, "mentions": after[1] - before[1],
                            "revisions": after[2] - before[2], **measured,
                            "rate_read": args.rows / measured["wall"], "rate_written": created / measured["wall"]})
            print(f"{engine}: {results[-1]}", file=sys.stderr)
            if engine == "sqlite":
                Path(db).unlink()
    text = table(results, command, args.filter)
    print(text)
    if args.out is not None:
        start, end = MARKS[args.filter]
        doc = args.out.read_text(encoding="utf-8")
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        args.out.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")
    return results


def eval_line(stdout: str) -> dict:
    import json

    return json.loads(stdout.strip().splitlines()[-1])


def table(results: list[dict], command: str, mode: str) -> str:
    what = "`--country PRK,KOR`" if mode == "korea" else "every row (no filter)"
    lines = [f"Measured by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `kpolicy import gdelt` "
             f"of {what}, one process per engine, into a fresh database.", "",
             "| engine | rows in file | file | events created | mentions | revisions | wall | CPU | rows/s read (wall) | events/s written (wall) | peak RSS |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['engine']} | {r['rows']:,} | {r['mb']:,.0f} MB | {r['created']:,} | {r['mentions']:,} | {r['revisions']:,} | "
                     f"{r['wall']:.1f} s | {r['cpu']:.1f} s | {r['rate_read']:,.0f} | {r['rate_written']:,.0f} | {r['rss_mb']:,.0f} MB |")
    return "\n".join(lines)


def _child(args: list[str]) -> None:
    """Run one `kpolicy` child and print its measures as one JSON line (this process waits for exactly one child)."""
    import json

    print(json.dumps(_timed(args)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_child":
        _child(sys.argv[2:])
    else:
        main()
