"""ingest queue: jobs that `kpolicy worker` processes take, extract and store

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Issue 23, item 3: ingest workers on several machines share one queue kept in the database
itself (kpolicy.store.jobs). One row per queued article file: its bytes (and its sidecar's),
so a worker on another machine needs no shared folder; its state (pending, running, failed,
done), how many times a worker took it, the claim of the worker that holds it and until when
(a killed worker's lease runs out and the job is taken again), and the outcome (the stored
source and change, or the reason it failed). A new table: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ingest_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sidecar', sa.LargeBinary(), nullable=True),
        sa.Column('options', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('queued_by', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('change_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'running', 'failed', 'done')", name=op.f('ck_ingest_jobs_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_jobs')),
        sa.UniqueConstraint('file_sha256', name=op.f('uq_ingest_jobs_file_sha256')),
    )
    op.create_index('ix_ingest_jobs_status_id', 'ingest_jobs', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ingest_jobs_status_id', table_name='ingest_jobs')
    op.drop_table('ingest_jobs')
