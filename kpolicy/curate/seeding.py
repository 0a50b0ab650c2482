"""`seed --annotation` for an article already ingested: its extracted events give way to the curated ones.

One change ('seed_replace'), undoable: every extracted event only this source supported
becomes a tombstone; this source's mentions of extracted events other sources also
support are removed from them (kept in the revision); the annotation's curated events
are created with their mentions. Reviewed events are never touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as c
from kpolicy.curate.sources import MENTION_COLUMNS
from kpolicy.store import schema, write


def replace_extracted(conn: Connection, annotation, *, by=None, reason=None) -> dict:
    """Replace the extracted events of the annotation's (already stored) source by its curated events.

    Returns {"source", "change", "replaced", "created"}; change is None when the source has no
    extracted events left (it is already curated: nothing to replace).
    """
    from kpolicy.store.articles import Lookups, event_values, set_actors

    s, m, e = schema.sources, schema.mentions, schema.events
    src = conn.execute(sa.select(s.c.id, s.c.slug).where(s.c.sha256 == annotation.source.sha256)).one()
    rows: dict[int, list[dict]] = {}
    for r in conn.execute(sa.select(*(m.c[k] for k in MENTION_COLUMNS)).join(e, e.c.id == m.c.event_id)
                          .where(m.c.source_id == src.id, e.c.review == "extracted", e.c.deleted_at.is_(None)).order_by(m.c.id)):
        rows.setdefault(r.event_id, []).append(dict(r._mapping))
    if not rows:
        return {"source": src.slug, "change": None, "replaced": 0, "created": 0}
    change = c.begin(conn, "seed_replace", by=by, reason=reason or f"curated annotation {annotation.path.name}", source_id=src.id)
    stamp = write.now()
    history = []
    replaced = 0
    for event_id, mentions in rows.items():
        others = conn.execute(sa.select(sa.func.count()).select_from(m).where(m.c.event_id == event_id, m.c.source_id != src.id)).scalar_one()
        if others:
            conn.execute(m.delete().where(m.c.event_id == event_id, m.c.source_id == src.id))
            history.append((event_id, "replaced", "mention_rows", mentions, None))
            c.bump(conn, change, event_id)
        else:
            c.bump(conn, change, event_id, {"deleted_at": stamp})
            history.append((event_id, "replaced", "deleted_at", None, stamp.isoformat(sep=" ")))
        replaced += 1
    lookups = Lookups(conn)
    created = []
    for record in annotation.events:
        event_id = write.insert_event(conn, event_values(record, lookups.place_id(conn, record.place)), record.date)
        set_actors(conn, event_id, record, lookups)
        write.add_mentions(conn, event_id, src.id, record.mentions)
        created.append(event_id)
    write.refresh(conn, [*rows, *created])
    history.extend((event_id, "created", None, None, write.event_state(conn, event_id)) for event_id in created)
    write.record_many(conn, change, history)
    return {"source": src.slug, "change": change, "replaced": replaced, "created": len(created)}
