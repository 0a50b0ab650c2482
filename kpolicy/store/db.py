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
    if "\x00" in value:
        raise DatabaseError(_NUL_MESSAGE)
    if "://" not in value:
        path = _expand(value)
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
        if url.database and "\x00" in url.database:  # %00 in the URL
            raise DatabaseError(_NUL_MESSAGE)
        if not url.database or url.database == ":memory:":
            raise DatabaseError("an in-memory SQLite database cannot be kept; give a file path to --db")
        return Target(value, _expand(url.database))
    if url.drivername == "postgresql":  # plain postgresql:// means the psycopg 3 driver kpolicy ships with
        value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return Target(value, None)


_NUL_MESSAGE = "--db names a file with a NUL byte (%00), which no file name can hold; give a file path such as ./kpolicy.db"


def _expand(value: str) -> Path:
    try:
        return Path(value).expanduser()
    except RuntimeError:  # ~name of a user that does not exist, or no home to expand ~ to
        user = value[1:].split("/", 1)[0]
        who = f"no user {user!r}" if user else "no home folder"
        raise DatabaseError(f"--db {value}: there is {who} to expand ~ for; give the full path") from None


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


ASYNC_DRIVERS = ("asyncpg", "aiosqlite", "psycopg_async", "aiomysql")


_OPEN_SQLITE_FILES: dict[str, int] = {}  # real path of each SQLite file this process has an engine on -> engines
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def open_sqlite_file(path: Path) -> Path | None:
    """The SQLite database this process has open that `path` is, or is the -wal, -shm or -journal of
    (None: neither). Writing output there would overwrite the database (issue 24, item 18)."""
    if not _OPEN_SQLITE_FILES:
        return None
    try:
        real = os.path.realpath(path.expanduser())
    except (OSError, ValueError):
        return None
    for opened in _OPEN_SQLITE_FILES:
        for suffix in SQLITE_COMPANIONS:
            if real == opened + suffix:
                return Path(opened)
        try:
            if os.path.exists(real) and os.path.samefile(real, opened):  # a hard link to the database
                return Path(opened)
        except OSError:
            pass
    return None


def _remember_open(path: Path, delta: int) -> None:
    real = os.path.realpath(path)
    count = _OPEN_SQLITE_FILES.get(real, 0) + delta
    if count > 0:
        _OPEN_SQLITE_FILES[real] = count
    else:
        _OPEN_SQLITE_FILES.pop(real, None)


def make_engine(target: Target, read_only: str | None = None) -> Engine:
    """The engine for the target; `read_only` (why it is) opens a SQLite file for reading only."""
    driver = sa.engine.make_url(target.url).get_driver_name() if "://" in target.url else ""
    if driver in ASYNC_DRIVERS:
        raise DatabaseError(f"--db driver {driver!r} is an asyncio driver and kpolicy is not asynchronous; {_driver_fix(target)}")
    try:
        if target.path is not None:
            if read_only:
                engine = sa.create_engine("sqlite://", creator=_read_only_creator(target.path), poolclass=sa.pool.NullPool)
            else:
                engine = sa.create_engine(target.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _sqlite_connect_hooks(engine)
            _remember_open(target.path, 1)
            engine.kpolicy_sqlite_path = target.path
            return engine
        # a server that accepts and never answers must not hang a command: libpq's connect
        # timeout, and a server-side limit on any one statement. JIT off: kpolicy's queries are
        # index look-ups whose plans cost enough to trigger JIT but run in milliseconds, and JIT
        # compiling them cost ~0.9 s of a 1.6 s actor query at 10^5 events (issue 23).
        # cursor_tuple_fraction=1: kpolicy streams answers through a server-side cursor and reads
        # them whole, but PostgreSQL plans a cursor for its first 10% of rows by default: an actor
        # query then walked the events in timeline order testing each against the actor's subtree,
        # 1.7 s where the plan for the whole answer takes 0.3 s at 10^5 (docs/team.md, "How fast")
        connect_timeout, statement_timeout = pg_timeouts()
        return sa.create_engine(target.url, pool_pre_ping=False, connect_args={
            "connect_timeout": connect_timeout,
            "options": f"-c statement_timeout={statement_timeout * 1000} -c jit=off -c cursor_tuple_fraction=1",
        })
    except ImportError as exc:  # SQLAlchemy imports the URL's driver only here
        module = getattr(exc, "name", None) or driver
        raise DatabaseError(f"the database driver {module!r} that --db {target.label} asks for is not installed; "
                            f"{_driver_fix(target)}") from None


def _driver_fix(target: Target) -> str:
    if target.path is not None:
        return "give a plain file path or sqlite:///PATH (kpolicy reads SQLite with Python's own sqlite3)"
    return "use postgresql+psycopg://user@host/db (pip install 'kpolicy[postgres]')"


def read_only_reason(path: Path) -> str | None:
    """Why this existing SQLite file cannot be written by this process, or None when it can.

    A WAL database is written with two files beside it (-wal, -shm), so the folder must be
    writable as well as the file."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{path} is on a read-only file system"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        try:
            owner = path.stat().st_uid
        except OSError:
            owner = os.geteuid()
        if owner != os.geteuid():
            return f"{path} belongs to another user and is read-only to you"
        return f"{path} is read-only"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is read-only, and SQLite must create {path.name}-wal and -shm beside the database to write"
    return None


def _read_only_creator(path: Path):
    """Connections that only read, and create nothing beside the file.

    When a writer has the database open (its -shm exists), `mode=ro` shares that -shm and
    sees what the writer committed to the WAL. Otherwise the file is opened `immutable`:
    read as it is on disk, without locks. `mode=ro` would create a -wal and -shm there,
    owned by the reader, and the owner's next write would fail on a -shm they cannot write."""
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path.absolute()))}"
    shm = Path(f"{path}-shm")

    def create():
        if shm.exists():
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError as exc:  # a -shm this user cannot even read
                conn.close()
                text = str(exc).lower()
                if "readonly" not in text and "unable to open" not in text and "read-only" not in text:
                    raise
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)

    return create


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
    read_only: str | None = None  # why this SQLite file is opened for reading only (None: writable)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all.

        No whole-file check runs here: a SQLite page the write reads that is damaged fails
        the statement ("malformed", one line: nothing written, the transaction rolled back),
        and `kpolicy check` and `kpolicy init` run the full checks (`refuse_damaged`).

        On SQLite it starts with BEGIN IMMEDIATE (the write lock up front); if another
        writer still holds the lock after the busy timeout, starting is retried a few
        times with backoff before the user hears about it.
        """
        self.refuse_read_only()
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

    @contextmanager
    def bookkeeping(self) -> Iterator[Connection]:
        """One short transaction for rows that are not events (people, desk sessions, queue jobs):
        refused on a read-only database, the write lock up front on SQLite, but not the event
        writers' lock on PostgreSQL, so a sign-in never waits behind a long ingest there."""
        self.refuse_read_only()
        conn, transaction = self._begin_writing()
        try:
            with transaction:
                yield conn
        finally:
            conn.close()

    def refuse_read_only(self) -> None:
        """Every write starts here: a database opened for reading only is refused in one line."""
        if self.read_only:
            where = "copy it to a writable folder (cp) and use --db on the copy"
            if self.read_only.endswith(" is read-only"):
                where = "make it writable (chmod u+w) or " + where
            elif "folder" in self.read_only:
                where = "make the folder writable or " + where
            raise DatabaseError(f"{self.read_only}, so it can be read but not changed; nothing was written; {where}")

    def refuse_damaged(self) -> None:
        """SQLite: refuse a file its quick check reports damaged (a scan of the whole file: seconds
        at 10^6 events, so `kpolicy init` runs it before migrating, not every write). PostgreSQL: nothing."""
        if self.target.path is None:
            return
        problems = quick_check(self.engine)
        if problems != ["ok"]:
            raise DatabaseError(damaged_message(self.target, problems[0]))

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
        self.engine.dispose()  # the last connection checkpoints the WAL into the file
        opened = getattr(self.engine, "kpolicy_sqlite_path", None)
        if opened is not None:
            self.engine.kpolicy_sqlite_path = None
            _remember_open(opened, -1)


def quick_check(engine: Engine) -> list[str]:
    """SQLite's quick check: ['ok'] or the first problems. A full scan of the file (docs/robustness.md
    section 10: about 1-1.7 s of CPU at 10^5 events, 10-17 s at 10^6), so no ordinary write runs it."""
    try:
        with engine.connect() as conn:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(3)")]
            conn.rollback()
    except sa.exc.DatabaseError as exc:
        if "malformed" not in str(exc).lower():
            raise
        problems = [str(getattr(exc, "orig", exc)).splitlines()[0]]
    return problems


def damaged_message(target: Target, detail: str) -> str:
    """One line: SQLite reports the file damaged, and what to do about it."""
    detail = " ".join(str(detail).split())[:160]
    return (f"{target.label} is damaged (SQLite: {detail}); nothing was written. Restore it from a backup, or "
            f"recover what is left with `sqlite3 {target.label} .recover | sqlite3 recovered.db`; `kpolicy check` re-checks it")


@dataclass
class CheckResult:
    """What `kpolicy check` found: ok, what was checked, and the problems (empty when ok)."""

    ok: bool
    checked: str
    problems: list[str]


def check_integrity(database: Database, limit: int = 20) -> CheckResult:
    """SQLite: PRAGMA integrity_check (every page, index and constraint). PostgreSQL has no
    built-in equivalent: every kpolicy table is read in full, the schema revision is read,
    and mentions/event actors are checked to point at existing rows."""
    try:
        with database.engine.connect() as conn:
            if database.target.path is not None:
                rows = [r[0] for r in conn.exec_driver_sql(f"PRAGMA integrity_check({int(limit)})")]
                conn.rollback()
                ok = rows == ["ok"]
                return CheckResult(ok, "SQLite's integrity check of every page, index and constraint", [] if ok else rows)
            problems = []
            tables = sorted(_table_names(conn) & set(schema.metadata.tables))
            for name in tables:
                conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()
            versions = conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar()
            if versions != 1:
                problems.append(f"alembic_version holds {versions} rows, not 1")
            for child, column, parent in (("mentions", "event_id", "events"), ("mentions", "source_id", "sources"),
                                          ("event_actors", "event_id", "events"), ("event_actors", "actor_id", "actors")):
                orphans = conn.exec_driver_sql(
                    f'SELECT count(*) FROM "{child}" c WHERE NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = c.{column})'
                ).scalar()
                if orphans:
                    problems.append(f"{orphans} {child} row(s) point at a missing {parent} row ({column})")
            checked = (f"PostgreSQL: read every row of {len(tables)} kpolicy tables, the schema revision, and that mentions "
                       "and event actors point at existing rows (PostgreSQL has no built-in full check; the amcheck "
                       "extension checks indexes)")
            return CheckResult(not problems, checked, problems)
    except sa.exc.SQLAlchemyError as exc:
        text = " ".join(str(getattr(exc, "orig", exc)).split())
        return CheckResult(False, "the database could not be read to the end", [text])


def describe(database: Database) -> dict:
    """What `kpolicy info` prints: where the database is, its engine, schema revision, counts, size."""
    target = database.target
    with database.reading() as conn:
        revision = schema_revision(conn)
        counts = {}
        for name in ("sources", "events", "mentions", "changes"):
            counts[name] = conn.execute(sa.select(sa.func.count()).select_from(schema.metadata.tables[name])).scalar() if revision else 0
        if target.path is not None:
            size = target.path.stat().st_size if target.path.exists() else 0
            wal = Path(f"{target.path}-wal")
            size_wal = wal.stat().st_size if wal.exists() else 0
        else:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
            size_wal = None
        engine = f"{conn.dialect.name} {'.'.join(map(str, conn.dialect.server_version_info or ()))}".strip()
    info = {
        "database": target.label,
        "default": target.is_default,
        "engine": engine,
        "schema_revision": revision,
        **counts,
        "size_bytes": size,
    }
    if size_wal is not None:
        info["wal_bytes"] = size_wal
    return info


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
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # a home folder that cannot be written (a service account, a read-only home)
                    raise DatabaseError(
                        f"the default database folder {path.parent} cannot be created ({exc.strerror}); "
                        f"set KPOLICY_DB or give --db a file in a writable folder") from None
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
    rows = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version LIMIT 3")]
    if len(rows) == 1:
        return rows[0]
    if not rows and not inspector_tables & KPOLICY_TABLES:
        return None  # migrations began and stopped before the first table: still a new database
    head = schema.SCHEMA_REVISION
    if not rows:
        raise DatabaseError(
            "this database has kpolicy's tables but no schema revision (alembic_version is empty), so it cannot be "
            "checked or upgraded; restore it from a backup, or if this kpolicy wrote it, record the revision with the SQL "
            f"INSERT INTO alembic_version VALUES ('{head}')")
    listed = ", ".join(map(repr, rows[:2])) + (", ..." if len(rows) > 2 else "")
    raise DatabaseError(
        f"this database records more than one schema revision ({listed} in alembic_version), so its schema is unknown; "
        f"restore it from a backup, or if this kpolicy wrote it, keep one row with the SQL "
        f"DELETE FROM alembic_version WHERE version_num <> '{head}'")


KPOLICY_TABLES = frozenset({"events", "sources", "actors", "mentions"})


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
    if "malformed" in text and target.path is not None:
        return DatabaseError(damaged_message(target, str(getattr(exc, "orig", exc)).splitlines()[0]))
    if "database or disk is full" in text or "no space left" in text or "could not extend file" in text:
        return RuntimeFailure(
            f"the disk holding {target.label} is full; the failed step wrote nothing (it was rolled back); "
            "free some space and run the command again")
    if "disk i/o error" in text:
        return RuntimeFailure(
            f"the disk holding {target.label} reported an I/O error; the failed step wrote nothing; check the disk "
            f"(free space, dmesg), run `kpolicy check --db {target.label}`, then try again")
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
    # published data, a read-only mount, another user's file: queries still work, writes are refused
    read_only = read_only_reason(target.path) if exists and target.path is not None else None
    engine = make_engine(target, read_only)
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn) if exists else None
    except DatabaseError:
        engine.dispose()
        raise
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _translate(exc, target) from None
    database = Database(target, engine, read_only=read_only)
    if read_only and _unread_wal(target.path):
        database.notices.append(
            f"{target.path.name}-wal holds changes not yet in {target.path.name}, and without a -shm beside it SQLite "
            "cannot read them from a read-only place; showing the data as of the last checkpoint (the owner's next "
            "kpolicy command folds them in)")
    return database, revision


def _unread_wal(path: Path) -> bool:
    """A non-empty -wal with no -shm: an immutable open reads the main file only."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    try:
        return wal.stat().st_size > 0 and not shm.exists()
    except OSError:
        return False


def connect_for_init(db: str | None) -> tuple[Database, str | None]:
    """Open (creating the file if needed) for `kpolicy init`: returns the database and its current revision."""
    database, revision = connect(db)
    if revision is not None and revision not in schema.KNOWN_REVISIONS:
        database.close()
        check_revision(revision, database.target)
    return database, revision


translate_error = _translate
