"""Where the database is and opening it safely (creating and seeding is kpolicy.store.bootstrap).

`--db` takes a path (SQLite) or a SQLAlchemy URL (sqlite:///..., postgresql+psycopg://...);
`KPOLICY_DB` does the same; otherwise the database lives in the platform's user data
folder. Opening checks the file is a kpolicy database at the schema revision this code
knows, without importing Alembic: a newer database is refused (never downgraded), an
older one is upgraded only by `kpolicy init`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpolicy.store import schema
from kpolicy.errors import DatabaseError, RuntimeFailure

ENV_VAR = "KPOLICY_DB"
SUPPORTED_SCHEMES = ("sqlite", "postgresql")
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000
# On top of SQLite's busy timeout, a write transaction that still finds the database
# locked is retried this many times with jittered exponential backoff (0.1 s, 0.2 s, ...).
WRITE_RETRIES = 4
# Test-only fault injection hook: when set (seconds), every write transaction sleeps
# that long after its statements and before COMMIT, so a test can SIGKILL a writer
# mid-transaction deterministically (tests/test_atomic_concurrent.py). Unset in normal use.
SLOW_WRITE_ENV = "KPOLICY_TEST_SLOW_WRITE"
PG_WRITE_LOCK = 0x6B706F6C  # 'kpol': the advisory lock kpolicy writers take on PostgreSQL


def default_path() -> Path:
    from platformdirs import user_data_path  # deferred: only when no --db is given

    return user_data_path("kpolicy", appauthor=False) / "kpolicy.db"


@dataclass
class Target:
    """What `--db` names: a URL, and for SQLite the file path."""

    url: str
    path: Path | None
    is_default: bool = False

    @property
    def label(self) -> str:
        if self.path is not None:
            return str(self.path)
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)


def resolve(db: str | None) -> Target:
    """Turn --db / KPOLICY_DB / the default into a Target, rejecting unusable ones."""
    value = db or os.environ.get(ENV_VAR) or ""
    if not value.strip():
        path = default_path()
        return Target(f"sqlite:///{path}", path, is_default=True)
    value = value.strip()
    if "://" not in value:
        path = Path(value).expanduser()
        return Target(f"sqlite:///{path}", path)
    try:
        url = sa.engine.make_url(value)
    except Exception:
        raise DatabaseError(f"--db {value!r} is not a database URL; give a file path or e.g. postgresql+psycopg://user@host/db") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_SCHEMES:
        raise DatabaseError(
            f"--db scheme {url.drivername!r} is not supported; use a file path, sqlite:///PATH or postgresql+psycopg://user@host/db"
        )
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise DatabaseError("an in-memory SQLite database cannot be kept; give a file path to --db")
        return Target(value, Path(url.database).expanduser())
    if url.drivername == "postgresql":  # plain postgresql:// means the psycopg 3 driver kpolicy ships with
        value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return Target(value, None)


def _sqlite_connect_hooks(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # take transaction control from the sqlite3 module so BEGIN IMMEDIATE works
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # a writer takes the write lock up front, so two writers queue instead of deadlocking
        mode = "BEGIN IMMEDIATE" if connection.get_execution_options().get("kpolicy_write") else "BEGIN"
        connection.exec_driver_sql(mode)


def make_engine(target: Target) -> Engine:
    if target.path is not None:
        engine = sa.create_engine(target.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_connect_hooks(engine)
        return engine
    # a server that accepts and never answers must not hang a command: libpq's connect
    # timeout, and a server-side limit on any one statement
    connect_timeout, statement_timeout = pg_timeouts()
    return sa.create_engine(target.url, pool_pre_ping=False, connect_args={
        "connect_timeout": connect_timeout,
        "options": f"-c statement_timeout={statement_timeout * 1000}",
    })


PG_CONNECT_TIMEOUT_ENV = "KPOLICY_PG_CONNECT_TIMEOUT"
PG_STATEMENT_TIMEOUT_ENV = "KPOLICY_PG_STATEMENT_TIMEOUT"


def pg_timeouts() -> tuple[int, int]:
    """(connect, statement) timeouts in seconds for PostgreSQL: 10 s and 600 s unless the environment says otherwise."""
    def seconds(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, default)))
        except ValueError:
            return default
    return seconds(PG_CONNECT_TIMEOUT_ENV, 10), seconds(PG_STATEMENT_TIMEOUT_ENV, 600)


@dataclass
class Database:
    """An opened kpolicy database. `notices` holds what the CLI should tell the user on stderr."""

    target: Target
    engine: Engine
    notices: list[str] = field(default_factory=list)
    revision_before: str | None = None  # set by bootstrap.initialise: the revision it found under the lock

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all.

        On SQLite it starts with BEGIN IMMEDIATE (the write lock up front); if another
        writer still holds the lock after the busy timeout, starting is retried a few
        times with backoff before the user hears about it.
        """
        conn, transaction = self._begin_writing()
        try:
            with transaction:  # commits when the block ends, rolls back if it raises
                if conn.dialect.name == "postgresql":
                    # serialise kpolicy writers as SQLite's BEGIN IMMEDIATE does, so dedupe
                    # (same text, same actor name) and first-use migration never race
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")
                yield conn
                delay = os.environ.get(SLOW_WRITE_ENV)
                if delay:
                    time.sleep(float(delay))
        finally:
            conn.close()

    def _begin_writing(self) -> tuple[Connection, sa.engine.RootTransaction]:
        for attempt in range(WRITE_RETRIES + 1):
            conn = self.engine.connect()
            try:
                conn.execution_options(kpolicy_write=True)
                return conn, conn.begin()
            except sa.exc.OperationalError as exc:
                conn.close()
                if not is_busy(exc) or attempt == WRITE_RETRIES:
                    raise
                time.sleep(0.1 * 2**attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's SQLITE_BUSY / 'database is locked' (another writer holds the lock)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def _check_file(target: Target, must_exist: bool) -> bool:
    """True when the SQLite file exists with content; raises for unusable paths."""
    path = target.path
    assert path is not None
    if path.is_dir():
        raise DatabaseError(f"--db {path} is a folder; give a file name such as {path / 'kpolicy.db'}")
    if path.exists() and not path.is_file():  # a device, a FIFO: SQLite would create PATH-journal beside it
        raise DatabaseError(f"--db {path} is not a regular file; give a database file or a new file name")
    if not path.exists() or path.stat().st_size == 0:
        if not path.parent.exists():
            if target.is_default:
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                raise DatabaseError(f"the folder {path.parent} does not exist; create it (mkdir -p {path.parent}) or choose another --db")
        if must_exist:
            raise DatabaseError(f"no kpolicy database at {path}; run `kpolicy init --db {path}` first")
        return False
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"--db {path} cannot be read ({exc.strerror}); check its permissions") from None
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database; point --db at a kpolicy database or a new file name")
    return True


def schema_revision(conn: Connection) -> str | None:
    """The alembic_version of the database, None for an empty one; raises if it is not kpolicy's."""
    inspector_tables = _table_names(conn)
    if "alembic_version" not in inspector_tables:
        if inspector_tables:
            raise DatabaseError(
                "this database has tables but is not a kpolicy database (no alembic_version); "
                "point --db at a kpolicy database or a new file name"
            )
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def _table_names(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    else:
        rows = conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return {r[0] for r in rows}


def check_revision(revision: str | None, target: Target, upgrading: bool = False) -> None:
    """Refuse a database this code cannot use: a newer schema always, an older one unless upgrading."""
    if revision == schema.SCHEMA_REVISION:
        return
    if revision in schema.KNOWN_REVISIONS:
        if upgrading:
            return
        raise DatabaseError(
            f"{target.label} is at schema revision {revision}, this kpolicy needs {schema.SCHEMA_REVISION}; "
            f"run `kpolicy init --db {target.label}` to upgrade it"
        )
    raise DatabaseError(
        f"{target.label} was written by a newer kpolicy (schema revision {revision}); "
        "upgrade kpolicy (pip install -U kpolicy) to use it; it will not be downgraded"
    )


def _translate(exc: Exception, target: Target | None) -> Exception:
    """Driver errors that mean 'this is not a usable database' become one-line DatabaseErrors."""
    text = str(getattr(exc, "orig", exc)).lower()
    if target is None:
        return RuntimeFailure(f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}")
    if "file is not a database" in text or "not a database" in text:
        return DatabaseError(f"{target.label} is not a SQLite database; point --db at a kpolicy database or a new file name")
    if target.path is not None and ("readonly" in text or "read-only" in text or "unable to open" in text):
        folder = target.path.parent
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            if not target.path.exists():
                return DatabaseError(f"the folder {folder} is read-only, so {target.path.name} cannot be created there; choose a writable folder")
            return DatabaseError(
                f"the folder {folder} is read-only, and SQLite must create {target.path.name}-wal and -shm beside "
                "the database; make the folder writable or copy the database to a writable folder"
            )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"{target.label} is read-only; make it writable (chmod u+w) or copy it somewhere writable")
    if "unable to open" in text:
        return DatabaseError(f"cannot open {target.label}; check the path and its folder's permissions")
    if target.path is None and "does not exist" in text and 'database "' in text:
        name = sa.engine.make_url(target.url).database
        return DatabaseError(
            f"the PostgreSQL database {name!r} does not exist on that server; create it (createdb {name}) "
            f"and run `kpolicy init --db {target.label}`"
        )
    if target.path is None and ("password authentication failed" in text or ('role "' in text and "does not exist" in text)):
        return DatabaseError(f"the PostgreSQL server refused the user of {target.label}; check the user name and password in the URL")
    if target.path is None and ("timeout expired" in text or "connection timeout" in text or "timed out" in text):
        return DatabaseError(
            f"the PostgreSQL server at {target.label} accepted the connection but did not answer within "
            f"{pg_timeouts()[0]} s; check the server is healthy and the host and port are right"
        )
    if target.path is None and "statement timeout" in text:
        return RuntimeFailure(
            f"a statement on {target.label} ran past {pg_timeouts()[1]} s and was cancelled; "
            f"raise {PG_STATEMENT_TIMEOUT_ENV} (seconds) if the work is expected to take that long"
        )
    if "could not connect" in text or "connection refused" in text or "connection failed" in text:
        return DatabaseError(f"cannot connect to {target.label}; check the server is running and the URL is right")
    if "locked" in text:
        return RuntimeFailure(
            f"{target.label} stayed locked by another writer (waited {BUSY_TIMEOUT_MS / 1000:g} s, {WRITE_RETRIES} retries); "
            "try again when the other kpolicy command has finished"
        )
    return RuntimeFailure(f"database error on {target.label}: {str(getattr(exc, 'orig', exc)).splitlines()[0]}")


def connect(db: str | None) -> tuple[Database, str | None]:
    """Resolve --db, check the file, open an engine and read the schema revision (None: new/empty)."""
    target = resolve(db)
    exists = _check_file(target, must_exist=False) if target.path is not None else True
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn) if exists else None
    except DatabaseError:
        engine.dispose()
        raise
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _translate(exc, target) from None
    return Database(target, engine), revision


def connect_for_init(db: str | None) -> tuple[Database, str | None]:
    """Open (creating the file if needed) for `kpolicy init`: returns the database and its current revision."""
    database, revision = connect(db)
    if revision is not None and revision not in schema.KNOWN_REVISIONS:
        database.close()
        check_revision(revision, database.target)
    return database, revision


translate_error = _translate
