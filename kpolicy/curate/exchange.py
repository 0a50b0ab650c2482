"""`kpolicy actors export/import`: a team's authority file as YAML or CSV.

YAML holds everything: actors (kind, parent, ids, codes, script, life dates, aliases),
offices with their terms, places. CSV holds one actor per row (aliases joined by '; ') and
no terms or places. Import is all or nothing: every row is checked and written inside the
caller's transaction, so one bad row (an id another actor has, a colliding alias, an
overlapping term, an unknown parent) raises a BadInput naming the row, and the caller's
rollback leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.errors import BadInput
from kpolicy.store import schema

CSV_FIELDS = ("name", "kind", "parent", "iso3", "wikidata", "cameo", "native", "born", "died", "aliases")


def _day(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def export_doc(conn: Connection) -> dict:
    """The database's authority file: every actor, office and place, in name order."""
    a, al, t, p, pa = schema.actors, schema.actor_aliases, schema.office_terms, schema.places, schema.place_aliases
    names = dict(conn.execute(sa.select(a.c.id, a.c.name)).all())
    aliases: dict[int, list[str]] = {}
    for actor_id, alias in conn.execute(sa.select(al.c.actor_id, al.c.alias).order_by(al.c.actor_id, al.c.alias_key)):
        aliases.setdefault(actor_id, []).append(alias)
    actors = []
    for r in conn.execute(sa.select(a).order_by(a.c.name)):
        item = {"name": r.name, "kind": r.kind, "parent": names.get(r.parent_id), "iso3": r.iso3, "wikidata": r.wikidata,
                "cameo": r.cameo, "native": r.native, "born": _day(r.born), "died": _day(r.died),
                "aliases": [x for x in aliases.get(r.id, []) if x != r.name]}
        actors.append({k: v for k, v in item.items() if v not in (None, [])})
    offices: dict[int, dict] = {}
    states = dict(conn.execute(sa.select(schema.offices.c.actor_id, schema.offices.c.state_id)).all())
    for r in conn.execute(sa.select(t).order_by(t.c.office_id, t.c.start_date)):
        office = offices.setdefault(r.office_id, {"name": names[r.office_id], "state": names[states[r.office_id]], "holders": []})
        term = {"actor": names[r.holder_id], "from": _day(r.start_date), "to": _day(r.end_date)}
        if r.acting:
            term["acting"] = True
        office["holders"].append({k: v for k, v in term.items() if v is not None})
    place_aliases: dict[int, list[str]] = {}
    for place_id, alias in conn.execute(sa.select(pa.c.place_id, pa.c.alias).order_by(pa.c.place_id, pa.c.alias_key)):
        place_aliases.setdefault(place_id, []).append(alias)
    places = []
    for r in conn.execute(sa.select(p).order_by(p.c.name)):
        item = {"name": r.name, "country": r.country, "lat": r.latitude, "lon": r.longitude, "wikidata": r.wikidata,
                "aliases": place_aliases.get(r.id, [])}
        places.append({k: v for k, v in item.items() if v not in (None, [])})
    return {"actors": actors, "offices": sorted(offices.values(), key=lambda o: o["name"]), "places": places}


def export_text(conn: Connection, fmt: str) -> str:
    fmt = fmt.lower()
    doc = export_doc(conn)
    if fmt == "yaml":
        import yaml

        header = "# kpolicy authority file (kpolicy actors export); `kpolicy actors import FILE` reads it\n"
        return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in doc["actors"]:
            writer.writerow({**{k: item.get(k, "") for k in CSV_FIELDS}, "aliases": "; ".join(item.get("aliases", []))})
        return buf.getvalue()
    raise BadInput(f"unknown export format {fmt!r}; use yaml or csv")


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file; check the path") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8; re-save it as UTF-8") from None
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        missing = [f for f in ("name", "kind") if rows and f not in rows[0]]
        if missing:
            raise BadInput(f"{path}: the CSV needs the columns {', '.join(CSV_FIELDS)} (missing {', '.join(missing)})")
        actors = []
        for row in rows:
            item = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in CSV_FIELDS and v not in (None, "")}
            if "aliases" in item:
                item["aliases"] = [x.strip() for x in item["aliases"].split(";") if x.strip()]
            actors.append(item)
        return {"actors": actors}
    from kpolicy import safe_yaml

    import yaml

    try:
        doc = safe_yaml.load(text, str(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BadInput(f"{path}:{f' line {mark.line + 1}:' if mark else ''} not valid YAML; fix the syntax there") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("actors", []), list):
        raise BadInput(f"{path}: expected a mapping with an `actors:` list (what `kpolicy actors export` writes)")
    return doc


def import_file(conn: Connection, path: Path, *, by=None, reason=None) -> dict:
    """Add what the file has that the database lacks; change what differs. Actors are taken in an
    order that puts parents first. Raises BadInput naming the row (the caller rolls back)."""
    from kpolicy.curate import authority

    doc = _read(Path(path))
    reason = reason or f"imported {Path(path).name}"
    counts = {"added": 0, "changed": 0, "terms": 0, "places": 0}
    a = schema.actors
    pending = list(_entries(doc, "actors", path))
    for item in pending:
        if not item.get("name"):
            raise BadInput(f"{path}: every actor needs a name; fix the entry {str(item)[:80]!r}")
    done: set[str] = set()
    known = {n.lower() for n in conn.execute(sa.select(a.c.name)).scalars()}
    while pending:
        progressed = False
        for item in list(pending):
            parent = str(item["parent"]) if item.get("parent") not in (None, "") else None
            if parent and parent.lower() not in known and parent not in done and any(
                    str(o.get("name")).lower() == parent.lower() for o in pending if o is not item):
                continue  # its parent comes later in the file: take that first
            pending.remove(item)
            progressed = True
            _import_actor(conn, authority, item, path, by, reason, counts)
            done.add(item["name"])
            known.add(str(item["name"]).lower())
        if not progressed:
            raise BadInput(f"{path}: the parents of {', '.join(repr(i['name']) for i in pending)} form a loop; fix them")
    for office in _entries(doc, "offices", path):
        for h in _entries(office, "holders", path):
            t = schema.office_terms
            office_id = conn.execute(sa.select(a.c.id).where(a.c.name == office.get("name"))).scalar()
            if office_id is not None and conn.execute(sa.select(t.c.id).where(
                    t.c.office_id == office_id, t.c.start_date == _first_day(h, office, path))).first():
                continue  # the database has this term
            try:
                authority.add_term(conn, str(office.get("name")), str(h.get("actor")), h.get("from"), h.get("to"),
                                   acting=bool(h.get("acting")), state=office.get("state"), by=by, reason=reason)
            except BadInput as exc:
                raise BadInput(f"{path}: office {office.get('name')!r}: {exc}") from None
            counts["terms"] += 1
    for place in _entries(doc, "places", path):
        name = str(place.get("name", ""))
        exists = conn.execute(sa.select(schema.places.c.id).where(sa.func.lower(schema.places.c.name) == name.lower())).first()
        try:
            if exists is None:
                authority.add_place(conn, name, aliases=_aliases(place, path), by=by, reason=reason,
                                    **{k: place[k] for k in ("country", "lat", "lon", "wikidata") if place.get(k) is not None})
                counts["places"] += 1
        except BadInput as exc:
            raise BadInput(f"{path}: place {name!r}: {exc}") from None
    return counts


def _entries(doc: dict, key: str, path) -> list[dict]:
    """`doc[key]` as a list of mappings (what export writes), or BadInput naming the first entry that is not one."""
    items = doc.get(key) or []
    if not isinstance(items, list):
        raise BadInput(f"{path}: `{key}:` is a list of entries (what `kpolicy actors export` writes); fix {str(items)[:60]!r}")
    for item in items:
        if not isinstance(item, dict):
            raise BadInput(f"{path}: every entry of `{key}:` is a mapping (name: ...); fix {str(item)[:60]!r}")
    return items


def _first_day(term: dict, office: dict, path) -> date:
    try:
        return date.fromisoformat(str(term.get("from")).strip())
    except ValueError:
        raise BadInput(f"{path}: office {office.get('name')!r}: {term.get('actor')!r}'s term starts {term.get('from')!r}, "
                       f"not a YYYY-MM-DD date; give `from: 2017-05-10`") from None


def _aliases(item: dict, path) -> list[str]:
    """An entry's aliases: a YAML list (a bare string would be read as one alias per letter)."""
    aliases = item.get("aliases")
    if aliases in (None, ""):
        return []
    if not isinstance(aliases, list):
        raise BadInput(f"{path}: the aliases of {str(item.get('name'))!r} are a list; write `aliases: [{str(aliases)[:40]}]`")
    return [str(x) for x in aliases]


def _import_actor(conn, authority, item, path, by, reason, counts) -> None:
    a, al = schema.actors, schema.actor_aliases
    name = str(item["name"]).strip()
    facts = {k: item[k] for k in ("parent", "iso3", "wikidata", "cameo", "native", "born", "died") if item.get(k) not in (None, "")}
    aliases = _aliases(item, path)
    try:
        row = conn.execute(sa.select(a).where(sa.func.lower(a.c.name) == name.lower())).first()
        if row is None:
            authority.add_actor(conn, name, kind=str(item.get("kind", "")), aliases=aliases, by=by, reason=reason, **facts)
            counts["added"] += 1
            return
        names = dict(conn.execute(sa.select(a.c.id, a.c.name)).all())
        current = {"parent": names.get(row.parent_id), "iso3": row.iso3, "wikidata": row.wikidata, "cameo": row.cameo,
                   "native": row.native, "born": _day(row.born), "died": _day(row.died)}
        differ = {k: v for k, v in facts.items() if str(v) != str(current.get(k))}
        if item.get("kind") and item["kind"] != row.kind:
            differ["kind"] = item["kind"]
        if differ:
            authority.edit_actor(conn, row.name, differ, by=by, reason=reason)
            counts["changed"] += 1
        have = {x.lower() for x in conn.execute(sa.select(al.c.alias).where(al.c.actor_id == row.id)).scalars()}
        new = [x for x in aliases if x.lower() not in have]
        if new:
            authority.add_aliases(conn, row.name, new, by=by, reason=reason)
    except BadInput as exc:
        raise BadInput(f"{path}: actor {name!r}: {exc}") from None
