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

from collections.abc import Iterable
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema, write
from kpolicy.dates import DateRange, compatible
from kpolicy.extract.gazetteer import Gazetteer
from kpolicy.query import ActorTree, window_ids
from kpolicy.records import EventRecord, SourceRecord, StoreSummary
from kpolicy.vocabulary import EVENT_TYPES


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
    _upsert(
        conn,
        schema.event_types,
        "code",
        [
            {"code": code, "label": label, "family": family, "description": description}
            for code, (label, family, description) in EVENT_TYPES.items()
        ],
    )
    actors = gazetteer.actors.values()
    ids = _upsert(conn, schema.actors, "name", [{"name": e.name, "kind": e.kind, "iso3": e.iso3} for e in actors])
    _upsert(
        conn,
        schema.actors,
        "name",
        [{"name": e.name, "kind": e.kind, "iso3": e.iso3, "parent_id": ids[e.parent] if e.parent else None} for e in actors],
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
    _upsert(
        conn,
        schema.places,
        "name",
        [
            {"name": p.name, "country": p.country, "latitude": p.latitude, "longitude": p.longitude}
            for p in gazetteer.places.values()
        ],
    )


class _Lookups:
    """Name -> id maps and the actor tree, read once per transaction."""

    def __init__(self, conn: Connection) -> None:
        self.tree = ActorTree.load(conn)
        self.actor_ids = {name: actor_id for actor_id, name in self.tree.names.items()}
        self.place_ids = {r.name: r.id for r in conn.execute(sa.select(schema.places.c.id, schema.places.c.name))}

    def top(self, actor_id: int) -> int:
        return self.tree.state_of(actor_id)

    def actor_id(self, conn: Connection, name: str) -> int:
        """The id of a canonical actor; actors the gazetteer lacks (extracted countries) are added."""
        if name not in self.actor_ids:
            new_id = conn.execute(schema.actors.insert().values(name=name, kind="state")).inserted_primary_key[0]
            self.actor_ids[name] = new_id
            self.tree.names[new_id], self.tree.parent[new_id], self.tree.kinds[new_id] = name, None, "state"
            conn.execute(schema.actor_aliases.insert().values(actor_id=self.actor_ids[name], alias=name, alias_key=name.lower()))
        return self.actor_ids[name]

    def place_id(self, conn: Connection, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self.place_ids:
            self.place_ids[name] = conn.execute(schema.places.insert().values(name=name)).inserted_primary_key[0]
        return self.place_ids[name]


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


def find_match(conn: Connection, record: EventRecord, source_id: int, lookups: _Lookups) -> int | None:
    """An event from another source that `record` is another mention of, or None."""
    if record.date.edtf is None or not record.actors:
        return None
    states = {lookups.top(lookups.actor_ids[name]) for name, _ in record.actors if name in lookups.actor_ids}
    if not states:
        return None
    e, ea = schema.events, schema.event_actors
    query = sa.select(e.c.id, e.c.type, e.c.date, e.c.start_date, e.c.end_date, e.c.precision, e.c.review).where(
        # the same type, not only the same family: a statement about a plenum is not the plenum
        e.c.type == record.type,
        e.c.date.is_not(None),
        e.c.deleted_at.is_(None),
        e.c.review != "rejected",
        e.c.start_date <= record.date.upper if record.date.upper else sa.true(),
        sa.or_(e.c.end_date.is_(None), e.c.end_date >= record.date.lower) if record.date.lower else sa.true(),
        ~sa.exists().where(schema.mentions.c.event_id == e.c.id, schema.mentions.c.source_id == source_id),
        # the same overlap, as index ranges over span classes: no scan of the whole family
        e.c.id.in_(window_ids(record.date.lower, record.date.upper, within=False)),
    )
    best: tuple[tuple, int] | None = None
    for row in conn.execute(query):
        if not _dates_compatible(record, row):
            continue
        actor_rows = conn.execute(sa.select(ea.c.actor_id).where(ea.c.event_id == row.id)).scalars()
        if not states & {lookups.top(a) for a in actor_rows}:
            continue
        # the closest candidate: the most similar date span, curated first
        span = abs(((row.end_date - row.start_date).days) - ((record.date.upper - record.date.lower).days))
        rank = (span, row.review != "reviewed", row.id)
        if best is None or rank < best[0]:
            best = (rank, row.id)
    return best[1] if best else None


def _event_values(record: EventRecord, place_id: int | None) -> dict:
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


def _set_actors(conn: Connection, event_id: int, record: EventRecord, lookups: _Lookups) -> None:
    write.set_actors(conn, event_id, [(lookups.actor_id(conn, name), role) for name, role in record.actors])


def source_exists(conn: Connection, source: SourceRecord) -> bool:
    return conn.execute(sa.select(schema.sources.c.id).where(schema.sources.c.sha256 == source.sha256)).first() is not None


def _unique_slug(conn: Connection, slug: str) -> str:
    taken = set(conn.execute(sa.select(schema.sources.c.slug).where(schema.sources.c.slug.like(f"{slug}%"))).scalars())
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"


def _propose(conn: Connection, change_id: int, event_id: int, current: dict, record: EventRecord, source_id: int,
             lookups: _Lookups) -> None:
    """Proposals for what a new mention brings to an existing event: a more precise date, a
    conflicting date, actors the event lacks. Never applied here, never dropped."""
    m = schema.mentions
    mention_id = conn.execute(sa.select(m.c.id).where(
        m.c.event_id == event_id, m.c.source_id == source_id, m.c.char_start == record.first.char_start,
        m.c.char_end == record.first.char_end)).scalar()
    quote = record.first.quote
    if record.date.edtf and current["date"] and record.date.edtf != current["date"]:
        from kpolicy.dates import parse_edtf

        have = parse_edtf(current["date"])
        new = record.date
        inside = (have.lower is None or (new.lower is not None and new.lower >= have.lower)) and \
                 (have.upper is None or (new.upper is not None and new.upper <= have.upper))
        if inside and (new.lower, new.upper) != (have.lower, have.upper):
            write.propose(conn, change_id, event_id, "date", {"date": new.edtf, "quote": quote}, source_id, mention_id)
        elif not inside:
            contains = (new.lower is None or (have.lower is not None and have.lower >= new.lower)) and \
                       (new.upper is None or (have.upper is not None and have.upper <= new.upper))
            if not contains:  # a vaguer date says nothing new; an overlapping different one is a conflict
                write.propose(conn, change_id, event_id, "conflict", {"date": new.edtf, "quote": quote}, source_id, mention_id)
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
        write.propose(conn, change_id, event_id, "actors", {"actors": [list(a) for a in missing], "quote": quote}, source_id, mention_id)


def store_article(conn: Connection, source: SourceRecord, events: Iterable[EventRecord], merge: bool = True,
                  by: str | None = None, action: str = "ingest") -> StoreSummary:
    """Store one article and its events in the caller's transaction; a known text is skipped.

    The whole article is one change (`action` by `by`): a 'created' revision per new event,
    a 'mentioned' revision per event it merged into.
    """
    summary = StoreSummary()
    if source_exists(conn, source):
        summary.skipped.append(source.slug)
        return summary
    source_id = conn.execute(
        schema.sources.insert().values(
            slug=_unique_slug(conn, source.slug),
            title=source.title,
            author=source.author,
            publisher=source.publisher,
            published=source.published,
            url=source.url,
            site=source.site,
            sha256=source.sha256,
            text=source.text,
            ingested_at=write.now(),
        )
    ).inserted_primary_key[0]
    summary.sources = 1
    change_id = write.begin_change(conn, action, by=by, source_id=source_id)
    lookups = _Lookups(conn)
    touched: set[int] = set()
    history: list[tuple] = []
    for record in events:
        match = find_match(conn, record, source_id, lookups) if merge else None
        if match is not None:
            summary.merged += 1
            before = write.event_state(conn, match)
            if record.review == "reviewed" and before["review"] != "reviewed":
                # a curated event replaces an extracted one: field by field, so it can be undone
                write.update_event(conn, match, _event_values(record, lookups.place_id(conn, record.place)), record.date)
                _set_actors(conn, match, record, lookups)
                after = write.event_state(conn, match)
                history.extend((match, "curated", f, before[f], after[f]) for f in after if after[f] != before[f])
            summary.mentions += write.add_mentions(conn, match, source_id, record.mentions)
            if record.review != "reviewed":
                # an extracted mention never changes the event; what it brings becomes a proposal
                _propose(conn, change_id, match, before, record, source_id, lookups)
            history.append((match, "mentioned", "mentions", None, {"source": source.slug, "count": len(record.mentions)}))
            touched.add(match)
            continue
        event_id = write.insert_event(conn, _event_values(record, lookups.place_id(conn, record.place)), record.date)
        _set_actors(conn, event_id, record, lookups)
        summary.events += 1
        summary.mentions += write.add_mentions(conn, event_id, source_id, record.mentions)
        history.append((event_id, "created", None, None, _snapshot(record)))
        touched.add(event_id)
    write.refresh(conn, touched)  # the stored timeline-row aggregates (migration 0004)
    write.record_many(conn, change_id, history)
    return summary
