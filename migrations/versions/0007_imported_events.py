"""imported events: the dataset and external id they came from, and the review state `imported`

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

`kpolicy import` (kpolicy.imports) brings events from analysts' spreadsheets and from
event datasets (ACLED, GDELT, UCDP GED, POLECAT). Each imported event keeps:
- `dataset`: where it came from ('acled', 'gdelt', 'ucdp', 'polecat', 'sheet', 'kpolicy');
- `external_id`: the dataset's own id (ACLED's event_id_cnty, GDELT's GlobalEventID...);
- `external_version`: the dataset's own version stamp of the row (ACLED's `timestamp`),
  so a re-import updates an event only when the row is newer.
One index on (dataset, external_id) finds an event by its dataset id. Review states gain
`imported` (an event as a dataset gave it, not yet reviewed).

As in 0005: plain ADD COLUMN on both engines, and the review CHECK widened in place on
SQLite (a batch rebuild of `events` would cascade-delete the mentions and drop 0003's
search triggers); PostgreSQL drops and re-adds the constraint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_REVIEW = "review IN ('reviewed', 'extracted', 'rejected')"
NEW_REVIEW = "review IN ('reviewed', 'extracted', 'rejected', 'imported')"


def swap_review_check(old: str, new: str) -> None:
    """0005's way of changing the review CHECK on both engines (see its docstring)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE events DROP CONSTRAINT ck_events_review")
        op.execute(f"ALTER TABLE events ADD CONSTRAINT ck_events_review CHECK ({new})")
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").scalar_one()
    if old not in sql:
        raise RuntimeError(f"events has no constraint {old!r} to change; is this a kpolicy database at revision 0006?")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'events'", (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.add_column('events', sa.Column('dataset', sa.String(length=32), nullable=True))
    op.add_column('events', sa.Column('external_id', sa.String(length=128), nullable=True))
    op.add_column('events', sa.Column('external_version', sa.String(length=64), nullable=True))
    op.create_index('ix_events_dataset_external_id', 'events', ['dataset', 'external_id'], unique=False)
    swap_review_check(OLD_REVIEW, NEW_REVIEW)


def downgrade() -> None:
    # an imported event was an unreviewed one: it stays, as `extracted` (nothing is ever lost)
    op.execute("UPDATE events SET review = 'extracted' WHERE review = 'imported'")
    swap_review_check(NEW_REVIEW, OLD_REVIEW)
    op.drop_index('ix_events_dataset_external_id', table_name='events')
    dialect = op.get_bind().dialect.name
    for column in ('external_version', 'external_id', 'dataset'):
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE events DROP COLUMN {column}")  # in place: a rebuild would drop 0003's triggers
        else:
            op.drop_column('events', column)
