"""The ingest queue and its workers (issue 23, item 3): `kpolicy queue add`, `kpolicy queue`,
`kpolicy worker`, on SQLite and (with KPOLICY_TEST_POSTGRES_URL) PostgreSQL.

What an analyst relies on: a queued file is stored exactly as `kpolicy ingest FILE` stores it;
a bad file fails its job with the reason; two workers never take the same job; a worker
killed mid-job stores nothing of it, and the job is taken again and stored once, exactly.
The kills are real SIGKILLs of `kpolicy worker` subprocesses, inside the storing transaction
(KPOLICY_TEST_SLOW_WRITE holds it open before COMMIT, as tests/test_atomic_concurrent.py does).
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
from conftest import ENGINES, Cli, _postgres_database, query_rows
from robustness_helpers import article_text, check_stored_invariants, kpolicy_argv, writer_holds_lock

from kpolicy.store.db import PG_WRITE_LOCK, SLOW_WRITE_ENV, resolve

ARTICLES = 6


@pytest.fixture
def engine_db(request, tmp_path):
    """An initialised, unseeded database per engine."""
    def make(name="kpolicy.db"):
        if request.param == "sqlite":
            db = str(tmp_path / name)
        else:
            db, drop = _postgres_database()
            request.addfinalizer(drop)
        result = Cli(db)("init")
        assert result.exit_code == 0, result.stderr
        return db
    return make


def engines(fn):
    return pytest.mark.parametrize("engine_db", ENGINES, indirect=True)(fn)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("queued")
    paths = []
    for n in range(ARTICLES):
        path = folder / f"briefing-{n:02d}.md"
        path.write_text(article_text(n), encoding="utf-8")
        paths.append(path)
    return paths


def env_with(**extra) -> dict:
    env = dict(os.environ)
    env.pop(SLOW_WRITE_ENV, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def events_csv(db: str) -> str:
    result = Cli(db)("events", "--format", "csv", "--review", "extracted")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def without_ids(csv_text: str) -> list[str]:
    """The events' rows without their ids, sorted: what two workers storing in any order must agree on."""
    return sorted(line.split(",", 1)[1] for line in csv_text.splitlines()[1:])


def sources_of(db: str) -> list[tuple]:
    return query_rows(db, "SELECT slug, sha256 FROM sources ORDER BY slug")


def jobs_of(db: str) -> list[tuple]:
    return query_rows(db, "SELECT id, name, status, attempts, reason FROM ingest_jobs ORDER BY id")


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[str, list[tuple]]:
    """The same files stored by plain `kpolicy ingest`, one by one in file order: what the queue must equal."""
    db = str(tmp_path_factory.mktemp("reference") / "reference.db")
    cli = Cli(db)
    assert cli("init").exit_code == 0
    for path in corpus:
        result = cli("ingest", str(path))
        assert result.exit_code == 0, result.stderr
    return events_csv(db), sources_of(db)


def worker(db: str, *args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(kpolicy_argv() + ["worker", "--db", db, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or env_with(), **popen)


def wait_for(condition, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# ---- the commands ---------------------------------------------------------------------------------------

@engines
def test_queued_files_are_stored_as_ingest_stores_them(engine_db, corpus, reference, tmp_path):
    db = engine_db()
    cli = Cli(db)
    bad = tmp_path / "undated.txt"
    bad.write_text("Officials met and talked about many things, none of them dated.\n", encoding="utf-8")
    added = cli("queue", "add", *map(str, corpus), str(bad), "--by", "dana")
    assert added.exit_code == 0, added.stderr
    assert f"kpolicy: {ARTICLES + 1} queued; `kpolicy worker` takes them" in added.stderr
    again = cli("queue", "add", str(corpus[0]))
    assert "briefing-00.md is queued already (job 1, pending)" in again.stderr
    assert "1 already in the queue (pending)" in again.stderr
    listed = cli("queue", "--format", "csv")
    assert listed.stderr.strip() == f"kpolicy: {ARTICLES + 1} pending, 0 running, 0 failed, 0 done job(s)"
    assert [line.split(",")[:4] for line in listed.stdout.splitlines()[1:]] == \
        [[str(i + 1), "pending", "0", p.name] for i, p in enumerate(corpus)] + [[str(ARTICLES + 1), "pending", "0", "undated.txt"]]
    assert sources_of(db) == []  # queueing stores nothing yet

    proc = subprocess.run(kpolicy_argv() + ["worker", "--until-empty", "--db", db], capture_output=True, text=True,
                          env=env_with(), timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert f"stops: {ARTICLES} job(s) stored" in proc.stderr and ", 1 failed" in proc.stderr
    assert f"job {ARTICLES + 1} (undated.txt) failed: no-date: {bad}: no publication date" in proc.stderr

    assert events_csv(db) == reference[0]  # the same events, ids, dates, actors, in the same order
    assert sources_of(db) == reference[1]
    check_stored_invariants(db)
    assert [row[2:] for row in jobs_of(db)] == [("done", 1, None)] * ARTICLES + [("failed", 1, "no-date")]
    failed = cli("queue", "--status", "failed", "--format", "json")
    assert '"reason": "no-date"' in failed.stdout and "no publication date" in failed.stdout
    # each article is one ingest change, signed by whoever queued it, and undoable like any ingest
    assert query_rows(db, "SELECT DISTINCT by, action FROM changes") == [("dana", "ingest")]
    assert query_rows(db, "SELECT count(*) FROM changes")[0][0] == ARTICLES
    done = query_rows(db, "SELECT j.source_id, j.change_id, c.source_id FROM ingest_jobs j JOIN changes c ON c.id = j.change_id")
    assert len(done) == ARTICLES and all(a == c for a, _, c in done)

    # a failed file queued again goes back to pending; a done one is not queued twice
    requeued = cli("queue", "add", str(bad), "--published", "2020-02-05")
    assert "1 queued again after failing" in requeued.stderr
    assert jobs_of(db)[-1][2:] == ("pending", 0, None)
    assert "(job 1, done)" in cli("queue", "add", str(corpus[0])).stderr


@engines
def test_bad_queue_input_is_one_line_and_changes_nothing(engine_db, tmp_path):
    db = engine_db()
    cli = Cli(db)
    missing = cli("queue", "add", str(tmp_path / "nope.md"))
    assert missing.exit_code == 2 and missing.stderr.startswith("kpolicy: error: ") and len(missing.stderr.splitlines()) == 1
    assert "no such file or folder" in missing.stderr
    assert cli("queue", "add").exit_code == 2
    status = cli("queue", "--status", "finished")
    assert status.exit_code == 2 and "unknown job status 'finished'" in status.stderr
    retry = cli("queue", "retry", "99")
    assert retry.exit_code == 2 and "no queued job 99" in retry.stderr
    assert cli("worker", "--extractor", "magic").exit_code == 2
    assert jobs_of(db) == []


@engines
def test_ingest_queue_is_queue_add(engine_db, corpus):
    db = engine_db()
    result = Cli(db)("ingest", "--queue", str(corpus[0].parent))
    assert result.exit_code == 0, result.stderr
    assert [row[1:3] for row in jobs_of(db)] == [(p.name, "pending") for p in corpus]
    assert sources_of(db) == []


# ---- claims ----------------------------------------------------------------------------------------------

def _queued(db: str, n: int, tmp_path: Path):
    from kpolicy.jobs import enqueue_paths
    from kpolicy.store.bootstrap import open_or_create

    database = open_or_create(db)
    paths = []
    for i in range(n):
        path = tmp_path / f"a{i}.md"
        path.write_text(article_text(i), encoding="utf-8")
        paths.append(path)
    enqueue_paths(database, paths)
    return database


@engines
def test_two_claims_never_take_the_same_job(engine_db, tmp_path):
    """A claim in a transaction not yet committed does not make a second claim wait or take its job:
    on PostgreSQL FOR UPDATE SKIP LOCKED passes over the locked row; on SQLite the second claim
    waits for the first's write lock and then sees the job taken."""
    from kpolicy.store import jobs

    db = engine_db()
    database = _queued(db, 3, tmp_path)
    if database.engine.dialect.name == "postgresql":
        first = database.engine.connect()
        tx = first.begin()
        a = jobs.claim(first, "w1")
        start = time.monotonic()
        with database.bookkeeping() as conn:
            b = jobs.claim(conn, "w2")
        assert time.monotonic() - start < 5  # not blocked by the row the first claim holds
        tx.commit()
        first.close()
    else:
        with database.bookkeeping() as conn:
            a = jobs.claim(conn, "w1")
        with database.bookkeeping() as conn:
            b = jobs.claim(conn, "w2")
    with database.bookkeeping() as conn:
        c = jobs.claim(conn, "w3")
        assert jobs.claim(conn, "w4") is None
    assert sorted([a.id, b.id, c.id]) == [1, 2, 3]
    assert query_rows(db, "SELECT worker, attempts, status FROM ingest_jobs ORDER BY worker") == \
        [("w1", 1, "running"), ("w2", 1, "running"), ("w3", 1, "running")]
    # only the claim's holder may finish it
    with database.writing() as conn:
        assert jobs.owned(conn, a) and not jobs.owned(conn, jobs.Job(**{**a.__dict__, "claim": b.claim}))
    database.close()


@engines
def test_a_job_whose_workers_keep_dying_fails_after_three_tries(engine_db, tmp_path):
    from kpolicy.store import jobs

    db = engine_db()
    database = _queued(db, 1, tmp_path)
    expire = sa.text("UPDATE ingest_jobs SET lease_until = :past")
    past = {"past": "2000-01-01 00:00:00"}
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        with database.bookkeeping() as conn:
            job = jobs.claim(conn, f"w{attempt}", lease=60)
            assert job is not None and job.attempts == attempt
            assert jobs.claim(conn, "other") is None  # its lease holds: nobody else takes it
            conn.execute(expire, past)  # the worker died: its lease runs out
    with database.bookkeeping() as conn:
        assert jobs.claim(conn, "w4") is None
    assert jobs_of(db)[0][2:] == ("failed", 3, "worker-died")
    listed = Cli(db)("queue", "--format", "json")
    assert "died 3 times (killed, or out of memory); last: w3" in listed.stdout
    assert Cli(db)("queue", "retry", "--failed").stderr.strip() == "kpolicy: 1 failed job(s) queued again"
    assert jobs_of(db)[0][2:] == ("pending", 0, None)
    database.close()


# ---- real workers: two at once, one killed ---------------------------------------------------------------

@engines
def test_two_workers_and_a_killed_one_lose_nothing_and_store_nothing_twice(engine_db, corpus, reference):
    db = engine_db()
    assert Cli(db)("queue", "add", *map(str, corpus)).exit_code == 0
    # worker A stores slowly: it is SIGKILLed inside its first storing transaction, before COMMIT
    a = worker(db, "--lease", "3", env=env_with(**{SLOW_WRITE_ENV: 60}))
    try:
        wait_for(lambda: writer_holds_lock(db) and query_rows(db, "SELECT count(*) FROM ingest_jobs WHERE status = 'running'")[0][0] == 1,
                 what="worker A inside its storing transaction")
        killed = query_rows(db, "SELECT id FROM ingest_jobs WHERE status = 'running'")[0][0]
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert sources_of(db) == []  # nothing of the killed job was committed
    assert jobs_of(db)[killed - 1][2:4] == ("running", 1)  # still its, until the lease runs out

    # two workers empty the queue; one of them takes the killed job again once its lease runs out
    b, c = worker(db, "--until-empty", "--poll", "0.5"), worker(db, "--until-empty", "--poll", "0.5")
    outs = [p.communicate(timeout=300) for p in (b, c)]
    assert b.returncode == 0 and c.returncode == 0, outs
    told = [line for _, err in outs for line in err.splitlines() if line.startswith("kpolicy: job ")]
    assert sorted(int(line.split()[2]) for line in told) == list(range(1, ARTICLES + 1))  # each job stored by one worker, once
    assert without_ids(events_csv(db)) == without_ids(reference[0])  # the rerun is exact (ids follow the storing order)
    assert sources_of(db) == reference[1]
    check_stored_invariants(db)
    attempts = {row[0]: row[3] for row in jobs_of(db)}
    assert {row[2] for row in jobs_of(db)} == {"done"}
    assert attempts.pop(killed) == 2 and set(attempts.values()) == {1}
    assert query_rows(db, "SELECT count(*) FROM changes WHERE action = 'ingest'")[0][0] == ARTICLES


@pytest.mark.skipif("postgresql" not in ENGINES, reason="needs KPOLICY_TEST_POSTGRES_URL")
@pytest.mark.parametrize("engine_db", ["postgresql"], indirect=True)
def test_a_dropped_connection_is_retried_and_stores_the_article_once(engine_db, corpus, reference):
    """The server ends the worker's connection inside its storing transaction: the worker retries
    with backoff, and the article is stored once, whole."""
    db = engine_db()
    assert Cli(db)("queue", "add", str(corpus[0])).exit_code == 0
    w = worker(db, "--until-empty", env=env_with(**{SLOW_WRITE_ENV: 3}))
    try:
        wait_for(lambda: writer_holds_lock(db), what="the worker inside its storing transaction")
        engine = sa.create_engine(resolve(db).url)
        with engine.connect() as conn:
            ended = conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted"
                % (PG_WRITE_LOCK & 0xFFFFFFFF)).scalars().all()
        engine.dispose()
        assert ended == [True]
        out, err = w.communicate(timeout=120)
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    assert w.returncode == 0, err
    assert "storing job 1 (briefing-00.md): " in err and "retrying in" in err
    assert "stops: 1 job(s) stored" in err
    assert sources_of(db) == reference[1][:1]
    assert jobs_of(db) == [(1, "briefing-00.md", "done", 1, None)]
    check_stored_invariants(db)
