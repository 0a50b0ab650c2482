"""learned extractor: mentions.extractor and the extractor_models table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Each mention records what produced it: 'rules' (the rule-only extractor) or the id of the
learned extractor's model; curated mentions leave it NULL. `kpolicy learn` keeps the models it
retrains on a database's own decisions in extractor_models (id, model id, created time, the
base model, metrics, the model's JSON); later extracts and ingests into that database use the
newest one.

A plain ADD COLUMN and CREATE TABLE on both engines: no table rebuild.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('mentions', sa.Column('extractor', sa.String(length=80), nullable=True))
    op.create_table(
        'extractor_models',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('model_id', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('base', sa.String(length=80), nullable=True),
        sa.Column('metrics', sa.Text(), nullable=False),
        sa.Column('model', sa.Text(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_extractor_models')),
        sa.UniqueConstraint('model_id', name=op.f('uq_extractor_models_model_id')),
    )


def downgrade() -> None:
    op.drop_table('extractor_models')
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would drop 0003's triggers
        op.execute("ALTER TABLE mentions DROP COLUMN extractor")
    else:
        op.drop_column('mentions', 'extractor')
