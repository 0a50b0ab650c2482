"""Curating sources: removing an ingest, correcting a source's metadata (re-resolving its relative dates).

A source's own field changes are revisions with event id 0 (their change names the source).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as c
from kpolicy.errors import BadInput, unknown_name
from kpolicy.records import check_source_url, clean_field
from kpolicy.store import schema, write

MENTION_COLUMNS = ("id", "event_id", "source_id", "char_start", "char_end", "quote", "date_text", "date_anchor",
                   "type_rule", "date_rule", "page")


def _source(conn: Connection, slug: str):
    s = schema.sources
    row = conn.execute(sa.select(s).where(s.c.slug == str(slug))).first()
    if row is None:
        raise unknown_name("source", str(slug), conn.execute(sa.select(s.c.slug)).scalars().all(), "kpolicy sources")
    return row


def remove_source(conn: Connection, slug, *, reason, by=None) -> int:
    """Undo an ingest: the source's mentions go (kept in the history); events only it supported are
    deleted unless reviewed (those stay, flagged by a proposal). The text is kept; `undo` restores all. Returns the change id."""
    reason = c.need_reason(reason, "removing a source")
    src = _source(conn, slug)
    if src.removed_at is not None:
        raise BadInput(f"source {slug!r} was already removed at {src.removed_at:%Y-%m-%d %H:%M:%S}; `kpolicy history` has the change to undo")
    m, e, p = schema.mentions, schema.events, schema.proposals
    change = c.begin(conn, "source_remove", by=by, reason=reason, source_id=src.id)
    rows: dict[int, list[dict]] = {}
    for r in conn.execute(sa.select(*(m.c[k] for k in MENTION_COLUMNS)).where(m.c.source_id == src.id).order_by(m.c.id)):
        rows.setdefault(r.event_id, []).append(dict(r._mapping))
    stamp = write.now()
    with write.search_deferred(conn, rows):  # each event re-indexed once, not once per removed mention
        conn.execute(m.delete().where(m.c.source_id == src.id))
    history = []
    for event_id, mentions in rows.items():
        history.append((event_id, "source_removed", "mention_rows", mentions, None))
        event = c.event_row(conn, event_id)
        left = conn.execute(sa.select(sa.func.count()).select_from(m).where(m.c.event_id == event_id)).scalar_one()
        if left == 0 and event.deleted_at is None:
            if event.review == "reviewed":
                conn.execute(p.insert().values(event_id=event_id, source_id=src.id, kind="conflict", status="open",
                                               value=write.encode({"note": f"its only source {src.slug} was removed: {reason}"}),
                                               created_change_id=change))
                c.bump(conn, change, event_id)
            else:
                c.bump(conn, change, event_id, {"deleted_at": stamp})
                history.append((event_id, "source_removed", "deleted_at", None, stamp.isoformat(sep=" ")))
        else:
            c.bump(conn, change, event_id)
    conn.execute(schema.sources.update().where(schema.sources.c.id == src.id).values(removed_at=stamp))
    history.append((0, "source_removed", "removed_at", None, stamp.isoformat(sep=" ")))
    write.record_many(conn, change, history)
    write.refresh(conn, rows)
    return change


def _resolve_again(quote: str, date_text: str, published: date, narrative: str | None) -> str | None:
    """The EDTF of the phrase `date_text` in its sentence against a new publication date."""
    from kpolicy.extract.temporal import find_time_expressions, sentence_tense

    tense = sentence_tense(quote)
    for text, narr in ((quote, narrative), (date_text, narrative)):
        found = find_time_expressions(text, published, tense=tense, narrative=narr)
        for t in found:
            if t.text == date_text or date_text in t.text or t.text in date_text:
                return t.edtf
    return None


def _fresh_events(text: str, published: date) -> dict:
    """The events a fresh extraction of `text` against `published` gives, by their first mention's span."""
    from kpolicy.extract import extract_events

    return {(e.char_start, e.char_end): e for e in extract_events(text, published)}


def edit_source(conn: Connection, slug, *, published=None, title=None, url=None, publisher=None, reason=None, by=None) -> int:
    """Correct a source's metadata. A new publication date re-dates the events first mentioned in
    the source as a fresh extraction of its stored text against that date does (date, anchor and
    status; a span the extractor no longer finds is re-read from its stored phrase), reviewed events
    get a proposal instead. Returns the change id."""
    src = _source(conn, slug)
    s, m, e, p = schema.sources, schema.mentions, schema.events, schema.proposals
    new: dict = {}
    if published is not None:
        from kpolicy.extract.publication import parse_published

        found = parse_published(published, "sources edit")
        if found is None:
            raise BadInput(f"--published {published!r} is not a YYYY-MM-DD date (or YYYY-MM when only the month is known); e.g. --published 2020-02-05")
        if (found.day, found.precision) != (src.published, src.published_precision):
            new["published"] = found.day
            new["published_precision"] = found.precision
            new["published_from"] = found.source
    if url is not None and str(url).strip():
        url = check_source_url(url, "--url")
    for key, value in (("title", title), ("url", url), ("publisher", publisher)):
        if value is not None and str(value).strip() != (getattr(src, key) or ""):
            if key == "title" and not str(value).strip():
                raise BadInput("the title is empty; give the source's title")
            new[key] = clean_field(str(value)) or None
    if not new:
        raise BadInput(f"nothing to change on source {slug!r}; give --published, --title, --url or --publisher with a new value")
    change = c.begin(conn, "source_edit", by=by, reason=reason, source_id=src.id)
    conn.execute(s.update().where(s.c.id == src.id).values(**new))
    history = [(0, "source_edited", k, getattr(src, k).isoformat() if k == "published" else getattr(src, k),
                v.isoformat() if k == "published" else v) for k, v in new.items()
               if k != "published_precision" or getattr(src, k) != v]
    if "published" in new:
        from kpolicy.extract.publication import Publication

        old_iso = Publication(src.published, src.published_precision).reference.isoformat()
        pub = Publication(new["published"], new["published_precision"]).reference
        first_of = {}
        for r in conn.execute(sa.select(m.c.event_id, sa.func.min(m.c.id)).group_by(m.c.event_id)
                              .where(m.c.event_id.in_(sa.select(m.c.event_id).where(m.c.source_id == src.id)))):
            first_of[r[0]] = r[1]
        # The text extracted afresh against the new date: each event first mentioned here takes the
        # date, anchor and status a fresh `kpolicy extract` gives the same span. Re-reading the stored
        # phrase alone missed what the extractor knows around it (the narrative year a lead sets, a
        # series of dates, the clause's tense): 'The two attempts, in late May and in August' kept the
        # old year, anchored to a narrative date derived from the old publication date.
        fresh = _fresh_events(src.text, pub)
        rows = conn.execute(sa.select(m.c.id, m.c.event_id, m.c.quote, m.c.date_text, m.c.date_anchor, m.c.char_start, m.c.char_end)
                            .where(m.c.source_id == src.id).order_by(m.c.id)).all()
        for r in rows:
            first = first_of.get(r.event_id) == r.id
            f = fresh.get((r.char_start, r.char_end)) if first else None
            if f is None and (r.date_text is None or r.date_anchor is None):
                continue  # an absolute date, or a later mention: nothing to re-resolve
            from_publication = r.date_anchor == old_iso
            if f is not None:
                anchor = f.date_anchor
            else:
                anchor = pub.isoformat() if from_publication else r.date_anchor
            if anchor != r.date_anchor:
                conn.execute(m.update().where(m.c.id == r.id).values(date_anchor=anchor))
                history.append((r.event_id, "source_edited", "mention_anchor", {"mention": r.id, "anchor": r.date_anchor},
                                {"mention": r.id, "anchor": anchor}))
            if not first:
                continue  # the event's date came from its first mention
            if f is not None:
                fields = {"date": f.date.edtf, "status": f.status}
            else:  # the extractor no longer finds this span (its rules changed since the ingest): the phrase alone
                edtf = _resolve_again(r.quote, r.date_text, pub, None if from_publication else r.date_anchor)
                fields = {"date": edtf} if edtf is not None else {}
            event = c.event_row(conn, r.event_id)
            if not fields or event.deleted_at is not None or all(getattr(event, k) == v for k, v in fields.items()):
                continue
            if event.review == "reviewed":
                conn.execute(p.insert().values(event_id=event.id, mention_id=r.id, source_id=src.id, kind="conflict", status="open",
                                               value=write.encode({**fields, "quote": r.quote, "note": f"re-resolved {r.date_text!r} against {anchor}"}),
                                               created_change_id=change))
                continue
            c.apply_fields(conn, change, event.id, fields, "re-resolved", c.state(conn, event.id, event))
    write.record_many(conn, change, history)
    return change
