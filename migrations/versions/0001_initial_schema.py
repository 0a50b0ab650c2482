"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28

Migrations never import kpolicy's live models: they describe the schema as it was
at this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def timeline_view_sql(dialect: str) -> str:
    """One row per event for SQL users, Datasette and CSV: dates, type, actors, place,
    the first source and its quote. Actors are '; '-joined in name order."""
    if dialect == "postgresql":
        actors = (
            "(SELECT string_agg(DISTINCT a.name, '; ' ORDER BY a.name) FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id)"
        )
        year = "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
        month = "to_char(e.start_date, 'YYYY-MM')"
    else:
        actors = (
            "(SELECT group_concat(name, '; ') FROM (SELECT DISTINCT a.name AS name FROM event_actors ea "
            "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = e.id ORDER BY a.name))"
        )
        year = "CAST(substr(e.start_date, 1, 4) AS INTEGER)"
        month = "substr(e.start_date, 1, 7)"
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
       {actors} AS actors,
       p.name AS place,
       s.slug AS source,
       m.quote AS quote,
       {year} AS year,
       {month} AS month,
       e.review AS review,
       e.confidence AS confidence
FROM events e
JOIN event_types t ON t.code = e.type
LEFT JOIN places p ON p.id = e.place_id
LEFT JOIN mentions m ON m.id = (SELECT min(m2.id) FROM mentions m2 WHERE m2.event_id = e.id)
LEFT JOIN sources s ON s.id = m.source_id
"""


def upgrade() -> None:
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('iso3', sa.String(length=3), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['actors.id'], name=op.f('fk_actors_parent_id_actors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('name', name=op.f('uq_actors_name'))
    )
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actors_parent_id'), ['parent_id'], unique=False)

    op.create_table('event_types',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_event_types'))
    )
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('name', name=op.f('uq_places_name'))
    )
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('publisher', sa.Text(), nullable=True),
    sa.Column('published', sa.Date(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('sha256', name=op.f('uq_sources_sha256')),
    sa.UniqueConstraint('slug', name=op.f('uq_sources_slug'))
    )
    op.create_table('actor_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('alias_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_aliases_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_aliases')),
    sa.UniqueConstraint('alias_key', name=op.f('uq_actor_aliases_alias_key'))
    )
    with op.batch_alter_table('actor_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_aliases_actor_id'), ['actor_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('date', sa.String(length=64), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('precision', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('review', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), server_default='1.0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("precision IN ('day', 'month', 'season', 'year', 'interval', 'open', 'unknown')", name=op.f('ck_events_precision')),
    sa.CheckConstraint("review IN ('reviewed', 'extracted')", name=op.f('ck_events_review')),
    sa.CheckConstraint("status IN ('occurred', 'expected', 'forecast')", name=op.f('ck_events_status')),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('ck_events_confidence_range')),
    sa.CheckConstraint('start_date IS NULL OR end_date IS NULL OR start_date <= end_date', name=op.f('ck_events_bounds_ordered')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_events_place_id_places'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type'], ['event_types.code'], name=op.f('fk_events_type_event_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_end_date', ['end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_place_id'), ['place_id'], unique=False)
        batch_op.create_index('ix_events_start_end', ['start_date', 'end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('event_actors',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.CheckConstraint("role IN ('initiator', 'target', 'participant')", name=op.f('ck_event_actors_role')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_event_actors_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_actors_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'actor_id', 'role', name=op.f('pk_event_actors'))
    )
    with op.batch_alter_table('event_actors', schema=None) as batch_op:
        batch_op.create_index('ix_event_actors_actor_event', ['actor_id', 'event_id'], unique=False)

    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('char_start', sa.Integer(), nullable=False),
    sa.Column('char_end', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('date_text', sa.Text(), nullable=True),
    sa.Column('date_anchor', sa.String(length=64), nullable=True),
    sa.CheckConstraint('char_start >= 0 AND char_start <= char_end', name=op.f('ck_mentions_span_ordered')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_mentions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_mentions_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions')),
    sa.UniqueConstraint('event_id', 'source_id', 'char_start', 'char_end', name=op.f('uq_mentions_event_id'))
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_source_id'), ['source_id'], unique=False)

    op.execute(timeline_view_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    op.execute("DROP VIEW timeline")
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_source_id'))
        batch_op.drop_index(batch_op.f('ix_mentions_event_id'))

    op.drop_table('mentions')
    with op.batch_alter_table('event_actors', schema=None) as batch_op:
        batch_op.drop_index('ix_event_actors_actor_event')

    op.drop_table('event_actors')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index('ix_events_start_end')
        batch_op.drop_index(batch_op.f('ix_events_place_id'))
        batch_op.drop_index('ix_events_end_date')

    op.drop_table('events')
    with op.batch_alter_table('actor_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_aliases_actor_id'))

    op.drop_table('actor_aliases')
    op.drop_table('sources')
    op.drop_table('places')
    op.drop_table('event_types')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actors_parent_id'))

    op.drop_table('actors')
