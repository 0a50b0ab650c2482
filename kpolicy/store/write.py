"""The timeline row's stored aggregates (migration 0004), in one place.

events.actor_names is the event's distinct actor names in code-point order joined by
'; ' (None without actors); events.first_mention_id is the id of its first mention
(lowest id). The timeline view reads them instead of aggregating per row. Every write
path keeps them: store.store_article calls refresh() for the events it touched;
bulk.load_events computes the same values with actor_names() as it builds its rows.
Plain SQL that changes event_actors or mentions should call refresh() too (or leave
the columns NULL: the view then aggregates live, as before 0004).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema

SEPARATOR = "; "


def actor_names(names: Iterable[str]) -> str | None:
    """The stored actors cell: distinct names, code-point order (SQLite's BINARY, PostgreSQL's "C")."""
    return SEPARATOR.join(sorted(set(names))) or None


def refresh(conn: Connection, event_ids: Iterable[int]) -> None:
    """Recompute actor_names and first_mention_id of these events from event_actors and mentions."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    e, ea, a, m = schema.events, schema.event_actors, schema.actors, schema.mentions
    names: dict[int, list[str]] = {}
    first: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for event_id, name in conn.execute(sa.select(ea.c.event_id, a.c.name).join(a, a.c.id == ea.c.actor_id).where(ea.c.event_id.in_(chunk))):
            names.setdefault(event_id, []).append(name)
        first.update(conn.execute(sa.select(m.c.event_id, sa.func.min(m.c.id)).where(m.c.event_id.in_(chunk)).group_by(m.c.event_id)).all())
    conn.execute(
        e.update().where(e.c.id == sa.bindparam("event_id")).values(actor_names=sa.bindparam("names"), first_mention_id=sa.bindparam("first")),
        [{"event_id": i, "names": actor_names(names.get(i, ())), "first": first.get(i)} for i in ids],
    )
