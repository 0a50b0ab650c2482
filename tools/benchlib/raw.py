"""The raw baseline: pre-computed rows for executemany and hand-written SQL for every query measured."""

from __future__ import annotations

import sqlite3
from datetime import date

from tools.benchlib.world import World


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
