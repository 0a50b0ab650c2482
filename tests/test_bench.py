"""The benchmark suite at 10^3 events, as a smoke test: it runs, kpolicy and raw SQL agree,
and the report has its rows. No timing is asserted (the machines are shared and noisy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import bench


def test_bench_smoke(tmp_path):
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nProse before.\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\nProse after.\n")
    results = bench.main([
        "--sizes", "1000", "--out", str(out), "--workdir", str(tmp_path / "work"), "--smoke", "--no-profile",
        "--repeat", "1", "--cli-runs", "1", "--output-runs", "1", "--people", "200", "--write-events", "60",
    ])
    (r,) = results
    assert r.events == 1000 and r.mentions >= 1000
    # every query compared every value with the raw SQL's (bench raises otherwise); the windows find events
    names = [q["name"].split(" (")[0] for q in r.queries]
    assert names[:5] == ["one-year window", "one-month window", "actor + children", "actor + type + window", "actor pair"]
    assert names[5] == "search 'kaesong'" and names[6] == "search '\"sanctions relief\"'"
    assert r.queries[5]["rows"] == 50 and r.queries[6]["rows"] > 0 and r.queries[0]["rows"] > 0 and r.queries[1]["rows"] > 0
    assert r.export["rows"] == 1000
    assert len(r.cli) == 3 and all(c["rows"] > 0 for c in r.cli)  # CSV compared with sqlite-utils' when installed
    assert {o["format"] for o in r.output} == {"table", "csv", "json", "jsonl", "timeline"} and all(o["lines"] > 0 for o in r.output)
    assert r.write["events"] == 60
    text = out.read_text()
    assert text.startswith("# Benchmarks\n\nProse before.") and text.rstrip().endswith("Prose after.")
    assert "old" not in text
    for heading in ("### Bulk load", "### Query latency", "### CSV export", "### End-to-end CLI", "### Large answers", "### The article write path"):
        section = text.split(heading, 1)[1].split("###", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| 1,000 |")]
        assert rows, heading
    assert not (tmp_path / "work" / "n1000").exists()  # databases are removed unless --keep


def test_bench_runs_as_a_script_from_a_checkout(tmp_path):
    root = Path(bench.__file__).resolve().parents[1]
    for argv in ([sys.executable, str(root / "tools" / "bench.py"), "--help"], [sys.executable, "-m", "tools.bench", "--help"]):
        result = subprocess.run(argv, capture_output=True, text=True, cwd=root)
        assert result.returncode == 0 and "--sizes" in result.stdout, result.stderr


def test_cli_does_not_import_the_bench():
    code = "import sys, kpolicy.cli; sys.exit('tools.bench' in sys.modules or 'kpolicy.store.bulk' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
