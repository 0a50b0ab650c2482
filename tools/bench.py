"""The benchmark suite: kpolicy against its baselines on the same SQLite file, run by run.

    python tools/bench.py --sizes 1000,10000,100000,1000000 --out docs/benchmarks.md
    python -m tools.bench ...   (the same, from the repository root)

For each size it generates a realistic synthetic database through kpolicy's own write
path (kpolicy.store.bulk) and measures, alternating kpolicy and its baseline run by run,
every figure a median of at least five runs with its min and max:

- bulk load: kpolicy.store.bulk in one transaction with its indexes built after the load
  (bulk.deferred), against raw `executemany` of pre-computed rows with the same strategy;
- in-process queries: windows, actors, types, free text, against the best hand-written SQL
  on sqlite3 in the same kind of read transaction; every value of every row compared;
- the end-to-end CLI against `sqlite-utils query` of the same SQL (CSV compared value for
  value) and the import floor `python -c "import sqlalchemy, typer"`;
- large answers written to a pipe (table, CSV, JSON, JSON Lines, timeline): time to the
  first byte, total time and peak RSS, at every size;
- CSV export of everything against `sqlite3 -csv` (files compared);
- the per-article write path (store_article) against the bulk path for the same events.

The report replaces the part of --out between the bench markers, so hand-written
analysis around it survives a re-run. Nothing here is imported by the CLI.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # `python tools/bench.py` from a checkout: an installed kpolicy first, else the checkout's
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from tools.benchlib import measure  # noqa: E402  (measure.MIN_RUNS is set by main)
from tools.benchlib.world import CHUNK, EventGenerator, build_world  # noqa: E402
from tools.benchlib.load import SizeResult, counts, measure_load, template_db  # noqa: E402
from tools.benchlib.queries import measure_queries  # noqa: E402
from tools.benchlib.export import measure_export  # noqa: E402
from tools.benchlib.cli import measure_cli  # noqa: E402
from tools.benchlib.output import measure_output  # noqa: E402
from tools.benchlib.writes import measure_write  # noqa: E402
from tools.benchlib.postgres import measure_postgres  # noqa: E402
from tools.benchlib.report import report, write_report  # noqa: E402
from tools.benchlib.gdelt import measure as gdelt_reader  # noqa: E402

__all__ = ["CHUNK", "EventGenerator", "SizeResult", "build_world", "main", "run_size", "template_db"]


SECTIONS = ("load", "queries", "cli", "output", "export", "writes", "postgres", "gdelt")


def run_size(size: int, workdir: Path, repeat: int, cli_runs: int, people: int, log=print, keep: bool = False,
             output_runs: int = 5, profile: bool = True, write_events: int = 1000, postgres: str | None = None,
             only: set[str] | None = None) -> SizeResult:
    res = SizeResult(size)
    folder = workdir / f"n{size}"
    if only is not None and only <= {"gdelt"}:  # the GDELT reader needs no database
        log(f"[{size}] gdelt")
        res.gdelt.update(gdelt_reader(size, folder / "gdelt", output_runs))
        return res
    if only is not None and postgres and only <= {"postgres", "gdelt"}:  # PostgreSQL loads its own data: no SQLite file
        for step in sorted(only):
            log(f"[{size}] {step}")
            if step == "postgres":
                measure_postgres(res, size, people, postgres, repeat, log)
                res.events, res.mentions = res.pg["events"], res.pg["mentions"]
            else:
                res.gdelt.update(gdelt_reader(size, folder / "gdelt", output_runs))
        shutil.rmtree(folder, ignore_errors=True)
        return res
    kp_path, raw_path = folder / "kpolicy.db", folder / "raw.db"
    if only is not None and "load" not in only and kp_path.exists() and (folder / "template.db").exists():
        # a database kept by an earlier --keep run: measure on it rather than wait minutes for a reload
        log(f"[{size}] reusing {kp_path}")
        template, world, ids = template_db(folder, people, reuse=True)
        res.events, res.mentions = counts(kp_path)
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        template, world, ids = template_db(folder, people)
        shutil.copy(template, kp_path)
        shutil.copy(template, raw_path)
        log(f"[{size}] loading")
        measure_load(res, size, world, ids, kp_path, raw_path, log)
        raw_path.unlink()
    res.db_mb = kp_path.stat().st_size / 1e6
    for step, fn in (
        ("queries", lambda: measure_queries(res, world, ids, kp_path, repeat, profile)),
        ("cli", lambda: measure_cli(res, world, ids, kp_path, cli_runs)),
        ("output", lambda: measure_output(res, kp_path, output_runs)),
        ("export", lambda: measure_export(res, kp_path, folder, output_runs)),
        ("writes", lambda: measure_write(res, world, kp_path, repeat, profile, write_events)),
        *((("postgres", lambda: measure_postgres(res, size, people, postgres, repeat, log)),) if postgres else ()),
        ("gdelt", lambda: res.gdelt.update(gdelt_reader(size, folder / "gdelt", output_runs))),
    ):
        if only is not None and step not in only:
            continue
        log(f"[{size}] {step}")
        fn()
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return res


def main(argv: list[str] | None = None) -> list[SizeResult]:
    parser = argparse.ArgumentParser(prog="python tools/bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated event counts")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"), help="report file (marked section replaced)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the databases go (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per in-process query and side (median; at least 5)")
    parser.add_argument("--cli-runs", type=int, default=7, help="runs of each CLI command and its baselines (at least 5)")
    parser.add_argument("--output-runs", type=int, default=5, help="runs of each large-output command and of the export (at least 5)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs of misses and of the write path")
    parser.add_argument("--write-events", type=int, default=1000, help="events (in articles of about 20) for the write-path rows")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="also load each size into PostgreSQL (a scratch database on this server) and run the same queries")
    parser.add_argument("--smoke", action="store_true", help="allow fewer than 5 runs (tests only: the figures are then no figures)")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases (needs --workdir)")
    parser.add_argument("--people", type=int, default=3000, help="synthetic persons in the gazetteer")
    parser.add_argument("--only", metavar="SECTIONS", default=None,
                        help=f"comma-separated sections to run ({','.join(SECTIONS)}); without load, a database kept "
                             "in --workdir by an earlier --keep run is reused")
    args = parser.parse_args(argv)
    only = None
    if args.only is not None:
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        if only - set(SECTIONS):
            parser.error(f"--only: unknown section(s) {', '.join(sorted(only - set(SECTIONS)))}; choose from {', '.join(SECTIONS)}")
    measure.MIN_RUNS = 1 if args.smoke else 5
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    command = "python tools/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kpolicy-bench-"))
    results = []
    try:
        for size in sizes:
            results.append(run_size(size, workdir, args.repeat, args.cli_runs, args.people,
                                    log=lambda m: print(m, file=sys.stderr, flush=True), keep=args.keep,
                                    output_runs=args.output_runs, profile=not args.no_profile, write_events=args.write_events,
                                    postgres=args.postgres, only=only))
            write_report(args.out, report(results, command))  # partial results survive a long run
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
