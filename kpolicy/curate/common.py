"""Shared pieces of curation: reading an event's state, applying field changes, moving mentions.

Every function runs inside the caller's transaction (Database.writing) and writes only
through kpolicy.store.write. An event's *state* is the dict of its curatable fields
(type, title, date, status, place, actors, review, confidence, description): what a
'created' revision records, what an edit diffs against, what an undo restores.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput, Conflict, suggest, unknown_name
from kpolicy.store import schema, write
from kpolicy.vocabulary import EVENT_TYPES, REVIEW_STATES, ROLES, STATUSES

# The fields a revision can carry for an event, in the order revisions list them.
FIELDS = ("type", "title", "date", "status", "place", "actors", "review", "confidence", "description")


def decode(text: str | None):
    return None if text is None else json.loads(text)


def need_reason(reason: str | None, what: str) -> str:
    if reason is None or not str(reason).strip():
        raise BadInput(f"{what} needs a reason; add --reason \"why\" (it is kept in the history)")
    return str(reason).strip()


def event_row(conn: Connection, event_id: int):
    e = schema.events
    return conn.execute(sa.select(e).where(e.c.id == event_id)).first()


def no_event(conn: Connection, event_id) -> BadInput:
    top = conn.execute(sa.select(sa.func.max(schema.events.c.id))).scalar()
    hint = f"ids run from 1 to {top}" if top else "the database has no events"
    return BadInput(f"no event with id {event_id} ({hint}); `kpolicy events` lists them")


def live_event(conn: Connection, event_id, *, allow_rejected: bool = True):
    """The event row, or a BadInput for an unknown, deleted or merged-away id."""
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        raise BadInput(f"event id {event_id!r} is not a number; `kpolicy events` lists the ids") from None
    row = event_row(conn, event_id)
    if row is None:
        raise no_event(conn, event_id)
    if row.merged_into is not None:
        raise BadInput(f"event {event_id} was merged into event {row.merged_into}; work on {row.merged_into} "
                       f"(`kpolicy show {event_id}` explains, `kpolicy history {event_id}` has the change to undo)")
    if row.deleted_at is not None:
        raise BadInput(f"event {event_id} was deleted at {row.deleted_at:%Y-%m-%d %H:%M:%S}; "
                       f"`kpolicy show {event_id}` explains, `kpolicy undo CHANGE` restores it")
    return row


def actor_pairs(conn: Connection, event_id: int) -> list[list[str]]:
    a, ea = schema.actors, schema.event_actors
    rows = conn.execute(sa.select(a.c.name, ea.c.role).join(a, a.c.id == ea.c.actor_id).where(ea.c.event_id == event_id))
    return sorted([r.name, r.role] for r in rows)


def place_name(conn: Connection, place_id: int | None) -> str | None:
    if place_id is None:
        return None
    return conn.execute(sa.select(schema.places.c.name).where(schema.places.c.id == place_id)).scalar()


def state(conn: Connection, event_id: int, row=None) -> dict:
    """The curatable fields of an event as plain JSON-able values (kpolicy.store.write.event_state)."""
    return write.event_state(conn, event_id)


# ---- validating values ----------------------------------------------------------------------

def check_type(value) -> str:
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in EVENT_TYPES:
        raise unknown_name("type", str(value), EVENT_TYPES, "kpolicy types")
    return key


def check_status(value) -> str:
    key = str(value).strip().lower()
    if key not in STATUSES:
        raise unknown_name("status", str(value), STATUSES, "kpolicy events --help", list_all=True)
    return key


def check_title(value) -> str:
    from kpolicy.records import clean_field

    text = clean_field(str(value or ""))  # no ESC, C1 control or bidi override is stored in a title
    if not text:
        raise BadInput("the title is empty; give a short title such as \"Kim Jong-un meets Trump in Hanoi\"")
    return text


def check_date(value):
    """The DateRange of an EDTF string (None: undated)."""
    return parse_edtf(None if value is None or str(value).strip() == "" else str(value).strip())


def check_place(conn: Connection, value) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    key = str(value).strip().lower()
    p = schema.places
    found = conn.execute(sa.select(p.c.id).where(sa.func.lower(p.c.name) == key)).scalar()
    if found is None:
        found = conn.execute(sa.select(schema.place_aliases.c.place_id).where(schema.place_aliases.c.alias_key == key)).scalar()
    if found is None:
        choices = conn.execute(sa.select(p.c.name)).scalars().all()
        raise BadInput(f"unknown place {value!r}{suggest(str(value), choices)}; add it with `kpolicy places add {str(value).strip()}`")
    return found


def parse_actor(spec) -> tuple[str, str]:
    """'Kim Jong-un:initiator' or ('Kim Jong-un', 'initiator') or 'Kim Jong-un' (participant)."""
    if isinstance(spec, (list, tuple)):
        name, role = (spec[0], spec[1] if len(spec) > 1 else "participant")
    else:
        text = str(spec)
        name, role = text, "participant"
        head, sep, tail = text.rpartition(":")
        if sep and tail.strip().lower() in ROLES:
            name, role = head, tail
    name, role = str(name).strip(), str(role).strip().lower()
    if not name:
        raise BadInput("an actor name is empty; give NAME or NAME:ROLE, e.g. --actor \"North Korea:initiator\"")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r} for {name}{suggest(role, ROLES)}; use one of {', '.join(ROLES)}")
    return name, role


def resolve_actors(conn: Connection, specs) -> list[list[str]]:
    """Canonical [name, role] pairs (sorted, distinct) for names or aliases."""
    from kpolicy.query import resolve_actor

    a = schema.actors
    out = set()
    for spec in specs or []:
        name, role = parse_actor(spec)
        actor_id = resolve_actor(conn, name)
        canonical = conn.execute(sa.select(a.c.name).where(a.c.id == actor_id)).scalar_one()
        out.add((canonical, role))
    return sorted([n, r] for n, r in out)


def check_value(conn: Connection, field: str, value):
    """A field's value validated and normalised (as a revision stores it)."""
    if field == "type":
        return check_type(value)
    if field == "title":
        return check_title(value)
    if field == "date":
        return check_date(value).edtf
    if field == "status":
        return check_status(value)
    if field == "place":
        place_id = check_place(conn, value)
        return place_name(conn, place_id)
    if field == "actors":
        return resolve_actors(conn, value)
    if field == "review":
        if value not in REVIEW_STATES:
            raise unknown_name("review state", str(value), REVIEW_STATES, "kpolicy review --help", list_all=True)
        return value
    if field == "confidence":
        number = float(value)
        if not 0 <= number <= 1:
            raise BadInput(f"confidence {value} is outside 0..1")
        return number
    if field == "description":
        return None if value is None else str(value)
    raise BadInput(f"unknown field {field!r}; fields are {', '.join(FIELDS)}")


# ---- writing ------------------------------------------------------------------------------------

def apply_fields(conn: Connection, change_id: int, event_id: int, new: dict, action: str,
                 current: dict | None = None, *, extra: dict | None = None) -> list[str]:
    """Set validated field values on a live event, with one revision per changed field.

    One version bump for the whole call; interval keys, aggregates and the search index
    follow through kpolicy.store.write. `extra` are raw event columns (deleted_at,
    merged_into) written in the same update. Returns the changed fields.
    """
    current = current if current is not None else state(conn, event_id)
    changed = [f for f in FIELDS if f in new and new[f] != current[f]]
    values: dict = dict(extra or {})
    date = None
    for f in changed:
        if f == "date":
            date = check_date(new[f])
        elif f == "place":
            values["place_id"] = check_place(conn, new[f])
        elif f != "actors":
            values[f] = new[f]
    if not changed and not extra:
        return []
    update(conn, change_id, event_id, values, date)
    if "actors" in changed:
        from kpolicy.query import resolve_actor

        write.set_actors(conn, event_id, [(resolve_actor(conn, n), r) for n, r in new["actors"]])
        write.refresh(conn, [event_id])
    write.record_many(conn, change_id, [(event_id, action, f, current[f], new[f]) for f in changed])
    return changed


def begin(conn: Connection, action: str, by=None, reason=None, source_id=None, story_id=None) -> int:
    """write.begin_change, and a fresh record of which events this change has bumped."""
    change = write.begin_change(conn, action, by=by, reason=reason, source_id=source_id, story_id=story_id)
    conn.info["kpolicy_bumped"] = {change: set()}
    return change


def update(conn: Connection, change_id: int, event_id: int, values: dict, date=None) -> None:
    """write.update_event, with one version bump per change however often the change touches the event."""
    write.update_event(conn, event_id, values, date)
    bumped = conn.info.setdefault("kpolicy_bumped", {}).setdefault(change_id, set())
    # (begin() resets this per change: a rolled-back change's id can come again)
    if event_id in bumped:
        e = schema.events
        conn.execute(e.update().where(e.c.id == event_id).values(version=e.c.version - 1))
    bumped.add(event_id)


def bump(conn: Connection, change_id: int, event_id: int, values: dict | None = None) -> None:
    """A change that touches an event without changing a curatable field (mentions moved, tombstoned)."""
    update(conn, change_id, event_id, dict(values or {}))


def mention_ids(conn: Connection, event_id: int) -> list[int]:
    m = schema.mentions
    return list(conn.execute(sa.select(m.c.id).where(m.c.event_id == event_id).order_by(m.c.id)).scalars())


def move_mentions(conn: Connection, ids, to_event: int) -> list[int]:
    """Point these mentions at another event; those it already has (same source and span) stay. Returns the moved ids."""
    m = schema.mentions
    ids = sorted(set(int(i) for i in ids))
    if not ids:
        return []
    taken = {(r.source_id, r.char_start, r.char_end) for r in conn.execute(
        sa.select(m.c.source_id, m.c.char_start, m.c.char_end).where(m.c.event_id == to_event))}
    moved = []
    holders = {to_event}
    for r in conn.execute(sa.select(m.c.id, m.c.event_id, m.c.source_id, m.c.char_start, m.c.char_end).where(m.c.id.in_(ids))):
        key = (r.source_id, r.char_start, r.char_end)
        if key not in taken:
            taken.add(key)
            moved.append(r.id)
            holders.add(r.event_id)
    if moved:
        with write.search_deferred(conn, holders):  # each event's search row rebuilt once, not once per mention
            conn.execute(m.update().where(m.c.id.in_(moved)).values(event_id=to_event))
    return sorted(moved)


def check_version(row, if_version) -> None:
    if if_version is None:
        return
    if int(if_version) != row.version:
        raise Conflict(
            f"event {row.id} is at version {row.version}, not {if_version}: someone changed it since you read it; "
            f"see `kpolicy history {row.id}`, re-read it with `kpolicy show {row.id}` and edit again"
        )
