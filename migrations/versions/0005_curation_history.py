"""curation with a full history: changes, revisions, proposals, tombstones, versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

- `changes`: one row per curating command (or ingest, seed): when, who, what action,
  why. `revisions`: what it changed, one row per event and field (old and new value as
  JSON text). Both append-only; written in the same transaction as the change.
- `proposals`: what a new mention brought to an existing event that is not applied
  silently (a more precise date, actors it lacks, a conflicting date): open until
  accepted or dismissed.
- events: `version` (bumped by every change; a stale edit is refused), `deleted_at`
  (a tombstone: ids are never reused) and `merged_into` (a merged-away id redirects).
  Plain integers, no foreign keys, as 0004's first_mention_id: a self-reference would
  need a table rebuild on SQLite.
- review states gain `rejected` (kept, out of the default timeline).
- mentions: `type_rule`, `date_rule` (the extraction rules behind type and date) and
  `page` (a PDF's page). sources: `site`, and `removed_at` (a removed source keeps its
  text, so its removal can be undone).
- the timeline view leaves tombstones out.

SQLite cannot change a CHECK constraint in place, and a batch rebuild of `events` would
cascade-delete every mention (foreign keys are on inside the migration's transaction)
and drop 0003's search triggers. So the review CHECK is widened the way SQLite's
ALTER TABLE documentation prescribes for loosening a constraint: rewriting the table's
stored SQL under `writable_schema` and bumping `schema_version`, which existing rows
satisfy by construction. PostgreSQL drops and re-adds the constraint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_REVIEW = "review IN ('reviewed', 'extracted')"
NEW_REVIEW = "review IN ('reviewed', 'extracted', 'rejected')"


def _view_sql(dialect: str, live_only: bool) -> str:
    """The 0004 timeline view; with `live_only`, tombstones (deleted or merged away) are left out."""
    if dialect == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
        live_actors = (
            "(SELECT string_agg(DISTINCT a.name, '; ' ORDER BY a.name) FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id)"
        )
    else:
        year = "CAST(substr(e.start_date, 1, 4) AS INTEGER)"
        month = "substr(e.start_date, 1, 7)"
        live_actors = (
            "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name))"
        )
    where = "WHERE e.deleted_at IS NULL\n" if live_only else ""
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
       CASE WHEN e.actor_names IS NOT NULL THEN e.actor_names ELSE {live_actors} END AS actors,
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
{where}"""


def _swap_review_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE events DROP CONSTRAINT ck_events_review")
        op.execute(f"ALTER TABLE events ADD CONSTRAINT ck_events_review CHECK ({new})")
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").scalar_one()
    if old not in sql:
        raise RuntimeError(f"events has no constraint {old!r} to widen; is this a kpolicy database at revision 0004?")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'events'", (sql.replace(old, new),)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW timeline")
    op.create_table(
        'changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('by', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_changes')),
    )
    with op.batch_alter_table('changes') as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_by'), ['by'], unique=False)
    op.create_table(
        'revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=True),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_revisions_change_id_changes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    )
    with op.batch_alter_table('revisions') as batch_op:
        batch_op.create_index('ix_revisions_event_id_id', ['event_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_change_id'), ['change_id'], unique=False)
    op.create_table(
        'proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('mention_id', sa.Integer(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
        sa.Column('created_change_id', sa.Integer(), nullable=True),
        sa.Column('resolved_change_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('date', 'actors', 'conflict')", name=op.f('ck_proposals_kind')),
        sa.CheckConstraint("status IN ('open', 'accepted', 'dismissed')", name=op.f('ck_proposals_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    )
    with op.batch_alter_table('proposals') as batch_op:
        batch_op.create_index('ix_proposals_event_id_status', ['event_id', 'status'], unique=False)
        batch_op.create_index('ix_proposals_status', ['status'], unique=False)
    # plain ADD COLUMN on both engines (no table rebuild: 0003's triggers and every mention stay)
    op.add_column('events', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('events', sa.Column('deleted_at', sa.DateTime(), nullable=True))
    op.add_column('events', sa.Column('merged_into', sa.Integer(), nullable=True))
    op.add_column('mentions', sa.Column('type_rule', sa.String(length=64), nullable=True))
    op.add_column('mentions', sa.Column('date_rule', sa.String(length=64), nullable=True))
    op.add_column('mentions', sa.Column('page', sa.Integer(), nullable=True))
    op.add_column('sources', sa.Column('site', sa.Text(), nullable=True))
    op.add_column('sources', sa.Column('removed_at', sa.DateTime(), nullable=True))
    op.create_index('ix_events_review_id', 'events', ['review', 'id'], unique=False)
    _swap_review_check(OLD_REVIEW, NEW_REVIEW)
    op.execute(_view_sql(dialect, live_only=True))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW timeline")
    # a rejected event was an extracted one; deleted events come back (nothing is ever lost)
    op.execute("UPDATE events SET review = 'extracted' WHERE review = 'rejected'")
    _swap_review_check(NEW_REVIEW, OLD_REVIEW)
    op.drop_index('ix_events_review_id', table_name='events')
    for table, column in (('sources', 'removed_at'), ('sources', 'site'), ('mentions', 'page'), ('mentions', 'date_rule'),
                          ('mentions', 'type_rule'), ('events', 'merged_into'), ('events', 'deleted_at'), ('events', 'version')):
        if dialect == "sqlite":
            # DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would drop 0003's triggers
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
    op.drop_table('proposals')
    op.drop_table('revisions')
    op.drop_table('changes')
    op.execute(_view_sql(dialect, live_only=False))
