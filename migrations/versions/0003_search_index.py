"""full-text search index over event titles and mention quotes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

SQLite: an FTS5 table `event_search` (rowid = events.id; columns title, quotes) kept
in step with `events` and `mentions` by triggers, so every write path (seed, ingest,
edits, cascading deletes, plain SQL) updates it. PostgreSQL: nothing to create;
`kpolicy search` builds tsvectors on the fly (no extension needed).

The FTS table and its shadow tables are not in the SQLAlchemy metadata; migrations/env.py
leaves every `event_search*` name out of the model comparison.
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Every quote of the event, in mention order, as one text column.
_QUOTES = "(SELECT group_concat(quote, ' … ') FROM (SELECT quote FROM mentions WHERE event_id = {id} ORDER BY id))"
_REINDEX = (
    "DELETE FROM event_search WHERE rowid = {id}; "
    "INSERT INTO event_search (rowid, title, quotes) SELECT e.id, e.title, " + _QUOTES.format(id="e.id") + " FROM events e WHERE e.id = {id};"
)

TRIGGERS = {
    "event_search_events_ai": "AFTER INSERT ON events BEGIN " + _REINDEX.format(id="new.id") + " END",
    "event_search_events_au": "AFTER UPDATE OF title ON events BEGIN DELETE FROM event_search WHERE rowid = old.id; "
    + _REINDEX.format(id="new.id") + " END",
    "event_search_events_ad": "AFTER DELETE ON events BEGIN DELETE FROM event_search WHERE rowid = old.id; END",
    "event_search_mentions_ai": "AFTER INSERT ON mentions BEGIN " + _REINDEX.format(id="new.event_id") + " END",
    "event_search_mentions_au": "AFTER UPDATE OF quote, event_id ON mentions BEGIN "
    + _REINDEX.format(id="old.event_id") + " " + _REINDEX.format(id="new.event_id") + " END",
    "event_search_mentions_ad": "AFTER DELETE ON mentions BEGIN " + _REINDEX.format(id="old.event_id") + " END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE event_search USING fts5(title, quotes, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(
        "INSERT INTO event_search (rowid, title, quotes) SELECT e.id, e.title, " + _QUOTES.format(id="e.id") + " FROM events e"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS event_search")
