"""stories: an analyst's ordered blocks over events, each edit a change with revisions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

- `stories`: slug (unique), title, author, `frozen_change` (the change number a published
  story is frozen at: its events are shown as the database stood then), version (bumped
  by every change; a stale edit is refused), created/updated times, `deleted_at` (undoing
  a story's creation leaves a tombstone, so ids are never reused).
- `story_blocks`: the story's blocks in `position` order: a heading, a paragraph (`text`,
  citing events as [#12]), an event (`event_id`, no foreign key: a story outlives a deleted
  event and shows it as deleted), or a saved query (`text` as the analyst wrote it,
  `filters` its parsed filters as JSON). `since_change`: the newest change when the block
  was written (a later split of its event is then news to the analyst).
- `changes.story_id`: the story a change was about; its revision (event 0, field 'story')
  holds the story's whole state before and after, which is what `undo` puts back.

Plain CREATE TABLE and ADD COLUMN on both engines: no table rebuild.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('author', sa.Text(), nullable=True),
        sa.Column('frozen_change', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stories')),
        sa.UniqueConstraint('slug', name=op.f('uq_stories_slug')),
    )
    op.create_table(
        'story_blocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('filters', sa.Text(), nullable=True),
        sa.Column('since_change', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('heading', 'text', 'event', 'query')", name=op.f('ck_story_blocks_kind')),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_blocks_story_id_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_blocks')),
    )
    op.create_index('ix_story_blocks_story_id_position', 'story_blocks', ['story_id', 'position'], unique=False)
    op.create_index('ix_story_blocks_event_id', 'story_blocks', ['event_id'], unique=False)
    op.add_column('changes', sa.Column('story_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE changes DROP COLUMN story_id")
    else:
        op.drop_column('changes', 'story_id')
    op.drop_index('ix_story_blocks_event_id', table_name='story_blocks')
    op.drop_index('ix_story_blocks_story_id_position', table_name='story_blocks')
    op.drop_table('story_blocks')
    op.drop_table('stories')
