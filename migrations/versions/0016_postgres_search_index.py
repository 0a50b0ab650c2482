"""PostgreSQL: a full-text index (tsvector rows with a GIN index) over event titles and quotes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

Issue 23, item 4: `kpolicy search` on PostgreSQL built every event's tsvector per query (2.7 s
at 10^5 events against SQLite's FTS5 0.24 s). This is PostgreSQL's equivalent of migration
0003's FTS5 table: `event_search` (event_id, vector), one row per event, the title weighted A
and its quotes (in mention order, joined by ' … ') weighted D, with a GIN index, kept in step
by row triggers on `events` (insert, title) and `mentions` (insert, delete, quote or event
moved), so every write path and plain SQL keep it. A whole event cannot be a generated column:
its quotes live in another table.

A bulk load or a write that moves many mentions suspends the triggers for its own transaction
with `set_config('kpolicy.search_deferred', 'mentions' | 'all', true)` (a custom setting any
role may set: no owner rights or superuser needed) and rebuilds the rows it touched once, with
`kpolicy_event_search_refresh(ids)` (kpolicy.store.write.search_deferred, kpolicy.store.bulk).
SQLite: nothing (0003 has its FTS5 table). The table is not in the SQLAlchemy metadata:
migrations/env.py leaves every `event_search*` name out of the model comparison.
"""

from __future__ import annotations

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

REFRESH = """
CREATE FUNCTION kpolicy_event_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM event_search WHERE event_id = ANY(ids);
    INSERT INTO event_search (event_id, vector)
    SELECT e.id,
           setweight(to_tsvector('english'::regconfig, e.title), 'A') ||
           setweight(to_tsvector('english'::regconfig, coalesce(
               (SELECT string_agg(m.quote, ' … ' ORDER BY m.id) FROM mentions m WHERE m.event_id = e.id), '')), 'D')
    FROM events e WHERE e.id = ANY(ids);
$$
"""

SYNC = """
CREATE FUNCTION kpolicy_event_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deferred text := coalesce(current_setting('kpolicy.search_deferred', true), '');
BEGIN
    IF deferred = 'all' OR (deferred = 'mentions' AND TG_TABLE_NAME = 'mentions') THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'events' THEN
        PERFORM kpolicy_event_search_refresh(ARRAY[NEW.id]);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM kpolicy_event_search_refresh(ARRAY[NEW.event_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM kpolicy_event_search_refresh(ARRAY[OLD.event_id]);
    ELSE
        PERFORM kpolicy_event_search_refresh(ARRAY[OLD.event_id, NEW.event_id]);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE event_search (event_id integer PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE, "
               "vector tsvector NOT NULL)")
    op.execute(REFRESH)
    op.execute(SYNC)
    op.execute("CREATE TRIGGER event_search_events_sync AFTER INSERT OR UPDATE OF title ON events "
               "FOR EACH ROW EXECUTE PROCEDURE kpolicy_event_search_sync()")
    op.execute("CREATE TRIGGER event_search_mentions_sync AFTER INSERT OR DELETE OR UPDATE OF quote, event_id ON mentions "
               "FOR EACH ROW EXECUTE PROCEDURE kpolicy_event_search_sync()")
    op.execute("INSERT INTO event_search (event_id, vector) SELECT e.id, "
               "setweight(to_tsvector('english'::regconfig, e.title), 'A') || setweight(to_tsvector('english'::regconfig, "
               "coalesce(q.quotes, '')), 'D') FROM events e LEFT JOIN (SELECT event_id, string_agg(quote, ' … ' ORDER BY id) "
               "AS quotes FROM mentions GROUP BY event_id) q ON q.event_id = e.id")
    op.execute("CREATE INDEX ix_event_search_vector ON event_search USING gin (vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS event_search_mentions_sync ON mentions")
    op.execute("DROP TRIGGER IF EXISTS event_search_events_sync ON events")
    op.execute("DROP TABLE IF EXISTS event_search")
    op.execute("DROP FUNCTION IF EXISTS kpolicy_event_search_sync()")
    op.execute("DROP FUNCTION IF EXISTS kpolicy_event_search_refresh(integer[])")
