"""Ingest throughput: a generated folder of articles through `kpolicy ingest`, with 1 and 2 workers.

    python -m tools.bench_ingest [--articles 1000] [--words 1000] [--workers 1,2] [--mix] [--out docs/ingest.md]

Generates N news-style articles of about W words each (front matter with a publication
date; a dozen dated events per article among filler sentences, different in every article),
initialises an empty database, and times `kpolicy ingest FOLDER --workers K` in a
subprocess: wall time, articles per second, and the peak resident memory of the largest
kpolicy process (os.wait4; the pool's workers are the command's children). A second, smaller
run at a quarter of the articles shows whether memory grows with the number of files.
`--mix` makes one article in ten a PDF, one a saved web page and one a .docx (needs fpdf2
and python-docx). With --out, the report replaces the part of the file between the
bench markers. Nothing here is imported by the CLI.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

START_MARK = "<!-- bench-ingest:start -->"
END_MARK = "<!-- bench-ingest:end -->"

EVENTS = (
    "North Korea fired two short-range ballistic missiles into the East Sea on {day}, the Joint Chiefs of Staff said.",
    "Kim Jong-un and Moon Jae-in held a summit at Panmunjom on {day}.",
    "The United States and South Korea began their annual joint military drills on {day}.",
    "The UN Security Council adopted a resolution tightening sanctions on North Korea on {day}.",
    "China and North Korea held talks in Beijing on {day}, the foreign ministry said.",
    "North Korea conducted a test of a new solid-fuel engine on {day}, state media reported.",
    "The WPK Central Committee convened a plenary meeting on {day}.",
    "Japan announced its own sanctions on North Korean shipping companies on {day}.",
)
FILLER = (
    "Analysts in Seoul said the move fitted a familiar pattern of pressure followed by offers of dialogue.",
    "Officials declined to say how the decision would affect the wider negotiations.",
    "The statement, carried by the official news agency, did not mention the economy.",
    "Diplomats at the United Nations described the mood in the council as tense but businesslike.",
    "Several experts cautioned that the satellite imagery was open to more than one reading.",
    "Trade across the border has fallen sharply, according to customs figures released in Beijing.",
    "The ministry repeated that its position on denuclearisation had not changed.",
    "Observers noted that the language was milder than in previous statements of the kind.",
    "A spokesperson said the government was monitoring the situation closely with its allies.",
    "Prices of rice and maize in markets near the capital have risen for several months in a row.",
)


def article(k: int, words: int, rng: random.Random) -> tuple[date, str, list[str]]:
    published = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3000))
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            if rng.random() < 0.25:
                day = published - timedelta(days=rng.randrange(1, 400))
                s = rng.choice(EVENTS).format(day=f"{day.day} {day:%B %Y}")
            else:
                s = rng.choice(FILLER)
            sentences.append(s)
            count += len(s.split())
        paragraphs.append(" ".join(sentences))
    paragraphs.insert(0, f"Report number {k} from the regional desk.")
    return published, f"Bulletin {k}: developments on the Korean peninsula", paragraphs


def generate(folder: Path, n: int, words: int, mix: bool, seed: int = 13) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        published, title, paragraphs = article(k, words, rng)
        kind = k % 10 if mix else 9
        if kind == 0:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from documents import make_pdf

            lines: list[str] = []
            for p in paragraphs:
                words_ = p.split()
                line: list[str] = []
                for w in words_:
                    if len(" ".join(line + [w])) > 95:
                        lines.append(" ".join(line))
                        line = []
                    line.append(w)
                lines.append(" ".join(line))
            pages = [{"full": lines[i:i + 48]} for i in range(0, len(lines), 48)]
            make_pdf(folder / f"{k:05}.pdf", pages, title=title, created=_dt(published), header="Regional Desk Bulletin")
        elif kind == 1:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from documents import make_web_page

            make_web_page(folder / f"{k:05}.html", paragraphs, title=title, site="Example News", published=published.isoformat())
        elif kind == 2:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from documents import make_docx

            make_docx(folder / f"{k:05}.docx", paragraphs, title=title, created=_dt(published))
        else:
            body = "\n\n".join(paragraphs)
            (folder / f"{k:05}.md").write_text(f"---\ntitle: \"{title}\"\npublished: {published}\n---\n{body}\n", encoding="utf-8")


def _dt(d: date):
    from datetime import datetime

    return datetime(d.year, d.month, d.day, 9, 0)


def kpolicy_argv() -> list[str]:
    return [sys.executable, "-P", "-m", "kpolicy"]


def timed(argv: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB of the largest process, exit code, stderr tail."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, err.strip().splitlines()[-1] if err.strip() else ""


def run(n: int, words: int, workers: list[int], mix: bool, workdir: Path, log=print) -> list[dict]:
    folder = workdir / f"articles-{n}{'-mix' if mix else ''}"
    if not folder.exists():
        t = time.perf_counter()
        generate(folder, n, words, mix)
        log(f"generated {n} articles in {folder} ({time.perf_counter() - t:.1f} s)")
    size = sum(f.stat().st_size for f in folder.iterdir())
    results = []
    for k in workers:
        db = workdir / f"bench-{n}-{k}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        subprocess.run(kpolicy_argv() + ["init", "--db", str(db)], check=True, capture_output=True)
        wall, rss, code, summary = timed(kpolicy_argv() + ["ingest", str(folder), "--db", str(db), "--workers", str(k)])
        row = {"articles": n, "workers": k, "seconds": wall, "rate": n / wall, "rss_mb": rss, "exit": code,
               "summary": summary, "mb": size / 1e6}
        log(f"{n} articles, {k} worker(s): {wall:.1f} s = {n / wall:.1f} articles/s, peak RSS {rss:.0f} MB, exit {code}; {summary}")
        results.append(row)
    return results


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return (f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}; load average {load[0]:.1f} at the start")


def report(rows: list[dict], command: str, host: str) -> str:
    lines = [START_MARK, "", f"Command: `{command}` ({host}).", "",
             "| articles | MB | workers | seconds | articles/s | peak RSS (MB) | exit |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['articles']} | {r['mb']:.1f} | {r['workers']} | {r['seconds']:.1f} | {r['rate']:.1f} | {r['rss_mb']:.0f} | {r['exit']} |")
    lines += ["", "Summary lines:", ""]
    lines += [f"    {r['articles']} articles, {r['workers']} worker(s): {r['summary']}" for r in rows]
    lines += ["", END_MARK]
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START_MARK in old and END_MARK in old:
        head, rest = old.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        path.write_text(head + text + tail, encoding="utf-8")
    else:
        path.write_text(old + ("\n" if old else "") + text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--mix", action="store_true", help="one in ten a PDF, one a web page, one a .docx")
    parser.add_argument("--no-small", action="store_true", help="skip the quarter-size run (memory growth)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    host = machine()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kpolicy-bench-ingest-"))
    try:
        rows = []
        if not args.no_small and args.articles >= 8:
            rows += run(args.articles // 4, args.words, workers[-1:], args.mix, workdir)
        rows += run(args.articles, args.words, workers, args.mix, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m tools.bench_ingest " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.out:
        write_report(args.out, report(rows, command.strip(), host))
    return rows


if __name__ == "__main__":
    main()
