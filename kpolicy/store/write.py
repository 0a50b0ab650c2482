"""The one event write path: every writer (ingest, seed, bulk, curation, the web UI) goes here.

An event row carries derived state that must never go stale, and this module is the
only place that computes it:
- the date's bounds, precision and interval-index keys (`date_columns`: span_class and
  sort_key, migration 0002);
- the timeline row's stored aggregates (`refresh`, `actor_names`: migration 0004);
- the full-text index rows (migration 0003's triggers keep them on SQLite; a bulk load
  suspends the triggers and writes the rows itself through `search_row`);
- the history (migration 0005): `begin_change` opens one change (who, when, what, why)
  and `record` appends its revisions, in the caller's transaction;
- `version` and `updated_at`, bumped by `insert_event` / `update_event`.

Everything runs inside the caller's transaction (Database.writing), so a change and its
history commit together or not at all.
"""

from __future__ import annotations

from contextlib import contextmanager

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.dates import DateRange, sort_key, span_class
from kpolicy.store import schema

SEPARATOR = "; "
USER_ENV = "KPOLICY_USER"
SEARCH_TABLE = "event_search"
QUOTE_JOINER = " … "  # how migration 0003's triggers join an event's quotes


CLOCK_ENV = "KPOLICY_CLOCK"  # an ISO time to use as "now": reproducible docs (tools/readme.py) and tests


def now() -> datetime:
    """The time a change is recorded at (UTC, whole seconds)."""
    fixed = os.environ.get(CLOCK_ENV)
    if fixed:
        return datetime.fromisoformat(fixed).replace(tzinfo=None, microsecond=0)
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# ---- derived columns ---------------------------------------------------------------------------

def date_columns(rng: DateRange) -> dict:
    """The event columns a date determines: EDTF, bounds, precision and the interval keys."""
    return {
        "date": rng.edtf,
        "start_date": rng.lower,
        "end_date": rng.upper,
        "precision": rng.precision,
        "span_class": span_class(rng.lower, rng.upper),
        "sort_key": sort_key(rng.lower, rng.upper),
    }


def actor_names(names: Iterable[str]) -> str | None:
    """The stored actors cell: distinct names, code-point order (SQLite's BINARY, PostgreSQL's "C")."""
    return SEPARATOR.join(sorted(set(names))) or None


MENTION_SEARCH_TRIGGERS = ("event_search_mentions_ai", "event_search_mentions_au", "event_search_mentions_ad")
_QUOTES_OF = ("(SELECT group_concat(quote, ' … ') FROM (SELECT quote FROM mentions WHERE event_id = e.id ORDER BY id))")


@contextmanager
def search_deferred(conn: Connection, event_ids: Iterable[int] = ()):
    """Many mentions added, moved or removed at once, with the search index rebuilt once per event.

    Migration 0003's triggers rebuild an event's search row (every quote of the event) on each
    inserted, moved or deleted mention: adding n mentions to an event costs n rebuilds of up to n
    quotes, quadratic (a 20,000-mention event took 380 s to ingest, merging two of 10,000 took
    210 s). Inside this block the mention triggers are off (SQLite; dropped and re-created inside
    the caller's transaction, so a failure rolls that back too); at its end the rows of the events
    in the yielded set (start with `event_ids`, add to it) are rebuilt once each, exactly as the
    triggers write them. On PostgreSQL the same, with migration 0016's mention trigger switched off for
    the transaction by a setting (`kpolicy.search_deferred`), and the tsvector rows rebuilt at the end."""
    touched = set(event_ids)
    if conn.dialect.name == "postgresql":
        # migration 0016's mention trigger off for this transaction; the events this block adds
        # mentions to through insert_events/add_mentions join `touched` (PG_DEFERRED on conn.info)
        outer = conn.info.get(PG_DEFERRED)
        if outer is not None:  # nested: the outer block rebuilds
            outer.update(touched)
            yield outer
            return
        conn.execute(_PG_DEFER, {"mode": "mentions"})
        conn.info[PG_DEFERRED] = touched
        try:
            yield touched
        finally:
            conn.info.pop(PG_DEFERRED, None)
        conn.execute(_PG_DEFER, {"mode": ""})
        reindex(conn, touched)
        return
    if conn.dialect.name != "sqlite":
        yield touched
        return
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (%s)" % ", ".join("?" * len(MENTION_SEARCH_TRIGGERS)),
        MENTION_SEARCH_TRIGGERS,
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield touched
    for _name, sql in rows:
        conn.exec_driver_sql(sql)
    if rows:  # suspended here, so rebuilt here (a bulk load that suspended them writes its own rows)
        reindex(conn, touched)


PG_DEFERRED = "kpolicy_search_deferred"  # conn.info: the event ids a PostgreSQL search_deferred block rebuilds
_PG_DEFER = sa.text("SELECT set_config('kpolicy.search_deferred', :mode, true)")
_PG_REFRESH = sa.text("SELECT kpolicy_event_search_refresh(CAST(:ids AS integer[]))")


def reindex(conn: Connection, event_ids: Iterable[int]) -> None:
    """Rebuild the search rows of these events, as the triggers do: SQLite's FTS5 rows (migration
    0003), PostgreSQL's tsvector rows (migration 0016, its kpolicy_event_search_refresh)."""
    ids = sorted(set(int(i) for i in event_ids))
    if conn.dialect.name == "postgresql":
        for start in range(0, len(ids), 5000):
            conn.execute(_PG_REFRESH, {"ids": ids[start:start + 5000]})
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN ({marks})", tuple(chunk))
        conn.exec_driver_sql(f"INSERT INTO {SEARCH_TABLE} (rowid, title, quotes) SELECT e.id, e.title, {_QUOTES_OF} "
                             f"FROM events e WHERE e.id IN ({marks})", tuple(chunk))


def search_row(event_id: int, title: str, quotes: Iterable[str]) -> tuple:
    """The FTS row (rowid, title, quotes) of an event, as migration 0003's triggers write it."""
    return (event_id, title, QUOTE_JOINER.join(quotes))


_REFRESH_NAMES = sa.text("SELECT ea.event_id, a.name FROM event_actors ea JOIN actors a ON a.id = ea.actor_id "
                         "WHERE ea.event_id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
_REFRESH_FIRST = sa.text("SELECT event_id, min(id) FROM mentions WHERE event_id IN :ids GROUP BY event_id").bindparams(
    sa.bindparam("ids", expanding=True))
_REFRESH_UPDATE = schema.events.update().where(schema.events.c.id == sa.bindparam("event_id")).values(
    actor_names=sa.bindparam("names"), first_mention_id=sa.bindparam("first"))


def refresh(conn: Connection, event_ids: Iterable[int]) -> None:
    """Recompute actor_names and first_mention_id of these events from event_actors and mentions."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    names: dict[int, list[str]] = {}
    first: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for event_id, name in conn.execute(_REFRESH_NAMES, {"ids": chunk}):
            names.setdefault(event_id, []).append(name)
        first.update(conn.execute(_REFRESH_FIRST, {"ids": chunk}).all())
    conn.execute(_REFRESH_UPDATE, [{"event_id": i, "names": actor_names(names.get(i, ())), "first": first.get(i)} for i in ids])


# ---- events, actors, mentions -----------------------------------------------------------------

def insert_event(conn: Connection, values: dict, date: DateRange) -> int:
    """Insert one event (its date's derived columns filled here); returns its id."""
    stamp = now()
    row = {**values, **date_columns(date), "created_at": stamp, "updated_at": stamp, "version": 1}
    return conn.execute(schema.events.insert().values(**row)).inserted_primary_key[0]


@dataclass(slots=True)
class NewEvent:
    """One event for `insert_events`: its own columns, its date, (actor id, role) pairs, and
    MentionRecords in one source."""

    values: dict
    date: DateRange
    actors: Sequence[tuple[int, str]]
    source_id: int
    mentions: Sequence


# Built once: a Core statement built per call costs its construction and cache key every
# time (coercions, _generate_cache_key), which was most of the per-article write path.
_INSERT_EVENTS = schema.events.insert()
_INSERT_ACTORS = schema.event_actors.insert()
_INSERT_MENTIONS = schema.mentions.insert()
_INSERT_REVISIONS = schema.revisions.insert()
_INSERT_CHANGE = schema.changes.insert()
_INSERT_PROPOSAL = schema.proposals.insert()
_PG_NEXT_IDS = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
_MAX_IDS = {name: sa.text(f'SELECT max(id) FROM "{name}"') for name in ("events", "mentions")}


def new_ids(conn: Connection, table: str, n: int) -> list[int]:
    """`n` unused ids of `table` ('events' or 'mentions') for rows inserted in one executemany.

    PostgreSQL: from the table's sequence (so its default stays ahead). SQLite: after the
    largest id, which is safe because the caller's transaction holds the write lock."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(_PG_NEXT_IDS, {"table": table, "n": n}).scalars())
    start = (conn.execute(_MAX_IDS[table]).scalar() or 0) + 1
    return list(range(start, start + n))


def insert_events(conn: Connection, events: Sequence[NewEvent], names: Mapping[int, str]) -> list[int]:
    """Insert new events with their actors and mentions, one executemany per table; returns their ids.

    What `insert_event` + `set_actors` + `add_mentions` + `refresh` write for each event, with
    the stored aggregates (actor_names, first_mention_id) computed here instead of read back:
    the ids are assigned up front (`new_ids`). `names` maps actor ids to names."""
    if not events:
        return []
    event_ids = new_ids(conn, "events", len(events))
    mention_ids = iter(new_ids(conn, "mentions", sum(len(ev.mentions) for ev in events)))
    stamp = now()
    event_rows, actor_rows, mention_rows = [], [], []
    for event_id, ev in zip(event_ids, events):
        pairs = sorted(set(ev.actors))
        actor_rows.extend({"event_id": event_id, "actor_id": a, "role": r} for a, r in pairs)
        first = None
        for m in ev.mentions:
            mention_id = next(mention_ids)
            first = mention_id if first is None else first
            mention_rows.append({
                "id": mention_id, "event_id": event_id, "source_id": ev.source_id, "char_start": m.char_start,
                "char_end": m.char_end, "quote": m.quote, "date_text": m.date_text, "date_anchor": m.date_anchor,
                "type_rule": m.type_rule, "date_rule": m.date_rule, "page": m.page, "extractor": m.extractor,
            })
        event_rows.append({**ev.values, **date_columns(ev.date), "id": event_id, "created_at": stamp, "updated_at": stamp,
                           "version": 1, "actor_names": actor_names(names[a] for a, _ in pairs), "first_mention_id": first})
    if conn.dialect.name != "sqlite":
        conn.execute(_INSERT_EVENTS, event_rows)
        if mention_rows:
            conn.execute(_INSERT_MENTIONS, mention_rows)
            deferred = conn.info.get(PG_DEFERRED)
            if deferred is not None:  # their mentions' trigger is off: search_deferred rebuilds them
                deferred.update(event_ids)
    else:
        # mentions first: SQLite's search triggers (migration 0003) rebuild an event's search
        # row on every insert of one of its mentions; with the mentions in place, the event's
        # own insert builds it once, whole. The foreign keys are then checked at COMMIT (SQLite
        # resets the pragma there); it stays on for the transaction, because switching it off
        # would drop the check of anything still pending.
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        if mention_rows:
            conn.execute(_INSERT_MENTIONS, mention_rows)
        conn.execute(_INSERT_EVENTS, event_rows)
    if actor_rows:
        conn.execute(_INSERT_ACTORS, actor_rows)
    return event_ids


def update_event(conn: Connection, event_id: int, values: dict, date: DateRange | None = None) -> None:
    """Change an event's columns (a new date refreshes its derived columns); bumps version and updated_at."""
    e = schema.events
    row = dict(values)
    if date is not None:
        row.update(date_columns(date))
    conn.execute(e.update().where(e.c.id == event_id).values(**row, updated_at=now(), version=e.c.version + 1))


def set_actors(conn: Connection, event_id: int, rows: Iterable[tuple[int, str]]) -> None:
    """Replace an event's actors by (actor id, role) pairs; call `refresh` after."""
    ea = schema.event_actors
    conn.execute(ea.delete().where(ea.c.event_id == event_id))
    unique = sorted(set(rows))
    if unique:
        conn.execute(ea.insert(), [{"event_id": event_id, "actor_id": a, "role": r} for a, r in unique])


def add_mentions(conn: Connection, event_id: int, source_id: int, mentions: Iterable) -> int:
    """Insert MentionRecords of an event in one source; call `refresh` after. Returns the count."""
    rows = _mention_rows(event_id, source_id, mentions)
    if rows:
        conn.execute(_INSERT_MENTIONS, rows)
        _mentions_added(conn, event_id)
    return len(rows)


_INSERT_MENTIONS_RETURNING = schema.mentions.insert().returning(schema.mentions.c.id, sort_by_parameter_order=True)


def add_mentions_returning(conn: Connection, event_id: int, source_id: int, mentions: Iterable) -> list[int]:
    """add_mentions, returning the new rows' ids in the order of `mentions` (one statement: the
    article writer then needs no look-up of the id its proposals cite)."""
    rows = _mention_rows(event_id, source_id, mentions)
    if not rows:
        return []
    ids = list(conn.execute(_INSERT_MENTIONS_RETURNING, rows).scalars())
    _mentions_added(conn, event_id)
    return ids


def _mentions_added(conn: Connection, event_id: int) -> None:
    deferred = conn.info.get(PG_DEFERRED)
    if deferred is not None:
        deferred.add(event_id)


def _mention_rows(event_id: int, source_id: int, mentions: Iterable) -> list[dict]:
    return [
        {
            "event_id": event_id,
            "source_id": source_id,
            "char_start": m.char_start,
            "char_end": m.char_end,
            "quote": m.quote,
            "date_text": m.date_text,
            "date_anchor": m.date_anchor,
            "type_rule": m.type_rule,
            "date_rule": m.date_rule,
            "page": m.page,
            "extractor": m.extractor,
        }
        for m in mentions
    ]


# ---- history --------------------------------------------------------------------------------------

def current_user(explicit: str | None = None) -> str:
    """Who is changing things: --by, else KPOLICY_USER, else the operating system's user."""
    if explicit and explicit.strip():
        return explicit.strip()
    from_env = os.environ.get(USER_ENV, "").strip()
    if from_env:
        return from_env
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database (containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def begin_change(conn: Connection, action: str, by: str | None = None, reason: str | None = None,
                 source_id: int | None = None, story_id: int | None = None) -> int:
    """Open one change (a command's worth of revisions); returns its id for `record`."""
    return conn.execute(_INSERT_CHANGE, {"at": now(), "by": current_user(by), "action": action, "reason": reason,
                                         "source_id": source_id, "story_id": story_id}).inserted_primary_key[0]


def encode(value) -> str | None:
    """A revision's old/new value as JSON text (None stays NULL)."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(conn: Connection, change_id: int, event_id: int, action: str, field: str | None = None,
           old=None, new=None) -> None:
    """Append one revision row to a change."""
    conn.execute(schema.revisions.insert().values(
        change_id=change_id, event_id=event_id, action=action, field=field, old_value=encode(old), new_value=encode(new)))


def record_many(conn: Connection, change_id: int, rows: Iterable[tuple]) -> None:
    """Append (event_id, action, field, old, new) revision rows to a change in one statement."""
    batch = [{"change_id": change_id, "event_id": event_id, "action": action, "field": field,
              "old_value": encode(old), "new_value": encode(new)} for event_id, action, field, old, new in rows]
    if batch:
        conn.execute(_INSERT_REVISIONS, batch)


_EVENT_STATE = sa.text(
    "SELECT e.type, e.title, e.date, e.status, p.name AS place, e.review, e.confidence, e.description "
    "FROM events e LEFT OUTER JOIN places p ON p.id = e.place_id WHERE e.id = :id")
_EVENT_ACTORS = sa.text("SELECT a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = :id")


def event_state(conn: Connection, event_id: int) -> dict:
    """An event's curatable fields as plain JSON-able values: what a 'created' revision records,
    what an edit diffs against and an undo restores (type, title, date, status, place, actors
    as sorted [name, role] pairs, review, confidence, description)."""
    row = conn.execute(_EVENT_STATE, {"id": event_id}).one()
    actors = sorted([r.name, r.role] for r in conn.execute(_EVENT_ACTORS, {"id": event_id}))
    return {"type": row.type, "title": row.title, "date": row.date, "status": row.status, "place": row.place,
            "actors": actors, "review": row.review, "confidence": row.confidence, "description": row.description}


def propose(conn: Connection, change_id: int, event_id: int, kind: str, value: dict, source_id: int | None = None,
            mention_id: int | None = None) -> int:
    """Open a proposal on an event (what a new mention brought that is not applied silently)."""
    return conn.execute(_INSERT_PROPOSAL, proposal_row(change_id, event_id, kind, value, source_id,
                                                       mention_id)).inserted_primary_key[0]


def proposal_row(change_id: int, event_id: int, kind: str, value: dict, source_id: int | None = None,
                 mention_id: int | None = None) -> dict:
    """The row `propose` inserts, for `propose_many`."""
    return {"event_id": event_id, "mention_id": mention_id, "source_id": source_id, "kind": kind, "value": encode(value),
            "status": "open", "created_change_id": change_id}


def propose_many(conn: Connection, rows: list[dict]) -> None:
    """Open the proposals of `proposal_row` rows in one statement, in their order."""
    if rows:
        conn.execute(_INSERT_PROPOSAL, rows)
