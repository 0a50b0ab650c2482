"""The history as data: listing revisions, undoing a change, the database as of a time, proposals, the review queue.

Undo never deletes history: it reverts a change by a new change whose revisions say
what it put back (and can itself be undone). `rewind` undoes, newest first, every
change after a moment inside a transaction the caller rolls back: that is `--as-of`,
the timeline exactly as it stood then, through the same views and exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as c
from kpolicy.errors import BadInput, Conflict, suggest
from kpolicy.store import schema, write
from kpolicy.store import stories as story_store
from kpolicy.store import users as user_store

SOURCE_FIELDS = ("published", "published_precision", "published_from", "title", "url", "publisher", "removed_at")
INGEST_ACTIONS = ("ingest", "seed")


# ---- when ---------------------------------------------------------------------------------------

def parse_when(when, option: str = "--as-of") -> tuple[str, object]:
    """('change', id) for a change number, ('time', datetime) for an ISO date or time (UTC).

    A bare date means the end of that day: `--as-of 2026-11-30` is the state at the close of 30 November.
    A time whose UTC reading falls before year 1 or after year 9999 is the earliest or latest instant.
    `option` names the option in the error message.
    """
    if isinstance(when, datetime):
        return "time", when.replace(tzinfo=None)
    if isinstance(when, date):
        return "time", datetime.combine(when, time(23, 59, 59))
    text = str(when).strip()
    m = re.fullmatch(r"(?:change[:#\s]*|#)?([0-9]+)", text, re.I)
    if m and len(m.group(1)) < 8 and not re.fullmatch(r"[0-9]{4}", text):
        return "change", int(m.group(1))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return "time", datetime.combine(date.fromisoformat(text), time(23, 59, 59))
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{option} {text!r} is neither a change number nor an ISO date or time; "
                       "use e.g. 41, 2026-11-30 or 2026-11-30T17:05:00 (UTC)") from None
    if stamp.tzinfo is not None:
        from datetime import UTC

        try:
            stamp = stamp.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC; 9999-12-31T23:59-01:00 after 9999
            stamp = datetime.min if stamp.year == 1 else datetime.max
    return "time", stamp


def _after(when):
    """A condition on changes: those made after `when`."""
    ch = schema.changes
    kind, value = parse_when(when)
    return ch.c.id > value if kind == "change" else ch.c.at > value


# ---- history --------------------------------------------------------------------------------------

def history(conn: Connection, event_id=None, since=None, by=None, limit=None, *, until=None, before=None) -> Iterator[dict]:
    """Revisions, newest first: when, who, the command (action), why, and what changed on which event.

    `until` (a datetime) keeps changes made by then; `before` (a revision id) keeps older revisions
    (the desk's pages)."""
    check_limit(limit)
    r, ch = schema.revisions, schema.changes
    stmt = sa.select(r.c.id, r.c.change_id, ch.c.at, ch.c.by, ch.c.action.label("command"), ch.c.reason, r.c.event_id,
                     r.c.action, r.c.field, r.c.old_value, r.c.new_value).join(ch, ch.c.id == r.c.change_id)
    if event_id is not None:
        row = c.event_row(conn, int(event_id))
        if row is None:
            raise c.no_event(conn, event_id)
        stmt = stmt.where(r.c.event_id == int(event_id))
    if since is not None:
        stmt = stmt.where(_since(since))
    if by is not None:
        stmt = stmt.where(ch.c.by == str(by))
    if until is not None:
        stmt = stmt.where(ch.c.at <= until)
    if before is not None:
        stmt = stmt.where(r.c.id < int(before))
    stmt = stmt.order_by(r.c.id.desc())
    if limit is not None:
        if int(limit) < 1:
            raise BadInput(f"--limit {limit} would list nothing; give --limit 1 or more")
        stmt = stmt.limit(int(limit))
    for row in conn.execute(stmt):
        yield {
            "revision": row.id,
            "change": row.change_id,
            "at": row.at,
            "by": row.by,
            "command": row.command,
            "event": row.event_id or None,
            "action": row.action,
            "field": row.field,
            "old": c.decode(row.old_value),
            "new": c.decode(row.new_value),
            "reason": row.reason,
        }


def _since(since):
    ch = schema.changes
    kind, value = parse_when(since, "--since")
    if kind == "change":
        return ch.c.id >= value
    if isinstance(since, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", since.strip()):
        value = datetime.combine(date.fromisoformat(since.strip()), time(0, 0))
    return ch.c.at >= value


def changes_list(conn: Connection, limit: int | None = None) -> list[dict]:
    ch = schema.changes
    stmt = sa.select(ch).order_by(ch.c.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def touches_people(conn: Connection, change_id) -> bool:
    """Whether a change (or an undo of one) changed a person's role or state: only an admin may undo it on the desk."""
    r = schema.revisions
    try:
        change_id = int(str(change_id).lstrip("#"))
    except ValueError:
        return False
    return conn.execute(sa.select(r.c.id).where(r.c.change_id == change_id, r.c.event_id == 0,
                                                r.c.field == user_store.USER_FIELD).limit(1)).first() is not None


# ---- reverting ------------------------------------------------------------------------------------

def _datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _revert(conn: Connection, new_change: int, rev, *, strict: bool) -> set[int]:
    """Put back what one revision changed, as revisions of `new_change`. Returns events whose aggregates need a refresh."""
    e, m, p, s = schema.events, schema.mentions, schema.proposals, schema.sources
    old, new = c.decode(rev.old_value), c.decode(rev.new_value)
    event_id, field, action = rev.event_id, rev.field, rev.action
    touched: set[int] = set()
    if event_id == 0 and field == "authority":  # an actor, alias, office term or place row (kpolicy.curate.authority)
        from kpolicy.curate.authority import revert

        revert(conn, new_change, old, new, strict=strict)
        if new["table"] == "event_actors":
            touched.add(new["key"]["event_id"])
        return touched
    if event_id == 0 and field == user_store.USER_FIELD:  # a person's role or state (kpolicy.store.users)
        user_store.revert(conn, new_change, old, new, strict=strict)
        return touched
    if event_id == 0 and field == story_store.STORY_FIELD:  # a story's whole state (its change names the story)
        story_store.revert(conn, new_change, rev, strict=strict)
        return touched
    if event_id == 0:  # a source's own field (its change names the source)
        source_id = conn.execute(sa.select(schema.changes.c.source_id).where(schema.changes.c.id == rev.change_id)).scalar()
        if field in SOURCE_FIELDS and source_id is not None:
            value = old
            if field == "published" and value is not None:
                value = date.fromisoformat(value)
            if field == "removed_at":
                value = _datetime(value)
            conn.execute(s.update().where(s.c.id == source_id).values({field: value}))
            write.record(conn, new_change, 0, "reverted", field, new, old)
        return touched
    row = c.event_row(conn, event_id)
    if row is None:
        return touched
    if field is None and action == "created":
        if row.deleted_at is None:
            stamp = write.now()
            c.bump(conn, new_change, event_id, {"deleted_at": stamp})
            write.record(conn, new_change, event_id, "reverted", "deleted_at", None, stamp.isoformat(sep=" "))
        return touched
    if field in c.FIELDS:
        current = c.state(conn, event_id, row)
        if strict and current[field] != new:
            raise Conflict(f"event {event_id}'s {field} was changed again after change {rev.change_id} "
                           f"(it is now {current[field]!r}); undo the later change first (`kpolicy history {event_id}`)")
        c.apply_fields(conn, new_change, event_id, {field: old}, "reverted", current)
        return touched
    if field == "external_version":  # an import's version stamp and fields of the dataset row (kpolicy.imports)
        c.bump(conn, new_change, event_id, {"external_version": (old or {}).get("version"), "external_data": (old or {}).get("data")})
        write.record(conn, new_change, event_id, "reverted", field, new, old)
        return touched
    if field in ("deleted_at", "merged_into"):
        value = _datetime(old) if field == "deleted_at" else old
        if getattr(row, field) != (_datetime(new) if field == "deleted_at" else new) and strict:
            raise Conflict(f"event {event_id}'s {field} changed again after change {rev.change_id}; undo the later change first")
        c.bump(conn, new_change, event_id, {field: value})
        write.record(conn, new_change, event_id, "reverted", field, new, old)
        return touched
    if field == "mentions" and isinstance(old, list):
        later = set(new or [])  # a set: `in` on the list was 10^8 comparisons for an undo of two 10k-mention events
        back = [i for i in old if i not in later]
        if back:
            sources = {}
            for mid, holder in conn.execute(sa.select(m.c.id, m.c.event_id).where(m.c.id.in_(back))):
                sources.setdefault(holder, []).append(mid)
            for holder, mids in sources.items():
                if holder == event_id:
                    continue
                before_holder = c.mention_ids(conn, holder)
                before_here = c.mention_ids(conn, event_id)
                moved = c.move_mentions(conn, mids, event_id)
                if moved:
                    c.bump(conn, new_change, holder)
                    c.bump(conn, new_change, event_id)
                    write.record_many(conn, new_change, [
                        (holder, "reverted", "mentions", before_holder, c.mention_ids(conn, holder)),
                        (event_id, "reverted", "mentions", before_here, c.mention_ids(conn, event_id)),
                    ])
                    touched |= {holder, event_id}
        return touched
    if field == "mention_rows":
        if old and new is None:  # rows that were deleted: put them back with their ids
            present = set(conn.execute(sa.select(m.c.id).where(m.c.id.in_([r["id"] for r in old]))).scalars())
            rows = [r for r in old if r["id"] not in present]
            if rows:
                with write.search_deferred(conn, {event_id} | {r["event_id"] for r in rows if r.get("event_id")}):
                    conn.execute(m.insert(), rows)
            write.record(conn, new_change, event_id, "reverted", "mention_rows", None, old)
        elif new and old is None:  # rows that were put back: remove them again
            with write.search_deferred(conn, {event_id} | {r["event_id"] for r in new if r.get("event_id")}):
                conn.execute(m.delete().where(m.c.id.in_([r["id"] for r in new])))
            write.record(conn, new_change, event_id, "reverted", "mention_rows", new, None)
        c.bump(conn, new_change, event_id)
        touched.add(event_id)
        return touched
    if field == "mention_anchor":
        conn.execute(m.update().where(m.c.id == old["mention"]).values(date_anchor=old["anchor"]))
        write.record(conn, new_change, event_id, "reverted", "mention_anchor", new, old)
        return touched
    if field == "proposal":
        conn.execute(p.update().where(p.c.id == old["id"]).values(
            status=old["status"], resolved_change_id=None if old["status"] == "open" else new_change))
        write.record(conn, new_change, event_id, "reverted", "proposal", new, old)
        return touched
    return touched  # 'mentioned' and other notes carry nothing to put back


def undo_change(conn: Connection, change_id, *, reason, by=None) -> int:
    """Revert one change by a new change (which can itself be undone). Returns the new change's id."""
    reason = c.need_reason(reason, "an undo")
    ch, r = schema.changes, schema.revisions
    try:
        change_id = int(str(change_id).lstrip("#"))
    except ValueError:
        raise BadInput(f"change {change_id!r} is not a number; `kpolicy history` lists changes") from None
    change = conn.execute(sa.select(ch).where(ch.c.id == change_id)).first()
    if change is None:
        top = conn.execute(sa.select(sa.func.max(ch.c.id))).scalar()
        raise BadInput(f"no change {change_id} (changes run from 1 to {top or 0}); `kpolicy history` lists them")
    if change.action in INGEST_ACTIONS:
        slug = conn.execute(sa.select(schema.sources.c.slug).where(schema.sources.c.id == change.source_id)).scalar()
        raise BadInput(f"change {change_id} is the {change.action} of source {slug!r}; undo it with `kpolicy sources remove {slug} --reason ...`")
    if change.action == "learn":  # `kpolicy learn` keeps a model (kept for good: mentions name it), no event changed
        raise BadInput(f"change {change_id} kept a learned extractor model, which is never deleted (mentions name it) "
                       f"and changed no event; extract and ingest with `--extractor rules` to set it aside")
    revs = conn.execute(sa.select(r).where(r.c.change_id == change_id).order_by(r.c.id.desc())).all()
    if not revs:
        raise BadInput(f"change {change_id} changed nothing; there is nothing to undo")
    new_change = c.begin(conn, "undo", by=by, reason=f"undo change {change_id}: {reason}", source_id=change.source_id)
    touched: set[int] = set()
    for rev in revs:
        touched |= _revert(conn, new_change, rev, strict=True)
    write.refresh(conn, touched)
    # proposals this change opened (ingest-side) are dismissed with it
    p = schema.proposals
    conn.execute(p.update().where(p.c.created_change_id == change_id, p.c.status == "open").values(status="dismissed", resolved_change_id=new_change))
    return new_change


def rewind(conn: Connection, when) -> int:
    """Undo, newest first, every change made after `when`, in the caller's transaction — which
    the caller must roll back. Returns how many changes were rewound."""
    ch, r, e = schema.changes, schema.revisions, schema.events
    later = conn.execute(sa.select(ch).where(_after(when)).order_by(ch.c.id.desc())).all()
    if not later:
        return 0
    later_ids = [x.id for x in later]
    versions = {}
    for start in range(0, len(later_ids), 500):
        chunk = later_ids[start:start + 500]
        for event_id, n in conn.execute(sa.select(r.c.event_id, sa.func.count(sa.distinct(r.c.change_id)))
                                        .where(r.c.change_id.in_(chunk), r.c.event_id != 0, r.c.action != "mentioned").group_by(r.c.event_id)):
            versions[event_id] = n
    saved = dict(conn.execute(sa.select(e.c.id, e.c.version).where(e.c.id.in_(list(versions)))).all()) if versions else {}
    scratch = c.begin(conn, "as-of", by="kpolicy", reason="rolled back")
    touched: set[int] = set()
    for change in later:
        revs = conn.execute(sa.select(r).where(r.c.change_id == change.id).order_by(r.c.id.desc())).all()
        if change.action in INGEST_ACTIONS and change.source_id is not None:
            for rev in revs:
                if rev.action == "created":
                    conn.execute(e.update().where(e.c.id == rev.event_id).values(deleted_at=write.now()))
                elif rev.field in c.FIELDS:
                    touched |= _revert(conn, scratch, rev, strict=False)
            touched |= set(conn.execute(sa.select(schema.mentions.c.event_id).where(schema.mentions.c.source_id == change.source_id)).scalars())
            conn.execute(schema.mentions.delete().where(schema.mentions.c.source_id == change.source_id))
            conn.execute(schema.sources.delete().where(schema.sources.c.id == change.source_id))
            continue
        for rev in revs:
            touched |= _revert(conn, scratch, rev, strict=False)
    write.refresh(conn, touched)
    for event_id, n in versions.items():
        if event_id in saved:
            conn.execute(e.update().where(e.c.id == event_id).values(version=max(1, saved[event_id] - n)))
    # the history too as it stood: the rewound changes' revisions and the scratch change's own go
    # (rolled back with the rest), so `show --as-of` names no later change
    doomed = [*later_ids, scratch]
    for start in range(0, len(doomed), 500):
        conn.execute(r.delete().where(r.c.change_id.in_(doomed[start:start + 500])))
    return len(later)


@contextmanager
def as_of(database, when):
    """A connection that sees the database as it stood at `when` (a change number or an ISO time):
    every later change is rewound inside a transaction that is always rolled back."""
    parse_when(when)  # a bad value fails before anything runs
    conn = database.engine.connect()
    transaction = conn.begin()
    try:
        rewind(conn, when)
        yield conn
    finally:
        transaction.rollback()
        conn.close()


def event_as_of(database, event_id: int, when) -> dict:
    """kpolicy.query.get_event as the event stood at `when`."""
    from kpolicy import query

    with as_of(database, when) as conn:
        return query.get_event(conn, event_id)


def event_object(conn: Connection, event_id: int) -> dict:
    """What `kpolicy show ID --format json` prints and the desk's /events/ID.json returns: the event
    (kpolicy.query.get_event, without the internal sort key) with who set each hand-set field
    (`set_by`, hand_set), its proposals (every status) and its history (the `history ID --format json` rows, newest first). A deleted or merged-away id:
    its tombstone, with `event` the live event it redirects to (or null) and its history."""
    from kpolicy import query

    gone = tombstone(conn, event_id)
    if gone is not None:
        target = None
        if gone["redirect"] is not None and tombstone(conn, gone["redirect"]) is None:
            target = event_object(conn, gone["redirect"])
        return {**gone, "event": target, "history": list(history(conn, event_id))}
    event = query.get_event(conn, event_id)
    event.pop("sort_key", None)
    event["set_by"] = hand_set(conn, event_id)
    event["proposals"] = proposals_of(conn, event_id)
    event["history"] = list(history(conn, event_id))
    return event


# ---- proposals and the review queue --------------------------------------------------------------

def proposals_of(conn: Connection, event_id: int, status: str | None = None) -> list[dict]:
    p, s = schema.proposals, schema.sources
    stmt = sa.select(p, s.c.slug).outerjoin(s, s.c.id == p.c.source_id).where(p.c.event_id == event_id)
    if status:
        stmt = stmt.where(p.c.status == status)
    return [
        {"id": r.id, "event": r.event_id, "kind": r.kind, "value": c.decode(r.value), "status": r.status,
         "source": r.slug, "mention": r.mention_id}
        for r in conn.execute(stmt.order_by(p.c.id))
    ]


UNKNOWN_ACTOR_KIND = "group"  # the kind of an actor created by accepting an unknown-actor proposal, unless given


def resolve_proposal(conn: Connection, proposal_id, accept: bool, *, reason=None, by=None, kind: str | None = None) -> int:
    """Accept a proposal (its date, actors or fields are applied to the event) or dismiss it. Returns the change id.

    Accepting an `actors` proposal of names the registry did not know (an import's, marked
    `unknown`) creates each name that is still unknown as the analyst's actor of `kind`
    (default UNKNOWN_ACTOR_KIND, or the kind extraction proposed) through
    kpolicy.curate.authority.create_actor, with the owner the text named as its parent, in the
    same change, so `undo` takes back the actor and its naming on the event together. Accepting
    an unknown place (a `fields` proposal of kind `place`, kpolicy.store.articles.propose_unknown)
    likewise creates the place and sets it on the event."""
    p = schema.proposals
    try:
        proposal_id = int(proposal_id)
    except (TypeError, ValueError):
        raise BadInput(f"proposal {proposal_id!r} is not a number; `kpolicy review` lists them") from None
    row = conn.execute(sa.select(p).where(p.c.id == proposal_id)).first()
    if row is None:
        raise BadInput(f"no proposal {proposal_id}; `kpolicy review` lists the open ones")
    if row.status != "open":
        raise BadInput(f"proposal {proposal_id} is already {row.status}; `kpolicy history {row.event_id}` shows when")
    event = c.live_event(conn, row.event_id)
    value = c.decode(row.value) or {}
    unknown = accept and row.kind == "actors" and bool(value.get("unknown"))
    new_place = accept and row.kind == "fields" and bool(value.get("unknown")) and value.get("kind") == "place"
    if kind is not None and not unknown:
        raise BadInput(f"proposal {proposal_id} names no unknown actor, so --kind has nothing to create; leave it out")
    if unknown:
        from kpolicy.vocabulary import ACTOR_KINDS, kind_key

        kind = kind_key(kind) if kind else (value.get("kind") or UNKNOWN_ACTOR_KIND)  # extraction proposes people
        if kind not in ACTOR_KINDS:
            raise BadInput(f"unknown actor kind {kind!r}{suggest(kind, ACTOR_KINDS)}; use one of {', '.join(ACTOR_KINDS)}")
    change = c.begin(conn, "proposal", by=by, reason=reason, source_id=row.source_id)
    if unknown:
        from kpolicy.curate.authority import create_actor
        from kpolicy.query import resolve_actor

        parent = value.get("parent")  # the owner the text named ('Japan's Reconstruction Agency'), if still an actor
        if parent:
            try:
                resolve_actor(conn, parent)
            except BadInput:
                parent = None
        for spec in value.get("actors") or []:
            name, _ = c.parse_actor(spec)
            try:
                resolve_actor(conn, name)
            except BadInput:  # still unknown: the analyst's actor now (an actor added since is simply used)
                create_actor(conn, change, name, kind=kind, **({"parent": parent} if parent else {}))
    if new_place:
        from kpolicy.curate.authority import create_place

        name = (value.get("fields") or {}).get("place")
        try:
            c.check_value(conn, "place", name)
        except BadInput:  # still unknown: the analyst's place now, without coordinates until `kpolicy places edit` gives them
            create_place(conn, change, name)
    if accept:
        current = c.state(conn, event.id, event)
        new: dict = {}
        if value.get("date") is not None and row.kind in ("date", "conflict"):
            new["date"] = c.check_value(conn, "date", value["date"])
        if row.kind == "fields":  # a dataset's newer values for a reviewed event (kpolicy.imports.store)
            for field, given in (value.get("fields") or {}).items():
                if field not in ("type", "title", "status", "place", "description"):
                    raise BadInput(f"proposal {proposal_id} offers field {field!r}, which a proposal cannot set; dismiss it")
                new[field] = c.check_value(conn, field, given)
        if value.get("actors") and row.kind == "actors":
            new["actors"] = sorted({tuple(a) for a in current["actors"]} | {tuple(a) for a in c.resolve_actors(conn, value["actors"])})
            new["actors"] = [list(a) for a in new["actors"]]
        c.apply_fields(conn, change, event.id, new, "proposal", current)
        if not new:
            c.bump(conn, change, event.id)
    status = "accepted" if accept else "dismissed"
    conn.execute(p.update().where(p.c.id == proposal_id).values(status=status, resolved_change_id=change))
    write.record(conn, change, event.id, "proposal", "proposal", {"id": proposal_id, "status": "open"}, {"id": proposal_id, "status": status})
    return change


def check_limit(limit, option: str = "--limit") -> None:
    """A limit is 1 or more: SQL reads LIMIT -1 as no limit, so `review --limit -1` listed everything."""
    if limit is not None and int(limit) < 1:
        raise BadInput(f"{option} {limit} shows nothing; give 1 or more, or leave it out for all")


REVIEW_CURSOR_PARTS = 6  # published, source id, 0 event / 1 proposal, sort key, event id, proposal id


def review_queue(conn: Connection, limit: int | None = None, after: tuple | None = None) -> list[dict]:
    """What awaits review: extracted events and open proposals on live events, oldest source first.

    One order for both kinds: the source's publication date, the source, events before
    proposals, the event's place in the timeline, the event, the proposal. `after` is the
    `cursor` of the last item of a page (a tuple of those six) and starts the next page after
    it, so a client pages through any queue with bounded work per page."""
    check_limit(limit)
    e, m, s, p = schema.events, schema.mentions, schema.sources, schema.proposals
    fm = m.alias("fm")
    # a proposal (or an event) with no source sorts last, as it did before paging
    published = sa.func.coalesce(s.c.published, date.max)
    source_id = sa.func.coalesce(s.c.id, 0)
    events = (
        sa.select(e.c.id, e.c.date, e.c.type, e.c.title, e.c.confidence, e.c.sort_key, s.c.slug, s.c.published, s.c.id.label("source_id"),
                  fm.c.quote)
        .outerjoin(fm, fm.c.id == e.c.first_mention_id)
        .outerjoin(s, s.c.id == fm.c.source_id)
        .where(e.c.review == "extracted", e.c.deleted_at.is_(None))
    )
    props = (
        sa.select(p.c.id, p.c.event_id, p.c.kind, p.c.value, e.c.date, e.c.type, e.c.title, e.c.sort_key, s.c.slug, s.c.published, s.c.id.label("source_id"),
                  fm.c.quote)
        .join(e, e.c.id == p.c.event_id)
        .outerjoin(s, s.c.id == p.c.source_id)
        .outerjoin(fm, fm.c.id == p.c.mention_id)
        .where(p.c.status == "open", e.c.deleted_at.is_(None))
    )
    if after is not None:
        events = events.where(_review_after(published, source_id, 0, e.c.sort_key, e.c.id, 0, after))
        props = props.where(_review_after(published, source_id, 1, e.c.sort_key, e.c.id, p.c.id, after))
    out = []
    for r in conn.execute(events.order_by(published, source_id, e.c.sort_key, e.c.id).limit(limit)):
        out.append({"kind": "event", "id": r.id, "proposal": None, "source": r.slug, "published": r.published,
                    "date": r.date, "type": r.type, "title": r.title, "detail": f"extracted, confidence {r.confidence:.2f}",
                    "quote": r.quote, "_order": (r.published or date.max, r.source_id or 0, 0, r.sort_key, r.id, 0)})
    for r in conn.execute(props.order_by(published, source_id, e.c.sort_key, e.c.id, p.c.id).limit(limit)):
        value = c.decode(r.value) or {}
        out.append({"kind": f"proposal:{r.kind}", "id": r.event_id, "proposal": r.id, "source": r.slug, "published": r.published,
                    "date": r.date, "type": r.type, "title": r.title, "detail": describe_proposal(r.kind, value, with_quote=False),
                    "quote": value.get("quote") or r.quote, "_order": (r.published or date.max, r.source_id or 0, 1, r.sort_key, r.event_id, r.id)})
    out.sort(key=lambda x: x["_order"])
    out = out[:limit] if limit else out
    for x in out:
        x["cursor"] = review_cursor_text(x.pop("_order"))
    return out


def _review_after(published, source_id, kind: int, sort_key, event_id, proposal_id, after: tuple):
    """The SQL condition "this row's six-part key comes after `after`", spelt out as nested ORs
    (row-value comparison is not planned as well on both engines)."""
    keys = [(published, after[0]), (source_id, after[1]), (sa.literal(kind), after[2]), (sort_key, after[3]),
            (event_id, after[4]), (proposal_id if not isinstance(proposal_id, int) else sa.literal(proposal_id), after[5])]
    condition = None
    for i in range(len(keys) - 1, -1, -1):
        column, value = keys[i]
        step = column > value if condition is None else sa.or_(column > value, sa.and_(column == value, condition))
        condition = step
    return condition


def review_cursor_text(order: tuple) -> str:
    published, *rest = order
    return ":".join([published.isoformat(), *(str(int(x)) for x in rest)])


def parse_review_cursor(text: str) -> tuple:
    """A review item's `cursor` back into its six-part key; anything else is one line of BadInput."""
    pieces = (text or "").split(":")
    try:
        if len(pieces) != REVIEW_CURSOR_PARTS:
            raise ValueError
        return (date.fromisoformat(pieces[0]), *(int(x) for x in pieces[1:]))
    except ValueError:
        raise BadInput(f"bad review cursor {text!r}; give the `cursor` of the last item of a page") from None


def describe_proposal(kind: str, value: dict, with_quote: bool = True) -> str:
    """A proposal in words; `with_quote=False` leaves out the quote it came from (the review
    queue gives the quote whole, in its own field)."""
    quote = f" (from {value['quote'][:80]!r})" if with_quote and value.get("quote") else ""
    if kind == "date":
        return f"a more precise date: {value.get('date')}" + quote
    if value.get("unknown") and value.get("name_key"):  # extraction's: a name the authority file lacks
        if kind == "fields":
            return f"a place the authority file lacks: {(value.get('fields') or {}).get('place')} (accept adds it and sets it here)"
        names = ", ".join(n for n, _ in value.get("actors", []))
        owner = f", of {value['parent']}" if value.get("parent") else ""
        return f"a{'n' if str(value.get('kind', ''))[:1] in 'aeiou' else ''} {value.get('kind') or 'actor'} the authority file lacks: " \
               f"{names}{owner} (accept adds it and names it here)"
    if kind == "actors":
        return "actors it lacks: " + ", ".join(f"{n} ({r})" for n, r in value.get("actors", []))
    if kind == "fields":
        was = value.get("was") or {}
        return "the dataset's newer " + "; ".join(f"{f}: {was.get(f)!r} -> {v!r}" for f, v in (value.get("fields") or {}).items())
    if value.get("date"):
        return f"a conflicting date: {value.get('date')}" + quote
    return value.get("note") or "needs a look"


# ---- what `show` says about an event ----------------------------------------------------------

def tombstone(conn: Connection, event_id) -> dict | None:
    """For a deleted or merged-away event: what it was, when, by whom and why (None for a live or unknown id)."""
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        return None
    row = c.event_row(conn, event_id)
    if row is None or row.deleted_at is None:
        return None
    r, ch = schema.revisions, schema.changes
    field = "merged_into" if row.merged_into is not None else "deleted_at"
    last = conn.execute(
        sa.select(ch.c.id, ch.c.at, ch.c.by, ch.c.action, ch.c.reason).join(r, r.c.change_id == ch.c.id)
        .where(r.c.event_id == event_id, r.c.field == field).order_by(r.c.id.desc()).limit(1)
    ).first()
    target = row.merged_into
    seen = {event_id}
    while target is not None and target not in seen:  # follow a chain of merges to the live event
        seen.add(target)
        nxt = c.event_row(conn, target)
        if nxt is None or nxt.merged_into is None:
            break
        target = nxt.merged_into
    return {
        "id": event_id, "title": row.title, "date": row.date, "type": row.type, "review": row.review, "version": row.version,
        "deleted": True, "deleted_at": row.deleted_at, "merged_into": row.merged_into, "redirect": target,
        "change": last.id if last else None, "by": last.by if last else None, "at": last.at if last else row.deleted_at,
        "command": last.action if last else None, "reason": last.reason if last else None,
    }


# the command a user typed for each change's stored action (the action names are internal)
COMMANDS = {"source_remove": "sources remove", "source_edit": "sources edit", "seed_replace": "seed",
            "review": "review accept/reject", "proposal": "review accept/reject --proposal",
            "user_add": "users add", "user_disable": "users disable", "user_enable": "users enable",
            "user_role": "users role", "user_token": "users token"}


def command_of(action: str | None) -> str | None:
    """`kpolicy sources remove`, not `kpolicy source_remove`: the command behind a change's action."""
    return None if action is None else COMMANDS.get(action, action)


def tombstone_text(t: dict) -> str:
    what = f"merged into event {t['merged_into']}" if t["merged_into"] is not None else "deleted"
    head = f"#{t['id']}  {t['title']}  [{what}]"
    lines = [head, f"  {what} at {t['at']:%Y-%m-%d %H:%M:%S} UTC by {t['by'] or 'unknown'}"
             + (f" (change {t['change']}, `kpolicy {command_of(t['command'])}`)" if t["change"] else "")]
    if t["reason"]:
        lines.append(f"  reason     {t['reason']}")
    lines.append(f"  was        {t['type']}, {t['date'] or 'undated'}, {t['review']}, version {t['version']}")
    if t["change"]:
        lines.append(f"  undo       kpolicy undo {t['change']} --reason \"...\"")
    return "\n".join(lines)


def summary_lines(conn: Connection, event_id: int) -> list[str]:
    """`show`'s proposals and history summary for a live event."""
    lines = []
    open_props = proposals_of(conn, event_id, "open")
    for prop in open_props:
        lines.append(f"  proposal {prop['id']} ({prop['kind']}, from {prop['source'] or '-'}): {describe_proposal(prop['kind'], prop['value'])}"
                     f"; `kpolicy review accept --proposal {prop['id']}` or `reject --proposal {prop['id']}`")
    rows = list(history(conn, event_id))
    if rows:
        changes = []
        for row in rows:
            if row["change"] not in [x["change"] for x in changes]:
                changes.append(row)
        first, last = changes[-1], changes[0]
        lines.append(f"  history    {len(changes)} change(s); created by {first['by']} ({first['command']}, change {first['change']})"
                     + (f"; last {command_of(last['command'])} by {last['by']} (change {last['change']})" + (f": {last['reason']}" if last["reason"] else "")
                        if len(changes) > 1 else "")
                     + f"; `kpolicy history {event_id}`")
    return lines


# fields `show` prints, and the revision actions by which a person (not an ingest) set one
SHOWN_FIELDS = ("type", "date", "title", "status", "place", "actors", "description")
_HAND_ACTIONS = ("edited", "proposal", "reverted")


def _same(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(list, a)) == sorted(map(list, b))
    return a == b


def hand_set(conn: Connection, event_id: int) -> dict[str, dict]:
    """The fields of a live event a person set after it was created (an edit, an accepted
    proposal, an undo that left a value other than the first one), each with who, which change,
    the command, why, and the value it had when created (`was`).

    An undo that put a field back to its first value leaves it unmarked; so does an ingest's
    own update and a re-resolution of relative dates (the phrase still dates the event)."""
    r, ch = schema.revisions, schema.changes
    rows = conn.execute(
        sa.select(r.c.field, r.c.action, r.c.old_value, r.c.new_value, r.c.change_id, ch.c.at, ch.c.by,
                  ch.c.action.label("command"), ch.c.reason)
        .join(ch, ch.c.id == r.c.change_id)
        .where(r.c.event_id == int(event_id), sa.or_(r.c.action == "created", r.c.field.in_(SHOWN_FIELDS)))
        .order_by(r.c.id)
    ).all()
    created: dict = {}
    latest: dict = {}
    for row in rows:
        if row.action == "created":
            created = c.decode(row.new_value) or {}
        else:
            latest[row.field] = row
    if not latest:
        return {}
    current = c.state(conn, int(event_id))
    out: dict[str, dict] = {}
    for field in SHOWN_FIELDS:
        row = latest.get(field)
        if row is None or row.action not in _HAND_ACTIONS or row.command in INGEST_ACTIONS:
            continue
        was = created[field] if field in created else c.decode(row.old_value)
        if row.action == "reverted" and field in created and _same(created[field], current[field]):
            continue
        out[field] = {"by": row.by, "change": row.change_id, "at": row.at, "command": command_of(row.command),
                      "reason": row.reason, "was": was}
    return out


def created_after(conn: Connection, event_id, when) -> dict | None:
    """When an event was created after `when` (a change number or an ISO time): its creating
    change (id, at, by, command); None when it existed then, or is unknown."""
    r, ch = schema.revisions, schema.changes
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        return None
    row = conn.execute(
        sa.select(ch.c.id, ch.c.at, ch.c.by, ch.c.action).join(r, r.c.change_id == ch.c.id)
        .where(r.c.event_id == event_id, r.c.action == "created").order_by(r.c.id).limit(1)
    ).first()
    if row is None:
        return None
    kind, value = parse_when(when)
    if (row.id <= value) if kind == "change" else (row.at <= value):
        return None
    return {"id": event_id, "exists": False, "as_of": str(when), "created": {
        "change": row.id, "at": row.at, "by": row.by, "command": command_of(row.action)}}


def not_yet_text(t: dict) -> str:
    made = t["created"]
    return (f"#{t['id']} did not exist yet as of {t['as_of']}: it was created in change {made['change']} "
            f"({made['at']:%Y-%m-%d %H:%M:%S} UTC, by {made['by'] or 'unknown'}, `kpolicy {made['command']}`)")
