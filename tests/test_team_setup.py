"""docs/team.md, step by step, on the test suite's PostgreSQL: the database and its roles,
`kpolicy init` as the owner, the application role's grants, people added through it, and a
file queued and stored by a worker, and a
backup taken with pg_dump and restored with pg_restore into an empty database that answers
the same export (issue 23). Skipped without KPOLICY_TEST_POSTGRES_URL or pg_dump."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import Cli

ADMIN = os.environ.get("KPOLICY_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
                                reason="needs KPOLICY_TEST_POSTGRES_URL and pg_dump/pg_restore")

GRANTS = """
GRANT USAGE ON SCHEMA public TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""


def url_for(user: str, database: str) -> str:
    return sa.engine.make_url(ADMIN).set(username=user, password=None, database=database).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """The same URL as libpq (pg_dump, pg_restore) takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def team_db():
    tag = uuid.uuid4().hex[:8]
    owner, app, name, restored = f"kp_owner_{tag}", f"kp_app_{tag}", f"kpolicy_team_{tag}", f"kpolicy_restored_{tag}"
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # docs/team.md step 2
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN PASSWORD 'change-me-owner'")
        conn.exec_driver_sql(f"CREATE ROLE {app} LOGIN PASSWORD 'change-me-app'")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {owner}')
    yield {"owner": owner, "app": app, "name": name, "restored": restored}
    with admin.connect() as conn:
        for db in (name, restored):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (owner, app):
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
    admin.dispose()


def test_team_setup_roles_people_and_a_restored_backup(team_db, tmp_path):
    owner_url, app_url = url_for(team_db["owner"], team_db["name"]), url_for(team_db["app"], team_db["name"])
    # step 3: the schema, as its owner; then the application role may read and write
    created = Cli(owner_url)("init", "--seed")
    assert created.exit_code == 0, created.stderr
    grants = sa.create_engine(url_for(sa.engine.make_url(ADMIN).username, team_db["name"]), isolation_level="AUTOCOMMIT")
    with grants.connect() as conn:
        for statement in GRANTS.format(app=team_db["app"], owner=team_db["owner"]).strip().splitlines():
            conn.exec_driver_sql(statement)
    grants.dispose()
    # step 4: people, added through the application role
    app = Cli(app_url)
    for name, role in (("ana", "admin"), ("ben", "reviewer"), ("cho", "reader")):
        result = app("users", "add", name, "--role", role)
        assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in json.loads(app("users", "list", "--format", "json").stdout)] == ["ana", "ben", "cho"]
    rejected = app("review", "reject", "3", "--reason", "a test of the set-up", "--by", "ben")
    assert rejected.exit_code == 0, rejected.stderr
    # the application role cannot change the schema
    with sa.create_engine(app_url).connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError):
            conn.exec_driver_sql("DROP TABLE events")
    # step 6: a file queued through the application role, stored by a worker
    article = tmp_path / "wire.md"
    article.write_text("---\npublished: 2019-05-05\ntitle: Wire\n---\nNorth Korea tested short-range missiles on "
                       "4 May 2019 near Wonsan, officials said.\n", encoding="utf-8")
    queued = app("queue", "add", str(article), "--by", "ana")
    assert queued.exit_code == 0, queued.stderr
    worked = app("worker", "--until-empty")
    assert worked.exit_code == 0, worked.stderr
    assert "job 1 (wire.md): stored wire: 1 events new" in worked.stderr
    jobs = json.loads(app("queue", "--format", "json").stdout)
    assert [(j["status"], j["attempts"], j["queued_by"]) for j in jobs] == [("done", 1, "ana")]
    assert json.loads(app("history", "--by", "ana", "--format", "json").stdout)[0]["command"] == "ingest"
    # step 7: backup and restore
    before = app("export", "--format", "json", "--review", "rejected").stdout
    everything = app("export", "--format", "json").stdout
    dump = tmp_path / "kpolicy.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), libpq(owner_url)], check=True, capture_output=True)
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{team_db["restored"]}" OWNER {team_db["owner"]}')
    admin.dispose()
    restored_url = url_for(team_db["owner"], team_db["restored"])
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq(restored_url), str(dump)], check=True, capture_output=True)
    restored = Cli(restored_url)
    assert restored("export", "--format", "json", "--review", "rejected").stdout == before
    assert restored("export", "--format", "json").stdout == everything
    assert json.loads(before) and json.loads(everything)
    assert [r["name"] for r in json.loads(restored("users", "list", "--format", "json").stdout)] == ["ana", "ben", "cho"]
    history = restored("history", "3", "--format", "json").stdout
    assert "ben" in history and "a test of the set-up" in history
    checked = restored("check")
    assert checked.exit_code == 0, checked.stderr
