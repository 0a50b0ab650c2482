"""Creating a database: migrate, load the reference data, load the bundled article(s)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from kpolicy.annotations import Annotation, bundled_annotations, load_annotation
from kpolicy.db import Database
from kpolicy.gazetteer import load_gazetteer
from kpolicy.records import StoreSummary
from kpolicy.store import store_article, sync_reference


def bundled() -> list[Annotation]:
    """Every bundled annotation, validated before anything is written."""
    gazetteer = load_gazetteer()
    return [load_annotation(path, gazetteer) for path in bundled_annotations()]


def _store_all(conn: Connection, annotations: list[Annotation]) -> StoreSummary:
    summary = StoreSummary()
    for annotation in annotations:
        summary.add(store_article(conn, annotation.source, annotation.events))
    return summary


def seed(database: Database) -> StoreSummary:
    """Load the bundled articles in one transaction; texts already present are skipped."""
    annotations = bundled()
    with database.writing() as conn:
        sync_reference(conn, load_gazetteer())
        return _store_all(conn, annotations)


def initialise(database: Database, with_seed: bool = True) -> StoreSummary:
    """Migrate to head, sync the reference data and optionally seed: one transaction."""
    from kpolicy import migrate

    annotations = bundled() if with_seed else []
    if database.engine.dialect.name == "sqlite":
        raw = database.engine.raw_connection()  # outside any transaction, as SQLite requires
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        finally:
            raw.close()
    with database.writing() as conn:
        migrate.upgrade(conn)
        sync_reference(conn, load_gazetteer())
        return _store_all(conn, annotations)
