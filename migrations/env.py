"""Alembic environment. kpolicy runs migrations from code (kpolicy.store.migrate) and hands
over its open connection in `config.attributes["connection"]`; the `alembic` command
line works too, given `-x db=URL`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kpolicy.store.schema import metadata

config = context.config

# Objects that live outside the SQLAlchemy metadata on purpose: the SQLite full-text index
# (an FTS5 virtual table and its shadow tables, migration 0003).
UNMODELLED_PREFIXES = ("event_search",)


def include_name(name, type_, parent_names) -> bool:
    if type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIXES):
        return False
    return True


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x db=sqlite:///path/to/kpolicy.db upgrade head")
    engine = create_engine(url)
    with engine.connect() as conn:
        run(conn)
