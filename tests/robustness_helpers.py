"""Helpers shared by the robustness tests: synthetic articles, annotation files, db fingerprints."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml

from kpolicy.store.db import resolve

GOOD_SENTENCE = "On 4 May 2019 North Korea tested short-range missiles near Wonsan."


def write_annotation(
    folder: Path,
    *,
    name: str = "note",
    article: str | bytes | None = None,
    article_file: str | None = None,
    events: list[dict] | None = None,
    article_meta: dict | None = None,
    raw_yaml: str | None = None,
) -> Path:
    """An annotation YAML file plus its article in `folder`; returns the annotation's path."""
    folder.mkdir(parents=True, exist_ok=True)
    article_file = article_file or f"{name}.md"
    if article is not None:
        target = folder / article_file
        if isinstance(article, bytes):
            target.write_bytes(article)
        else:
            target.write_text(article, encoding="utf-8")
    path = folder / f"{name}.yaml"
    if raw_yaml is not None:
        path.write_text(raw_yaml, encoding="utf-8")
        return path
    meta = {"id": name, "file": article_file, "title": f"Note {name}", "published": "2020-01-01"}
    meta.update(article_meta or {})
    if events is None:
        events = [good_event()]
    path.write_text(yaml.safe_dump({"article": meta, "events": events}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def good_event(**changes) -> dict:
    event = {
        "title": "North Korea tests short-range missiles",
        "type": "missile_test",
        "date": "2019-05-04",
        "status": "occurred",
        "actors": [{"name": "North Korea", "role": "initiator"}],
        "quote": GOOD_SENTENCE,
    }
    event.update(changes)
    return event


def file_digest(path: Path) -> str | None:
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


TABLES = ("sources", "events", "mentions", "event_actors", "actors", "actor_aliases", "places", "event_types", "alembic_version")


def row_counts(url_or_path: str) -> dict[str, int]:
    """Row count of every kpolicy table (any engine)."""
    engine = sa.create_engine(resolve(url_or_path).url)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def integrity_ok(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def kpolicy_argv() -> list[str]:
    """The command that runs the installed kpolicy in a subprocess. -P: the working directory
    is not put on sys.path, so a source checkout there never shadows the installed package."""
    return [sys.executable, "-P", "-m", "kpolicy"]


def without_file_override(argv: list[str]) -> list[str] | None:
    """argv wrapped so that even root obeys file permissions (root ignores chmod otherwise).

    Returns None when that is impossible (root without setpriv)."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *argv]


def run_kpolicy(args: list[str], env: dict | None = None, drop_file_override: bool = False, timeout: float = 60):
    argv = kpolicy_argv() + [str(a) for a in args]
    if drop_file_override:
        argv = without_file_override(argv)
        assert argv is not None
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout)


def check_stored_invariants(db: str) -> int:
    """Every mention's source slice equals its quote; bounds ordered; no orphans. Returns #mentions."""
    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            texts = dict(conn.exec_driver_sql("SELECT id, text FROM sources").all())
            mentions = conn.exec_driver_sql("SELECT source_id, char_start, char_end, quote FROM mentions").all()
            for source_id, start, end, quote in mentions:
                assert texts[source_id][start:end] == quote
            for lower, upper in conn.exec_driver_sql("SELECT start_date, end_date FROM events"):
                if lower is not None and upper is not None:
                    assert lower <= upper
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.event_id = e.id)"
            ).scalar_one()
            assert orphans == 0
            return len(mentions)
    finally:
        engine.dispose()


def extract_events(text: str, published) -> list[dict]:
    """The extractor's output for a plain text, as the JSON objects `kpolicy extract` prints."""
    from kpolicy.extract import extract_events as run

    return [event.to_json() for event in run(text, published)]


def article_text(n: int) -> str:
    """A short synthetic analysis: every event on its own day of its own year, so articles never merge."""
    year = 1980 + n
    return f"""---
title: Synthetic briefing {n}
published: {year}-12-31
---
# Synthetic briefing {n}

On {1 + n % 27} March {year}, North Korea launched two short-range ballistic missiles into the East Sea.
On {2 + n % 26} June {year}, South Korea and the United States held a joint military drill near Seoul.
On {3 + n % 25} September {year}, Kim Jong-un met Xi Jinping in Beijing for talks on the nuclear issue.
On {4 + n % 24} November {year}, the UN Security Council adopted a resolution condemning the launches.
Briefing {n} notes that the analysts expect further tests in the coming months.
"""


def writer_holds_lock(db: str) -> bool:
    """True while some process is inside an event-write transaction (SQLite's write lock, or
    kpolicy's advisory write lock on PostgreSQL)."""
    from kpolicy.store.db import PG_WRITE_LOCK

    target = resolve(db)
    if target.path is not None:
        conn = sqlite3.connect(target.path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc) or "busy" in str(exc), exc
            return True
        finally:
            conn.close()
    engine = sa.create_engine(target.url)
    try:
        with engine.connect() as conn:
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({PG_WRITE_LOCK})").scalar_one()
            if got:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_WRITE_LOCK})")
            return not got
    finally:
        engine.dispose()
