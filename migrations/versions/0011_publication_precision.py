"""sources: how precise the publication date is, and where it came from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Issue 19 item 4. A publication known only to the month ("Published May 2023", `--published
2016-10`) is stored as the month's first day with `published_precision` 'month' (else 'day');
`published_from` says where the date came from ('--published', 'front matter', 'sidecar',
'manifest', 'batch --published', 'dateline', 'published line', 'page metadata', 'pdf creation
date', 'docx created date'; NULL for sources ingested before this revision). Plain ADD COLUMN
on both engines, with a server default for the existing rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("published_precision", sa.String(8), nullable=False, server_default="day"))
    op.add_column("sources", sa.Column("published_from", sa.Text()))


def downgrade() -> None:
    # a month-precision date stays as its month's first day (nothing is lost but the precision)
    dialect = op.get_bind().dialect.name
    for column in ("published_from", "published_precision"):
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE sources DROP COLUMN {column}")  # in place: a rebuild would cascade to mentions
        else:
            op.drop_column("sources", column)
