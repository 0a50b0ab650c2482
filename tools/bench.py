"""The benchmark suite: kpolicy against hand-written SQL on the same SQLite file.

    python -m tools.bench --sizes 1000,10000,100000,1000000 --out docs/benchmarks.md

For each size it generates a realistic synthetic database through kpolicy's own write
path (kpolicy.store.bulk: validation, EDTF bounds, actor ids, interval keys) and, in the same
run, measures kpolicy and a raw sqlite3 baseline over the same data:

- bulk load: events per second, against raw `executemany` of pre-computed rows into the
  same schema (a copy of the same template file);
- query latency (median of repeated runs): a one-year window, a one-month window, an
  actor with its children over all time, actor + type + window, an actor pair, free
  text; kpolicy's rows must be exactly the raw query's rows (ids, in order) or the run fails;
- CSV export of everything: `kpolicy export` in a subprocess against `sqlite3 -csv` on
  the timeline view (time and peak RSS of each child, from os.wait4);
- the end-to-end CLI: a typical query on the generated database against the import
  floor `python -c "import sqlalchemy, typer"`, runs interleaved.

The report replaces the part of --out between the bench markers, so hand-written
analysis around it survives a re-run. Nothing here is imported by the CLI.
"""

from __future__ import annotations

import argparse
import csv
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

    from kpolicy.extract.gazetteer import ActorEntry, load_gazetteer

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
)

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
        "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT a.id FROM actors a JOIN sub ON a.parent_id = sub.id) "
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
    "f.snippet, -f.rank FROM timeline t JOIN (SELECT rowid AS id, bm25(event_search, 5.0, 1.0) AS rank, "
    "snippet(event_search, -1, '[', ']', '…', 16) AS snippet FROM event_search WHERE event_search MATCH ?) f "
    "ON f.id = t.id ORDER BY f.rank, t.id"
)
# the top hits: ranked and cut inside the index, then joined (CROSS JOIN: hits first), as kpolicy does
RAW_SEARCH_TOP = (
    'SELECT t.id, t.date, t.start, t."end", t.precision, t.type, t.status, t.title, t.actors, t.place, t.source, '
    "f.snippet, -f.rank FROM (SELECT rowid AS id, bm25(event_search, 5.0, 1.0) AS rank, "
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


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()  # warm-up, and the answer to compare
    if time.perf_counter() - t0 > 1.0:
        repeat = min(repeat, 5)  # a query slower than a second: five runs are enough for a median
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


GNU_TIME = "/usr/bin/time"


def _child(argv: list[str], stdout_path: str | None = None) -> tuple[float, float, int]:
    """Run argv; (wall seconds, peak RSS in MB, exit code) of that child alone.

    Linux carries a process's peak RSS across exec, so a child forked straight from this
    (large) Python process would report at least our own size: with GNU time present the
    command runs under it (a 2 MB parent) and its %M is the peak; otherwise os.wait4's
    ru_maxrss is used, an upper bound.
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    fd, rss_file = tempfile.mkstemp(prefix="kpolicy-bench-rss-")
    os.close(fd)
    wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv] if os.access(GNU_TIME, os.X_OK) else argv
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        proc.stderr.close()
        peak_kb = usage.ru_maxrss
        if wrapped is not argv:
            text = Path(rss_file).read_text().strip().splitlines()
            peak_kb = int(text[-1]) if text and text[-1].isdigit() else peak_kb
    finally:
        if stdout_path:
            out.close()
        os.unlink(rss_file)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}... failed ({proc.returncode}): {err.strip()[:500]}")
    return wall, peak_kb / 1024, proc.returncode


def kpolicy_argv() -> list[str]:
    script = Path(sys.executable).with_name("kpolicy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kpolicy"]


def _csv_ids(path: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return [row[0] for row in reader]


@dataclass
class SizeResult:
    size: int
    events: int = 0
    mentions: int = 0
    load_s: float = 0.0
    raw_load_s: float = 0.0
    queries: list = field(default_factory=list)  # (name, rows, kpolicy ms, raw ms)
    export: dict = field(default_factory=dict)
    cli: dict = field(default_factory=dict)
    db_mb: float = 0.0


def run_size(size: int, workdir: Path, repeat: int, cli_runs: int, people: int, log=print, keep: bool = False) -> SizeResult:
    import sqlalchemy as sa

    from kpolicy.store import bulk
    from kpolicy import query
    from kpolicy.store import schema
    from kpolicy import search
    from kpolicy.store.db import Database, make_engine, resolve
    from kpolicy.extract.gazetteer import Gazetteer
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.articles import sync_reference

    res = SizeResult(size)
    folder = workdir / f"n{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    template, kp_path, raw_path = folder / "template.db", folder / "kpolicy.db", folder / "raw.db"

    # the template: schema, reference data and the synthetic gazetteer, all through kpolicy
    target = resolve(str(template))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    with database.reading() as conn:
        taken = set(conn.execute(sa.select(schema.actor_aliases.c.alias_key)).scalars())
        taken |= {n.lower() for n in conn.execute(sa.select(schema.actors.c.name)).scalars()}
    world = build_world(taken, people)
    places = {p: None for p in world.places}
    from kpolicy.extract.gazetteer import PlaceEntry

    with database.writing() as conn:
        sync_reference(conn, Gazetteer(world.entries, {p: PlaceEntry(p) for p in places}))
    with database.reading() as conn:
        ids = {
            "actors": dict(conn.execute(sa.select(schema.actors.c.name, schema.actors.c.id)).all()),
            "places": dict(conn.execute(sa.select(schema.places.c.name, schema.places.c.id)).all()),
        }
    database.close()
    shutil.copy(template, kp_path)
    shutil.copy(template, raw_path)

    # bulk load: kpolicy's path and raw executemany, chunk by chunk from one generator
    log(f"[{size}] loading")
    gen = EventGenerator(world)
    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    raw = sqlite3.connect(raw_path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute(f"PRAGMA cache_size=-{bulk.SQLITE_CACHE_KB}")  # what kpolicy.store.bulk sets for its load
    raw.execute("BEGIN IMMEDIATE")
    # the same trigger policy as kpolicy.store.bulk: FTS sync triggers off for the load, the
    # load's own index rows inserted, triggers back before the commit (all timed)
    t0 = time.perf_counter()
    triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'event_search_%'").fetchall()
    for trigger, _ in triggers:
        raw.execute(f'DROP TRIGGER "{trigger}"')
    res.raw_load_s += time.perf_counter() - t0
    next_event = next_source = next_mention = 1
    with database.writing() as conn:
        done = 0
        while done < size:
            n = min(CHUNK, size - done)
            sources, events = gen.chunk(n)
            rows = raw_rows(sources, events, ids, next_event, next_source, next_mention)
            t0 = time.perf_counter()
            bulk.load_sources(conn, sources)
            summary = bulk.load_events(conn, events)
            res.load_s += time.perf_counter() - t0
            res.events += summary.events
            res.mentions += summary.mentions
            t0 = time.perf_counter()
            for sql, batch in zip(RAW_INSERTS, rows):
                raw.executemany(sql, batch)
            res.raw_load_s += time.perf_counter() - t0
            next_event += n
            next_source += len(sources)
            next_mention += len(rows[3])
            done += n
        t0 = time.perf_counter()
    res.load_s += time.perf_counter() - t0  # the commit
    t0 = time.perf_counter()
    for _, sql in triggers:
        raw.execute(sql)
    raw.execute("COMMIT")
    res.raw_load_s += time.perf_counter() - t0
    raw.close()
    res.db_mb = kp_path.stat().st_size / 1e6

    # queries: same file, kpolicy's library call against hand-written SQL on sqlite3
    log(f"[{size}] queries")
    raw = sqlite3.connect(kp_path)
    with database.reading() as conn:
        for name, q, sql, params in query_specs(world, ids["actors"]):
            if isinstance(q, tuple):  # kpolicy search
                k_ms, k_rows = _median_ms(lambda: list(search.search(conn, q[1], q[2])), repeat)
            else:
                k_ms, k_rows = _median_ms(lambda: list(query.iter_rows(conn, q)), repeat)
            r_ms, r_rows = _median_ms(lambda: raw.execute(sql, params).fetchall(), repeat)
            k_ids, r_ids = [r["id"] for r in k_rows], [r[0] for r in r_rows]
            if k_ids != r_ids:
                raise AssertionError(f"{name}: kpolicy returned {len(k_ids)} rows, raw SQL {len(r_ids)}; the answer sets differ")
            res.queries.append((name, len(k_ids), k_ms, r_ms))
    raw.close()
    database.close()

    # export of everything: two children, time and peak memory of each
    log(f"[{size}] export")
    k_csv, r_csv = str(folder / "kpolicy.csv"), str(folder / "sqlite3.csv")
    k_wall, k_rss, _ = _child([*kpolicy_argv(), "export", "--db", str(kp_path), "-o", k_csv])
    sqlite_cli = shutil.which("sqlite3")
    export_sql = (
        'SELECT id, date, start, "end", precision, type, status, title, actors, place, source, quote '
        "FROM timeline ORDER BY sort_key, id;"
    )
    if sqlite_cli:
        r_wall, r_rss, _ = _child([sqlite_cli, "-csv", "-header", str(kp_path), export_sql], stdout_path=r_csv)
        baseline = "sqlite3 -csv"
    else:  # pragma: no cover - machines without the sqlite3 shell
        script = (
            "import csv,sqlite3,sys;c=sqlite3.connect(sys.argv[1]);w=csv.writer(open(sys.argv[2],'w',newline=''));"
            "cur=c.execute(sys.argv[3]);w.writerow([d[0] for d in cur.description]);w.writerows(cur)"
        )
        r_wall, r_rss, _ = _child([sys.executable, "-c", script, str(kp_path), r_csv, export_sql])
        baseline = "python sqlite3 + csv"
    k_ids, r_ids = _csv_ids(k_csv), _csv_ids(r_csv)
    if k_ids != r_ids:
        raise AssertionError(f"export: kpolicy wrote {len(k_ids)} rows, {baseline} {len(r_ids)}; they differ")
    res.export = {"rows": len(k_ids), "k_s": k_wall, "k_mb": k_rss, "r_s": r_wall, "r_mb": r_rss, "baseline": baseline}
    os.unlink(k_csv)
    os.unlink(r_csv)

    # the end-to-end CLI against the import floor, interleaved so both see the same machine
    log(f"[{size}] cli")
    cli = [*kpolicy_argv(), "events", "--db", str(kp_path), "--on", "2019-06", "--actor", world.states[0], "--format", "csv"]
    floor = [sys.executable, "-c", "import sqlalchemy, typer"]
    raw = sqlite3.connect(kp_path)
    sql, params = raw_select(raw_window(date(2019, 6, 1), date(2019, 6, 30)), raw_actor(ids["actors"][world.states[0]]))
    sql = sql.replace(COLUMNS, 'id, date, start, "end", precision, type, status, title, actors, place, source, quote')
    raw_ms, _ = _median_ms(lambda: raw.execute(sql, params).fetchall(), repeat)
    raw.close()
    k_times, f_times = [], []
    for _ in range(cli_runs):
        k_times.append(_child(cli)[0] * 1000)
        f_times.append(_child(floor)[0] * 1000)
    res.cli = {"argv": cli, "k_ms": statistics.median(k_times), "f_ms": statistics.median(f_times), "runs": cli_runs, "raw_ms": raw_ms}
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
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}"
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
        "### Bulk load (kpolicy.store.bulk vs raw executemany of pre-computed rows, same schema)",
        "",
        "| events | mentions | db size | kpolicy | kpolicy events/s | raw | raw events/s | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.events:,} | {r.mentions:,} | {r.db_mb:,.0f} MB | {r.load_s:.2f} s | {r.events / r.load_s:,.0f} | "
            f"{r.raw_load_s:.2f} s | {r.events / r.raw_load_s:,.0f} | {_ratio(r.load_s, r.raw_load_s)} |"
        )
    names = [q[0] for q in results[0].queries] if results else []
    lines += [
        "",
        "### Query latency, median ms: kpolicy (query.iter_rows, all rows as dicts) / raw sqlite3 (fetchall) (ratio) [rows]",
        "",
        "| events | " + " | ".join(names) + " |",
        "|---:|" + "---:|" * len(names),
    ]
    for r in results:
        cells = [f"{k:.1f} / {raw:.1f} ({_ratio(k, raw)}) [{rows:,}]" for _, rows, k, raw in r.queries]
        lines.append(f"| {r.events:,} | " + " | ".join(cells) + " |")
    baseline = results[0].export.get("baseline", "sqlite3 -csv") if results else "sqlite3 -csv"
    lines += [
        "",
        f"### CSV export of everything (`kpolicy export -o FILE` vs `{baseline}` on the timeline view; wall time, peak RSS of the process)",
        "",
        "| events | rows | kpolicy | kpolicy peak | baseline | baseline peak | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e = r.export
        lines.append(
            f"| {r.events:,} | {e['rows']:,} | {e['k_s']:.2f} s | {e['k_mb']:.0f} MB | {e['r_s']:.2f} s | {e['r_mb']:.0f} MB | {_ratio(e['k_s'], e['r_s'])} |"
        )
    lines += [
        "",
        "### End-to-end CLI vs the import floor (`python -c \"import sqlalchemy, typer\"`), medians of interleaved runs",
        "",
        "| events | command | runs | kpolicy | floor | ratio | the query alone, raw SQL in-process | kpolicy - floor - query |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r.cli
        shown = "kpolicy " + " ".join(c["argv"][c["argv"].index("events"):]).replace(str(Path(c["argv"][c["argv"].index("--db") + 1])), "DB")
        lines.append(
            f"| {r.events:,} | `{shown}` | {c['runs']} | {c['k_ms']:.0f} ms | {c['f_ms']:.0f} ms | {_ratio(c['k_ms'], c['f_ms'])} | "
            f"{c['raw_ms']:.1f} ms | {c['k_ms'] - c['f_ms'] - c['raw_ms']:.0f} ms |"
        )
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
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated event counts")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"), help="report file (marked section replaced)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the databases go (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=15, help="runs per query (median)")
    parser.add_argument("--cli-runs", type=int, default=15, help="runs of the CLI and of the import floor (median)")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases (needs --workdir)")
    parser.add_argument("--people", type=int, default=3000, help="synthetic persons in the gazetteer")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    command = "python -m tools.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kpolicy-bench-"))
    results = []
    try:
        for size in sizes:
            results.append(run_size(size, workdir, args.repeat, args.cli_runs, args.people, log=lambda m: print(m, file=sys.stderr, flush=True), keep=args.keep))
            write_report(args.out, report(results, command))  # partial results survive a long run
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
