"""Curation with a full history: add, edit, review, merge, split, delete, undo, proposals, sources.

A library (never prints; raises kpolicy.errors types). Every function runs inside the
caller's transaction (`with database.writing() as conn:`) and writes only through
kpolicy.store.write: one change (who, when, what command, why) and its revisions (which
event, which field, old and new value) per call, committed with the change itself.
docs/curation.md describes the model.

    from kpolicy.store.bootstrap import open_database
    from kpolicy import curate
    db = open_database("korea.db")
    with db.writing() as conn:
        version = curate.edit_event(conn, 12, {"date": "2019-12-28/2019-12-31"}, reason="plenum dates per KCNA", if_version=1)
    with db.reading() as conn:
        for row in curate.history(conn, 12):
            print(row["at"], row["by"], row["field"], row["old"], "->", row["new"])
"""

from kpolicy.curate.events import add_event, delete_events, edit_event, locate_quote, merge_events, review_events, split_event
from kpolicy.curate.changes import (
    as_of,
    event_as_of,
    event_object,
    history,
    parse_review_cursor,
    parse_when,
    proposals_of,
    resolve_proposal,
    review_queue,
    rewind,
    touches_people,
    undo_change,
)
from kpolicy.curate.sources import edit_source, remove_source
from kpolicy.errors import Conflict

__all__ = [
    "Conflict", "add_event", "as_of", "delete_events", "edit_event", "edit_source", "event_as_of", "event_object", "history",
    "locate_quote", "merge_events", "parse_review_cursor", "parse_when", "proposals_of", "remove_source", "resolve_proposal", "review_events",
    "review_queue", "rewind", "split_event", "touches_people", "undo_change",
]
