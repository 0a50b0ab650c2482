"""Shared fixtures: fresh and seeded databases on SQLite and, when KPOLICY_TEST_POSTGRES_URL
names a server (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres), on PostgreSQL
too: every test that takes `db` runs once per engine.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sys

import pytest
from typer.testing import CliRunner

# tools/ (bench, evaluate, readme) are development scripts in the checkout, not in the package:
# the checkout goes LAST on the path, so `import tools` works while `kpolicy` stays the
# installed package (a non-editable install ships kpolicy.data and kpolicy.migrations, which
# the checkout's kpolicy/ folder does not hold)
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from kpolicy.cli import app  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("KPOLICY_TEST_POSTGRES_URL")
ENGINES = ["sqlite"] + (["postgresql"] if POSTGRES_ADMIN_URL else [])


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the user's real database or environment."""
    monkeypatch.delenv("KPOLICY_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


class Cli:
    """Runs `kpolicy ARGS` in-process through Typer's runner, adding --db where wanted."""

    def __init__(self, db: str | None = None):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, db: bool = True, input: str | None = None):
        argv = [str(a) for a in args]
        if db and self.db is not None and "--db" not in argv and argv and argv[0] not in ("--help", "--version"):
            argv += ["--db", self.db]
        return self.runner.invoke(app, argv, input=input, catch_exceptions=False)


def _postgres_database() -> tuple[str, callable]:
    """A new empty PostgreSQL database and a function that drops it."""
    import sqlalchemy as sa

    name = f"kpolicy_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


@pytest.fixture(params=ENGINES)
def empty_db(request, tmp_path) -> str:
    """A --db value naming a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if request.param == "sqlite":
        yield str(tmp_path / "kpolicy.db")
        return
    url, drop = _postgres_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    """One seeded SQLite file per test session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    result = Cli(str(path))("init", "--seed")
    assert result.exit_code == 0, result.stderr
    import sqlite3

    with sqlite3.connect(path) as conn:  # fold the WAL into the file: copies are then complete
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size > 0
    return path


def seeded_postgres_database() -> tuple[str, callable]:
    """A new PostgreSQL database, initialised and seeded, and a function that drops it."""
    url, drop = _postgres_database()
    result = Cli(url)("init", "--seed")
    assert result.exit_code == 0, result.stderr
    return url, drop


def copy_seeded(template: Path, target: Path) -> str:
    shutil.copy(template, target)
    return str(target)


@pytest.fixture(params=ENGINES)
def db(request, tmp_path, _seeded_template) -> str:
    """A --db value naming a freshly seeded database."""
    if request.param == "sqlite":
        yield copy_seeded(_seeded_template, tmp_path / "kpolicy.db")
        return
    url, drop = seeded_postgres_database()
    yield url
    drop()


@pytest.fixture
def cli(db) -> Cli:
    return Cli(db)


@pytest.fixture
def sqlite_db(tmp_path, _seeded_template) -> str:
    """A seeded SQLite file, for tests about the file itself (bytes, permissions)."""
    return copy_seeded(_seeded_template, tmp_path / "kpolicy.db")


def query_rows(db: str, sql: str) -> list[tuple]:
    """Every row of a plain SQL query on a test database (SQLite path or PostgreSQL URL)."""
    import sqlalchemy as sa

    from kpolicy.store.db import resolve

    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()
