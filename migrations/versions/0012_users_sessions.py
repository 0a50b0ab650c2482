"""people and desk sessions: users (name, role, Argon2id token hash) and sessions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

The review desk signs each person in with their own token (kpolicy.store.users):
- `users`: a name, a role (reader, reviewer, admin), the Argon2id hash of the token's
  secret (never the token), when the token was issued, and when the person was disabled;
- `sessions`: one row per desk sign-in, found by the SHA-256 of the cookie's random key,
  with its expiry, its end (sign-out, a new token, disabling), when it was last seen and
  the page it last opened (for the history page's "who is working on what").
Two new tables: nothing existing changes, on either engine.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('token_at', sa.DateTime(), nullable=False),
        sa.Column('disabled_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('reader', 'reviewer', 'admin')", name=op.f('ck_users_role')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
        sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    )
    op.create_table(
        'sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('working_on', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_sessions_key_hash')),
    )
    op.create_index(op.f('ix_sessions_user_id'), 'sessions', ['user_id'], unique=False)
    op.create_index(op.f('ix_sessions_last_seen_at'), 'sessions', ['last_seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sessions_last_seen_at'), table_name='sessions')
    op.drop_index(op.f('ix_sessions_user_id'), table_name='sessions')
    op.drop_table('sessions')
    op.drop_table('users')
