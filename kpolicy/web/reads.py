"""The queries the desk's pages need beyond kpolicy.query: all reads, all bounded.

Every list is paged by a keyset (the last row's sort key), never OFFSET, so the
thousandth page costs what the first does; every per-event read goes by primary key
or an index on event_id.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.query import TIMELINE_COLUMNS, EventQuery, build_select, timeline
from kpolicy.store import schema
from kpolicy.web.app import NotFound

CONTEXT_CHARS = 320  # source text shown either side of a mention


def iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def timeline_page(conn: Connection, q: EventQuery, after: tuple[int, int] | None, size: int) -> tuple[list[dict], tuple[int, int] | None]:
    """One page of the filtered timeline after the keyset (sort_key, id); and the next page's keyset.

    Two steps: the page's ids (and sort keys) first, from the events' index columns only,
    then the full timeline rows of those ids. How the ids are found depends on the filter,
    so that no page walks the whole table (docs/web.md, "Speed"):
    - no filter, or only broad ones (type, status, review, text): walk the sort_key index
      in order and stop after one page;
    - selective sets (actor, source, place): take the matching set by its indexes, sort it;
    - a window [lo, hi]: the events that start before lo but reach into the window (long
      intervals, open starts: few) sorted first, then those that start inside it by a
      bounded walk of the sort_key index -- every one of the first group sorts before
      every one of the second, since sort_key orders by the lower bound first.
    """
    from kpolicy.dates import ORD_SHIFT, SORT_UNDATED, parse_window

    from kpolicy.query import resolve_statuses, resolve_types

    base = build_select(conn, q, [timeline.c.id, timeline.c.sort_key])  # validates every name
    e = schema.events
    want = size + 1
    window = bool(q.start or q.end or q.on)
    lower, upper = parse_window(q.start, q.end, q.on) if window else (None, None)
    lo_key = lower.toordinal() * ORD_SHIFT if lower is not None else None
    hi_key = (upper.toordinal() + 1) * ORD_SHIFT if upper is not None else None
    selective = bool(q.actors or q.source or q.places or q.text)

    def keyset(stmt, key_col, id_col):
        if after is None:
            return stmt
        key, last = after
        return stmt.where(key_col >= key, sa.or_(key_col > key, sa.and_(key_col == key, id_col > last)))

    def by_set(stmt, key_col, id_col, limit):
        """Filter first (by the filters' own indexes), then sort what matched: for small sets."""
        stmt = keyset(stmt, key_col, id_col).order_by(None).order_by(key_col + 0, id_col + 0)
        return conn.execute(stmt.limit(limit)).all()

    def walk(lo, hi, limit):
        """Walk the timeline order (ix_events_sort_key) between two keys, testing each row's own
        columns: for the broad filters (type, status, review), which would otherwise be taken by
        their own index and sorted whole. On SQLite INDEXED BY pins the index."""
        hint = " INDEXED BY ix_events_sort_key" if conn.dialect.name == "sqlite" else ""
        where, params = ["deleted_at IS NULL"], {"limit": limit}
        for name, values in (("type", resolve_types(q.types) if q.types else []), ("status", resolve_statuses(q.statuses) if q.statuses else [])):
            if values:
                marks = []
                for i, v in enumerate(values):
                    params[f"{name}{i}"] = v
                    marks.append(f":{name}{i}")
                where.append(f"{name} IN ({', '.join(marks)})")
        if q.review:
            where.append("review = :review")
            params["review"] = q.review
        else:  # as kpolicy.query: rejected events are kept but leave the default timeline
            where.append("review <> 'rejected'")
        if lo is not None:
            where.append("sort_key >= :lo")
            params["lo"] = lo
        if hi is not None:
            where.append("sort_key < :hi")
            params["hi"] = hi
        if q.within and upper is not None:
            where.append("end_date IS NOT NULL AND end_date <= :upper")
            params["upper"] = upper.isoformat()
        if window:
            where.append("sort_key < :undated")
            params["undated"] = SORT_UNDATED
        if after is not None:
            # the redundant `>=` gives the index a range to start from; the OR alone would not
            where.append("sort_key >= :after_key AND (sort_key > :after_key OR (sort_key = :after_key AND id > :after_id))")
            params["after_key"], params["after_id"] = after
        sql = f"SELECT id, sort_key FROM events{hint} WHERE {' AND '.join(where)} ORDER BY sort_key, id LIMIT :limit"
        return conn.execute(sa.text(sql), params).all()

    if selective:
        # actor, source, place, text: the matching set is small (or, for text, tested row by row)
        if q.text and not (q.actors or q.source or q.places):
            found = conn.execute(keyset(base, timeline.c.sort_key, timeline.c.id).limit(want)).all()
        else:
            found = by_set(base, timeline.c.sort_key, timeline.c.id, want)
    elif not window:
        found = walk(None, None, want)
    else:
        found = []
        if lower is not None and not q.within:
            # events that start before the window and reach into it: long intervals, open starts
            early = sa.select(e.c.id, e.c.sort_key).where(e.c.id.in_(_reaching_in(lower)), e.c.sort_key < lo_key)
            early = early.where(e.c.deleted_at.is_(None), e.c.review == q.review if q.review else e.c.review != "rejected")
            if q.types:
                early = early.where(e.c.type.in_(resolve_types(q.types)))
            if q.statuses:
                early = early.where(e.c.status.in_(resolve_statuses(q.statuses)))
            found = by_set(early, e.c.sort_key, e.c.id, want)
        if len(found) < want:
            found += walk(lo_key, hi_key, want - len(found))
    more = None
    if len(found) > size:
        found = found[:size]
        more = (found[-1].sort_key, found[-1].id)
    ids = [r.id for r in found]
    rows = []
    if ids:
        cols = [timeline.c[c] for c in TIMELINE_COLUMNS]
        by_id = {r.id: dict(r._mapping) for r in conn.execute(sa.select(*cols).where(timeline.c.id.in_(ids)))}
        rows = [by_id[i] for i in ids if i in by_id]
    for row in rows:
        row["start"], row["end"] = iso(row["start"]), iso(row["end"])
    return rows, more


def _reaching_in(lower):
    """Ids of events that start before `lower` and end on or after it (or have an open end or
    start): per span class k only starts in [lower - span_longest(k), lower), by index."""
    from datetime import date as _date

    from kpolicy.dates import SPAN_CLASSES, SPAN_OPEN_END, SPAN_OPEN_START, span_longest

    e = schema.events
    parts = []
    for k in range(SPAN_CLASSES):
        earliest = lower.toordinal() - span_longest(k)
        conds = [e.c.span_class == k, e.c.start_date < lower, e.c.end_date >= lower]
        if earliest >= 1:
            conds.append(e.c.start_date >= _date.fromordinal(earliest))
        parts.append(sa.select(e.c.id).where(*conds))
    parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_END, e.c.start_date < lower))
    parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_START, e.c.end_date >= lower))
    return sa.union_all(*parts)


def event_row(conn: Connection, event_id: int):
    """The events row itself (tombstones included), or NotFound."""
    e = schema.events
    row = conn.execute(sa.select(e).where(e.c.id == event_id)).first()
    if row is None:
        raise NotFound(f"no event with id {event_id}; the timeline lists them")
    return row


def mentions_with_context(conn: Connection, event_id: int) -> list[dict]:
    """Each mention with the source text around it, split so the quote is highlighted at its stored offsets."""
    m, s = schema.mentions, schema.sources
    out = []
    rows = conn.execute(
        sa.select(m.c.id, m.c.char_start, m.c.char_end, m.c.quote, m.c.date_text, m.c.date_anchor, m.c.type_rule,
                  m.c.date_rule, m.c.page, s.c.slug, s.c.title, s.c.published, s.c.url, s.c.removed_at,
                  sa.func.length(s.c.text).label("chars"))
        .join(s, s.c.id == m.c.source_id).where(m.c.event_id == event_id).order_by(m.c.id)
    ).all()
    for r in rows:
        lo = max(0, r.char_start - CONTEXT_CHARS)
        hi = min(r.chars, r.char_end + CONTEXT_CHARS)
        # substr is 1-based on both engines; one call fetches only the window, not the whole text
        window = conn.execute(
            sa.select(sa.func.substr(s.c.text, lo + 1, hi - lo)).where(s.c.slug == r.slug)
        ).scalar() or ""
        a, b = r.char_start - lo, r.char_end - lo
        out.append({
            "id": r.id, "source": r.slug, "source_title": r.title, "published": iso(r.published), "url": r.url,
            "source_removed": r.removed_at is not None,
            "char_start": r.char_start, "char_end": r.char_end, "quote": r.quote, "page": r.page,
            "date_text": r.date_text, "date_anchor": r.date_anchor, "type_rule": r.type_rule, "date_rule": r.date_rule,
            "before": ("…" if lo > 0 else "") + window[:a], "marked": window[a:b], "after": window[b:] + ("…" if hi < r.chars else ""),
            "offsets_match": window[a:b] == r.quote,
        })
    return out


def actor_roles(conn: Connection, event_id: int) -> list[dict]:
    a, ea = schema.actors, schema.event_actors
    return [
        {"name": r.name, "role": r.role}
        for r in conn.execute(sa.select(a.c.name, ea.c.role).join(a, a.c.id == ea.c.actor_id).where(ea.c.event_id == event_id).order_by(ea.c.role, a.c.name))
    ]


def proposals(conn: Connection, event_id: int) -> list[dict]:
    p, s = schema.proposals, schema.sources
    rows = conn.execute(
        sa.select(p, s.c.slug).outerjoin(s, s.c.id == p.c.source_id).where(p.c.event_id == event_id).order_by(p.c.id)
    ).all()
    return [
        {"id": r.id, "kind": r.kind, "value": _decode(r.value), "status": r.status, "source": r.slug, "mention_id": r.mention_id}
        for r in rows
    ]


def _decode(text):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def event_detail(conn: Connection, event_id: int) -> dict:
    """Every field of one event (tombstones too), its actors with roles, mentions in context, proposals, history."""
    row = event_row(conn, event_id)
    event = {k: iso(v) for k, v in row._mapping.items()}
    place = None
    if row.place_id is not None:
        place = conn.execute(sa.select(schema.places.c.name).where(schema.places.c.id == row.place_id)).scalar()
    event["place"] = place
    event.pop("place_id", None)
    t = schema.event_types
    family = conn.execute(sa.select(t.c.family, t.c.label).where(t.c.code == row.type)).first()
    event["family"] = family.family if family else None
    event["type_label"] = family.label if family else row.type
    event["actor_roles"] = actor_roles(conn, event_id)
    event["mentions"] = mentions_with_context(conn, event_id)
    event["proposals"] = proposals(conn, event_id)
    event["history"] = history(conn, event_id=event_id, limit=200)[0]
    return event


def history(conn: Connection, event_id: int | None = None, by: str | None = None, since: datetime | None = None,
            until: datetime | None = None, before: int | None = None, limit: int = 100) -> tuple[list[dict], int | None]:
    """Revisions newest first, with their change (who, when, why); keyset on revision id."""
    r, c, s = schema.revisions, schema.changes, schema.sources
    stmt = sa.select(r.c.id, r.c.change_id, r.c.event_id, r.c.action, r.c.field, r.c.old_value, r.c.new_value,
                     c.c.at, c.c.by, c.c.reason, c.c.action.label("change_action"), s.c.slug.label("change_source"),
                     s.c.removed_at.label("source_removed_at")).join(c, c.c.id == r.c.change_id).outerjoin(s, s.c.id == c.c.source_id)
    if event_id is not None:
        stmt = stmt.where(r.c.event_id == event_id)
    if by:
        stmt = stmt.where(c.c.by == by)
    if since is not None:
        stmt = stmt.where(c.c.at >= since)
    if until is not None:
        stmt = stmt.where(c.c.at <= until)
    if before is not None:
        stmt = stmt.where(r.c.id < before)
    rows = conn.execute(stmt.order_by(r.c.id.desc()).limit(limit + 1)).all()
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        more = rows[-1].id
    return [
        {"id": x.id, "change_id": x.change_id, "event_id": x.event_id, "action": x.action, "field": x.field,
         "old": _decode(x.old_value), "new": _decode(x.new_value), "at": iso(x.at), "by": x.by, "reason": x.reason,
         "change_action": x.change_action, "change_source": x.change_source,
         "source_removed": x.source_removed_at is not None}
        for x in rows
    ], more


_SOURCE_ORDER: dict[str, tuple] = {}


def source_order(conn: Connection) -> list[tuple[str, int]]:
    """(published, id) of every source in publication order, cached per database until a
    source or a change is added (sources has no index on its date, and a scan of 10^5 texts is
    not a page's work). Edits of a source's date are changes, so they refresh it too."""
    s, c = schema.sources, schema.changes
    url = str(conn.engine.url)
    key = (conn.execute(sa.select(sa.func.max(s.c.id))).scalar(), conn.execute(sa.select(sa.func.max(c.c.id))).scalar())
    hit = _SOURCE_ORDER.get(url)
    if hit is not None and hit[0] == key:
        return hit[1]
    order = [(iso(p), i) for p, i in conn.execute(
        sa.select(s.c.published, s.c.id).order_by(s.c.published, s.c.id))]
    _SOURCE_ORDER[url] = (key, order)
    return order


def review_queue(conn: Connection, after: tuple | None, size: int) -> tuple[list[dict], tuple | None]:
    """Extracted events (and events with open proposals), oldest source first, paged by keyset.

    Order: the publication date of the event's first source, then the source, then the
    event id -- what an analyst reads article by article. Walks the sources in that order
    (source_order) a batch at a time and takes their events by the mentions index, so a
    page is bounded work however many events are queued.
    """
    import bisect

    s, m, e, p = schema.sources, schema.mentions, schema.events, schema.proposals
    order = source_order(conn)
    position = 0
    if after is not None:
        published, source_id, last_event = after
        position = bisect.bisect_left(order, (published, source_id))
    pending = sa.or_(e.c.review == "extracted", sa.exists().where(p.c.event_id == e.c.id, p.c.status == "open"))
    out: list[dict] = []
    batch = 8
    while position < len(order) and len(out) <= size:
        chunk = order[position:position + batch]
        position += len(chunk)
        rank = {sid: i for i, (_, sid) in enumerate(chunk)}
        rows = conn.execute(
            sa.select(e.c.id, e.c.title, e.c.type, e.c.date, e.c.status, e.c.review, e.c.version, e.c.actor_names,
                      s.c.slug.label("source"), s.c.published, s.c.id.label("source_id"))
            .select_from(m.join(e, sa.and_(e.c.id == m.c.event_id, e.c.first_mention_id == m.c.id)).join(s, s.c.id == m.c.source_id))
            .where(m.c.source_id.in_(list(rank)), e.c.deleted_at.is_(None), pending)
        ).all()
        for r in sorted(rows, key=lambda r: (rank[r.source_id], r.id)):
            if after is not None and (iso(r.published), r.source_id) == (after[0], after[1]) and r.id <= after[2]:
                continue
            row = dict(r._mapping)
            row["published"] = iso(row["published"])
            out.append(row)
        batch = min(batch * 2, 1000)
    more = None
    if len(out) > size:
        out = out[:size]
        more = (out[-1]["published"], out[-1]["source_id"], out[-1]["id"])
    return out, more


def sources_page(conn: Connection, after: tuple | None, size: int) -> tuple[list[dict], tuple | None]:
    import bisect

    s = schema.sources
    order = source_order(conn)
    position = bisect.bisect_right(order, (after[0], after[1])) if after is not None else 0
    page = order[position:position + size + 1]
    more = None
    if len(page) > size:
        page = page[:size]
        more = page[-1]
    stmt = sa.select(s.c.id, s.c.slug, s.c.title, s.c.author, s.c.publisher, s.c.published, s.c.url, s.c.ingested_at, s.c.removed_at)
    fetched = {r.id: r for r in conn.execute(stmt.where(s.c.id.in_([i for _, i in page])))} if page else {}
    rows = [fetched[i] for _, i in page if i in fetched]
    ids = [r.id for r in rows]
    m = schema.mentions
    counts = {}
    if ids:
        counts = {x.source_id: (x.events, x.mentions) for x in conn.execute(
            sa.select(m.c.source_id, sa.func.count(sa.distinct(m.c.event_id)).label("events"), sa.func.count().label("mentions"))
            .where(m.c.source_id.in_(ids)).group_by(m.c.source_id))}
    return [
        {"slug": r.slug, "title": r.title, "author": r.author, "publisher": r.publisher, "published": iso(r.published),
         "url": r.url, "ingested_at": iso(r.ingested_at), "removed": r.removed_at is not None,
         "events": counts.get(r.id, (0, 0))[0], "mentions": counts.get(r.id, (0, 0))[1]}
        for r in rows
    ], more


def source_detail(conn: Connection, slug: str) -> dict:
    """A source's metadata and whole text cut into plain and highlighted segments at the mentions' offsets."""
    s, m, e = schema.sources, schema.mentions, schema.events
    row = conn.execute(sa.select(s).where(s.c.slug == slug)).first()
    if row is None:
        raise NotFound(f"no source {slug!r}; /sources lists them")
    mentions = conn.execute(
        sa.select(m.c.id, m.c.event_id, m.c.char_start, m.c.char_end, e.c.title, e.c.type, e.c.review, e.c.date, e.c.status)
        .join(e, e.c.id == m.c.event_id).where(m.c.source_id == row.id, e.c.deleted_at.is_(None)).order_by(m.c.char_start, m.c.char_end)
    ).all()
    text = row.text
    segments, pos = [], 0
    for x in mentions:
        start, end = max(x.char_start, pos), x.char_end
        if end <= start:  # nested or overlapping a previous mention: listed below, not re-highlighted
            continue
        if start > pos:
            segments.append({"text": text[pos:start]})
        segments.append({"text": text[start:end], "event_id": x.event_id, "title": x.title, "review": x.review, "status": x.status})
        pos = end
    if pos < len(text):
        segments.append({"text": text[pos:]})
    events = {}
    for x in mentions:
        events.setdefault(x.event_id, {"id": x.event_id, "title": x.title, "type": x.type, "date": x.date, "review": x.review, "status": x.status, "mentions": 0})
        events[x.event_id]["mentions"] += 1
    meta = {k: iso(v) for k, v in row._mapping.items() if k not in ("text", "sha256")}
    meta["removed"] = row.removed_at is not None
    return {"source": meta, "segments": segments, "events": list(events.values()), "characters": len(text)}


def removal_preview(conn: Connection, slug: str) -> dict:
    """What `sources remove SLUG` would do (kpolicy.curate.remove_source): the mentions that go, the
    events deleted with them (unreviewed, no other source), those kept and flagged (reviewed, no
    other source) and those kept because another source supports them."""
    s, m, e = schema.sources, schema.mentions, schema.events
    row = conn.execute(sa.select(s.c.id, s.c.slug, s.c.title, s.c.published, s.c.removed_at).where(s.c.slug == slug)).first()
    if row is None:
        raise NotFound(f"no source {slug!r}; /sources lists them")
    own = sa.select(m.c.event_id, sa.func.count().label("n")).where(m.c.source_id == row.id).group_by(m.c.event_id).subquery()
    other = sa.select(sa.func.count()).select_from(m).where(m.c.event_id == own.c.event_id, m.c.source_id != row.id).scalar_subquery()
    rows = conn.execute(
        sa.select(e.c.id, e.c.title, e.c.date, e.c.review, e.c.deleted_at, own.c.n, other.label("others"))
        .join(own, own.c.event_id == e.c.id).order_by(e.c.id)
    ).all()
    deleted, flagged, kept = [], [], []
    for x in rows:
        item = {"id": x.id, "title": x.title, "date": x.date, "review": x.review, "mentions": x.n}
        if x.deleted_at is not None:
            continue
        if x.others:
            kept.append(item)
        elif x.review == "reviewed":
            flagged.append(item)
        else:
            deleted.append(item)
    return {"source": {"slug": row.slug, "title": row.title, "published": iso(row.published), "removed": row.removed_at is not None},
            "mentions": sum(x.n for x in rows), "deleted": deleted, "flagged": flagged, "kept": kept}


def source_text(conn: Connection, slug: str) -> str:
    """A source's whole text (NotFound for an unknown slug)."""
    s = schema.sources
    text = conn.execute(sa.select(s.c.text).where(s.c.slug == slug)).scalar()
    if text is None:
        raise NotFound(f"no source {slug!r}; /sources lists them")
    return text


def find_offsets(conn: Connection, slug: str, start: int, end: int) -> str:
    """The exact passage [start, end) of a source's text (for 'add an event from a selected passage')."""
    s = schema.sources
    text = conn.execute(sa.select(sa.func.substr(s.c.text, start + 1, end - start)).where(s.c.slug == slug)).scalar()
    return text or ""


def event_count(conn: Connection) -> int:
    e = schema.events
    return conn.execute(sa.select(sa.func.count()).select_from(e).where(e.c.deleted_at.is_(None))).scalar_one()


def vocab(conn: Connection) -> dict:
    """Names for the filter form's datalists: types, statuses, review states, the most used actors."""
    from kpolicy.vocabulary import ACTOR_KINDS, EVENT_TYPES, FAMILIES, REVIEW_STATES, ROLES, STATUSES

    a = schema.actors
    actors = conn.execute(sa.select(a.c.name).where(a.c.kind.in_(("state", "international_organisation", "party"))).order_by(a.c.name).limit(400)).scalars().all()
    return {
        "types": list(EVENT_TYPES), "families": sorted(set(FAMILIES.values())), "statuses": list(STATUSES),
        "reviews": list(REVIEW_STATES), "roles": list(ROLES), "actors": actors, "stories": stories(conn),
        "actor_kinds": list(ACTOR_KINDS),
    }


def stories(conn: Connection) -> list[dict]:
    """The live, unfrozen stories an event can be added to (slug, title), by name."""
    s = schema.stories
    rows = conn.execute(sa.select(s.c.slug, s.c.title).where(s.c.deleted_at.is_(None), s.c.frozen_change.is_(None)).order_by(s.c.slug))
    return [{"slug": r.slug, "title": r.title} for r in rows]
