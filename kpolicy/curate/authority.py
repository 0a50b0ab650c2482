"""The analyst's authority file in the database: actors, aliases, offices and terms, places.

Every function runs inside the caller's transaction and is one change in the history: each
row it writes is a revision (event 0, field `authority`, the row before and after as JSON),
so `kpolicy undo CHANGE` puts every row back. Input is checked before anything is written:
a duplicate Wikidata id, an alias another actor has, an unknown parent or holder, an
overlapping term or a name of whitespace or control characters is a BadInput naming the
conflict. Rows written here are the analyst's (`origin = 'analyst'`): `kpolicy init` never
overwrites them from the shipped files.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.authority.gazetteer import check_name
from kpolicy.curate import common as c
from kpolicy.errors import BadInput, suggest
from kpolicy.store import schema, write
from kpolicy.vocabulary import ACTOR_KINDS, kind_key

FIELD = "authority"  # the revisions' field: {"table", "key", "row"} before and after
TABLES = {t.name: t for t in (schema.actors, schema.actor_aliases, schema.places, schema.place_aliases,
                              schema.offices, schema.office_terms, schema.event_actors)}
ACTOR_FIELDS = ("kind", "parent", "iso3", "wikidata", "cameo", "native", "born", "died")
PLACE_FIELDS = ("country", "lat", "lon", "wikidata")
_QID = re.compile(r"Q[1-9][0-9]*\Z")
_CAMEO = re.compile(r"[A-Z]{3}(?:[A-Z]{3})*\Z")


# ---- rows and their revisions --------------------------------------------------------------

def _json(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


def _unjson(table: sa.Table, row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if v is not None and isinstance(table.c[k].type, sa.Date):
            v = date.fromisoformat(v)
        out[k] = v
    return out


def _key(table: sa.Table, row: dict) -> dict:
    return {col.name: row[col.name] for col in table.primary_key.columns}


def _where(table: sa.Table, key: dict):
    return sa.and_(*(table.c[k] == v for k, v in key.items()))


def _read(conn: Connection, table: sa.Table, key: dict) -> dict | None:
    found = conn.execute(sa.select(table).where(_where(table, key))).first()
    return dict(found._mapping) if found is not None else None


def _put(conn: Connection, change: int, table: sa.Table, key: dict | None, new: dict | None) -> dict:
    """Write one row (insert when `key` is None, delete when `new` is None) and its revision."""
    old = _read(conn, table, key) if key is not None else None
    if key is None:
        result = conn.execute(table.insert().values(**new))
        key = _key(table, {**new, **dict(zip([c.name for c in table.primary_key.columns], result.inserted_primary_key))})
    elif new is None:
        conn.execute(table.delete().where(_where(table, key)))
    else:
        conn.execute(table.update().where(_where(table, key)).values(**new))
    after = _read(conn, table, key)
    write.record(conn, change, 0, "authority", FIELD, {"table": table.name, "key": key, "row": _json(old)},
                 {"table": table.name, "key": key, "row": _json(after)})
    return key


def revert(conn: Connection, new_change: int, old: dict, new: dict, *, strict: bool) -> None:  # noqa: C901
    """Put back one authority revision (kpolicy.curate.changes calls this for field `authority`)."""
    from kpolicy.errors import Conflict

    table = TABLES[new["table"]]
    key = new["key"]
    current = _json(_read(conn, table, key))
    if strict and current != new["row"]:
        raise Conflict(f"the {table.name} row {key} was changed again after this change; undo the later change first")
    before = old["row"]
    if before is None and table is schema.actors and current is not None:
        ea, e = schema.event_actors, schema.events
        rows = conn.execute(sa.select(ea, e.c.deleted_at).join(e, e.c.id == ea.c.event_id).where(ea.c.actor_id == key["id"])).all()
        live = sorted({r.event_id for r in rows if r.deleted_at is None})
        if live:
            raise Conflict(f"actor {current['name']!r} is named by event(s) {', '.join(map(str, live[:5]))} since; edit them "
                           f"or remove their sources (`kpolicy sources remove`) first, then undo")
        for r in rows:  # deleted events that named it: their rows go into this undo's history, nothing is lost
            row = {k: getattr(r, k) for k in ("event_id", "actor_id", "role")}
            _put(conn, new_change, ea, _key(ea, row), None)
        write.refresh(conn, {r.event_id for r in rows})
    if before is None:
        if current is not None:
            conn.execute(table.delete().where(_where(table, key)))
    elif current is None:
        conn.execute(table.insert().values(**_unjson(table, before)))
    else:
        conn.execute(table.update().where(_where(table, key)).values(**_unjson(table, before)))
    write.record(conn, new_change, 0, "reverted", FIELD, new, old)


# ---- checks ---------------------------------------------------------------------------------

def _actor(conn: Connection, name: str):
    """The actor row a name, alias, Wikidata id or CAMEO code names (query.resolve_actor)."""
    from kpolicy.query import resolve_actor

    actor_id = resolve_actor(conn, name)
    return conn.execute(sa.select(schema.actors).where(schema.actors.c.id == actor_id)).one()


def _day(value, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(f"{what} {value!r} is not a YYYY-MM-DD date; give e.g. 2017-05-10") from None


def _check_wikidata(conn: Connection, table: sa.Table, qid, own_id: int | None) -> str | None:
    if qid is None or str(qid).strip() == "":
        return None
    qid = str(qid).strip().upper()
    if not _QID.match(qid):
        raise BadInput(f"Wikidata id {qid!r} is not Q and digits (Q423); check it on wikidata.org")
    other = conn.execute(sa.select(table.c.id, table.c.name).where(table.c.wikidata == qid)).first()
    if other is not None and other.id != own_id:
        raise BadInput(f"Wikidata id {qid} is already {other.name}'s; one id per {table.name[:-1]} "
                       f"(`kpolicy actors merge` joins two entries for one actor)")
    return qid


def _check_cameo(code) -> str | None:
    if code is None or str(code).strip() == "":
        return None
    code = str(code).strip().upper()
    if not _CAMEO.match(code):
        raise BadInput(f"CAMEO code {code!r} is not groups of three capitals (PRK, PRKGOV, PRKMIL)")
    return code


def _check_alias(conn: Connection, table: sa.Table, owner_col: str, alias: str, own_id: int | None) -> str | None:
    """The alias to add, None when the owner already has it, BadInput when another owner has it."""
    alias = check_name(alias, "alias")
    found = conn.execute(sa.select(table.c[owner_col]).where(table.c.alias_key == alias.lower())).scalar()
    if found is None:
        return alias
    if found == own_id:
        return None
    names = schema.actors if table is schema.actor_aliases else schema.places
    other = conn.execute(sa.select(names.c.name).where(names.c.id == found)).scalar()
    raise BadInput(f"the name {alias!r} is already {other}'s; an alias names one {'actor' if names is schema.actors else 'place'} "
                   f"(`kpolicy actors merge` if they are the same)")


def _new_name(conn: Connection, table: sa.Table, name) -> str:
    name = check_name(name, "name")
    taken = conn.execute(sa.select(table.c.name).where(sa.func.lower(table.c.name) == name.lower())).scalar()
    aliased = None
    if table is schema.actors:
        aliased = conn.execute(sa.select(schema.actor_aliases.c.actor_id).where(schema.actor_aliases.c.alias_key == name.lower())).scalar()
    elif table is schema.places:
        aliased = conn.execute(sa.select(schema.place_aliases.c.place_id).where(schema.place_aliases.c.alias_key == name.lower())).scalar()
    if taken is not None or aliased is not None:
        raise BadInput(f"{name!r} is already {'an actor' if table is schema.actors else 'a place'}'s name or alias; "
                       f"add an alias to it or pick another name")
    return name


# ---- actors ---------------------------------------------------------------------------------

def _actor_values(conn: Connection, fields: dict, own_id: int | None) -> dict:
    values = {}
    for key, value in fields.items():
        if key not in ACTOR_FIELDS:
            raise BadInput(f"unknown actor field {key!r}; use {', '.join(ACTOR_FIELDS)}")
        if key == "kind":
            value = kind_key(str(value))
            if value not in ACTOR_KINDS:
                raise BadInput(f"unknown kind {value!r}{suggest(value, ACTOR_KINDS)}; use one of {', '.join(ACTOR_KINDS)}")
            values["kind"] = value
        elif key == "parent":
            if value is None or str(value).strip() == "":
                values["parent_id"] = None
                continue
            try:
                parent = _actor(conn, str(value))
            except BadInput:
                raise BadInput(f"unknown parent {value!r}; add it first (`kpolicy actors add`) or fix the name") from None
            if own_id is not None and parent.id == own_id:
                raise BadInput("an actor cannot be its own parent; give another parent")
            values["parent_id"] = parent.id
        elif key == "wikidata":
            values["wikidata"] = _check_wikidata(conn, schema.actors, value, own_id)
        elif key == "cameo":
            values["cameo"] = _check_cameo(value)
        elif key == "iso3":
            code = str(value).strip().upper() if value else None
            if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
                raise BadInput(f"ISO 3166 code {value!r} is not three letters (PRK)")
            values["iso3"] = code
        elif key in ("born", "died"):
            values[key] = _day(value, key)
        else:
            values[key] = check_name(value, key) if value else None
    return values


def _checked_actor(conn: Connection, name: str, kind: str, aliases, fields: dict) -> tuple[str, dict, list[str]]:
    name = _new_name(conn, schema.actors, name)
    values = _actor_values(conn, {"kind": kind, **{k: v for k, v in fields.items() if v is not None}}, None)
    extra = []
    for alias in aliases or ():
        checked = _check_alias(conn, schema.actor_aliases, "actor_id", alias, None)
        if checked and checked.lower() != name.lower() and checked.lower() not in {a.lower() for a in extra}:
            extra.append(checked)
    return name, values, extra


def _write_actor(conn: Connection, change: int, name: str, values: dict, extra: list[str]) -> int:
    key = _put(conn, change, schema.actors, None, {"name": name, "origin": "analyst", **values})
    for alias in [name, *extra]:
        _put(conn, change, schema.actor_aliases, None, {"actor_id": key["id"], "alias": alias, "alias_key": alias.lower()})
    return key["id"]


def create_actor(conn: Connection, change: int, name: str, *, kind: str, aliases=(), **fields) -> int:
    """A new actor (the analyst's) with its aliases, as revisions of an open change (the caller's:
    accepting an unknown-actor proposal creates the actor and names it on the event in one change,
    so one undo takes back both). Checked first: a taken name, a bad kind or alias is a BadInput.
    Returns the actor id."""
    name, values, extra = _checked_actor(conn, name, kind, aliases, fields)
    return _write_actor(conn, change, name, values, extra)


def add_actor(conn: Connection, name: str, *, kind: str, aliases=(), by=None, reason=None, **fields) -> tuple[int, int]:
    """A new actor with its aliases. Returns (change id, actor id)."""
    name, values, extra = _checked_actor(conn, name, kind, aliases, fields)
    change = c.begin(conn, "actor_add", by=by, reason=reason or f"added actor {name}")
    return change, _write_actor(conn, change, name, values, extra)


def edit_actor(conn: Connection, name: str, fields: dict, *, by=None, reason=None) -> int:
    """Change an actor's facts (kind, parent, iso3, wikidata, cameo, native, born, died). Returns the change id."""
    row = _actor(conn, name)
    values = _actor_values(conn, fields, row.id)
    if not values:
        raise BadInput("nothing to change; give at least one of --kind, --parent, --wikidata, --cameo, --iso3, --native")
    change = c.begin(conn, "actor_edit", by=by, reason=reason or f"edited actor {row.name}")
    _put(conn, change, schema.actors, {"id": row.id}, {**values, "origin": "analyst"})
    return change


def add_aliases(conn: Connection, name: str, aliases, *, by=None, reason=None) -> int:
    """Further names for an actor (one actor per spelling). Returns the change id."""
    row = _actor(conn, name)
    new = []
    for alias in aliases:
        checked = _check_alias(conn, schema.actor_aliases, "actor_id", alias, row.id)
        if checked and checked.lower() not in {a.lower() for a in new}:
            new.append(checked)
    if not new:
        raise BadInput(f"{row.name!r} already has every alias given; nothing to add")
    change = c.begin(conn, "actor_alias", by=by, reason=reason or f"aliases of {row.name}")
    for alias in new:
        _put(conn, change, schema.actor_aliases, None, {"actor_id": row.id, "alias": alias, "alias_key": alias.lower()})
    _put(conn, change, schema.actors, {"id": row.id}, {"origin": "analyst"})
    return change


def merge_actors(conn: Connection, name: str, into: str, *, by=None, reason=None) -> int:
    """One actor recorded twice: `name`'s events, aliases, children and terms move to `into`,
    and `name` goes (undo brings it back). Returns the change id."""
    gone, kept = _actor(conn, name), _actor(conn, into)
    if gone.id == kept.id:
        raise BadInput(f"{name!r} and {into!r} are the same actor; nothing to merge")
    if gone.wikidata and kept.wikidata and gone.wikidata != kept.wikidata:
        raise BadInput(f"{gone.name!r} is {gone.wikidata} and {kept.name!r} is {kept.wikidata} on Wikidata: two actors, not one")
    change = c.begin(conn, "actor_merge", by=by, reason=reason or f"merged {gone.name} into {kept.name}")
    ea, al, a, t, o = schema.event_actors, schema.actor_aliases, schema.actors, schema.office_terms, schema.offices
    touched = set()
    kept_events = {(r.event_id, r.role) for r in conn.execute(sa.select(ea).where(ea.c.actor_id == kept.id))}
    for r in conn.execute(sa.select(ea).where(ea.c.actor_id == gone.id)).all():
        row = dict(r._mapping)
        _put(conn, change, ea, _key(ea, row), None)
        if (r.event_id, r.role) not in kept_events:
            _put(conn, change, ea, None, {**row, "actor_id": kept.id})
        touched.add(r.event_id)
    for r in conn.execute(sa.select(al).where(al.c.actor_id == gone.id)).all():
        _put(conn, change, al, {"id": r.id}, {"actor_id": kept.id})
    for r in conn.execute(sa.select(a.c.id).where(a.c.parent_id == gone.id)).all():
        _put(conn, change, a, {"id": r.id}, {"parent_id": kept.id})
    for r in conn.execute(sa.select(t.c.id).where(t.c.holder_id == gone.id)).all():
        _put(conn, change, t, {"id": r.id}, {"holder_id": kept.id})
    filled = {f: getattr(gone, f) for f in ("wikidata", "cameo", "native", "born", "died", "iso3")
              if getattr(kept, f) is None and getattr(gone, f) is not None}
    if conn.execute(sa.select(o.c.actor_id).where(o.c.actor_id == gone.id)).first():
        raise BadInput(f"{gone.name!r} is an office; merge its terms by hand (`kpolicy actors term`)")
    _put(conn, change, a, {"id": gone.id}, None)
    _put(conn, change, a, {"id": kept.id}, {**filled, "origin": "analyst"})
    write.refresh(conn, touched)
    return change


def add_term(conn: Connection, office: str, holder: str, start, end=None, *, acting: bool = False, state: str | None = None,
             by=None, reason=None) -> int:
    """A holder's term of an office (the office is created, as an organ of `state`, if new).
    Terms of one office never overlap. Returns the change id."""
    t, o, a = schema.office_terms, schema.offices, schema.actors
    start_day = _day(start, "--from")
    if start_day is None:
        raise BadInput("a term needs its first day; give --from YYYY-MM-DD")
    end_day = _day(end, "--to")
    if end_day is not None and end_day < start_day:
        raise BadInput(f"the term ends ({end_day}) before it starts ({start_day}); fix the dates")
    person = _actor(conn, holder)
    if person.born and start_day < person.born or person.died and (end_day is None or end_day > person.died):
        raise BadInput(f"{person.name}'s term {start_day}/{end_day or '..'} is outside their life "
                       f"({person.born or '?'}/{person.died or ''}); fix the dates")
    office_row = None
    try:
        office_row = _actor(conn, office)
    except BadInput:
        if state is None:
            raise BadInput(f"unknown office {office!r}; give --state STATE to create it, or fix the name") from None
    change = c.begin(conn, "office_term", by=by, reason=reason or f"{person.name}: {office}")
    if office_row is None:
        state_row = _actor(conn, state)
        key = _put(conn, change, a, None, {"name": _new_name(conn, a, office), "kind": "organ", "parent_id": state_row.id,
                                           "origin": "analyst"})
        _put(conn, change, schema.actor_aliases, None, {"actor_id": key["id"], "alias": office.strip(), "alias_key": office.strip().lower()})
        _put(conn, change, o, None, {"actor_id": key["id"], "state_id": state_row.id})
        office_id = key["id"]
    else:
        office_id = office_row.id
        if conn.execute(sa.select(o.c.actor_id).where(o.c.actor_id == office_id)).first() is None:
            state_id = office_row.parent_id
            if state_id is None:
                raise BadInput(f"{office_row.name!r} has no parent state to hold the office; give it one (`kpolicy actors edit --parent`)")
            _put(conn, change, o, None, {"actor_id": office_id, "state_id": state_id})
    names = dict(conn.execute(sa.select(a.c.id, a.c.name)).all())
    for other in conn.execute(sa.select(t).where(t.c.office_id == office_id)):
        if start_day <= (other.end_date or date.max) and other.start_date <= (end_day or date.max):
            raise BadInput(f"{person.name}'s term {start_day}/{end_day or '..'} overlaps {names[other.holder_id]}'s "
                           f"({other.start_date}/{other.end_date or '..'}) as {names[office_id]}; one holder at a time")
    _put(conn, change, t, None, {"office_id": office_id, "holder_id": person.id, "start_date": start_day,
                                 "end_date": end_day, "acting": bool(acting)})
    _put(conn, change, a, {"id": office_id}, {"origin": "analyst"})
    return change


# ---- places ---------------------------------------------------------------------------------

def _place(conn: Connection, name: str):
    p, pa = schema.places, schema.place_aliases
    key = str(name).strip().lower()
    found = conn.execute(sa.select(p).where(sa.func.lower(p.c.name) == key)).first()
    if found is None:
        place_id = conn.execute(sa.select(pa.c.place_id).where(pa.c.alias_key == key)).scalar()
        if place_id is None and re.fullmatch(r"q[1-9][0-9]*", key):
            place_id = conn.execute(sa.select(p.c.id).where(p.c.wikidata == key.upper())).scalar()
        if place_id is not None:
            found = conn.execute(sa.select(p).where(p.c.id == place_id)).first()
    if found is None:
        choices = conn.execute(sa.select(p.c.name)).scalars().all()
        raise BadInput(f"unknown place {name!r}{suggest(str(name), choices)}; add it with `kpolicy places add`")
    return found


def _place_values(conn: Connection, fields: dict, own_id: int | None) -> dict:
    values = {}
    for key, value in fields.items():
        if key not in PLACE_FIELDS:
            raise BadInput(f"unknown place field {key!r}; use {', '.join(PLACE_FIELDS)}")
        if key in ("lat", "lon"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise BadInput(f"--{key} {value!r} is not a number") from None
            if not (-90 <= number <= 90 if key == "lat" else -180 <= number <= 180):
                raise BadInput(f"--{key} {number} is out of range ({'-90..90' if key == 'lat' else '-180..180'})")
            values["latitude" if key == "lat" else "longitude"] = number
        elif key == "wikidata":
            values["wikidata"] = _check_wikidata(conn, schema.places, value, own_id)
        else:
            code = str(value).strip().upper() if value else None
            if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
                raise BadInput(f"--country {value!r} is not an ISO 3166 alpha-3 code (PRK)")
            values["country"] = code
    return values


def _checked_place(conn: Connection, name: str, aliases, fields: dict) -> tuple[str, dict, list[str]]:
    name = _new_name(conn, schema.places, name)
    values = _place_values(conn, {k: v for k, v in fields.items() if v is not None}, None)
    extra = []
    for alias in aliases or ():
        checked = _check_alias(conn, schema.place_aliases, "place_id", alias, None)
        if checked and checked.lower() != name.lower() and checked.lower() not in {a.lower() for a in extra}:
            extra.append(checked)
    return name, values, extra


def _write_place(conn: Connection, change: int, name: str, values: dict, extra: list[str]) -> int:
    key = _put(conn, change, schema.places, None, {"name": name, "origin": "analyst", **values})
    for alias in extra:
        _put(conn, change, schema.place_aliases, None, {"place_id": key["id"], "alias": alias, "alias_key": alias.lower()})
    return key["id"]


def create_place(conn: Connection, change: int, name: str, *, aliases=(), **fields) -> int:
    """A new place (the analyst's) as revisions of an open change (the caller's: accepting an
    unknown-place proposal creates the place and sets it on the event in one change). Returns the place id."""
    name, values, extra = _checked_place(conn, name, aliases, fields)
    return _write_place(conn, change, name, values, extra)


def add_place(conn: Connection, name: str, *, aliases=(), by=None, reason=None, **fields) -> tuple[int, int]:
    """A new place with its aliases. Returns (change id, place id)."""
    name, values, extra = _checked_place(conn, name, aliases, fields)
    change = c.begin(conn, "place_add", by=by, reason=reason or f"added place {name}")
    return change, _write_place(conn, change, name, values, extra)


def edit_place(conn: Connection, name: str, fields: dict, *, by=None, reason=None) -> int:
    row = _place(conn, name)
    values = _place_values(conn, fields, row.id)
    if not values:
        raise BadInput("nothing to change; give at least one of --country, --lat, --lon, --wikidata")
    change = c.begin(conn, "place_edit", by=by, reason=reason or f"edited place {row.name}")
    _put(conn, change, schema.places, {"id": row.id}, {**values, "origin": "analyst"})
    return change


def add_place_aliases(conn: Connection, name: str, aliases, *, by=None, reason=None) -> int:
    row = _place(conn, name)
    new = []
    for alias in aliases:
        checked = _check_alias(conn, schema.place_aliases, "place_id", alias, row.id)
        if checked and checked.lower() != row.name.lower() and checked.lower() not in {a.lower() for a in new}:
            new.append(checked)
    if not new:
        raise BadInput(f"{row.name!r} already has every alias given; nothing to add")
    change = c.begin(conn, "place_alias", by=by, reason=reason or f"aliases of {row.name}")
    for alias in new:
        _put(conn, change, schema.place_aliases, None, {"place_id": row.id, "alias": alias, "alias_key": alias.lower()})
    _put(conn, change, schema.places, {"id": row.id}, {"origin": "analyst"})
    return change
