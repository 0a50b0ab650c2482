"""Run Alembic migrations from code: a Config built here, the open connection passed in.

Only `kpolicy init` and first-use creation import this module (and so Alembic); the
query path checks the schema revision by reading alembic_version directly (kpolicy.store.db).
"""

from __future__ import annotations

import sys
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(stdout=sys.stdout)  # not Config()'s default, bound to sys.stdout at import time
    config.set_main_option("script_location", str(files("kpolicy.migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads; merge them")
    return heads[0]


def upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


def check(connection: Connection) -> None:
    """Raise alembic.util.CommandError when the models and the migrations differ."""
    command.check(alembic_config(connection))
