"""Measuring: medians of paired runs, peak memory, profiles and child processes."""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path


# ---- measuring -----------------------------------------------------------------------------


@dataclass
class Stat:
    """A timing over runs: median, min and max (ms or s, as measured)."""

    values: list

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def cell(self, fmt: str = "{:.1f}") -> str:
        return f"{fmt.format(self.median)} ({fmt.format(self.lo)}–{fmt.format(self.hi)})"


def _norm(value):
    """A value as both sides can show it: dates as ISO text, floats rounded (bm25 scores)."""
    if isinstance(value, (date,)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def rows_equal(name: str, got: list, want: list) -> None:
    """Every value of every row, in order; raises naming the first difference."""
    if len(got) != len(want):
        raise AssertionError(f"{name}: kpolicy returned {len(got)} rows, the baseline {len(want)}")
    for i, (a, b) in enumerate(zip(got, want)):
        a, b = tuple(_norm(v) for v in a), tuple(_norm(v) for v in b)
        if a != b:
            raise AssertionError(f"{name}: row {i} differs:\n  kpolicy  {a}\n  baseline {b}")


MIN_RUNS = 5  # every figure is a median of at least this many runs (main(--smoke) lowers it for tests)


def runs(n: int) -> int:
    return max(n, MIN_RUNS)


def paired(fa, fb, repeat: int, cpu: list | None = None) -> tuple[Stat, Stat, object, object]:
    """Run a and b alternately (a b, b a, a b...) `repeat` times each after one warm-up; times in ms.

    Given a list, `cpu` receives the two sides' process CPU times as Stats too (in-process
    work on a shared machine: the CPU time is what another process's load cannot inflate)."""
    ra, rb = fa(), fb()  # warm-up, and the answers to compare
    ta, tb, ca, cb = [], [], [], []
    for i in range(runs(repeat)):
        order = ((fa, ta, ca), (fb, tb, cb)) if i % 2 == 0 else ((fb, tb, cb), (fa, ta, ca))
        for fn, out, out_cpu in order:
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
            out_cpu.append((time.process_time() - c0) * 1000)
    if cpu is not None:
        cpu[:] = [Stat(ca), Stat(cb)]
    return Stat(ta), Stat(tb), ra, rb


def peak_kb(fn) -> float:
    """Peak Python-heap allocation of one run of fn (tracemalloc), in KB."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def profile_text(fn, lines: int = 10) -> str:
    """cProfile of one run of fn: the top functions by own time."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(lines)
    text = buf.getvalue()
    body = text[text.index("   ncalls"):] if "   ncalls" in text else text
    root = str(Path(__file__).resolve().parents[1]) + "/"
    return "\n".join(line.replace(root, "").rstrip() for line in body.splitlines() if line.strip())


GNU_TIME = "/usr/bin/time"


@dataclass
class Run:
    wall: float  # s
    first: float  # s to the first byte of output
    rss_mb: float
    out: bytes  # stdout, kept only when asked
    lines: int
    cpu: float = 0.0  # s of user + system time (the child and what it waited for): steadier than wall on a shared machine


def child(argv: list[str], keep: bool = False, stdout_path: str | None = None) -> Run:
    """Run argv; wall time, time to first output byte, peak RSS (GNU time's %M when present,
    else wait4's ru_maxrss, an upper bound) and its stdout (streamed, counted, kept if asked)."""
    fd, rss_file = tempfile.mkstemp(prefix="kpolicy-bench-rss-")
    os.close(fd)
    wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv] if os.access(GNU_TIME, os.X_OK) else argv
    chunks, lines, first = [], 0, None
    sink = open(stdout_path, "wb") if stdout_path else None
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while True:
            chunk = proc.stdout.read1(1 << 16)
            if not chunk:
                break
            if first is None:
                first = time.perf_counter() - t0
            lines += chunk.count(b"\n")
            if keep:
                chunks.append(chunk)
            if sink:
                sink.write(chunk)
        err = proc.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss
        if wrapped is not argv:
            text = Path(rss_file).read_text().strip().splitlines()
            peak = int(text[-1]) if text and text[-1].isdigit() else peak
    finally:
        if sink:
            sink.close()
        os.unlink(rss_file)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed ({code}): {err.strip()[:500]}")
    return Run(wall, first if first is not None else wall, peak / 1024, b"".join(chunks), lines, usage.ru_utime + usage.ru_stime)


def kpolicy_argv() -> list[str]:
    script = Path(sys.executable).with_name("kpolicy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kpolicy"]


def sqlite_utils_argv() -> list[str] | None:
    script = Path(sys.executable).with_name("sqlite-utils")
    if script.exists():
        return [str(script)]
    found = shutil.which("sqlite-utils")
    return [found] if found else None


def csv_rows(data: bytes) -> list[list[str]]:
    import io

    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def inline(sql: str, params: list) -> str:
    """The SQL with its ? parameters written in (ints and ISO dates only), for command-line tools."""
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, "parameter count"
    out = [parts[0]]
    for value, rest in zip(params, parts[1:]):
        out.append(str(value) if isinstance(value, (int, float)) else "'" + str(value).replace("'", "''") + "'")
        out.append(rest)
    return "".join(out)
