"""Open-or-create, initialise and seed: everything that turns a path into a usable kpolicy database.

`open_or_create` is what every command calls; `initialise` migrates and loads the
reference data (and, asked to, the bundled article); `seed` loads annotations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.errors import DatabaseError, RuntimeFailure
from kpolicy.records import StoreSummary
from kpolicy.store.db import Database, check_revision, connect, translate_error

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.store.annotations import Annotation, ArticleReader

# Opening an existing database is every query's first step: the annotation loader, the
# gazetteer (PyYAML) and the article writer are imported only when a database is created
# or seeded, as they were before the layout (docs/benchmarks.md: CLI start-up).


def bundled(read: ArticleReader | None) -> list[Annotation]:
    """Every bundled annotation, validated before anything is written. `read` gives an
    article file's plain text (kpolicy.ingest.article_text): the store reads no article
    formats itself, so whoever asks for the seed hands the reader in."""
    from kpolicy.authority import load_gazetteer
    from kpolicy.store.annotations import bundled_annotations, load_annotation

    if read is None:
        raise RuntimeFailure("seeding the bundled article needs an article reader; "
                             "pass read=kpolicy.ingest.article_text")
    gazetteer = load_gazetteer()
    # the bundled annotations name their articles in the package's data/articles/
    return [load_annotation(path, gazetteer, article_root=path.parent.parent, read=read) for path in bundled_annotations()]


def _store_all(conn: Connection, annotations: list[Annotation], by: str | None = None) -> StoreSummary:
    from kpolicy.authority import load_gazetteer
    from kpolicy.store.articles import store_article, sync_reference

    sync_reference(conn, load_gazetteer())
    summary = StoreSummary()
    for annotation in annotations:
        summary.add(store_article(conn, annotation.source, annotation.events, by=by, action="seed"))
    if annotations:
        from kpolicy.store.stories import seed_bundled

        seed_bundled(conn, annotations, by=by)  # the bundled stories over the articles just stored (data/stories/)
    return summary


def seed(database: Database, annotations: list[Annotation] | None = None, *, read: ArticleReader | None = None,
         by: str | None = None) -> StoreSummary:
    """Load the bundled articles (or the given annotations) in one transaction; texts already present are skipped.
    The bundled articles are read with `read` (see `bundled`); the changes are recorded as `by`'s
    (default: kpolicy.store.write.current_user)."""
    annotations = bundled(read) if annotations is None else annotations
    with database.writing() as conn:
        return _store_all(conn, annotations, by=by)


def initialise(database: Database, with_seed: bool = True, only_if_new: bool = False, *,
               read: ArticleReader | None = None) -> StoreSummary:
    """Migrate to head, sync the reference data and optionally seed: one transaction.

    Race-safe: the revision is read again inside the write lock, so when several
    processes create the same database at once, one migrates and the others find it
    done. `database.revision_before` is what that re-check found (None: a new
    database). With `only_if_new`, a database someone else just created is left as is.
    The seed's article is read with `read` (see `bundled`).
    """
    from kpolicy.store import migrate
    from kpolicy.store.db import schema_revision

    database.refuse_read_only()
    database.refuse_damaged()  # migrations rewrite tables: never on a damaged file (the one whole-file scan a write path runs)
    annotations = bundled(read) if with_seed else []
    if database.engine.dialect.name == "sqlite":
        _enable_wal(database)
    with database.writing() as conn:
        before = schema_revision(conn)
        database.revision_before = before
        if before is not None:
            check_revision(before, database.target, upgrading=True)
            if only_if_new:
                return StoreSummary()
        migrate.upgrade(conn)
        return _store_all(conn, annotations)  # the reference data, then the annotations


def _enable_wal(database: Database) -> None:
    """WAL: readers never block the writer. Set outside any transaction, as SQLite requires;
    persistent, so only a new file needs it (retried if a concurrent creator holds the lock)."""
    import time

    import sqlalchemy as sa

    from kpolicy.store.db import WRITE_RETRIES, is_busy

    for attempt in range(WRITE_RETRIES + 1):
        raw = database.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3.OperationalError
            if not is_busy(exc) or attempt == WRITE_RETRIES:
                raise sa.exc.OperationalError("PRAGMA journal_mode=WAL", (), exc) from None
            time.sleep(0.1 * 2**attempt)
        finally:
            raw.close()


def open_or_create(db: str | None, *, create: bool = True, read: ArticleReader | None = None) -> Database:
    """Open an existing kpolicy database, or create and migrate a new one when `create` (seeded
    with the bundled article, read with `read`, only when it is the default database)."""
    database, revision = connect(db)
    target = database.target
    try:
        if revision is None:
            if not create:
                raise DatabaseError(f"no kpolicy database at {target.label}; run `kpolicy init --db {target.label}` first")
            # only the default database is seeded on first use: a database the user names is theirs
            with_seed = target.is_default
            summary = initialise(database, with_seed=with_seed, only_if_new=True, read=read)
            if database.revision_before is not None:  # another process created it meanwhile
                check_revision(database.revision_before, target)
                return database
            if with_seed:
                database.notices.append(
                    f"created a new kpolicy database at {target.label} and seeded it "
                    f"({summary.sources} article, {summary.events} events); "
                    "use --db or KPOLICY_DB to work elsewhere"
                )
            else:
                database.notices.append(
                    f"created a new, empty kpolicy database at {target.label} (event types, actors and places only); "
                    f"`kpolicy init --db {target.label} --seed` adds the bundled article"
                )
            return database
        check_revision(revision, target)
        return database
    except (DatabaseError, RuntimeFailure):
        database.close()
        raise
    except sa.exc.SQLAlchemyError as exc:
        database.close()
        raise translate_error(exc, target) from None


open_database = open_or_create  # the name library users and the tests know
