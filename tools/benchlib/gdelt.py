"""The GDELT reader: rows read and filtered per second, and its memory, at a file of N events.

    python -m tools.benchlib.gdelt --rows 1000000 [--runs 5] [--out docs/import.md]

A synthetic GDELT 2.0 events file (61 tab-separated columns, the codebook's shape; 2% of
the rows involve North or South Korea, dates over one year) is written first, untimed.
Then kpolicy.imports.gdelt.read (the bytes filter, decoding and parsing of the kept rows
into ImportRows: everything `kpolicy import gdelt --country PRK,KOR --from ... --to ...`
does before the store) runs over it `--runs` times: the median rows per second (all rows
read, not only the kept ones) with min and max, and the process's CPU time. Memory: the
peak of the Python heap (tracemalloc) while reading the first tenth of the file and while
reading all of it; flat memory means the two are about equal. tools/bench.py runs the same
as its `gdelt` section (`--only gdelt`), at each --sizes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.append(str(Path(__file__).resolve().parents[2]))

START_MARK = "<!-- gdelt-bench:start -->"
END_MARK = "<!-- gdelt-bench:end -->"
COUNTRIES = [("PRK", "NORTH KOREA", "KN"), ("KOR", "SOUTH KOREA", "KS"), ("USA", "UNITED STATES", "US"),
             ("CHN", "CHINA", "CH"), ("RUS", "RUSSIA", "RS"), ("JPN", "JAPAN", "JA"), ("GBR", "UNITED KINGDOM", "UK"),
             ("FRA", "FRANCE", "FR"), ("DEU", "GERMANY", "GM"), ("IND", "INDIA", "IN"), ("BRA", "BRAZIL", "BR")]
CODES = ["010", "020", "036", "042", "043", "046", "051", "057", "0874", "111", "112", "130", "138", "141", "150",
         "163", "173", "190", "193"]


def write_file(path: Path, rows: int, seed: int = 11, korea_share: float = 0.02) -> None:
    """`rows` synthetic GDELT 2.0 event lines (untimed)."""
    from kpolicy.imports.gdelt import COLUMNS

    rng = random.Random(seed)
    first = date(2024, 1, 1)
    others = COUNTRIES[2:]
    with open(path, "w", encoding="utf-8", newline="") as f:
        for i in range(rows):
            korea = rng.random() < korea_share
            a1 = rng.choice(COUNTRIES[:2]) if korea else rng.choice(others)
            a2 = rng.choice(others)
            geo = rng.choice((a1, a2))
            day = first + timedelta(days=rng.randrange(366))
            code = rng.choice(CODES)
            values = {c: "" for c in COLUMNS}
            values.update({
                "GlobalEventID": str(1_100_000_000 + i), "Day": day.strftime("%Y%m%d"), "MonthYear": day.strftime("%Y%m"),
                "Year": str(day.year), "FractionDate": f"{day.year + day.timetuple().tm_yday / 365:.4f}",
                "Actor1Code": a1[0], "Actor1Name": a1[1], "Actor1CountryCode": a1[0],
                "Actor2Code": a2[0], "Actor2Name": a2[1], "Actor2CountryCode": a2[0], "IsRootEvent": "1",
                "EventCode": code, "EventBaseCode": code[:3], "EventRootCode": code[:2], "QuadClass": "1",
                "GoldsteinScale": f"{rng.uniform(-10, 10):.1f}", "NumMentions": str(rng.randint(1, 40)),
                "NumSources": str(rng.randint(1, 9)), "NumArticles": str(rng.randint(1, 30)),
                "AvgTone": f"{rng.uniform(-8, 4):.4f}", "Actor1Geo_Type": "1", "Actor1Geo_FullName": a1[1].title(),
                "Actor1Geo_CountryCode": a1[2], "Actor2Geo_Type": "1", "Actor2Geo_FullName": a2[1].title(),
                "Actor2Geo_CountryCode": a2[2], "ActionGeo_Type": "1", "ActionGeo_FullName": geo[1].title(),
                "ActionGeo_CountryCode": geo[2], "ActionGeo_Lat": f"{rng.uniform(-60, 60):.4f}",
                "ActionGeo_Long": f"{rng.uniform(-180, 180):.4f}", "ActionGeo_FeatureID": geo[2],
                "DATEADDED": day.strftime("%Y%m%d") + "120000", "SOURCEURL": f"https://news.example.org/{i}",
            })
            f.write("\t".join(values[c] for c in COLUMNS) + "\n")


def _read(path: Path) -> int:
    """One read of the file as the import reads it; returns the rows kept."""
    from kpolicy.imports import gdelt
    from kpolicy.imports.common import Problems

    problems = Problems(skip_bad=True)
    keep = gdelt.Filter(["PRK", "KOR"], date(2024, 3, 1), date(2024, 10, 31))
    return sum(1 for _ in gdelt.read(path, problems, keep))


def _peak_kb(path: Path) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        _read(path)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def measure(rows: int, folder: Path, n_runs: int = 5) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    path, tenth = folder / "events.CSV", folder / "events-tenth.CSV"
    write_file(path, rows)
    with open(path, "rb") as f, open(tenth, "wb") as out:
        for i, line in enumerate(f):
            if i >= max(1, rows // 10):
                break
            out.write(line)
    total = rows
    walls, cpus, kept = [], [], 0
    for _ in range(n_runs):
        t0, c0 = time.perf_counter(), time.process_time()
        kept = _read(path)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    rates = [total / w for w in walls]
    result = {"rows": total, "kept": kept, "mb": path.stat().st_size / 1e6, "rate": statistics.median(rates),
              "rate_lo": min(rates), "rate_hi": max(rates), "wall": statistics.median(walls), "cpu": statistics.median(cpus),
              "cpu_rate": total / statistics.median(cpus),
              "peak_tenth_kb": _peak_kb(tenth), "peak_kb": _peak_kb(path)}
    path.unlink()
    tenth.unlink()
    return result


def table(results: list[dict], command: str) -> str:
    lines = [f"Measured by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             "rows/s counts every row read (median of the runs, min–max).", "",
             "| rows | file | kept (PRK,KOR, Mar–Oct) | rows/s read and filtered (wall) | wall | CPU | rows per CPU second | heap peak, first tenth | heap peak, whole file |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['rows']:,} | {r['mb']:,.0f} MB | {r['kept']:,} | {r['rate']:,.0f} ({r['rate_lo']:,.0f}–{r['rate_hi']:,.0f}) | "
                     f"{r['wall']:.2f} s | {r['cpu']:.2f} s | {r['cpu_rate']:,.0f} | {r['peak_tenth_kb']:,.0f} KB | {r['peak_kb']:,.0f} KB |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tools.benchlib.gdelt", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000000", help="comma-separated row counts")
    parser.add_argument("--runs", type=int, default=5, help="timed reads per size (median)")
    parser.add_argument("--out", type=Path, default=None, help="a file whose gdelt-bench markers' section is replaced")
    args = parser.parse_args(argv)
    command = "python -m tools.benchlib.gdelt " + " ".join(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="kpolicy-gdelt-") as tmp:
        results = [measure(int(n.replace("_", "")), Path(tmp), args.runs) for n in args.rows.split(",") if n.strip()]
    text = table(results, command)
    print(text)
    if args.out is not None:
        doc = args.out.read_text(encoding="utf-8")
        head, rest = doc.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        args.out.write_text(f"{head}{START_MARK}\n{text}\n{END_MARK}{tail}", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
