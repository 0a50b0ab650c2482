"""Curation speed (issue 10, item 6): edit, merge and review database time at 10^5 and 10^6 events,
and `events` query time with and without the history present.

    python tools/bench_curation.py --sizes 100000 1000000 [--workdir /tmp/bench-curation] [--repeat 20]

For each size: a SQLite database is bulk-loaded (kpolicy.store.bulk) with synthetic events
(one mention each, one or two of a dozen actors, dates spread over 1990-2025, extracted);
then each curating call (kpolicy.curate.edit_event with a new date and title,
merge_events of two events, review_events accepting one) runs `repeat` times, each in its
own Database.writing() transaction, timed from BEGIN to COMMIT (the database time: no CLI
start-up). The `events` queries (a one-year window; an actor; a type; the first 1,000 of
the whole timeline, all rows materialised through kpolicy.query.iter_rows) are timed
before and after a history of one edit revision per event is added (as many revision rows
as events, plus the changes above), median of `repeat` runs. `run(size)` returns the
figures as a dict for tools/bench.py or tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ACTORS = ["North Korea", "South Korea", "United States", "China", "Japan", "Russia", "Kim Jong-un", "Donald Trump",
          "Moon Jae-in", "Xi Jinping", "United Nations Security Council", "WPK Central Committee"]
TYPES = ["summit", "talks", "missile_test", "statement", "policy_change", "military_drill", "sanctions", "un_action"]
CHUNK = 50_000


def _events(n: int, start: int, rng: random.Random):
    from kpolicy.store.bulk import BulkEvent, BulkMention

    base = date(1990, 1, 1)
    for i in range(start, start + n):
        day = base + timedelta(days=rng.randrange(365 * 35))
        kind = rng.random()
        edtf = day.isoformat() if kind < 0.6 else (day.strftime("%Y-%m") if kind < 0.9 else f"{day.year}")
        actors = [(a, "participant") for a in rng.sample(ACTORS, rng.choice((1, 2)))]
        quote = f"Event number {i} happened."
        yield BulkEvent(type=rng.choice(TYPES), title=f"Synthetic event {i}", date=edtf, status="occurred", actors=actors,
                        mentions=[BulkMention(source=f"bench-{i // 1000}", quote=quote, char_start=0, char_end=len(quote))])


def build(path: Path, size: int, seed: int = 11):
    from kpolicy.records import SourceRecord
    from kpolicy.store import bulk
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    target = resolve(str(path))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    rng = random.Random(seed)
    with database.writing() as conn:
        bulk.load_sources(conn, [SourceRecord(slug=f"bench-{k}", title=f"Bench source {k}", published=date(2026, 1, 1),
                                              text=f"bench source {k}: " + "Event number happened. " * 3)
                                 for k in range(size // 1000 + 1)])
        done = 0
        while done < size:
            n = min(CHUNK, size - done)
            bulk.load_events(conn, _events(n, done, rng))
            done += n
    return database


def _timed(database, fn, repeat: int) -> float:
    times = []
    for k in range(repeat):
        t0 = time.perf_counter()
        with database.writing() as conn:
            fn(conn, k)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _queries(database, repeat: int) -> dict[str, float]:
    from kpolicy import query

    specs = {
        "window 2019": query.EventQuery(start="2019", end="2019"),
        "actor China": query.EventQuery(actors=["China"]),
        "type summit, 2010s": query.EventQuery(types=["summit"], start="2010", end="2019"),
        "first 1000": query.EventQuery(limit=1000),
    }
    out = {}
    for name, q in specs.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            with database.reading() as conn:
                for _row in query.iter_rows(conn, q):
                    pass
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(times)
    return out


def _add_history(database, size: int) -> None:
    """One edit revision per event (and its change), written in bulk: the history a long-used database carries."""
    from kpolicy.store import schema, write

    with database.writing() as conn:
        change = write.begin_change(conn, "edit", by="bench", reason="history for the benchmark")
        batch = []
        for event_id in range(1, size + 1):
            batch.append({"change_id": change, "event_id": event_id, "action": "edited", "field": "title",
                          "old_value": write.encode(f"Synthetic event {event_id - 1}"), "new_value": write.encode("x")})
            if len(batch) >= 10_000:
                conn.execute(schema.revisions.insert(), batch)
                batch = []
        if batch:
            conn.execute(schema.revisions.insert(), batch)


def run(size: int, workdir: Path = Path("/tmp/bench-curation"), repeat: int = 20, log=print) -> dict:
    from kpolicy import curate

    folder = workdir / f"n{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"[{size}] loading")
    t0 = time.perf_counter()
    database = build(folder / "kpolicy.db", size)
    load_s = time.perf_counter() - t0
    log(f"[{size}] loaded in {load_s:.1f} s; queries without curation history")
    before = _queries(database, repeat)
    rng = random.Random(5)
    picks = rng.sample(range(1, size + 1), 4 * repeat)
    log(f"[{size}] curating")
    edit_ms = _timed(database, lambda conn, k: curate.edit_event(
        conn, picks[k], {"date": "2019-06-30", "title": f"Edited {k}"}, reason="bench", by="bench"), repeat)
    review_ms = _timed(database, lambda conn, k: curate.review_events(conn, [picks[repeat + k]], "accept", by="bench"), repeat)
    merge_ms = _timed(database, lambda conn, k: curate.merge_events(
        conn, picks[2 * repeat + k], [picks[3 * repeat + k]], reason="bench", by="bench"), repeat)
    log(f"[{size}] adding {size} history rows")
    _add_history(database, size)
    after = _queries(database, repeat)
    database.close()
    result = {"size": size, "load_s": load_s, "edit_ms": edit_ms, "review_ms": review_ms, "merge_ms": merge_ms,
              "queries_before_ms": before, "queries_after_ms": after}
    shutil.rmtree(folder, ignore_errors=True)
    return result


def report(results: list[dict]) -> str:
    lines = ["| events | edit (ms) | review (ms) | merge (ms) |", "|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['size']:,} | {r['edit_ms']:.1f} | {r['review_ms']:.1f} | {r['merge_ms']:.1f} |")
    lines += ["", "| events | query | without history (ms) | with history (ms) | change |", "|---:|---|---:|---:|---:|"]
    for r in results:
        for name, ms in r["queries_before_ms"].items():
            after = r["queries_after_ms"][name]
            lines.append(f"| {r['size']:,} | {name} | {ms:.1f} | {after:.1f} | {100 * (after - ms) / ms:+.0f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-curation"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    results = [run(size, args.workdir, args.repeat, log=lambda m: print(m, file=sys.stderr)) for size in args.sizes]
    print(report(results))
    return results


if __name__ == "__main__":
    main()
