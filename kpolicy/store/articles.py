"""Storing an article: reference data, the source, its events, actors and mentions, with dedupe.

Every function here runs inside the caller's transaction (Database.writing), so an
article is stored whole or not at all. Re-storing the same text is a no-op (sources
are unique by sha256). An event that is already in the database — the same type,
compatible dates, a shared state-level actor, found in another source — gains a
mention instead of becoming a duplicate. An extracted mention never changes the event
it joins: a more precise date, a conflicting date or actors the event lacks become
*proposals* on it (kpolicy review); a curated event replaces an extracted one.
Rows are written through kpolicy.store.write (derived columns, aggregates, history):
every stored article is one change whose revisions record each event it created.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Iterable
from typing import NamedTuple
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema, write
from kpolicy.dates import ORD_SHIFT, DateRange, compatible, span_class, span_longest
from kpolicy.authority import Gazetteer
from kpolicy.store.actors import ActorTree
from kpolicy.records import EventRecord, SourceRecord, StoreSummary
from kpolicy.vocabulary import EVENT_TYPES, STATE_KINDS


def _upsert(conn: Connection, table, key: str, rows: list[dict]) -> dict:
    """Insert missing rows and update changed ones (unchanged rows are not written at all,
    so re-running on an up-to-date database leaves the file byte-identical). Returns key -> id
    (or key -> key for tables keyed by their natural key)."""
    id_col = table.c.get("id")
    existing = {r._mapping[key]: r._mapping for r in conn.execute(sa.select(table))}
    ids = {}
    for row in rows:
        current = existing.get(row[key])
        if current is None:
            result = conn.execute(table.insert().values(**row))
            ids[row[key]] = result.inserted_primary_key[0] if id_col is not None else row[key]
            continue
        ids[row[key]] = current["id"] if id_col is not None else row[key]
        changed = {k: v for k, v in row.items() if current[k] != v}
        if changed:
            conn.execute(table.update().where(table.c[key] == row[key]).values(**changed))
    for name, current in existing.items():
        ids.setdefault(name, current["id"] if id_col is not None else name)
    return ids


def sync_reference(conn: Connection, gazetteer: Gazetteer) -> None:
    """Bring event types, actors (with aliases and parents) and places in line with the code and gazetteer."""
    _GENERATION[0] += 1  # cached lookups (lookups_for) are re-read
    _upsert(
        conn,
        schema.event_types,
        "code",
        [
            {"code": code, "label": label, "family": family, "description": description}
            for code, (label, family, description) in EVENT_TYPES.items()
        ],
    )
    a = schema.actors
    analyst = set(conn.execute(sa.select(a.c.name).where(a.c.origin == "analyst")).scalars())
    actors = [e for e in gazetteer.actors.values() if e.name not in analyst]  # an analyst's row is theirs

    def facts(e):
        return {"name": e.name, "kind": e.kind, "iso3": e.iso3, "wikidata": getattr(e, "wikidata", None),
                "cameo": getattr(e, "cameo", None), "native": getattr(e, "native", None),
                "born": getattr(e, "born", None), "died": getattr(e, "died", None)}

    ids = _upsert(conn, schema.actors, "name", [facts(e) for e in actors])
    _upsert(
        conn,
        schema.actors,
        "name",
        [{**facts(e), "parent_id": ids[e.parent] if e.parent else None} for e in actors],
    )
    taken = {r.alias_key for r in conn.execute(sa.select(schema.actor_aliases.c.alias_key))}
    new_aliases = []
    for entry in actors:
        for alias in [entry.name, *gazetteer.alias_rows(entry)]:
            key = alias.lower()
            if key not in taken:
                taken.add(key)
                new_aliases.append({"actor_id": ids[entry.name], "alias": alias, "alias_key": key})
    if new_aliases:
        conn.execute(schema.actor_aliases.insert(), new_aliases)
    _sync_offices(conn, gazetteer, ids, analyst)
    place_analyst = set(conn.execute(sa.select(schema.places.c.name).where(schema.places.c.origin == "analyst")).scalars())
    places = [p for p in gazetteer.places.values() if p.name not in place_analyst]
    place_ids = _upsert(
        conn,
        schema.places,
        "name",
        [
            {"name": p.name, "country": p.country, "latitude": p.latitude, "longitude": p.longitude,
             "wikidata": getattr(p, "wikidata", None)}
            for p in places
        ],
    )
    taken = {r.alias_key for r in conn.execute(sa.select(schema.place_aliases.c.alias_key))}
    new_aliases = []
    for p in places:
        for alias in p.aliases:
            if alias.lower() not in taken:
                taken.add(alias.lower())
                new_aliases.append({"place_id": place_ids[p.name], "alias": alias, "alias_key": alias.lower()})
    if new_aliases:
        conn.execute(schema.place_aliases.insert(), new_aliases)


def _sync_offices(conn: Connection, gazetteer: Gazetteer, ids: dict, analyst: set) -> None:
    """The file's offices and terms; an office an analyst changed (its row is 'analyst') is left as it is."""
    o, t = schema.offices, schema.office_terms
    have = set(conn.execute(sa.select(o.c.actor_id)).scalars())
    terms = {(r.office_id, r.start_date): r for r in conn.execute(sa.select(t))}
    for office in getattr(gazetteer, "offices", {}).values():
        if office.name in analyst or office.name not in ids:
            continue
        office_id = ids[office.name]
        if office_id not in have:
            conn.execute(o.insert().values(actor_id=office_id, state_id=ids[office.state]))
        for term in office.holders:
            row = {"office_id": office_id, "holder_id": ids[term.actor], "start_date": term.start,
                   "end_date": term.end, "acting": term.acting}
            current = terms.get((office_id, term.start))
            if current is None:
                conn.execute(t.insert().values(**row))
            elif any(getattr(current, k) != v for k, v in row.items()):
                conn.execute(t.update().where(t.c.id == current.id).values(**row))


class Lookups:
    """Name -> id maps and the actor tree. `lookups_for` keeps one per database across
    articles (reading the tree was ~20 ms per article with 5,000 actors)."""

    def __init__(self, conn: Connection) -> None:
        self.tree = ActorTree.load(conn)
        self.actor_ids = {name: actor_id for actor_id, name in self.tree.names.items()}
        self.place_ids = {r.name: r.id for r in conn.execute(sa.select(schema.places.c.id, schema.places.c.name))}
        self.tops: dict[int, int] = {}
        self._cyclic: set[int] = set()  # actors whose walk up meets a cycle (top)
        self._members: dict[frozenset, object] = {}
        self._by_state: dict[int, list[int]] | None = None  # state -> its actors' ids, sorted (states_index)
        self.stamp = None  # set by lookups_for; None after this object added a row (re-read next time)

    def top(self, actor_id: int) -> int:
        """ActorTree.state_of, remembered for the actor and every ancestor its walk passes (so
        indexing the whole tree walks each edge once, not once per descendant)."""
        found = self.tops.get(actor_id)
        if found is not None:
            return found
        path, seen, current = [], set(), actor_id
        while True:
            found = self.tops.get(current)
            if found is not None and current not in self._cyclic:
                break
            if current in seen or current in self._cyclic:
                # a cycle in the parents: where each walk stops depends on where it starts, so
                # state_of's own answer, actor by actor
                for step in (*path, current):
                    self.tops[step] = self.tree.state_of(step)
                    self._cyclic.add(step)
                return self.tops[actor_id]
            seen.add(current)
            path.append(current)
            parent = self.tree.parent.get(current)
            if self.tree.kinds.get(current) in STATE_KINDS or parent is None:
                found = current
                break
            current = parent
        for step in path:  # each walks the rest of this same path to the same end
            self.tops[step] = found
        return found

    def states_index(self) -> dict[int, list[int]]:
        """Each state (ActorTree.state_of) -> the sorted ids of the actors under it, itself included;
        built once per tree, so a set of states costs a union of its lists, not a walk of the tree
        (a walk per distinct set was ~1.4 s of 5.8 s storing 400 events with 5,000 actors)."""
        if self._by_state is None:
            index: dict[int, list[int]] = {}
            for actor_id in self.tree.names:
                index.setdefault(self.top(actor_id), []).append(actor_id)
            for ids in index.values():
                ids.sort()
            self._by_state = index
        return self._by_state

    def members(self, states: frozenset, dialect: str):
        """Every actor whose state (ActorTree.state_of) is one of `states`, sorted, as find_match
        binds it: a JSON array on SQLite (json_each), a list on PostgreSQL (= ANY)."""
        found = self._members.get(states)
        if found is None:
            index = self.states_index()
            # an actor has one state, so the lists are disjoint: their union is their concatenation
            ids = sorted(a for state in states for a in index.get(state, ()))
            found = self._members[states] = json.dumps(ids) if dialect == "sqlite" else ids
        return found

    def _added(self) -> None:
        # a row was added inside the caller's transaction, which may yet roll back: the next
        # article re-reads (lookups_for). This one goes on with what it added.
        self.stamp = None

    def actor_id(self, conn: Connection, name: str) -> int:
        """The id of a canonical actor; actors the gazetteer lacks (extracted countries) are added."""
        if name not in self.actor_ids:
            new_id = conn.execute(schema.actors.insert().values(name=name, kind="state")).inserted_primary_key[0]
            self.actor_ids[name] = new_id
            self.tree.names[new_id], self.tree.parent[new_id], self.tree.kinds[new_id] = name, None, "state"
            # a new top-level state: its own only member, in no set of states bound so far
            if self._by_state is not None:
                self._by_state[self.top(new_id)] = [new_id]
            self._members.clear()
            conn.execute(schema.actor_aliases.insert().values(actor_id=self.actor_ids[name], alias=name, alias_key=name.lower()))
            self._added()
        return self.actor_ids[name]

    def place_id(self, conn: Connection, name: str | None, country: str | None = None, latitude: float | None = None,
                 longitude: float | None = None) -> int | None:
        """The id of a place by name; a new one is added (with its country and coordinates when known)."""
        if not name:
            return None
        if name not in self.place_ids:
            self.place_ids[name] = conn.execute(schema.places.insert().values(
                name=name, country=country, latitude=latitude, longitude=longitude)).inserted_primary_key[0]
            self._added()
        return self.place_ids[name]


# What the cached lookups depend on, read in one statement of ~20 us per article (index
# lookups and SQLite's b-tree counts, no scan): an actor or place added (or removed) by
# anyone changes it. A gazetteer change that only re-parents or re-kinds existing actors
# changes no count: `sync_reference` bumps _GENERATION for this process; a process that was
# already storing articles when another one ran it (`kpolicy init` with a changed gazetteer)
# keeps the tree it read until it ends.
_STAMP_SQL = sa.text(
    "SELECT (SELECT count(*) FROM actors), (SELECT max(id) FROM actors), "
    "(SELECT count(*) FROM places), (SELECT max(id) FROM places)"
)
_GENERATION = [0]
_LOOKUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> Lookups
_LOOKUPS_LOCK = threading.Lock()


def lookups_for(conn: Connection) -> Lookups:
    """The name -> id maps and actor tree for this database, re-read only when `_STAMP_SQL` says
    the actors or places changed since they were read."""
    stamp = (*conn.execute(_STAMP_SQL).one(), _GENERATION[0])
    with _LOOKUPS_LOCK:
        found = _LOOKUPS.get(conn.engine)
        if found is not None and found.stamp == stamp:
            return found
    found = Lookups(conn)
    found.stamp = stamp
    with _LOOKUPS_LOCK:
        _LOOKUPS[conn.engine] = found
    return found


MAX_MERGE_SPAN_DAYS = 400  # a date vaguer than about a year says too little to identify an event


def _dates_compatible(record: EventRecord, row) -> bool:
    """Overlapping bounds; two different exact days are two events; open or multi-year
    dates ('2020-02/..', 'the last two years') never identify an existing event."""
    lo, hi = record.date.lower, record.date.upper
    if record.date.edtf is None or row.date is None:
        return False
    for a, b in ((lo, hi), (row.start_date, row.end_date)):
        if a is None or b is None or (b - a).days > MAX_MERGE_SPAN_DAYS:
            return False
    return compatible(record.date, DateRange(row.date, row.start_date, row.end_date, row.precision))


# find_match ranks the candidates in SQL, so its cost per event does not grow with their
# number (near-duplicate articles made it quadratic: a Python loop and one actor query per
# candidate). The WHERE clause is _dates_compatible and the shared-state rule; the candidates
# are found as index ranges over the span classes a mergeable date can have (0..span_class
# of MAX_MERGE_SPAN_DAYS), as query.window_ids does. One text statement per dialect, built once.
_MATCH_CLASSES = range(span_class(date(2000, 1, 1), date(2000, 1, 1) + timedelta(days=MAX_MERGE_SPAN_DAYS)) + 1)


def _match_sql(dialect: str) -> str:
    """The candidate query in the driver's own parameter style (it runs on the DBAPI cursor:
    SQLAlchemy's statement and parameter handling cost ~8x the query itself here)."""
    # the span in days from sort_key (dates.sort_key: lower and upper ordinals in one integer):
    # integer arithmetic on both engines, cheaper than date functions on every candidate
    days = f"(e.sort_key % {ORD_SHIFT} - e.sort_key / {ORD_SHIFT})"
    if dialect == "sqlite":
        actor_in = "ea.actor_id IN (SELECT value FROM json_each(:members))"
    else:
        actor_in = "ea.actor_id = ANY(:members)"
    # One pass over the candidates, in SQL: each is checked on its own columns, against the
    # events this article already merged into (one small set, read once per statement) and
    # for a shared state (one probe of event_actors' primary key), and only the best few are
    # sorted out (LIMIT). In Python with a query per candidate, this was ~50x the cost and made
    # near-duplicate articles quadratic in practice.
    sql = (
        "SELECT e.id, e.date, e.start_date, e.end_date, e.precision FROM events e "
        "WHERE e.type = :type AND e.date IS NOT NULL AND e.deleted_at IS NULL AND e.review != 'rejected' "
        "AND e.start_date <= :hi AND e.end_date >= :lo "
        f"AND {days} <= {MAX_MERGE_SPAN_DAYS} "
        "AND (:day = 0 OR e.precision != 'day' OR e.start_date = :lo) "  # two exact days: the same day
        "AND e.id NOT IN (SELECT m.event_id FROM mentions m WHERE m.source_id = :source) "
        f"AND EXISTS (SELECT 1 FROM event_actors ea WHERE ea.event_id = e.id AND {actor_in}) "
        "AND e.id IN (" + " UNION ALL ".join(
            f"SELECT id FROM events WHERE type = :type AND span_class = {k} AND start_date >= :earliest_{k} AND start_date <= :hi AND end_date >= :lo"
            for k in _MATCH_CLASSES) + ") "
        # the closest candidate: the most similar date span, curated first, then the oldest
        f"ORDER BY abs({days} - :span), CASE WHEN e.review = 'reviewed' THEN 0 ELSE 1 END, e.id LIMIT :limit OFFSET :offset"
    )
    return sql if dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql.replace(" % ", " %% "))


_MATCH_SQL = {"sqlite": _match_sql("sqlite"), "postgresql": _match_sql("postgresql")}
_MATCH_FIRST = 4  # ranked candidates read at first; more only if Python's own check refuses them all


class _Candidate(NamedTuple):
    id: int
    date: str
    start_date: date
    end_date: date
    precision: str


def find_match(conn: Connection, record: EventRecord, source_id: int, lookups: Lookups) -> int | None:
    """An event from another source that `record` is another mention of, or None: the same type
    (not only the same family: a statement about a plenum is not the plenum), compatible dates
    (_dates_compatible), a shared state among the actors' states; the best ranked."""
    lo, hi = record.date.lower, record.date.upper
    if record.date.edtf is None or not record.actors or lo is None or hi is None or (hi - lo).days > MAX_MERGE_SPAN_DAYS:
        return None  # _dates_compatible would refuse every candidate
    states = frozenset(lookups.top(lookups.actor_ids[name]) for name, _ in record.actors if name in lookups.actor_ids)
    if not states:
        return None
    dialect = conn.dialect.name
    sqlite = dialect == "sqlite"
    day = date.isoformat if sqlite else (lambda d: d)  # SQLite stores dates as ISO text
    params = {"type": record.type, "lo": day(lo), "hi": day(hi), "source": source_id, "span": (hi - lo).days,
              "day": int(record.date.precision == "day"), "members": lookups.members(states, dialect)}
    for k in _MATCH_CLASSES:
        params[f"earliest_{k}"] = day(date.fromordinal(max(1, lo.toordinal() - span_longest(k))))
    params["offset"], params["limit"] = 0, _MATCH_FIRST
    cursor = conn.connection.cursor()
    try:
        while True:
            cursor.execute(_MATCH_SQL[dialect], params)
            rows = cursor.fetchall()
            for row in rows:
                candidate = _Candidate(row[0], row[1], *(date.fromisoformat(d) for d in row[2:4]), row[4]) if sqlite \
                    else _Candidate(*row)
                # the SQL is the rule; the rule in Python stays the judge of what it returns
                if _dates_compatible(record, candidate):
                    return candidate.id
            if len(rows) < params["limit"]:
                return None
            params["offset"] += params["limit"]
            params["limit"] *= 4
    finally:
        cursor.close()


def event_values(record: EventRecord, place_id: int | None) -> dict:
    """The event's own columns; the date's derived ones come from write.date_columns."""
    return {
        "type": record.type,
        "title": record.title,
        "description": record.description,
        "status": record.status,
        "place_id": place_id,
        "review": record.review,
        "confidence": record.confidence,
    }


def _snapshot(record: EventRecord) -> dict:
    """What a 'created' revision records of a new event."""
    return {"type": record.type, "title": record.title, "date": record.date.edtf, "status": record.status,
            "place": record.place, "review": record.review, "actors": [list(a) for a in record.actors]}


def set_actors(conn: Connection, event_id: int, record: EventRecord, lookups: Lookups) -> None:
    write.set_actors(conn, event_id, [(lookups.actor_id(conn, name), role) for name, role in record.actors])


def source_exists(conn: Connection, source: SourceRecord) -> bool:
    return conn.execute(_SOURCE_EXISTS, {"sha256": source.sha256}).first() is not None


def _unique_slug(conn: Connection, slug: str) -> str:
    taken = set(conn.execute(_SLUGS_LIKE, {"pattern": f"{slug}%"}).scalars())
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"


_MENTION_ID = sa.text("SELECT id FROM mentions WHERE event_id = :event_id AND source_id = :source_id "
                      "AND char_start = :char_start AND char_end = :char_end")


def propose_from(conn: Connection, change_id: int, event_id: int, current: dict, record: EventRecord, source_id: int,
                 lookups: Lookups, mention_id: int | None = None, pending: list[dict] | None = None) -> None:
    """Proposals for what a new mention brings to an existing event: a more precise date, a
    conflicting date, actors the event lacks. Never applied here, never dropped. Each cites the
    record's first mention (`mention_id`: looked up when not given); with `pending`, their rows
    are appended to it (for write.propose_many) instead of inserted one by one."""
    if mention_id is None:
        mention_id = conn.execute(_MENTION_ID, {"event_id": event_id, "source_id": source_id,
                                                "char_start": record.first.char_start,
                                                "char_end": record.first.char_end}).scalar()

    def propose(kind: str, value: dict) -> None:
        if pending is None:
            write.propose(conn, change_id, event_id, kind, value, source_id, mention_id)
        else:
            pending.append(write.proposal_row(change_id, event_id, kind, value, source_id, mention_id))

    quote = record.first.quote
    if record.date.edtf and current["date"] and record.date.edtf != current["date"]:
        from kpolicy.dates import parse_edtf

        have = parse_edtf(current["date"])
        new = record.date
        inside = (have.lower is None or (new.lower is not None and new.lower >= have.lower)) and \
                 (have.upper is None or (new.upper is not None and new.upper <= have.upper))
        if inside and (new.lower, new.upper) != (have.lower, have.upper):
            propose("date", {"date": new.edtf, "quote": quote})
        elif not inside:
            contains = (new.lower is None or (have.lower is not None and have.lower >= new.lower)) and \
                       (new.upper is None or (have.upper is not None and have.upper <= new.upper))
            if not contains:  # a vaguer date says nothing new; an overlapping different one is a conflict
                propose("conflict", {"date": new.edtf, "quote": quote})
    have_names = {name for name, _ in current["actors"]}
    implied = set()  # the parents of the actors it has: Kim Jong-un implies North Korea
    for name in have_names:
        actor_id = lookups.actor_ids.get(name)
        while actor_id is not None and actor_id not in implied:
            implied.add(actor_id)
            actor_id = lookups.tree.parent.get(actor_id)
    missing = sorted({(name, role) for name, role in record.actors
                      if name not in have_names and lookups.actor_ids.get(name) not in implied})
    if missing:
        propose("actors", {"actors": [list(a) for a in missing], "quote": quote})


def propose_unknown(conn: Connection, change_id: int, event_id: int, record: EventRecord, source_id: int, lookups: Lookups,
                    proposed: set[str], pending: list[dict] | None = None) -> None:
    """A proposal per name the extractor found in the event's quote that the authority file lacks
    (kpolicy.extract.unknown): a person or an organisation is an `actors` proposal whose accepting
    creates the actor (its kind, and its owner as parent) and names it on the event; a place is a
    `fields` proposal whose accepting creates the place and sets it as the event's place (`kpolicy
    review --proposal N --accept`, or the desk's accept button). One proposal per name: `proposed`
    holds the names (lower case) already proposed and not accepted, in this database or this
    article (unknown_proposed), and gains the ones proposed here. With `pending`, the rows are
    appended to it (for write.propose_many) instead of inserted."""
    for found in record.unknown_names:
        name, kind = found["name"], found["kind"]
        if name.lower() in proposed:
            continue
        if kind == "place":
            if lookups.place_ids.get(name) is not None:
                continue  # the database has it (an analyst's place the file lacks)
            value = {"fields": {"place": name}, "was": {"place": record.place}, "unknown": True, "kind": "place", "name_key": name.lower()}
        else:
            if lookups.actor_ids.get(name) is not None:
                continue  # the database has it (an analyst's actor the file lacks)
            value = {"actors": [[name, "participant"]], "unknown": True, "kind": kind, "name_key": name.lower(),
                     **({"parent": found["parent"]} if found.get("parent") else {})}
        row = write.proposal_row(change_id, event_id, "fields" if kind == "place" else "actors",
                                 {**value, "quote": record.first.quote}, source_id)
        if pending is None:
            write.propose_many(conn, [row])
        else:
            pending.append(row)
        proposed.add(name.lower())


def unknown_proposed(conn: Connection, records: list[EventRecord]) -> set[str]:
    """Of the unknown names `records` carry, those (lower case) an open or dismissed proposal already
    offers: a name is proposed once, and a dismissed one is not offered again. No query when none."""
    names = sorted({u["name"] for r in records for u in r.unknown_names})
    if not names:
        return set()
    p = schema.proposals

    def pattern(name: str) -> str:
        key = '"name_key": ' + json.dumps(name.lower(), ensure_ascii=False)
        return "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    matches = sa.or_(*(p.c.value.like(pattern(n), escape="\\") for n in names))
    rows = conn.execute(sa.select(p.c.value).where(p.c.status != "accepted", p.c.kind.in_(("actors", "fields")), matches))
    out = set()
    for (value,) in rows:
        decoded = json.loads(value)
        if decoded.get("unknown") and isinstance(decoded.get("name_key"), str):
            out.add(decoded["name_key"])
    return out


_INSERT_SOURCE = schema.sources.insert()
_SOURCE_EXISTS = sa.text("SELECT 1 FROM sources WHERE sha256 = :sha256")
_SLUGS_LIKE = sa.text("SELECT slug FROM sources WHERE slug LIKE :pattern")


def store_article(conn: Connection, source: SourceRecord, events: Iterable[EventRecord], merge: bool = True,
                  by: str | None = None, action: str = "ingest") -> StoreSummary:
    """Store one article and its events in the caller's transaction; a known text is skipped.

    The whole article is one change (`action` by `by`): a 'created' revision per new event,
    a 'mentioned' revision per event it merged into.

    Merges are written as they are found; the new events are written at the end in one
    executemany per table (write.insert_events). Matching does not see them either way:
    a candidate never has a mention in the article's own source.
    """
    summary = StoreSummary()
    if source_exists(conn, source):
        summary.skipped.append(source.slug)
        return summary
    source_id = conn.execute(_INSERT_SOURCE, {
        "slug": _unique_slug(conn, source.slug), "title": source.title, "author": source.author,
        "publisher": source.publisher, "published": source.published, "url": source.url, "site": source.site,
        "published_precision": source.published_precision, "published_from": source.published_from,
        "sha256": source.sha256, "text": source.text, "ingested_at": write.now(),
    }).inserted_primary_key[0]
    summary.sources = 1
    change_id = write.begin_change(conn, action, by=by, source_id=source_id)
    with write.search_deferred(conn) as searched:  # an event gaining n mentions is re-indexed once, not n times
        return _store_records(conn, source, source_id, change_id, events, merge, summary, searched)


def _store_records(conn: Connection, source: SourceRecord, source_id: int, change_id: int, events: Iterable[EventRecord],
                   merge: bool, summary: StoreSummary, touched: set[int]) -> StoreSummary:
    lookups = lookups_for(conn)
    history: list[tuple] = []  # in record order; a new event's entry holds its index in `new` until it has an id
    new: list[write.NewEvent] = []
    created: list[EventRecord] = []  # the records of `new`, in order
    events = list(events)
    proposed = unknown_proposed(conn, events)  # one proposal per unknown name
    # the article's proposals, inserted in one statement at the end in the order they were made
    # (nothing below reads the proposals table; a statement each was a round trip per proposal)
    pending: list[dict] = []
    for record in events:
        match = find_match(conn, record, source_id, lookups) if merge else None
        if match is not None:
            summary.merged += 1
            before = write.event_state(conn, match)
            if record.review == "reviewed" and before["review"] != "reviewed":
                # a curated event replaces an extracted one: field by field, so it can be undone
                write.update_event(conn, match, event_values(record, lookups.place_id(conn, record.place)), record.date)
                set_actors(conn, match, record, lookups)
                after = write.event_state(conn, match)
                history.extend((match, "curated", f, before[f], after[f]) for f in after if after[f] != before[f])
            mention_ids = write.add_mentions_returning(conn, match, source_id, record.mentions)
            summary.mentions += len(mention_ids)
            if record.review != "reviewed":
                # an extracted mention never changes the event; what it brings becomes a proposal
                # citing the record's first mention (find_match never returns an event with a
                # mention in this source, so these are the event's only mentions from it)
                propose_from(conn, change_id, match, before, record, source_id, lookups,
                             mention_ids[0] if mention_ids else None, pending)
                propose_unknown(conn, change_id, match, record, source_id, lookups, proposed, pending)
            history.append((match, "mentioned", "mentions", None, {"source": source.slug, "count": len(record.mentions)}))
            touched.add(match)
            continue
        actors = [(lookups.actor_id(conn, name), role) for name, role in record.actors]
        history.append((len(new), "created", None, None, _snapshot(record)))
        new.append(write.NewEvent(event_values(record, lookups.place_id(conn, record.place)), record.date, actors,
                                  source_id, record.mentions))
        created.append(record)
        summary.events += 1
        summary.mentions += len(record.mentions)
    ids = write.insert_events(conn, new, lookups.tree.names)
    for index, record in enumerate(created):
        propose_unknown(conn, change_id, ids[index], record, source_id, lookups, proposed, pending)
    write.propose_many(conn, pending)
    history = [(ids[h[0]], *h[1:]) if h[1] == "created" else h for h in history]
    write.refresh(conn, touched)  # the stored timeline-row aggregates (migration 0004) of the events merged into
    write.record_many(conn, change_id, history)
    return summary
