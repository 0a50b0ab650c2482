"""authority: actors' Wikidata ids, CAMEO codes, scripts, life dates; offices and terms; place ids and aliases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

Issue 20: actors and places as an authority file in the database. Actors gain `wikidata`
(unique), `cameo`, `native` (Korean/Chinese/Japanese script), `born`, `died` and `origin`
('bundled': follows data/*.yaml on `kpolicy init`; 'analyst': added or edited with `kpolicy
actors`, never overwritten). `offices` marks an actor row as an office of a state, and
`office_terms` holds its holders' dated terms (acting marked). Places gain `wikidata`,
`origin` and `place_aliases`. Nullable columns and new tables: no table rebuild on either
engine; the reference data is filled by `kpolicy init` (sync_reference), as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('actors', sa.Column('wikidata', sa.String(length=16), nullable=True))
    op.add_column('actors', sa.Column('cameo', sa.String(length=16), nullable=True))
    op.add_column('actors', sa.Column('native', sa.String(length=200), nullable=True))
    op.add_column('actors', sa.Column('born', sa.Date(), nullable=True))
    op.add_column('actors', sa.Column('died', sa.Date(), nullable=True))
    op.add_column('actors', sa.Column('origin', sa.String(length=16), server_default='bundled', nullable=False))
    op.create_index('ix_actors_cameo', 'actors', ['cameo'], unique=False)
    op.create_index('ix_actors_wikidata', 'actors', ['wikidata'], unique=True)  # an index: no table rebuild (views)
    op.add_column('places', sa.Column('wikidata', sa.String(length=16), nullable=True))
    op.add_column('places', sa.Column('origin', sa.String(length=16), server_default='bundled', nullable=False))
    op.create_index('ix_places_wikidata', 'places', ['wikidata'], unique=True)
    op.create_table(
        'offices',
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('state_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['state_id'], ['actors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('actor_id'),
    )
    op.create_table(
        'office_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('acting', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.actor_id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['holder_id'], ['actors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('office_id', 'start_date'),
    )
    op.create_index('ix_office_terms_office_id', 'office_terms', ['office_id'], unique=False)
    op.create_index('ix_office_terms_holder_id', 'office_terms', ['holder_id'], unique=False)
    op.create_table(
        'place_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=False),
        sa.Column('alias', sa.String(length=200), nullable=False),
        sa.Column('alias_key', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('alias_key'),
    )
    op.create_index('ix_place_aliases_place_id', 'place_aliases', ['place_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_place_aliases_place_id', table_name='place_aliases')
    op.drop_table('place_aliases')
    op.drop_index('ix_office_terms_holder_id', table_name='office_terms')
    op.drop_index('ix_office_terms_office_id', table_name='office_terms')
    op.drop_table('office_terms')
    op.drop_table('offices')
    op.drop_index('ix_places_wikidata', table_name='places')
    op.drop_index('ix_actors_wikidata', table_name='actors')
    op.drop_index('ix_actors_cameo', table_name='actors')
    # plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): the timeline view reads none of them
    for column in ('origin', 'wikidata'):
        op.drop_column('places', column)
    for column in ('origin', 'died', 'born', 'native', 'cameo', 'wikidata'):
        op.drop_column('actors', column)
