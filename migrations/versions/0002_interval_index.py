"""interval index: span_class and sort_key on events, timeline view without per-row joins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Migrations never import kpolicy's live models: they describe the schema as it was
at this revision. The backfill computes in SQL exactly what kpolicy.dates.span_class
and kpolicy.dates.sort_key compute in Python (tests/test_intervals.py checks both agree).

- events.span_class: 0..22 for bounded events, (end - start in days).bit_length();
  30 open end, 31 open start, 32 undated. An event of class k overlapping a window
  [lo, hi] starts in [lo - (2**k - 1), hi]: one index range per class on
  (span_class, start_date) instead of a scan of every event that starts before hi.
- events.sort_key: lower-bound ordinal * 2**22 + upper-bound ordinal (open start 0,
  open end 2**22 - 1), undated 2**44: timeline order in one indexed integer.
- The timeline view is recreated with sort_key and with its first source and quote as
  scalar subqueries (index lookups per row on both engines, never a join per pair).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BOUNDED_CLASSES = 23
OPEN_END, OPEN_START, UNDATED = 30, 31, 32
SHIFT = 1 << 22
SORT_UNDATED = SHIFT * SHIFT


def _ordinal(column: str, dialect: str) -> str:
    """SQL for Python's date.toordinal() of a date column."""
    if dialect == "postgresql":
        return f"CAST({column} - DATE '0001-01-01' + 1 AS BIGINT)"
    return f"(CAST(julianday({column}) - julianday('0001-01-01') AS INTEGER) + 1)"


def _backfill_sql(dialect: str) -> tuple[str, str]:
    duration = f"({_ordinal('end_date', dialect)} - {_ordinal('start_date', dialect)})"
    ladder = " ".join(f"WHEN {duration} < {1 << k} THEN {k}" for k in range(BOUNDED_CLASSES))
    span = (
        f"CASE WHEN start_date IS NULL AND end_date IS NULL THEN {UNDATED} "
        f"WHEN start_date IS NULL THEN {OPEN_START} WHEN end_date IS NULL THEN {OPEN_END} "
        f"{ladder} ELSE {BOUNDED_CLASSES - 1} END"
    )
    key = (
        f"CASE WHEN start_date IS NULL AND end_date IS NULL THEN {SORT_UNDATED} ELSE "
        f"COALESCE({_ordinal('start_date', dialect)}, 0) * {SHIFT} + COALESCE({_ordinal('end_date', dialect)}, {SHIFT - 1}) END"
    )
    return span, key


def timeline_view_sql(dialect: str) -> str:
    """One row per event for SQL users, Datasette and CSV: dates, type, actors, place,
    the first source and its quote, and sort_key (ORDER BY sort_key, id is timeline order).
    Actors are '; '-joined in name order."""
    if dialect == "postgresql":
        actors = (
            "(SELECT string_agg(DISTINCT a.name, '; ' ORDER BY a.name) FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id)"
        )
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
    else:
        actors = (
            "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name))"
        )
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
       {actors} AS actors,
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


def timeline_view_0001_sql(dialect: str) -> str:
    """The view as revision 0001 created it (for downgrade)."""
    if dialect == "postgresql":
        actors = (
            "(SELECT string_agg(DISTINCT a.name, '; ' ORDER BY a.name) FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id)"
        )
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
    else:
        actors = (
            "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name))"
        )
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
       {actors} AS actors,
       p.name AS place,
       s.slug AS source,
       m.quote AS quote,
       {year} AS year,
       {month} AS month,
       e.review AS review,
       e.confidence AS confidence
FROM events e
JOIN event_types t ON t.code = e.type
LEFT JOIN places p ON p.id = e.place_id
LEFT JOIN mentions m ON m.id = (SELECT min(m2.id) FROM mentions m2 WHERE m2.event_id = e.id)
LEFT JOIN sources s ON s.id = m.source_id
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # the view reads events: drop it first (SQLite's batch mode rebuilds the table)
    op.execute("DROP VIEW timeline")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('span_class', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sort_key', sa.BigInteger(), nullable=True))
    span, key = _backfill_sql(dialect)
    op.execute(f"UPDATE events SET span_class = {span}, sort_key = {key}")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('span_class', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('sort_key', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_index('ix_events_start_end')
        batch_op.drop_index('ix_events_end_date')
        batch_op.create_index('ix_events_span_start', ['span_class', 'start_date'], unique=False)
        batch_op.create_index('ix_events_span_end', ['span_class', 'end_date'], unique=False)
        batch_op.create_index('ix_events_sort_key', ['sort_key', 'id'], unique=False)
    op.execute(timeline_view_sql(dialect))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW timeline")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_sort_key')
        batch_op.drop_index('ix_events_span_end')
        batch_op.drop_index('ix_events_span_start')
        batch_op.create_index('ix_events_end_date', ['end_date'], unique=False)
        batch_op.create_index('ix_events_start_end', ['start_date', 'end_date'], unique=False)
        batch_op.drop_column('sort_key')
        batch_op.drop_column('span_class')
    op.execute(timeline_view_0001_sql(dialect))
