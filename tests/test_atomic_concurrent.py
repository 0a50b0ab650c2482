"""Crashes and concurrent writers lose nothing and keep nothing half-done (issue 4, parts 2-3).

The writer is the real `kpolicy ingest` in a subprocess (one transaction per article). On a
branch without that command it is tests/library_writer.py, which stores articles the same
way through kpolicy.store.articles.store_article inside Database.writing().

Fault injection: KPOLICY_TEST_SLOW_WRITE=seconds makes every write transaction sleep after
its statements and before COMMIT (kpolicy/db.py). The test waits until a given number of
articles is committed AND a writer holds the write lock (so it is inside a transaction),
then SIGKILLs it: the kill always lands mid-transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ENGINES, Cli, _postgres_database
from robustness_helpers import article_text, check_stored_invariants, integrity_ok, kpolicy_argv, row_counts, writer_holds_lock
from typer.main import get_command

from kpolicy.cli import app
from kpolicy.store.db import PG_WRITE_LOCK, SLOW_WRITE_ENV, resolve

HAS_INGEST = "ingest" in get_command(app).commands
LIBRARY_WRITER = Path(__file__).with_name("library_writer.py")
ARTICLES = 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("corpus")
    paths = []
    for n in range(ARTICLES):
        path = folder / f"briefing-{n:02d}.md"
        path.write_text(article_text(n), encoding="utf-8")
        paths.append(str(path))
    return paths


def writer_argv(db: str, files: list[str]) -> list[str]:
    if HAS_INGEST:
        return kpolicy_argv() + ["ingest", *files, "--db", db]
    return [sys.executable, str(LIBRARY_WRITER), db, *files]


def env_with(**extra) -> dict:
    env = dict(os.environ)
    env.pop(SLOW_WRITE_ENV, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def new_database(engine: str, tmp_path: Path, request) -> str:
    """An initialised database without the bundled article."""
    if engine == "sqlite":
        db = str(tmp_path / "kpolicy.db")
    else:
        db, drop = _postgres_database()
        request.addfinalizer(drop)
    assert Cli(db)("init").exit_code == 0
    return db


def per_source(db: str) -> dict[str, tuple[int, int]]:
    """sha256 -> (mentions, distinct events) of every stored source."""
    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT s.sha256, count(m.id), count(DISTINCT m.event_id) "
                "FROM sources s LEFT JOIN mentions m ON m.source_id = s.id GROUP BY s.sha256"
            ).all()
            dupes = conn.exec_driver_sql("SELECT count(*) - count(DISTINCT sha256) FROM sources").scalar_one()
    finally:
        engine.dispose()
    assert dupes == 0
    return {sha: (mentions, events) for sha, mentions, events in rows}


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[dict, dict]:
    """One uninterrupted run of the writer: per-source counts and table totals to compare with."""
    db = str(tmp_path_factory.mktemp("reference") / "reference.db")
    assert Cli(db)("init").exit_code == 0
    proc = subprocess.run(writer_argv(db, corpus), capture_output=True, text=True, env=env_with(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    counts = per_source(db)
    assert len(counts) == ARTICLES
    assert all(mentions > 0 for mentions, _ in counts.values()), "the writer found no events in some article"
    return counts, row_counts(db)


def committed_sources(db: str) -> int:
    return row_counts(db)["sources"]


def assert_whole_articles_only(db: str, expected: dict) -> int:
    """Every article fully present (its counts as in the reference run) or absent; returns how many are present."""
    found = per_source(db)
    for sha, counts in found.items():
        assert sha in expected, "a source that is not one of the articles"
        assert counts == expected[sha], f"article {sha[:8]} is half-stored: {counts} != {expected[sha]}"
    check_stored_invariants(db)  # slices == quotes, bounds ordered, no event without a mention
    target = resolve(db)
    if target.path is not None:
        assert integrity_ok(target.path)
    return len(found)


@pytest.mark.parametrize("engine", ENGINES)
def test_sigkill_mid_batch_keeps_whole_articles_and_a_rerun_completes(engine, corpus, reference, tmp_path, request):
    expected, totals = reference
    db = new_database(engine, tmp_path, request)
    kills = []
    for target in (3, 11, 20):  # SIGKILL once that many articles are committed, three times
        proc = subprocess.Popen(writer_argv(db, corpus), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=env_with(**{SLOW_WRITE_ENV: 0.15}))
        # the batch loads the extractor's tables and forks its workers before the first write
        # (seconds on a loaded machine): the deadline is for a stuck writer, not a slow start
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"the writer finished before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "the writer made no progress"
            if committed_sources(db) >= target and writer_holds_lock(db):
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        present = assert_whole_articles_only(db, expected)
        assert target <= present < ARTICLES
        kills.append(present)
    assert kills == sorted(kills)

    # run the same batch again: it completes the rest and duplicates nothing
    proc = subprocess.run(writer_argv(db, corpus), capture_output=True, text=True, env=env_with(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert assert_whole_articles_only(db, expected) == ARTICLES
    assert row_counts(db) == totals


@pytest.mark.parametrize("engine", ENGINES)
def test_four_writers_at_once_lose_and_duplicate_nothing(engine, corpus, reference, tmp_path, request):
    expected, _ = reference
    db = new_database(engine, tmp_path, request)
    groups = [corpus[k::4] for k in range(4)]  # four disjoint sets of articles
    groups.append(corpus[:3])  # and a fifth writer racing the others for the same three articles
    procs = [
        subprocess.Popen(writer_argv(db, group), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env_with(**{SLOW_WRITE_ENV: 0.05}))
        for group in groups
    ]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for code, _, err in results:
        assert code == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
    assert assert_whole_articles_only(db, expected) == ARTICLES
    stored = per_source(db)
    assert stored == expected  # every article once, with all its events and mentions


def _initialised(tmp_path) -> str:
    """A database made by `kpolicy init` alone (reference data, no articles), to compare with."""
    path = tmp_path / "initialised.db"
    result = subprocess.run(kpolicy_argv() + ["init", "--db", str(path)], capture_output=True, text=True, env=env_with(), timeout=60)
    assert result.returncode == 0, result.stderr
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_four_processes_creating_one_new_database_at_once(engine, tmp_path, request, _seeded_template):
    if engine == "sqlite":
        db = str(tmp_path / "new" / "kpolicy.db")
        Path(db).parent.mkdir()
    else:
        db, drop = _postgres_database()
        request.addfinalizer(drop)
    argv = kpolicy_argv() + ["sources", "--format", "csv", "--db", db]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_with()) for _ in range(4)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
        assert out.startswith("slug,") and "changes-in-north-koreas-policy" not in out  # a --db path is the user's: not seeded
    created = [err for _, _, err in results if "created a new, empty kpolicy database" in err]
    assert len(created) == 1, [err for _, _, err in results]
    assert row_counts(db) == row_counts(_initialised(tmp_path))  # created and loaded exactly once
    check_stored_invariants(db)
    if engine == "sqlite":
        assert integrity_ok(Path(db))


@pytest.mark.parametrize("engine", ENGINES)
def test_sigkill_while_creating_and_seeding_leaves_nothing_half_done(engine, tmp_path, request, _seeded_template):
    """`kpolicy init --seed` is one transaction: killed inside it, the database holds no schema
    and no seed rows, and the next command creates and seeds it whole."""
    if engine == "sqlite":
        db = str(tmp_path / "kpolicy.db")
    else:
        db, drop = _postgres_database()
        request.addfinalizer(drop)
    proc = subprocess.Popen(kpolicy_argv() + ["init", "--seed", "--db", db], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env_with(**{SLOW_WRITE_ENV: 5}))
    deadline = time.monotonic() + 15
    while not (resolve(db).path is None or Path(db).exists()) or not writer_holds_lock(db):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "init never started its transaction"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()
    engine_ = sa.create_engine(resolve(db).url)
    try:
        with engine_.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []  # the migration rolled back with the seed
    finally:
        engine_.dispose()
    if engine == "sqlite":
        assert integrity_ok(Path(db))
    result = subprocess.run(kpolicy_argv() + ["init", "--seed", "--db", db], capture_output=True, text=True, env=env_with(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "created" in result.stderr and "seeded 1 article" in result.stderr
    assert row_counts(db) == row_counts(str(_seeded_template))
