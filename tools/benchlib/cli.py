"""The end-to-end CLI against `sqlite-utils query` and the import floor."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from tools.benchlib.world import World
from tools.benchlib.raw import COLUMNS, RAW_SEARCH_TOP, SEARCH_TOP, raw_actor, raw_select, raw_window
from tools.benchlib.measure import Run, Stat, child, csv_rows, inline, kpolicy_argv, rows_equal, runs, sqlite_utils_argv
from tools.benchlib.load import SizeResult, export_sql_parts


def cli_specs(world: World, ids: dict, db: str):
    """(label, kpolicy argv tail, equivalent SQL with literals) for the end-to-end CLI rows."""
    state = world.states[0]
    with_clause, export_columns = export_sql_parts()
    window = raw_window(date(2019, 6, 1), date(2019, 6, 30))
    sql, params = raw_select(window, raw_actor(ids["actors"][state]))
    events_sql = with_clause + inline(sql.replace(COLUMNS, export_columns), params)
    year_sql, year_params = raw_window(date(2019, 1, 1), date(2019, 12, 31))
    like = "'%kaesong%'"
    text_clause = (f"(lower(title) LIKE lower({like}) ESCAPE '\\' OR EXISTS (SELECT 1 FROM mentions m "
                   f"WHERE m.event_id = timeline.id AND lower(m.quote) LIKE lower({like}) ESCAPE '\\'))")
    sql, params = raw_select((year_sql, year_params), (text_clause, []))
    text_sql = with_clause + inline(sql.replace(COLUMNS, export_columns), params)
    search_sql = inline(RAW_SEARCH_TOP, ["kaesong", SEARCH_TOP])
    return [
        (f"events --on 2019-06 --actor \"{state}\" --format csv", ["events", "--db", db, "--on", "2019-06", "--actor", state, "--format", "csv"], events_sql),
        ("events --on 2019 --text kaesong --format csv", ["events", "--db", db, "--on", "2019", "--text", "kaesong", "--format", "csv"], text_sql),
        (f"search kaesong --limit {SEARCH_TOP} --format csv", ["search", "kaesong", "--db", db, "--limit", str(SEARCH_TOP), "--format", "csv"], search_sql),
    ]


def measure_cli(res: SizeResult, world: World, ids: dict, kp_path: Path, n_runs: int) -> None:
    """kpolicy, `sqlite-utils query` of the same SQL, and the import floor, interleaved run by run;
    kpolicy's CSV must equal sqlite-utils' CSV value for value."""
    su = sqlite_utils_argv()
    floor = [sys.executable, "-c", "import sqlalchemy, typer"]
    for label, tail, sql in cli_specs(world, ids, str(kp_path)):
        k_argv = [*kpolicy_argv(), *tail]
        s_argv = [*su, "query", str(kp_path), sql, "--csv"] if su else None
        acc: dict[str, list[Run]] = {"k": [], "s": [], "f": []}
        cmds = [("k", k_argv), ("f", floor)] + ([("s", s_argv)] if s_argv else [])
        for i in range(runs(n_runs)):
            for key, argv in (cmds if i % 2 == 0 else cmds[::-1]):
                acc[key].append(child(argv, keep=(i == 0 and key != "f")))
        k_rows = csv_rows(acc["k"][0].out)
        if s_argv:
            rows_equal(f"cli {label}", k_rows, csv_rows(acc["s"][0].out))
        row = {"label": label, "rows": len(k_rows) - 1, "runs": len(acc["k"])}
        for key in acc:
            if acc[key]:
                row[key] = Stat([x.wall * 1000 for x in acc[key]])
                row[key + "_cpu"] = Stat([x.cpu * 1000 for x in acc[key]])
                row[key + "_mb"] = Stat([x.rss_mb for x in acc[key]])
        res.cli.append(row)
