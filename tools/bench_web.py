"""Time every page of the review desk (kpolicy serve) in-process on a given database.

    python -m tools.bench_web --db PATH_OR_URL [--repeat 15] [--out docs/web.md]

Each page (and its .json twin) is requested through Starlette's TestClient against the
real app on that database; the figure is the median of the server's own time for the
request (the Server-Timing header the app sets: routing, queries, rendering), with the
client's wall time beside it. The pages are chosen from the database itself: an event
from the middle of the id range, the source with the most events among a sample, the
most common actor, a window in the densest year. A 10^6-event file comes from the speed
benchmark: `python -m tools.bench --sizes 1000000 --workdir W --keep` leaves
W/n1000000/kpolicy.db.

`--out FILE` replaces the part of FILE between the bench_web markers with the table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

warnings.filterwarnings("ignore", category=DeprecationWarning)

START, END = "<!-- bench_web:start -->", "<!-- bench_web:end -->"
TOKEN = "bench-token-not-secret"


def pick_pages(conn) -> list[tuple[str, str]]:
    """(label, path) of the pages to time, with ids and names taken from the database."""
    import sqlalchemy as sa

    from kpolicy.store import schema

    e, s, m, a, ea = schema.events, schema.sources, schema.mentions, schema.actors, schema.event_actors
    top = conn.execute(sa.select(sa.func.max(e.c.id))).scalar() or 1
    middle = conn.execute(sa.select(e.c.id).where(e.c.id >= top // 2, e.c.deleted_at.is_(None)).order_by(e.c.id).limit(1)).scalar() or 1
    with_mentions = conn.execute(
        sa.select(m.c.event_id).where(m.c.event_id >= middle).group_by(m.c.event_id).having(sa.func.count() > 1).order_by(m.c.event_id).limit(1)
    ).scalar() or middle
    sample = conn.execute(sa.select(s.c.id, s.c.slug).order_by(s.c.id).limit(200)).all()
    counts = {r.source_id: r.n for r in conn.execute(
        sa.select(m.c.source_id, sa.func.count().label("n")).where(m.c.source_id.in_([x.id for x in sample])).group_by(m.c.source_id))}
    slug = max(sample, key=lambda x: counts.get(x.id, 0)).slug if sample else None
    actor = conn.execute(
        sa.select(a.c.name).where(a.c.id == sa.select(ea.c.actor_id).where(ea.c.event_id == middle).order_by(ea.c.actor_id).limit(1).scalar_subquery())
    ).scalar()
    year = conn.execute(sa.select(e.c.start_date).where(e.c.id == middle)).scalar()
    year = year.year if year else 2019
    pages = [
        ("timeline, first page", "/"),
        ("timeline, one-year window", f"/?from={year}&to={year}"),
        ("timeline, actor", f"/?actor={actor}" if actor else "/?type=test"),
        ("timeline, actor + type + window", f"/?actor={actor}&type=test&from={year - 4}&to={year}" if actor else f"/?type=test&from={year - 4}&to={year}"),
        ("timeline, text", "/?text=sanctions"),
        ("event page", f"/events/{with_mentions}"),
        ("review queue", "/review"),
        ("sources", "/sources"),
        ("history", "/history"),
        ("history of one event", f"/history?event={middle}"),
        ("search", "/search?q=kaesong"),
    ]
    if slug:
        pages.insert(8, ("source page (whole text, highlights)", f"/sources/{slug}"))
    return pages


def twin(path: str) -> str:
    base, _, query = path.partition("?")
    return ("/.json" if base == "/" else base + ".json") + (("?" + query) if query else "")


def time_page(client, path: str, repeat: int) -> tuple[float, float, int, int]:
    """(median server ms, median wall ms, status, bytes)."""
    server, wall = [], []
    status = size = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(path)
        wall.append((time.perf_counter() - t0) * 1000)
        timing = response.headers.get("server-timing", "")
        found = re.search(r"dur=([\d.]+)", timing)
        server.append(float(found.group(1)) if found else wall[-1])
        status, size = response.status_code, len(response.content)
    return statistics.median(server), statistics.median(wall), status, size


def run(db: str, repeat: int, log=print) -> tuple[str, list]:
    from starlette.testclient import TestClient

    from kpolicy.query import EventQuery, count_matching
    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.web import create_app

    database = open_or_create(db, create=False)
    with database.reading() as conn:
        pages = pick_pages(conn)
        events = count_matching(conn, EventQuery())
    client = TestClient(create_app(database, token=TOKEN, read_only=True), base_url="http://127.0.0.1:8080")  # the desk answers only to the address it serves (its Host check)
    results = []
    for label, path in pages:
        client.get(path)  # warm: the first request of a page fills caches, as in use
        html = time_page(client, path, repeat)
        data = time_page(client, twin(path), repeat)
        results.append((label, path, html, data))
        log(f"{label:40} {path:60} html {html[0]:7.1f} ms  json {data[0]:7.1f} ms  [{html[2]}]")
    database.close()
    return f"{events:,}", results


def report(db_label: str, events: str, results: list, repeat: int, command: str) -> str:
    import platform
    import sqlite3

    lines = [
        START,
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {events} events, "
        f"median of {repeat} requests each (server time from the app's Server-Timing header; wall time in the test client beside it).",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}.",
        "",
        "| page | path | HTML ms (wall) | JSON ms (wall) | status | HTML bytes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, path, html, data in results:
        lines.append(f"| {label} | `{path}` | {html[0]:.1f} ({html[1]:.1f}) | {data[0]:.1f} ({data[1]:.1f}) | {html[2]} | {html[3]:,} |")
    worst = max(max(h[0], d[0]) for _, _, h, d in results)
    lines += ["", f"Slowest page: {worst:.1f} ms of server time (target: well under 300 ms).", END]
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        new = old[: old.index(START)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip() + ("\n\n" if old else "") + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_web", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database file or URL to time the pages on")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page (median)")
    parser.add_argument("--out", type=Path, default=None, help="report file (marked section replaced)")
    args = parser.parse_args(argv)
    events, results = run(args.db, args.repeat, log=lambda line: print(line, file=sys.stderr))
    command = "python -m tools.bench_web " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(args.db, events, results, args.repeat, command)
    if args.out:
        write_report(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
