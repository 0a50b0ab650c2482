"""The models and the migrations agree; the code knows the migrations' head."""

from __future__ import annotations

from kpolicy.store import migrate
from kpolicy.store import schema
from kpolicy.store.bootstrap import open_database


def test_models_match_migrations(db):
    database = open_database(db, create=False)
    with database.reading() as conn:
        migrate.check(conn)  # raises alembic.util.CommandError on any drift
    database.close()


def test_code_knows_the_single_head():
    assert migrate.head_revision() == schema.SCHEMA_REVISION == schema.KNOWN_REVISIONS[-1]
