"""CSV export of everything against `sqlite3 -csv` (files compared)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tools.benchlib.measure import Stat, child, csv_rows, kpolicy_argv, rows_equal, runs
from tools.benchlib.load import SizeResult, export_sql_parts


def measure_export(res: SizeResult, kp_path: Path, folder: Path, n_runs: int) -> None:
    k_csv, r_csv = str(folder / "kpolicy.csv"), str(folder / "baseline.csv")
    sqlite_cli = shutil.which("sqlite3")
    with_clause, columns = export_sql_parts()
    export_sql = f"{with_clause}SELECT {columns} FROM timeline ORDER BY sort_key, id;"
    k_argv = [*kpolicy_argv(), "export", "--db", str(kp_path), "-o", k_csv]
    if sqlite_cli:
        r_argv, baseline, r_out = [sqlite_cli, "-csv", "-header", str(kp_path), export_sql], "sqlite3 -csv", r_csv
    else:  # pragma: no cover - machines without the sqlite3 shell
        script = ("import csv,sqlite3,sys;c=sqlite3.connect(sys.argv[1]);w=csv.writer(open(sys.argv[2],'w',newline=''));"
                  "cur=c.execute(sys.argv[3]);w.writerow([d[0] for d in cur.description]);w.writerows(cur)")
        r_argv, baseline, r_out = [sys.executable, "-c", script, str(kp_path), r_csv, export_sql], "python sqlite3 + csv", None
    k_runs, r_runs = [], []
    for i in range(runs(n_runs)):
        pair = ((k_argv, None, k_runs), (r_argv, r_out, r_runs))
        for argv, out, acc in (pair if i % 2 == 0 else pair[::-1]):
            acc.append(child(argv, stdout_path=out))
    got = csv_rows(Path(k_csv).read_bytes())
    want = csv_rows(Path(r_csv).read_bytes())
    rows_equal("export", got, want)
    res.export = {"rows": len(got) - 1, "k": Stat([x.wall for x in k_runs]), "r": Stat([x.wall for x in r_runs]),
                  "k_mb": Stat([x.rss_mb for x in k_runs]), "r_mb": Stat([x.rss_mb for x in r_runs]), "baseline": baseline}
    os.unlink(k_csv)
    os.unlink(r_csv)
