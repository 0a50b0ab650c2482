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
