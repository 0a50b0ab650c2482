"""The actors table as a tree: names, parents and kinds by id, for children and state look-ups.

Queries (kpolicy.query) and the article writer (store/articles.py) both walk it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema
from kpolicy.vocabulary import STATE_KINDS


@dataclass
class ActorTree:
    """id/name/parent of every actor, for children and top-level-state lookups."""

    names: dict[int, str]
    parent: dict[int, int | None]
    kinds: dict[int, str]

    @classmethod
    def load(cls, conn: Connection) -> ActorTree:
        a = schema.actors
        rows = conn.execute(sa.select(a.c.id, a.c.name, a.c.parent_id, a.c.kind)).all()
        return cls({r.id: r.name for r in rows}, {r.id: r.parent_id for r in rows}, {r.id: r.kind for r in rows})

    @classmethod
    def partial(cls) -> ActorTree:
        """An empty tree that `ensure` fills with the actors rows actually name: a query's
        first rows then cost a lookup of their own actors, not a read of the whole table."""
        return cls({}, {}, {})

    def ensure(self, conn: Connection, actor_ids) -> None:
        """Load these actors and all their ancestors (what state_of walks), if not yet known."""
        missing = sorted({i for i in actor_ids if i not in self.names})
        if not missing:
            return
        a = schema.actors
        up = sa.select(a.c.id, a.c.name, a.c.parent_id, a.c.kind).where(a.c.id.in_(missing)).cte("up", recursive=True)
        up = up.union(sa.select(a.c.id, a.c.name, a.c.parent_id, a.c.kind).join(up, a.c.id == up.c.parent_id))
        for r in conn.execute(sa.select(up.c.id, up.c.name, up.c.parent_id, up.c.kind)):
            self.names[r.id], self.parent[r.id], self.kinds[r.id] = r.name, r.parent_id, r.kind

    def descendants(self, actor_id: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for child, parent in self.parent.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        found, stack = {actor_id}, [actor_id]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def state_of(self, actor_id: int) -> int:
        """Nearest ancestor-or-self that is a state or international organisation, else the top."""
        seen = set()
        while actor_id not in seen:
            seen.add(actor_id)
            if self.kinds.get(actor_id) in STATE_KINDS:
                return actor_id
            parent = self.parent.get(actor_id)
            if parent is None:
                return actor_id
            actor_id = parent
        return actor_id



def analyst_entries(conn: Connection) -> tuple[list, list, list]:
    """The analyst's actors, places and office terms (rows with origin 'analyst', added or
    changed with `kpolicy actors`/`places`) as the authority room's entries, for the next
    ingest's extractor (kpolicy.authority.gazetteer.extended). Empty lists: none."""
    from kpolicy.authority import ActorEntry, PlaceEntry
    from kpolicy.authority.gazetteer import Term

    a, al, p, pa, t, o = (schema.actors, schema.actor_aliases, schema.places, schema.place_aliases,
                          schema.office_terms, schema.offices)
    mine = conn.execute(sa.select(a).where(a.c.origin == "analyst").order_by(a.c.id)).all()
    my_places = conn.execute(sa.select(p).where(p.c.origin == "analyst").order_by(p.c.id)).all()
    if not mine and not my_places:
        return [], [], []
    names = dict(conn.execute(sa.select(a.c.id, a.c.name)).all())
    aliases: dict[int, list[str]] = {}
    for actor_id, alias in conn.execute(sa.select(al.c.actor_id, al.c.alias).where(al.c.actor_id.in_([r.id for r in mine])).order_by(al.c.id)):
        aliases.setdefault(actor_id, []).append(alias)
    actors = [ActorEntry(name=r.name, kind=r.kind, iso3=r.iso3, parent=names.get(r.parent_id),
                         aliases=[x for x in aliases.get(r.id, []) if x != r.name], wikidata=r.wikidata, cameo=r.cameo,
                         native=r.native, born=r.born, died=r.died) for r in mine]
    place_aliases: dict[int, list[str]] = {}
    for place_id, alias in conn.execute(sa.select(pa.c.place_id, pa.c.alias).order_by(pa.c.id)):
        place_aliases.setdefault(place_id, []).append(alias)
    places = [PlaceEntry(name=r.name, country=r.country, latitude=r.latitude, longitude=r.longitude,
                         aliases=place_aliases.get(r.id, []), wikidata=r.wikidata) for r in my_places]
    states = dict(conn.execute(sa.select(o.c.actor_id, o.c.state_id)).all())
    my_ids = [r.id for r in mine]
    terms = [(names[r.office_id], names.get(states.get(r.office_id)), Term(names[r.holder_id], r.start_date, r.end_date, bool(r.acting)))
             for r in conn.execute(sa.select(t).where(t.c.office_id.in_(my_ids)).order_by(t.c.office_id, t.c.start_date))]
    return actors, places, terms
