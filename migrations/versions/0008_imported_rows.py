"""imported events keep the dataset row's own fields: events.external_data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

What a dataset says of an event that kpolicy's columns do not hold (ACLED's fatalities,
admin1, sub_event_type, source_scale; GDELT's CAMEO code, Goldstein scale, tone and
counts; UCDP's best/low/high estimates), as JSON text, so nothing a dataset gave is lost
and `kpolicy export --format acled|plover` can write an imported event back in its
dataset's shape. Plain ADD COLUMN on both engines (no rebuild).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('events', sa.Column('external_data', sa.Text(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE events DROP COLUMN external_data")  # in place: a rebuild would drop 0003's triggers
    else:
        op.drop_column('events', 'external_data')
