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
import csv
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):  # `python tools/bench.py` from a checkout: an installed kpolicy first, else the checkout's
    sys.path.append(str(Path(__file__).resolve().parents[1]))

START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"
YEARS = (1950, 2029)  # events spread over eight decades
CHUNK = 50_000  # events generated (untimed) and loaded per step

# ---- synthetic world ---------------------------------------------------------------------

ORGANS = (
    ("Ministry of Foreign Affairs of {s}", "organ", "{c} MFA"),
    ("Ministry of Defence of {s}", "organ", "{c} MoD"),
    ("Armed Forces of {s}", "organ", "{c} military"),
    ("Parliament of {s}", "organ", "{c} parliament"),
    ("Office of the Head of State of {s}", "organ", "{c} presidency"),
    ("Ruling Party of {s}", "party", "{c} ruling party"),
    ("Intelligence Service of {s}", "agency", "{c} intelligence"),
    ("News Agency of {s}", "media", "{c} news agency"),
)
GIVEN = ("Min", "Jae", "Hyun", "Sung", "Anna", "Ivan", "Wei", "Li", "Yuki", "Omar", "Elena", "John", "Maria", "Kenji",
         "Chol", "Song", "Ali", "Sara", "Pavel", "Ahmed", "Nadia", "Tomas", "Olga", "Hiro", "Mei", "Raul", "Ines", "Lars")
FAMILY = ("Kim", "Park", "Lee", "Choi", "Ri", "Pak", "Smith", "Ivanov", "Wang", "Zhang", "Sato", "Suzuki", "Haddad",
          "Garcia", "Novak", "Jensen", "Rossi", "Muller", "Dubois", "Silva", "Khan", "Singh", "Nguyen", "Tanaka", "Yamada")
VERBS = {
    "plenum": "holds a plenary session on", "summit": "meets counterparts on", "talks": "opens talks on",
    "missile_test": "launches a missile over", "nuclear_test": "conducts a nuclear test near", "weapon_test": "tests an engine at",
    "weapon_display": "parades new weapons at", "military_drill": "stages drills near", "election": "holds elections in",
    "un_action": "brings a resolution on", "sanctions": "imposes sanctions over", "statement": "issues a statement on",
    "policy_change": "changes its policy on", "agreement": "signs an agreement on", "deadline": "sets a deadline for",
    "incident": "reports an incident near", "other": "opens an office in",
}
TOPICS = ("denuclearisation", "the armistice", "food aid", "the border", "sanctions relief", "missile defence",
          "family reunions", "the Kaesong zone", "maritime claims", "energy supplies", "the peace process", "trade")
TYPE_WEIGHTS = {
    "statement": 20, "talks": 12, "missile_test": 10, "military_drill": 8, "summit": 6, "sanctions": 6, "un_action": 6,
    "policy_change": 5, "incident": 6, "plenum": 4, "agreement": 4, "weapon_test": 3, "weapon_display": 2,
    "election": 2, "deadline": 2, "nuclear_test": 1, "other": 3,
}


@dataclass
class World:
    """The synthetic gazetteer: states, organs and people with aliases and parents."""

    states: list[str]
    organs: list[str]
    people: list[str]
    places: list[str]
    entries: dict = field(default_factory=dict)  # name -> ActorEntry
    children: dict = field(default_factory=dict)


def build_world(taken: set[str], people: int, seed: int = 7) -> World:
    """~200 states from pycountry (plus the bundled ones), 8 organs each, `people` persons."""
    import pycountry

    from kpolicy.authority import ActorEntry, load_gazetteer

    rng = random.Random(seed)
    bundled = load_gazetteer()
    states = [e.name for e in bundled.actors.values() if e.kind == "state"]
    entries: dict[str, ActorEntry] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if name.lower() in taken or len(states) >= 205:
            continue
        aliases = [a for a in (getattr(country, "official_name", None),) if a and a.lower() not in taken]
        entries[name] = ActorEntry(name=name, kind="state", iso3=country.alpha_3, aliases=aliases)
        taken.add(name.lower())
        states.append(name)
    codes = {s: (entries[s].iso3 if s in entries else bundled.actors[s].iso3) or s[:3].upper() for s in states}
    organs: list[str] = []
    for s in states:
        for pattern, kind, alias in ORGANS:
            name = pattern.format(s=s)
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            entries[name] = ActorEntry(name=name, kind=kind, parent=s, aliases=[alias.format(c=codes[s])])
            organs.append(name)
    persons: list[str] = []
    while len(persons) < people:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}-{rng.choice(FAMILY).lower()}"
        if name.lower() in taken:
            name = f"{name} {len(persons)}"
        taken.add(name.lower())
        parent = rng.choice(organs) if rng.random() < 0.7 else rng.choice(states)
        entries[name] = ActorEntry(name=name, kind="person", parent=parent, aliases=[f"{name.split()[0][0]}. {name.split()[1]} {len(persons)}"])
        persons.append(name)
    places = [f"{s} City {k}" for s in states[:60] for k in (1, 2)]
    world = World(states, organs, persons, places, entries)
    for entry in entries.values():
        if entry.parent:
            world.children.setdefault(entry.parent, []).append(entry.name)
    return world


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (rank ** s) for rank in range(1, n + 1)]


class EventGenerator:
    """Deterministic synthetic events: the real mix of date precisions, actors and mentions."""

    def __init__(self, world: World, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.world = world
        self.state_weights = _zipf_weights(len(world.states))
        self.types = list(TYPE_WEIGHTS)
        self.type_weights = list(TYPE_WEIGHTS.values())
        self.source_no = 0
        self.first_day = date(YEARS[0], 1, 1).toordinal()
        self.days = date(YEARS[1], 12, 31).toordinal() - self.first_day

    def _date(self) -> tuple[str | None, str]:
        """An EDTF date and a status: mostly days and months, some years, intervals, forecasts."""
        rng = self.rng
        day = date.fromordinal(self.first_day + rng.randrange(self.days))
        future = day.year >= 2026
        status = ("expected" if rng.random() < 0.5 else "forecast") if future else "occurred"
        r = rng.random()
        if r < 0.55:
            return day.isoformat(), status
        if r < 0.80:
            return f"{day.year:04d}-{day.month:02d}", status
        if r < 0.87:
            return f"{day.year:04d}", status
        if r < 0.89:
            return f"{day.year:04d}-{rng.choice((21, 22, 23, 24))}", status
        if r < 0.97:  # intervals: days to years
            end = day + timedelta(days=rng.choice((2, 3, 6, 13, 45, 120, 400, 1500)))
            if rng.random() < 0.5:
                return f"{day.isoformat()}/{min(end, date(9999, 12, 31)).isoformat()}", status
            return f"{day.year:04d}-{day.month:02d}/{end.year:04d}-{end.month:02d}", status
        if r < 0.98:  # open-ended: forecasts made in the last decade ("from 2021 on")
            start = date(rng.randrange(2016, 2030), rng.randrange(1, 13), 1)
            return f"{start.year:04d}-{start.month:02d}/..", "forecast"
        if r < 0.985:  # open start: "until March 1962"
            return f"../{day.year:04d}-{day.month:02d}", status
        return None, status

    def _actor(self) -> str:
        rng, w = self.rng, self.world
        r = rng.random()
        if r < 0.5:
            return rng.choices(w.states, self.state_weights)[0]
        if r < 0.8:
            return rng.choice(w.organs)
        return rng.choice(w.people)

    def chunk(self, n: int):
        """(sources, events) for n events: SourceRecords and BulkEvents with real character offsets."""
        from kpolicy.store.bulk import BulkEvent, BulkMention
        from kpolicy.records import SourceRecord

        rng = self.rng
        n_sources = max(1, n // 20)
        first_source = self.source_no
        self.source_no += n_sources
        texts: list[list[str]] = [[] for _ in range(n_sources)]
        lengths = [0] * n_sources
        events = []
        for _ in range(n):
            edtf, status = self._date()
            kind = rng.choices(self.types, self.type_weights)[0]
            actors = [self._actor() for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))]
            roles = [(actors[0], "initiator")] + [(a, rng.choice(("target", "participant"))) for a in actors[1:]]
            topic = rng.choice(TOPICS)
            title = f"{actors[0]} {VERBS[kind]} {topic}"
            mentions = []
            for _m in range(rng.choice((1, 1, 1, 2, 2, 3))):
                k = rng.randrange(n_sources)
                quote = f"On {edtf or 'an unknown date'}, {title.lower()}, officials said of {topic}."
                start = lengths[k]
                texts[k].append(quote)
                lengths[k] += len(quote) + 1
                mentions.append(BulkMention(f"synthetic-{first_source + k}", start, start + len(quote), quote, edtf, None))
            place = rng.choice(self.world.places) if rng.random() < 0.3 else None
            events.append(BulkEvent(kind, title, edtf, status, roles, mentions, place=place, confidence=0.9))
        sources = []
        for k in range(n_sources):
            no = first_source + k
            published = date(YEARS[0], 1, 1) + timedelta(days=no % 28000)
            sources.append(SourceRecord(
                slug=f"synthetic-{no}", title=f"Synthetic bulletin {no}", published=published,
                text="\n".join(texts[k]) or f"(empty bulletin {no})", publisher="kpolicy bench",
            ))
        return sources, events


# ---- the raw baseline's rows ---------------------------------------------------------------


def raw_rows(sources, events, ids: dict, next_event: int, next_source: int, next_mention: int):
    """The same chunk as plain tuples with every key computed: what raw executemany inserts."""
    from kpolicy.dates import parse_edtf, sort_key, span_class

    stamp = "2026-01-01 00:00:00.000000"
    src_rows, src_ids = [], {}
    for i, s in enumerate(sources):
        src_ids[s.slug] = next_source + i
        src_rows.append((next_source + i, s.slug, s.title, s.author, s.publisher, s.published.isoformat(), s.url, s.sha256, s.text, stamp))
    ev_rows, ea_rows, m_rows, fts_rows = [], [], [], []
    cache: dict = {}
    for i, ev in enumerate(events):
        eid = next_event + i
        d = cache.get(ev.date)
        if d is None:
            r = parse_edtf(ev.date)
            d = cache[ev.date] = (
                r.edtf, r.lower and r.lower.isoformat(), r.upper and r.upper.isoformat(), r.precision,
                span_class(r.lower, r.upper), sort_key(r.lower, r.upper),
            )
        seen = set()
        for name, role in ev.actors:
            key = (ids["actors"][name], role)
            if key not in seen:
                seen.add(key)
                ea_rows.append((eid, key[0], role))
        first_mention = next_mention + len(m_rows)
        for m in ev.mentions:
            m_rows.append((next_mention + len(m_rows), eid, src_ids[m.source], m.char_start, m.char_end, m.quote, m.date_text, m.date_anchor))
        names = "; ".join(sorted({name for name, _ in ev.actors})) or None  # the bench's names are canonical
        ev_rows.append((eid, ev.type, ev.title, None, d[0], d[1], d[2], d[4], d[5], d[3], ev.status,
                        ids["places"].get(ev.place), ev.review, ev.confidence, stamp, stamp, names, first_mention))
        fts_rows.append((eid, ev.title, " … ".join(m.quote for m in ev.mentions)))
    return src_rows, ev_rows, ea_rows, m_rows, fts_rows


RAW_INSERTS = (
    "INSERT INTO sources (id, slug, title, author, publisher, published, url, sha256, text, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO events (id, type, title, description, date, start_date, end_date, span_class, sort_key, precision, status, "
    "place_id, review, confidence, created_at, updated_at, actor_names, first_mention_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO event_actors (event_id, actor_id, role) VALUES (?,?,?)",
    "INSERT INTO mentions (id, event_id, source_id, char_start, char_end, quote, date_text, date_anchor) VALUES (?,?,?,?,?,?,?,?)",
    "INSERT INTO event_search (rowid, title, quotes) VALUES (?,?,?)",
    "INSERT INTO revisions (change_id, event_id, action) VALUES (?,?,?)",
)


def raw_many(raw: sqlite3.Connection, sql: str, values: list) -> None:
    """executemany of multi-row INSERTs over a flat list of values, as kpolicy.store.bulk does
    (bulk.ROWS_PER_INSERT rows a statement: a CHECK's IN list is built once per statement)."""
    from kpolicy.store.bulk import ROWS_PER_INSERT

    head, marks = sql.split(" VALUES ")
    width = marks.count("?")
    per = max(1, min(ROWS_PER_INSERT, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    step = per * width
    whole = len(values) // step * step
    if whole:
        raw.executemany(head + " VALUES " + ", ".join([marks] * per), [values[i:i + step] for i in range(0, whole, step)])
    if whole < len(values):
        raw.execute(head + " VALUES " + ", ".join([marks] * ((len(values) - whole) // width)), values[whole:])

# ---- hand-written SQL for the queries --------------------------------------------------------

COLUMNS = 'id, date, start, "end", precision, type, family, status, title, actors, place, source, quote, year, month, review, confidence'


def raw_window(lower: date, upper: date) -> tuple[str, list]:
    """Overlap by hand: the same span-class index ranges kpolicy uses (the best SQL for this schema)."""
    from kpolicy.dates import SPAN_CLASSES, SPAN_OPEN_END, SPAN_OPEN_START, span_longest

    parts, params = [], []
    for k in range(SPAN_CLASSES):
        earliest = max(1, lower.toordinal() - span_longest(k))
        parts.append("SELECT id FROM events WHERE span_class = ? AND start_date BETWEEN ? AND ? AND end_date >= ?")
        params += [k, date.fromordinal(earliest).isoformat(), upper.isoformat(), lower.isoformat()]
    parts.append("SELECT id FROM events WHERE span_class = ? AND start_date <= ?")
    params += [SPAN_OPEN_END, upper.isoformat()]
    parts.append("SELECT id FROM events WHERE span_class = ? AND end_date >= ?")
    params += [SPAN_OPEN_START, lower.isoformat()]
    return "id IN (" + " UNION ALL ".join(parts) + ")", params


def raw_actor(actor_id: int) -> tuple[str, list]:
    return (
        "id IN (SELECT event_id FROM event_actors WHERE actor_id IN ("
        "WITH RECURSIVE sub(id) AS (SELECT CAST(? AS INTEGER) UNION SELECT a.id FROM actors a JOIN sub ON a.parent_id = sub.id) "
        "SELECT id FROM sub))",
        [actor_id],
    )


def raw_select(*clauses: tuple[str, list]) -> tuple[str, list]:
    where = " AND ".join(c for c, _ in clauses)
    params = [p for _, ps in clauses for p in ps]
    return f"SELECT {COLUMNS} FROM timeline WHERE {where} ORDER BY sort_key, id", params


# `kpolicy search` by hand: the FTS5 index, bm25 with the title weighted 5:1, FTS5's snippet
SEARCH_TOP = 50
RAW_SEARCH = (
    'SELECT t.id, t.date, t.start, t."end", t.precision, t.type, t.status, t.title, t.actors, t.place, t.source, '
    "f.snippet, -f.rank AS score FROM timeline t JOIN (SELECT rowid AS id, bm25(event_search, 5.0, 1.0) AS rank, "
    "snippet(event_search, -1, '[', ']', '…', 16) AS snippet FROM event_search WHERE event_search MATCH ?) f "
    "ON f.id = t.id ORDER BY f.rank, t.id"
)
# the top hits: ranked and cut inside the index, then joined (CROSS JOIN: hits first), as kpolicy does
RAW_SEARCH_TOP = (
    'SELECT t.id, t.date, t.start, t."end", t.precision, t.type, t.status, t.title, t.actors, t.place, t.source, '
    "f.snippet, -f.rank AS score FROM (SELECT rowid AS id, bm25(event_search, 5.0, 1.0) AS rank, "
    "snippet(event_search, -1, '[', ']', '…', 16) AS snippet FROM event_search WHERE event_search MATCH ? "
    "ORDER BY bm25(event_search, 5.0, 1.0), rowid LIMIT ?) f CROSS JOIN timeline t ON t.id = f.id ORDER BY f.rank, f.id"
)


def query_specs(world: World, actor_ids: dict):
    """(name, EventQuery or ("search", text, EventQuery), raw sql, params) for the measured queries.

    Free text is what an analyst uses for words: `kpolicy search` (FTS5, bm25), once for
    a common word (top hits, as on a screen) and once for a phrase with all its hits."""
    from kpolicy.query import EventQuery
    from kpolicy.vocabulary import FAMILIES

    year = (date(2019, 1, 1), date(2019, 12, 31))
    month = (date(2019, 6, 1), date(2019, 6, 30))
    parent = world.states[25]  # a mid-ranked state: its organs and people are its children
    first, second = world.states[6], world.states[9]
    tests = sorted(c for c, f in FAMILIES.items() if f == "test")
    type_clause = ("type IN (" + ",".join("?" * len(tests)) + ")", tests)
    span = (date(2015, 1, 1), date(2019, 12, 31))
    text = "kaesong"
    phrase = "sanctions relief"
    return [
        ("one-year window", EventQuery(on="2019"), *raw_select(raw_window(*year))),
        ("one-month window", EventQuery(on="2019-06"), *raw_select(raw_window(*month))),
        (f"actor + children ({parent})", EventQuery(actors=[parent]), *raw_select(raw_actor(actor_ids[parent]))),
        (
            f"actor + type + window ({world.states[0]}, test, 2015-2019)",
            EventQuery(actors=[world.states[0]], types=["test"], start="2015", end="2019"),
            *raw_select(raw_window(*span), raw_actor(actor_ids[world.states[0]]), type_clause),
        ),
        (
            f"actor pair ({first} + {second})",
            EventQuery(actors=[first, second]),
            *raw_select(raw_actor(actor_ids[first]), raw_actor(actor_ids[second])),
        ),
        (
            f"search '{text}' (bm25, top {SEARCH_TOP})",
            ("search", text, EventQuery(limit=SEARCH_TOP)),
            RAW_SEARCH_TOP, [text, SEARCH_TOP],
        ),
        (
            f"search '\"{phrase}\"' (phrase, all hits)",
            ("search", f'"{phrase}"', EventQuery()),
            RAW_SEARCH, [f'"{phrase}"'],
        ),
    ]


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


def _rows_equal(name: str, got: list, want: list) -> None:
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


def _csv_rows(data: bytes) -> list[list[str]]:
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


# ---- one size ----------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    events: int = 0
    mentions: int = 0
    load: dict = field(default_factory=dict)
    queries: list = field(default_factory=list)  # dicts: name, rows, k, r (Stat), k_kb, r_kb
    export: dict = field(default_factory=dict)
    cli: list = field(default_factory=list)
    output: list = field(default_factory=list)
    write: dict = field(default_factory=dict)
    profiles: list = field(default_factory=list)  # (title, text)
    db_mb: float = 0.0
    pg: dict = field(default_factory=dict)  # load and queries on PostgreSQL, when --postgres is given


EXPORT_COLUMNS = 'id, date, start, "end", precision, type, status, title, actors, place, source, quote'


def export_sql_parts() -> tuple[str, str]:
    """(WITH clause, select list) of the CLI's CSV row (query.EXPORT_FIELDS) in plain SQL: the view's
    columns, each actor's state (nearest ancestor-or-self of a state kind, else its top), distinct sources."""
    from kpolicy.vocabulary import STATE_KINDS

    kinds = ", ".join("'" + k + "'" for k in sorted(STATE_KINDS))
    with_clause = (
        "WITH RECURSIVE up(actor, id, parent, kind) AS (SELECT a.id, a.id, a.parent_id, a.kind FROM actors a "
        f"UNION ALL SELECT up.actor, p.id, p.parent_id, p.kind FROM up JOIN actors p ON p.id = up.parent WHERE up.kind NOT IN ({kinds})), "
        f"top(actor, id) AS (SELECT actor, id FROM up WHERE kind IN ({kinds}) OR parent IS NULL) "
    )
    columns = (
        EXPORT_COLUMNS + ", review, confidence, "
        "(SELECT group_concat(n, '; ') FROM (SELECT DISTINCT s.name AS n FROM event_actors ea JOIN top ON top.actor = ea.actor_id "
        "JOIN actors s ON s.id = top.id WHERE ea.event_id = timeline.id ORDER BY n)) AS states, "
        "(SELECT count(DISTINCT m.source_id) FROM mentions m WHERE m.event_id = timeline.id) AS sources"
    )
    return with_clause, columns
DEFER_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ('events', 'event_actors', 'mentions', 'revisions') ORDER BY name"
)


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT count(*) FROM events").fetchone()[0],
                conn.execute("SELECT count(*) FROM mentions").fetchone()[0])
    finally:
        conn.close()


def _template(folder: Path, people: int, reuse: bool = False):
    import sqlalchemy as sa

    from kpolicy.authority import Gazetteer, PlaceEntry
    from kpolicy.store import schema
    from kpolicy.store.articles import sync_reference
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    template = folder / "template.db"
    target = resolve(str(template))
    database = Database(target, make_engine(target))
    if not reuse:
        initialise(database, with_seed=False)
    taken_path = folder / "taken.json"  # the names before the world was added: the same seed then rebuilds the same world
    if reuse:
        taken = set(json.loads(taken_path.read_text()))
    else:
        with database.reading() as conn:
            taken = set(conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars())
            taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
        taken_path.write_text(json.dumps(sorted(taken)))
    world = build_world(taken, people)
    if not reuse:
        with database.writing() as conn:
            sync_reference(conn, Gazetteer(world.entries, {p: PlaceEntry(p) for p in world.places}))
    with database.reading() as conn:
        ids = {
            "actors": dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all()),
            "places": dict(conn.execute(sa.select(schema.places.c.name, schema.places.c.id)).all()),
        }
    database.close()
    return template, world, ids


def measure_load(res: SizeResult, size: int, world: World, ids: dict, kp_path: Path, raw_path: Path, log) -> None:
    """kpolicy.store.bulk (one transaction, bulk.deferred) against raw executemany of pre-computed
    rows with the same strategy (indexes and FTS triggers dropped, rebuilt before the commit),
    chunk by chunk from one generator, so both see the same machine; wall and CPU time."""
    from kpolicy.store import bulk
    from kpolicy.store.db import Database, make_engine, resolve

    gen = EventGenerator(world)
    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    raw = sqlite3.connect(raw_path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute(f"PRAGMA cache_size=-{bulk.SQLITE_CACHE_KB}")
    k_wall = k_cpu = r_wall = r_cpu = 0.0

    def clock():
        return time.perf_counter(), time.process_time()

    w0, c0 = clock()
    raw.execute("BEGIN IMMEDIATE")
    triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'event_search_%'").fetchall()
    indexes = raw.execute(DEFER_INDEXES).fetchall()
    for name, _ in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    raw.execute("INSERT INTO changes (at, \"by\", action) VALUES ('2026-01-01 00:00:00', 'bench', 'bulk load')")
    change_id = raw.execute("SELECT max(id) FROM changes").fetchone()[0]
    w1, c1 = clock()
    r_wall, r_cpu = w1 - w0, c1 - c0
    next_event = next_source = next_mention = 1
    with database.writing() as conn:
        w0, c0 = clock()
        deferred = bulk.deferred(conn)
        deferred.__enter__()
        w1, c1 = clock()
        k_wall, k_cpu = w1 - w0, c1 - c0
        done = 0
        while done < size:
            n = min(CHUNK, size - done)
            sources, events = gen.chunk(n)
            rows = raw_rows(sources, events, ids, next_event, next_source, next_mention)
            rows = (*rows, [(change_id, r[0], "created") for r in rows[1]])
            flat = [[value for row in batch for value in row] for batch in rows]  # untimed: the rows are given
            w0, c0 = clock()
            bulk.load_sources(conn, sources)
            summary = bulk.load_events(conn, events)
            w1, c1 = clock()
            k_wall, k_cpu = k_wall + w1 - w0, k_cpu + c1 - c0
            res.events += summary.events
            res.mentions += summary.mentions
            for sql, batch in zip(RAW_INSERTS, flat):
                raw_many(raw, sql, batch)
            w2, c2 = clock()
            r_wall, r_cpu = r_wall + w2 - w1, r_cpu + c2 - c1
            next_event += n
            next_source += len(sources)
            next_mention += len(rows[3])
            done += n
            log(f"[{size}] loaded {done:,}")
        w0, c0 = clock()
        deferred.__exit__(None, None, None)
    w1, c1 = clock()  # the commit included
    k_wall, k_cpu = k_wall + w1 - w0, k_cpu + c1 - c0
    for _, sql in indexes:
        raw.execute(sql)
    for _, sql in triggers:
        raw.execute(sql)
    raw.execute("COMMIT")
    w2, c2 = clock()
    r_wall, r_cpu = r_wall + w2 - w1, r_cpu + c2 - c1
    raw.close()
    database.close()
    res.load = {"k_s": k_wall, "k_cpu": k_cpu, "r_s": r_wall, "r_cpu": r_cpu}


def _query_answers(conn, raw, q, sql, params):
    from kpolicy import query, search

    if isinstance(q, tuple):  # kpolicy search
        return (lambda: [tuple(r.values()) for r in search.search(conn, q[1], q[2])],
                lambda: raw.execute(sql, params).fetchall())
    return (lambda: [tuple(r.values()) for r in query.iter_rows(conn, q)],
            lambda: raw.execute(sql, params).fetchall())


def measure_queries(res: SizeResult, world: World, ids: dict, kp_path: Path, repeat: int, profile: bool) -> None:
    """kpolicy's library call against hand-written SQL on sqlite3, same file, both inside one read
    transaction, alternating run by run; every value of every row compared."""
    from kpolicy.store.db import Database, make_engine, resolve

    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    raw = sqlite3.connect(kp_path, isolation_level=None)
    raw.execute("BEGIN")  # one read transaction, as database.reading() holds
    with database.reading() as conn:
        for name, q, sql, params in query_specs(world, ids["actors"]):
            fk, fr = _query_answers(conn, raw, q, sql, params)
            k, r, k_rows, r_rows = paired(fk, fr, repeat)
            _rows_equal(name, k_rows, r_rows)
            res.queries.append({"name": name, "rows": len(k_rows), "k": k, "r": r, "k_kb": peak_kb(fk), "r_kb": peak_kb(fr)})
            if profile and k.median > 1.5 * r.median:
                res.profiles.append((f"query '{name}' at {res.size:,} events: kpolicy {k.median:.1f} ms, raw {r.median:.1f} ms", profile_text(fk)))
    raw.execute("COMMIT")
    raw.close()
    database.close()


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
    got = _csv_rows(Path(k_csv).read_bytes())
    want = _csv_rows(Path(r_csv).read_bytes())
    _rows_equal("export", got, want)
    res.export = {"rows": len(got) - 1, "k": Stat([x.wall for x in k_runs]), "r": Stat([x.wall for x in r_runs]),
                  "k_mb": Stat([x.rss_mb for x in k_runs]), "r_mb": Stat([x.rss_mb for x in r_runs]), "baseline": baseline}
    os.unlink(k_csv)
    os.unlink(r_csv)


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
        k_rows = _csv_rows(acc["k"][0].out)
        if s_argv:
            _rows_equal(f"cli {label}", k_rows, _csv_rows(acc["s"][0].out))
        row = {"label": label, "rows": len(k_rows) - 1, "runs": len(acc["k"])}
        for key in acc:
            if acc[key]:
                row[key] = Stat([x.wall * 1000 for x in acc[key]])
                row[key + "_cpu"] = Stat([x.cpu * 1000 for x in acc[key]])
                row[key + "_mb"] = Stat([x.rss_mb for x in acc[key]])
        res.cli.append(row)


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


def _article_batch(world: World, articles: int, per_article: int, seed: int = 99):
    """Synthetic articles (one source each, `per_article` events): (sources, BulkEvents, slug -> EventRecords).

    Each event keeps the mentions in its first source only, so both paths write the same rows."""
    from kpolicy.dates import parse_edtf
    from kpolicy.records import EventRecord, MentionRecord
    from kpolicy.store.bulk import BulkEvent

    gen = EventGenerator(world, seed=seed)
    gen.source_no = 10_000_000  # slugs and texts of their own
    out = []
    for _ in range(articles):
        sources, events = gen.chunk(per_article)
        by_slug: dict[str, list] = {src.slug: [] for src in sources}
        bulk_events = []
        for ev in events:
            first = ev.mentions[0].source
            mentions = [m for m in ev.mentions if m.source == first]
            bulk_events.append(BulkEvent(ev.type, ev.title, ev.date, ev.status, ev.actors, mentions, place=ev.place,
                                         confidence=ev.confidence))
            by_slug[first].append(EventRecord(
                ev.type, ev.title, parse_edtf(ev.date), ev.status, list(ev.actors),
                [MentionRecord(m.quote, m.char_start, m.char_end, m.date_text, m.date_anchor) for m in mentions],
                place=ev.place, confidence=ev.confidence))
        out.append((sources, bulk_events, by_slug))
    return out


def measure_write(res: SizeResult, world: World, kp_path: Path, repeat: int, profile: bool, n_events: int = 1000) -> None:
    """The per-article path (store_article: dedupe, merges, history) against bulk.load_events for
    the same events, each in a transaction rolled back after the run, alternating."""
    from kpolicy.store import bulk
    from kpolicy.store.articles import store_article
    from kpolicy.store.db import Database, make_engine, resolve

    batch = _article_batch(world, 1, n_events)  # n_events / 20 articles of about 20 events
    n_events = sum(len(evs) for _, evs, _ in batch)
    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    engine = database.engine
    stored = {}

    def articles():
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                total = 0
                for sources, _events, by_slug in batch:
                    for src in sources:
                        s = store_article(conn, src, by_slug[src.slug], action="bench")
                        total += s.events + s.merged
                stored["events"] = total
            finally:
                tx.rollback()

    def bulk_load():
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                for sources, events, _ in batch:
                    bulk.load_sources(conn, sources)
                    bulk.load_events(conn, events, defer=False)
            finally:
                tx.rollback()

    cpu: list = []
    k, r, _, _ = paired(articles, bulk_load, repeat, cpu)
    n_articles = sum(len(s) for s, _, _ in batch)
    res.write = {"events": n_events, "articles": n_articles, "k": k, "r": r, "k_cpu": cpu[0], "r_cpu": cpu[1]}
    if profile:
        res.profiles.append((f"store_article, {n_articles} articles / {n_events} events at {res.size:,} events "
                             f"({k.median / n_events * 1000:.0f} us/event; bulk {r.median / n_events * 1000:.0f} us/event)",
                             profile_text(articles, 14)))
    database.close()


def measure_postgres(res: SizeResult, size: int, people: int, url: str, repeat: int, log) -> None:
    """The same generated data, loaded by kpolicy.store.bulk into a fresh PostgreSQL database, and
    the same queries (windows, actors; FTS5 search is SQLite's) against the same hand-written SQL
    through psycopg, one read transaction each, alternating, every value compared."""
    import sqlalchemy as sa

    from kpolicy.authority import Gazetteer, PlaceEntry
    from kpolicy.store import bulk, schema
    from kpolicy.store.articles import sync_reference
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"kpolicy_bench_{size}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db_url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        target = resolve(db_url)
        database = Database(target, make_engine(target))
        initialise(database, with_seed=False)
        with database.reading() as conn:
            taken = set(conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars())
            taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
        world = build_world(taken, people)
        with database.writing() as conn:
            sync_reference(conn, Gazetteer(world.entries, {p: PlaceEntry(p) for p in world.places}))
        with database.reading() as conn:
            ids = {"actors": dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all())}
        gen = EventGenerator(world)
        t0, c0 = time.perf_counter(), time.process_time()
        with database.writing() as conn:
            done = 0
            while done < size:
                sources, events = gen.chunk(min(CHUNK, size - done))
                bulk.load_sources(conn, sources)
                bulk.load_events(conn, events)
                done += len(events)
        res.pg["load_s"], res.pg["load_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        log(f"[{size}] postgres queries")
        with database.engine.connect() as analyse:
            analyse.exec_driver_sql("ANALYZE")
            analyse.commit()
        raw = database.engine.raw_connection()
        cursor = raw.driver_connection.cursor()
        res.pg["queries"] = []
        with database.reading() as conn:
            for qname, q, sql, params in query_specs(world, ids["actors"]):
                if isinstance(q, tuple):
                    continue  # FTS5 syntax: the search rows are SQLite's
                pg_sql = sql.replace("?", "%s")

                def fr(pg_sql=pg_sql, params=params):
                    cursor.execute(pg_sql, params)
                    return cursor.fetchall()

                fk, _ = _query_answers(conn, None, q, sql, params)
                k, r, k_rows, r_rows = paired(fk, fr, repeat)
                _rows_equal(f"postgres {qname}", k_rows, r_rows)
                res.pg["queries"].append({"name": qname, "rows": len(k_rows), "k": k, "r": r})
        raw.close()
        database.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


SECTIONS = ("load", "queries", "cli", "output", "export", "writes", "postgres")


def run_size(size: int, workdir: Path, repeat: int, cli_runs: int, people: int, log=print, keep: bool = False,
             output_runs: int = 5, profile: bool = True, write_events: int = 1000, postgres: str | None = None,
             only: set[str] | None = None) -> SizeResult:
    res = SizeResult(size)
    folder = workdir / f"n{size}"
    kp_path, raw_path = folder / "kpolicy.db", folder / "raw.db"
    if only is not None and "load" not in only and kp_path.exists() and (folder / "template.db").exists():
        # a database kept by an earlier --keep run: measure on it rather than wait minutes for a reload
        log(f"[{size}] reusing {kp_path}")
        template, world, ids = _template(folder, people, reuse=True)
        res.events, res.mentions = _counts(kp_path)
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        template, world, ids = _template(folder, people)
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
    ):
        if only is not None and step not in only:
            continue
        log(f"[{size}] {step}")
        fn()
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return res


# ---- the report ----------------------------------------------------------------------------


def machine() -> str:
    import sqlalchemy

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    try:
        load = f"; load average at the end {os.getloadavg()[0]:.1f} (a shared machine)"
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}{load}"
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def report(results: list[SizeResult], command: str) -> str:
    lines = [
        START_MARK,
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Machine: {machine()}.",
        "",
        "Every timing is the median of the runs with (min–max); kpolicy and its baseline alternate run by run.",
        "",
        "### Bulk load (kpolicy.store.bulk in bulk.deferred vs raw executemany of pre-computed rows, same schema, same strategy: multi-row INSERTs, indexes after the load)",
        "",
        "One load per size (the chunks of both alternate); wall time, and the process's CPU time (the machine is shared).",
        "",
        "| events | mentions | db size | kpolicy | kpolicy events/s | kpolicy CPU | raw | raw events/s | raw CPU | ratio (wall) | ratio (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ld = r.load
        if not ld:  # not run (--only)
            continue
        lines.append(
            f"| {r.events:,} | {r.mentions:,} | {r.db_mb:,.0f} MB | {ld['k_s']:.2f} s | {r.events / ld['k_s']:,.0f} | {ld['k_cpu']:.2f} s | "
            f"{ld['r_s']:.2f} s | {r.events / ld['r_s']:,.0f} | {ld['r_cpu']:.2f} s | {_ratio(ld['k_s'], ld['r_s'])} | {_ratio(ld['k_cpu'], ld['r_cpu'])} |"
        )
    lines += [
        "",
        "### Query latency in-process: kpolicy (query.iter_rows / search.search, every row) vs raw sqlite3 (fetchall), ms",
        "",
        "Both inside one read transaction; every value of every row compared. Peak: Python heap (tracemalloc) of one run, KB per row.",
        "",
        "| events | query | rows | kpolicy ms | raw ms | ratio | kpolicy peak / row | raw peak / row |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for q in r.queries:
            rows = max(q["rows"], 1)
            lines.append(f"| {r.events:,} | {q['name']} | {q['rows']:,} | {q['k'].cell()} | {q['r'].cell()} | "
                         f"{_ratio(q['k'].median, q['r'].median)} | {q['k_kb'] / rows:.2f} KB | {q['r_kb'] / rows:.2f} KB |")
    lines += [
        "",
        "### End-to-end CLI: kpolicy vs `sqlite-utils query` of the same SQL vs the import floor (`python -c \"import sqlalchemy, typer\"`), ms",
        "",
        "Three processes alternating run by run; kpolicy's CSV equals sqlite-utils' value for value; peak RSS per process.",
        "Wall time, then CPU time (user + system of each process: what the machine's other load disturbs least).",
        "",
        "| events | command | rows | runs | kpolicy | sqlite-utils | floor | vs sqlite-utils | vs floor | CPU kpolicy | CPU sqlite-utils | CPU floor | CPU vs sqlite-utils | CPU vs floor | kpolicy peak | sqlite-utils peak |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for c in r.cli:
            s, s_cpu = c.get("s"), c.get("s_cpu")
            k_cpu, f_cpu = c.get("k_cpu"), c.get("f_cpu")
            lines.append(
                f"| {r.events:,} | `kpolicy {c['label']}` | {c['rows']:,} | {c['runs']} | {c['k'].cell('{:.0f}')} | "
                f"{s.cell('{:.0f}') if s else '-'} | {c['f'].cell('{:.0f}')} | {_ratio(c['k'].median, s.median) if s else '-'} | "
                f"{_ratio(c['k'].median, c['f'].median)} | {k_cpu.cell('{:.0f}')} | {s_cpu.cell('{:.0f}') if s_cpu else '-'} | "
                f"{f_cpu.cell('{:.0f}')} | {_ratio(k_cpu.median, s_cpu.median) if s_cpu else '-'} | {_ratio(k_cpu.median, f_cpu.median)} | "
                f"{c['k_mb'].median:.0f} MB | {c['s_mb'].median:.0f} MB |" if s else
                f"| {r.events:,} | `kpolicy {c['label']}` | {c['rows']:,} | {c['runs']} | {c['k'].cell('{:.0f}')} | - | "
                f"{c['f'].cell('{:.0f}')} | - | {_ratio(c['k'].median, c['f'].median)} | {k_cpu.cell('{:.0f}')} | - | {f_cpu.cell('{:.0f}')} | - | "
                f"{_ratio(k_cpu.median, f_cpu.median)} | {c['k_mb'].median:.0f} MB | - |"
            )
    lines += [
        "",
        "### Large answers to a pipe: time to the first byte, total, peak RSS (`kpolicy ... > file`)",
        "",
        "| events | command | format | lines out | first byte ms | total s | peak RSS |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for o in r.output:
            lines.append(f"| {r.events:,} | `kpolicy {o['label'].split(' (')[0]}` | {o['format']} | {o['lines']:,} | {o['first'].cell('{:.0f}')} | "
                         f"{o['wall'].cell('{:.2f}')} | {o['mb'].median:.0f} MB |")
    baseline = results[0].export.get("baseline", "sqlite3 -csv") if results else "sqlite3 -csv"
    lines += [
        "",
        f"### CSV export of everything (`kpolicy export -o FILE` vs `{baseline}` on the timeline view; files compared value for value)",
        "",
        "| events | rows | kpolicy s | kpolicy peak | baseline s | baseline peak | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e = r.export
        if not e:
            continue
        lines.append(f"| {r.events:,} | {e['rows']:,} | {e['k'].cell('{:.2f}')} | {e['k_mb'].median:.0f} MB | {e['r'].cell('{:.2f}')} | "
                     f"{e['r_mb'].median:.0f} MB | {_ratio(e['k'].median, e['r'].median)} |")
    lines += [
        "",
        "### The article write path (store_article: dedupe, merges, history) vs bulk.load_events, same events, rolled back",
        "",
        "Wall time, and the process's CPU time (the machine is shared; the ratio that counts is the CPU one).",
        "",
        "| events in db | articles | events | store_article ms | per event | CPU per event | bulk ms | per event | CPU per event | ratio (wall) | ratio (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        w = r.write
        if w:
            n = w["events"]
            lines.append(f"| {r.events:,} | {w['articles']} | {n:,} | {w['k'].cell('{:.0f}')} | {w['k'].median / n * 1000:.0f} us | "
                         f"{w['k_cpu'].median / n * 1000:.0f} us | {w['r'].cell('{:.0f}')} | {w['r'].median / n * 1000:.0f} us | "
                         f"{w['r_cpu'].median / n * 1000:.0f} us | {_ratio(w['k'].median, w['r'].median)} | "
                         f"{_ratio(w['k_cpu'].median, w['r_cpu'].median)} |")
    if any(r.pg for r in results):
        lines += [
            "",
            "### PostgreSQL: the same data loaded by kpolicy.store.bulk, the same queries against the same SQL through psycopg, ms",
            "",
            "| events | load | events/s | query | rows | kpolicy ms | raw ms | ratio |",
            "|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for r in results:
            for q in r.pg.get("queries", []):
                lines.append(f"| {r.events:,} | {r.pg['load_s']:.1f} s | {r.events / r.pg['load_s']:,.0f} | {q['name']} | {q['rows']:,} | "
                             f"{q['k'].cell()} | {q['r'].cell()} | {_ratio(q['k'].median, q['r'].median)} |")
    profiles = [p for r in results for p in r.profiles]
    if profiles:
        lines += ["", "### Profiles (cProfile, one run, top functions by own time)", ""]
        for title, text in profiles:
            lines += [f"{title}:", "", "```", text, "```", ""]
    lines += ["", END_MARK]
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    """Replace the marked section of `path` (keeping the prose around it), or write it whole."""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if START_MARK in old and END_MARK in old:
            head, rest = old.split(START_MARK, 1)
            tail = rest.split(END_MARK, 1)[1]
            path.write_text(head + text + tail, encoding="utf-8")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# kpolicy benchmarks\n\n" + text + "\n", encoding="utf-8")


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
    global MIN_RUNS
    MIN_RUNS = 1 if args.smoke else 5
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
