"""Large answers written to a pipe: time to the first byte, total time and peak RSS."""

from __future__ import annotations

from pathlib import Path

from tools.benchlib.measure import Stat, child, kpolicy_argv, runs
from tools.benchlib.load import SizeResult


OUTPUTS = (
    ("search kaesong (all hits)", ["search", "kaesong"], ("table", "csv", "json", "jsonl")),
    ("events --from 2015 --to 2019", ["events", "--from", "2015", "--to", "2019"], ("table", "jsonl")),
    ("timeline --from 2015 --to 2019", ["timeline", "--from", "2015", "--to", "2019"], (None,)),
)


def measure_output(res: SizeResult, kp_path: Path, n_runs: int) -> None:
    """Default (piped) output of large answers: time to the first byte, total, peak RSS."""
    for label, tail, formats in OUTPUTS:
        for fmt in formats:
            argv = [*kpolicy_argv(), *tail, "--db", str(kp_path), *(["--format", fmt] if fmt else [])]
            got = [child(argv) for _ in range(runs(n_runs))]
            res.output.append({"label": label, "format": fmt or "timeline", "lines": got[0].lines,
                               "first": Stat([x.first * 1000 for x in got]), "wall": Stat([x.wall for x in got]),
                               "mb": Stat([x.rss_mb for x in got])})
