"""Curating events: add, edit, review, merge, split, delete. One change and its revisions per call."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as c
from kpolicy.errors import BadInput
from kpolicy.records import MentionRecord
from kpolicy.store import schema, write

EDIT_KEYS = ("type", "date", "title", "status", "place", "actors", "add_actors", "remove_actors", "description")


def _source_by_slug(conn: Connection, slug: str):
    from kpolicy.errors import unknown_name

    s = schema.sources
    row = conn.execute(sa.select(s.c.id, s.c.slug, s.c.text, s.c.published, s.c.removed_at).where(s.c.slug == slug)).first()
    if row is None:
        raise unknown_name("source", slug, conn.execute(sa.select(s.c.slug)).scalars().all(), "kpolicy sources")
    return row


def locate_quote(text: str, quote: str) -> tuple[int, int]:
    """Offsets of `quote` in a source's text: exact first, then with the text's whitespace."""
    quote = str(quote)
    if not quote.strip():
        raise BadInput("the quote is empty; give an exact sentence of the source")
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    import re

    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    if m:
        return m.start(), m.end()
    return -1, -1


def add_event(conn: Connection, *, type, date, title, actors, status="occurred", place=None, source=None, quote=None,
              note=None, by=None, reason=None, review="reviewed", confidence=1.0) -> int:
    """A new event by hand (reviewed); from a source's exact quote, or a note. Returns its id."""
    values = {
        "type": c.check_type(type),
        "title": c.check_title(title),
        "status": c.check_status(status),
        "review": c.check_value(conn, "review", review),
        "confidence": c.check_value(conn, "confidence", confidence),
    }
    rng = c.check_date(date)
    pairs = c.resolve_actors(conn, actors)
    place_id = c.check_place(conn, place)
    mention = None
    src = None
    if source is not None or quote is not None:
        if source is None or quote is None:
            raise BadInput("--source and --quote go together: the quote is looked up in that source's text")
        src = _source_by_slug(conn, source)
        if src.removed_at is not None:
            raise BadInput(f"source {source!r} was removed; `kpolicy undo` its removal first")
        start, end = locate_quote(src.text, quote)
        if start < 0:
            short = " ".join(str(quote).split())[:60]
            raise BadInput(f"quote {short!r} is not in the text of {source!r}; copy an exact sentence (`kpolicy show` prints quotes)")
        mention = MentionRecord(src.text[start:end], start, end)
    elif not (note and str(note).strip()):
        raise BadInput("an event needs its evidence: --source SLUG --quote \"exact text\", or --note \"where it comes from\"")
    description = str(note).strip() if note and str(note).strip() else None
    change = c.begin(conn, "add", by=by, reason=reason, source_id=src.id if src is not None else None)
    event_id = write.insert_event(conn, {**values, "description": description, "place_id": place_id}, rng)
    if pairs:
        from kpolicy.query import resolve_actor

        write.set_actors(conn, event_id, [(resolve_actor(conn, n), r) for n, r in pairs])
    if mention is not None:
        write.add_mentions(conn, event_id, src.id, [mention])
    write.refresh(conn, [event_id])
    snapshot = c.state(conn, event_id)
    if src is not None:
        snapshot["source"] = src.slug
    write.record(conn, change, event_id, "created", None, None, snapshot)
    return event_id


def edit_event(conn: Connection, event_id: int, changes: dict, *, reason, by=None, if_version=None,
               accept: bool = False) -> int:
    """Change an event's fields; returns its new version. `if_version` refuses a stale edit;
    `accept` also marks it reviewed, in the same change (one undo takes back both)."""
    reason = c.need_reason(reason, "an edit")
    row = c.live_event(conn, event_id)
    c.check_version(row, if_version)
    unknown = [k for k in changes if k not in EDIT_KEYS]
    if unknown:
        raise BadInput(f"cannot edit {', '.join(unknown)}; an edit changes {', '.join(EDIT_KEYS)}")
    current = c.state(conn, row.id, row)
    new: dict = {}
    for key in ("type", "date", "title", "status", "place", "description"):
        if key in changes:
            new[key] = c.check_value(conn, key, changes[key])
    actors = current["actors"]
    if changes.get("actors") is not None:
        actors = c.resolve_actors(conn, changes["actors"])
    for spec in changes.get("remove_actors") or []:
        name, role = c.parse_actor(spec)
        explicit = isinstance(spec, (list, tuple)) or str(spec).rpartition(":")[2].strip().lower() == role and ":" in str(spec)
        canonical = c.resolve_actors(conn, [(name, role)])[0][0]
        hit = [p for p in actors if p[0] == canonical and (p[1] == role or not explicit)]
        if not hit:
            raise BadInput(f"event {row.id} has no actor {canonical}{' as ' + role if explicit else ''}; its actors are "
                           f"{', '.join(f'{n}:{r}' for n, r in actors) or 'none'}")
        actors = [p for p in actors if p not in hit]
    if changes.get("add_actors"):
        actors = sorted({tuple(p) for p in actors} | {tuple(p) for p in c.resolve_actors(conn, changes["add_actors"])})
        actors = [list(p) for p in actors]
    if sorted(actors) != current["actors"]:
        new["actors"] = sorted(actors)
    if not any(new.get(f) != current[f] for f in new):
        raise BadInput(f"the edit changes nothing on event {row.id}; give a new value (`kpolicy show {row.id}` has the current ones)")
    change = c.begin(conn, "edit", by=by, reason=reason)
    c.apply_fields(conn, change, row.id, new, "edited", current)
    version = row.version + 1
    if accept and current["review"] != "reviewed":
        c.apply_fields(conn, change, row.id, {"review": "reviewed"}, "reviewed", {"review": current["review"]})
        version += 1
    return version


def review_events(conn: Connection, ids, decision: str, *, reason=None, by=None) -> int:
    """Accept (reviewed) or reject (rejected: out of the default timeline) events; returns the change id."""
    key = str(decision).strip().lower()
    target = {"accept": "reviewed", "accepted": "reviewed", "reject": "rejected", "rejected": "rejected"}.get(key)
    if target is None:
        raise BadInput(f"unknown decision {decision!r}; use accept or reject")
    if target == "rejected":
        reason = c.need_reason(reason, "a rejection")
    ids = _ids(ids)
    rows = [c.live_event(conn, i) for i in ids]
    todo = [r for r in rows if r.review != target]
    if not todo:
        raise BadInput(f"event{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} already {'reviewed' if target == 'reviewed' else 'rejected'}; nothing to change")
    change = c.begin(conn, "review", by=by, reason=reason)
    for r in todo:
        c.apply_fields(conn, change, r.id, {"review": target}, "reviewed", {"review": r.review})
    return change


def _ids(ids) -> list[int]:
    if isinstance(ids, (int, str)):
        ids = [ids]
    out = []
    for i in ids:
        try:
            value = int(i)
        except (TypeError, ValueError):
            raise BadInput(f"event id {i!r} is not a number; `kpolicy events` lists the ids") from None
        if value not in out:
            out.append(value)
    if not out:
        raise BadInput("give at least one event id")
    return out


def merge_events(conn: Connection, keep, others, *, reason, by=None) -> int:
    """Fold `others` into `keep`: their mentions move to it, they redirect to it. Returns the change id."""
    reason = c.need_reason(reason, "a merge")
    others = _ids(others)
    keep = int(keep)
    if keep in others:
        raise BadInput(f"cannot merge event {keep} into itself; give KEEP once and the events to fold into it after it")
    keep_row = c.live_event(conn, keep)
    rows = [c.live_event(conn, i) for i in others]
    change = c.begin(conn, "merge", by=by, reason=reason)
    before = c.mention_ids(conn, keep)
    stamp = write.now()
    p = schema.proposals
    for r in rows:
        moved = c.move_mentions(conn, c.mention_ids(conn, r.id), keep)
        c.bump(conn, change, r.id, {"merged_into": keep, "deleted_at": stamp})
        conn.execute(p.update().where(p.c.event_id == r.id, p.c.status == "open").values(event_id=keep))
        write.record_many(conn, change, [
            (r.id, "merged", "mentions", moved, []),
            (r.id, "merged", "merged_into", None, keep),
            (r.id, "merged", "deleted_at", None, stamp.isoformat(sep=" ")),
        ])
    c.bump(conn, change, keep_row.id)
    write.refresh(conn, [keep, *others])
    write.record(conn, change, keep, "merged", "mentions", before, c.mention_ids(conn, keep))
    return change


def split_event(conn: Connection, event_id, mention_ids, *, reason, by=None) -> int:
    """Move these mentions (mention ids, as `kpolicy show` lists them) to a new event with the same fields; returns its id."""
    reason = c.need_reason(reason, "a split")
    row = c.live_event(conn, event_id)
    own = c.mention_ids(conn, row.id)
    wanted = sorted(set(int(m) for m in (mention_ids or [])))
    if not wanted:
        raise BadInput(f"name the mentions to split off with --mention; event {row.id} has mentions {', '.join(map(str, own)) or 'none'}")
    strange = [m for m in wanted if m not in own]
    if strange:
        raise BadInput(f"event {row.id} has no mention {', '.join(map(str, strange))}; its mentions are {', '.join(map(str, own)) or 'none'} (`kpolicy show {row.id}`)")
    if len(wanted) == len(own):
        raise BadInput(f"splitting off every mention of event {row.id} leaves it empty; keep at least one (or edit the event instead)")
    current = c.state(conn, row.id, row)
    change = c.begin(conn, "split", by=by, reason=reason)
    from kpolicy.query import resolve_actor

    new_id = write.insert_event(conn, {
        "type": current["type"], "title": current["title"], "description": current["description"],
        # a new event nobody has reviewed yet: copying `reviewed` vouched for a title and fields chosen for the other
        "status": current["status"], "place_id": row.place_id, "review": "extracted",
        "confidence": current["confidence"],
    }, c.check_date(current["date"]))
    write.set_actors(conn, new_id, [(resolve_actor(conn, n), r) for n, r in current["actors"]])
    c.move_mentions(conn, wanted, new_id)
    c.bump(conn, change, row.id)
    write.refresh(conn, [row.id, new_id])
    write.record_many(conn, change, [
        (new_id, "created", None, None, {**current, "split_from": row.id}),
        (new_id, "split", "mentions", [], wanted),
        (row.id, "split", "mentions", own, [m for m in own if m not in wanted]),
    ])
    return new_id


def delete_events(conn: Connection, ids, *, reason, by=None) -> int:
    """Tombstone events (ids are never reused; `undo` restores them). Returns the change id."""
    reason = c.need_reason(reason, "a deletion")
    rows = [c.live_event(conn, i) for i in _ids(ids)]
    change = c.begin(conn, "delete", by=by, reason=reason)
    stamp = write.now()
    for r in rows:
        c.bump(conn, change, r.id, {"deleted_at": stamp})
        write.record(conn, change, r.id, "deleted", "deleted_at", None, stamp.isoformat(sep=" "))
    return change
