"""timeline rows without per-row aggregation: events.actor_names and events.first_mention_id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Building a timeline row used to cost three correlated subqueries (the sorted distinct
actor names, the first mention's source, its quote): most of a window query's time.
Two columns on events now carry them, filled by every kpolicy write path through one
function (kpolicy.store.write.refresh; kpolicy.store.bulk computes the same values in Python):

- actor_names: the event's distinct actor names in code-point order, '; '-joined
  (NULL when it has no actor). PostgreSQL sorts with COLLATE "C" so both engines and
  Python agree.
- first_mention_id: the id of its first mention (lowest id), a plain integer: a foreign
  key would need an index on it (every mention delete would otherwise scan events) and
  would make events <-> mentions a cycle.

The view reads them and falls back to the old subqueries for a row whose columns are
NULL (rows written by plain SQL), so it never shows less than before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _live_actors(dialect: str) -> str:
    if dialect == "postgresql":
        return (
            "(SELECT string_agg(DISTINCT a.name, '; ' ORDER BY a.name) FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id)"
        )
    return (
        "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name))"
    )


def _backfill_actors(dialect: str) -> str:
    if dialect == "postgresql":
        return (
            "(SELECT string_agg(name, '; ' ORDER BY name) FROM (SELECT DISTINCT a.name COLLATE \"C\" AS name "
            "FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = events.id) d)"
        )
    return (
        "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = events.id ORDER BY a.name))"
    )


def timeline_view_sql(dialect: str) -> str:
    """The 0002 view's columns, read from the stored row; the old subqueries only for unfilled rows."""
    if dialect == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
    else:
        year = "CAST(substr(e.start_date, 1, 4) AS INTEGER)"
        month = "substr(e.start_date, 1, 7)"
    return f"""
CREATE VIEW timeline AS
SELECT e.id AS id,
       e.date AS date,
       e.start_date AS start,
       e.end_date AS "end",
       e.precision AS precision,
       e.type AS type,
       t.family AS family,
       e.status AS status,
       e.title AS title,
       CASE WHEN e.actor_names IS NOT NULL THEN e.actor_names ELSE {_live_actors(dialect)} END AS actors,
       p.name AS place,
       CASE WHEN e.first_mention_id IS NOT NULL THEN fs.slug ELSE
         (SELECT s.slug FROM mentions m JOIN sources s ON s.id = m.source_id
           WHERE m.event_id = e.id ORDER BY m.id LIMIT 1) END AS source,
       CASE WHEN e.first_mention_id IS NOT NULL THEN fm.quote ELSE
         (SELECT m.quote FROM mentions m WHERE m.event_id = e.id ORDER BY m.id LIMIT 1) END AS quote,
       {year} AS year,
       {month} AS month,
       e.review AS review,
       e.confidence AS confidence,
       e.sort_key AS sort_key
FROM events e
JOIN event_types t ON t.code = e.type
LEFT JOIN places p ON p.id = e.place_id
LEFT JOIN mentions fm ON fm.id = e.first_mention_id
LEFT JOIN sources fs ON fs.id = fm.source_id
"""


def timeline_view_0002_sql(dialect: str) -> str:
    """The view as revision 0002 created it (for downgrade)."""
    if dialect == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
    else:
        year = "CAST(substr(e.start_date, 1, 4) AS INTEGER)"
        month = "substr(e.start_date, 1, 7)"
    return f"""
CREATE VIEW timeline AS
SELECT e.id AS id,
       e.date AS date,
       e.start_date AS start,
       e.end_date AS "end",
       e.precision AS precision,
       e.type AS type,
       t.family AS family,
       e.status AS status,
       e.title AS title,
       {_live_actors(dialect)} AS actors,
       p.name AS place,
       (SELECT s.slug FROM mentions m JOIN sources s ON s.id = m.source_id
         WHERE m.event_id = e.id ORDER BY m.id LIMIT 1) AS source,
       (SELECT m.quote FROM mentions m WHERE m.event_id = e.id ORDER BY m.id LIMIT 1) AS quote,
       {year} AS year,
       {month} AS month,
       e.review AS review,
       e.confidence AS confidence,
       e.sort_key AS sort_key
FROM events e
JOIN event_types t ON t.code = e.type
LEFT JOIN places p ON p.id = e.place_id
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW timeline")
    # plain ADD COLUMN on both engines (no table rebuild: 0003's triggers on events stay)
    op.add_column('events', sa.Column('actor_names', sa.Text(), nullable=True))
    op.add_column('events', sa.Column('first_mention_id', sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE events SET actor_names = {_backfill_actors(dialect)}, "
        "first_mention_id = (SELECT min(m.id) FROM mentions m WHERE m.event_id = events.id)"
    )
    op.execute(timeline_view_sql(dialect))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW timeline")
    if dialect == "sqlite":
        # DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would drop 0003's triggers
        op.execute("ALTER TABLE events DROP COLUMN first_mention_id")
        op.execute("ALTER TABLE events DROP COLUMN actor_names")
    else:
        op.drop_column('events', 'first_mention_id')
        op.drop_column('events', 'actor_names')
    op.execute(timeline_view_0002_sql(dialect))
