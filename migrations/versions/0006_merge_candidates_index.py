"""merge candidates by type: events(type, span_class, start_date, end_date)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

The store's cross-article dedupe (kpolicy.store.articles.find_match) looks for events of
one type whose dates overlap the new one, through one index range per span class. The
span-class indexes hold every type: at 10^6 events a one-day event's ranges return about
1,500 ids, each then read from the table to test its type and end date, so the lookup cost
9-26 ms per stored event and grew with the database. With the type first and the end date
in the index, each range visits only candidates of the record's type and tests their end
date without reading the table.

A plain CREATE INDEX on both engines: no table rebuild.
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_type_span_start', 'events', ['type', 'span_class', 'start_date', 'end_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_events_type_span_start', table_name='events')
