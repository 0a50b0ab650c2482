"""Migrations: one head, the revision list kpolicy knows, models == migrations, a round trip
on a seeded database, and an older database upgraded by `kpolicy init` (every engine)."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from conftest import Cli
from robustness_helpers import file_digest, row_counts

from kpolicy.store import migrate
from kpolicy.store import schema
from kpolicy.store.db import resolve


def _engine(db: str) -> sa.Engine:
    return sa.create_engine(resolve(db).url)


def _tables(conn) -> set[str]:
    return set(sa.inspect(conn).get_table_names()) | set(sa.inspect(conn).get_view_names())


def test_single_head_and_it_is_the_schema_revision():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    assert migrate.head_revision() == schema.SCHEMA_REVISION


def test_known_revisions_are_the_script_history_in_order():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    history = [rev.revision for rev in script.walk_revisions("base", "heads")][::-1]
    assert tuple(history) == schema.KNOWN_REVISIONS
    assert schema.SCHEMA_REVISION == schema.KNOWN_REVISIONS[-1]


def test_models_and_migrations_agree(empty_db):
    assert Cli(empty_db)("init").exit_code == 0
    engine = _engine(empty_db)
    try:
        with engine.connect() as conn:
            migrate.check(conn)  # raises CommandError on any drift
    finally:
        engine.dispose()


def test_check_notices_drift(empty_db):
    assert Cli(empty_db)("init").exit_code == 0
    extra = sa.Table("drift_probe", schema.metadata, sa.Column("id", sa.Integer, primary_key=True))
    engine = _engine(empty_db)
    try:
        with engine.connect() as conn, pytest.raises(CommandError):
            migrate.check(conn)
    finally:
        schema.metadata.remove(extra)
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip_with_seed_data(db):
    seeded = row_counts(db)
    assert seeded["events"] > 0 and seeded["mentions"] > 0
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            migrate.downgrade(conn, "base")
        with engine.connect() as conn:
            assert _tables(conn) <= {"alembic_version"}  # seed data and schema gone
            assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 0
        with engine.begin() as conn:
            migrate.upgrade(conn)
        with engine.connect() as conn:
            assert "timeline" in sa.inspect(conn).get_view_names()
            assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one() == 0
            migrate.check(conn)
    finally:
        engine.dispose()
    cli = Cli(db)
    result = cli("seed")
    assert result.exit_code == 0, result.stderr
    assert row_counts(db) == seeded
    assert cli("timeline").exit_code == 0


HEAD = schema.SCHEMA_REVISION  # the real head, read before any test pretends otherwise
NEXT = "9001"  # a revision this code does not have yet
MIGRATION_NEXT = f'''"""test-only: a later revision that adds a column

Revision ID: {NEXT}
Revises: {HEAD}
"""
import sqlalchemy as sa
from alembic import op

revision = "{NEXT}"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("language")
'''


@pytest.fixture
def newer_code(tmp_path, monkeypatch):
    """Pretend this kpolicy is one migration ahead: a copy of the scripts plus revision NEXT."""
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(str(files("kpolicy.migrations"))), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / f"{NEXT}_test_language.py").write_text(MIGRATION_NEXT)
    real_config = migrate.alembic_config

    def config(connection=None):
        cfg = real_config(connection)
        cfg.set_main_option("script_location", str(scripts))
        return cfg

    monkeypatch.setattr(migrate, "alembic_config", config)
    monkeypatch.setattr(schema, "KNOWN_REVISIONS", (*schema.KNOWN_REVISIONS, NEXT))
    monkeypatch.setattr(schema, "SCHEMA_REVISION", NEXT)


def test_older_database_is_upgraded_by_init_and_only_by_init(db, newer_code):
    cli = Cli(db)
    path = resolve(db).path
    digest = file_digest(path) if path else None
    before = row_counts(db)

    result = cli("events")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"kpolicy: error: {resolve(db).label} is at schema revision {HEAD}, this kpolicy needs {NEXT}; "
        f"run `kpolicy init --db {resolve(db).label}` to upgrade it"
    ]
    if path:
        assert file_digest(path) == digest  # a query never upgrades
    assert row_counts(db)["alembic_version"] == 1

    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert "upgraded" in result.stderr and f"from schema revision {HEAD} to {NEXT}" in result.stderr
    assert row_counts(db) == before  # every row kept
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == NEXT
            assert "language" in {c["name"] for c in sa.inspect(conn).get_columns("sources")}
    finally:
        engine.dispose()
    assert cli("events", "--limit", "1").exit_code == 0
    result = cli("init")
    assert f"already at schema revision {NEXT}" in result.stderr


def test_newer_database_is_never_downgraded(db):
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    finally:
        engine.dispose()
    before = row_counts(db)
    for command in ("init", "seed", "events", "timeline"):
        result = Cli(db)(command)
        assert result.exit_code == 2
        assert "written by a newer kpolicy (schema revision ffff9999)" in result.stderr
        assert "will not be downgraded" in result.stderr
    assert row_counts(db) == before
