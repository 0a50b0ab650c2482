"""The ingest queue (migration 0015): article files waiting for `kpolicy worker` processes.

A job holds the file's bytes (and its sidecar's), so a worker on any machine that reaches
the database can take it; no shared folder is needed. Its life:

    pending --claim--> running --finish--> done
                          |  \\--fail----> failed (a bad file: the reason and its one line)
                          \\--lease runs out (the worker was killed)--> taken again by the next claim

- `claim` takes the oldest pending job, or a running one whose lease ran out, in one short
  transaction. On PostgreSQL the row is chosen with `SELECT ... FOR UPDATE SKIP LOCKED`, so
  workers on several machines never wait on or take the same row; on SQLite the claim runs
  under the file's write lock (BEGIN IMMEDIATE), which serialises claims the same way.
  Each claim has a random token; only its holder may finish the job (`owned`), so a worker
  that stalled past its lease and lost the job to another cannot store it too.
- The worker stores the article and marks the job done in ONE transaction (kpolicy.jobs):
  killed before that commit, nothing of the article is stored and the job is taken again
  when its lease runs out; after it, the job is done. Nothing is lost or stored twice.
- A job whose workers died `MAX_ATTEMPTS` times (a file that crashes or exhausts every
  worker) fails with reason `worker-died` instead of being taken a fourth time.

Times come from the database's clock, not the worker's: workers on machines whose clocks
disagree still agree on whose lease has run out.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.errors import BadInput
from kpolicy.store import schema

STATUSES = ("pending", "running", "failed", "done")
MAX_ATTEMPTS = 3
DEFAULT_LEASE = 60.0  # seconds a claim holds without a heartbeat
MAX_FILE_BYTES = 20 * 1024 * 1024  # as kpolicy.extract.text.MAX_BYTES: a larger article is refused anyway


@dataclass(frozen=True)
class Job:
    """A claimed job: what the worker needs to extract it, and its claim."""

    id: int
    name: str
    path: str
    content: bytes
    sidecar: bytes | None
    options: dict
    claim: str
    attempts: int
    queued_by: str


def db_now(conn: Connection) -> datetime:
    """The database server's time (UTC, naive, whole seconds)."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql("SELECT (now() AT TIME ZONE 'UTC')").scalar_one()
    else:
        value = datetime.fromisoformat(conn.exec_driver_sql("SELECT datetime('now')").scalar_one())
    return value.replace(microsecond=0, tzinfo=None)


def enqueue(conn: Connection, name: str, path: str, content: bytes, sidecar: bytes | None, options: dict,
            by: str) -> tuple[int, str]:
    """Queue one file; returns (job id, what happened): 'queued', 'requeued' (a failed job of the
    same bytes goes back to pending), or the status of the job that already holds these bytes."""
    import hashlib

    if len(content) > MAX_FILE_BYTES:
        raise BadInput(f"{path} is {len(content) / 1e6:.0f} MB, over kpolicy's {MAX_FILE_BYTES // 2**20} MB limit "
                       "for one article; split it")
    j = schema.ingest_jobs
    digest = hashlib.sha256(content).hexdigest()
    found = conn.execute(sa.select(j.c.id, j.c.status).where(j.c.file_sha256 == digest)).first()
    stamp = db_now(conn)
    if found is not None:
        if found.status != "failed":
            return found.id, found.status
        conn.execute(j.update().where(j.c.id == found.id).values(
            status="pending", attempts=0, claim=None, worker=None, lease_until=None, started_at=None, finished_at=None,
            reason=None, message=None, options=json.dumps(options, sort_keys=True), queued_at=stamp, queued_by=by))
        return found.id, "requeued"
    job_id = conn.execute(j.insert().values(
        name=name[:255], path=path, file_sha256=digest, content=content, sidecar=sidecar,
        options=json.dumps(options, sort_keys=True), status="pending", attempts=0, queued_at=stamp, queued_by=by,
    ).returning(j.c.id)).scalar_one()
    return job_id, "queued"


def claim(conn: Connection, worker: str, lease: float = DEFAULT_LEASE) -> Job | None:
    """Take the oldest pending job (or a running one whose lease ran out) for `worker`, in the
    caller's short transaction; None when there is none. See the module doc."""
    j = schema.ingest_jobs
    stamp = db_now(conn)
    expired = sa.and_(j.c.status == "running", j.c.lease_until < stamp)
    # a file that killed MAX_ATTEMPTS workers is not handed to another
    conn.execute(j.update().where(expired, j.c.attempts >= MAX_ATTEMPTS).values(
        status="failed", reason="worker-died", finished_at=stamp, claim=None, lease_until=None,
        message=sa.literal(f"the worker(s) taking it died {MAX_ATTEMPTS} times (killed, or out of memory); last: ") + j.c.worker))
    pick = (sa.select(j.c.id).where(sa.or_(j.c.status == "pending", expired)).order_by(j.c.id).limit(1)
            .with_for_update(skip_locked=True))
    token = secrets.token_hex(16)
    row = conn.execute(j.update().where(j.c.id == pick.scalar_subquery()).values(
        status="running", claim=token, worker=worker[:200], attempts=j.c.attempts + 1, started_at=stamp,
        lease_until=stamp + timedelta(seconds=lease), finished_at=None, reason=None, message=None,
    ).returning(j.c.id, j.c.name, j.c.path, j.c.content, j.c.sidecar, j.c.options, j.c.attempts, j.c.queued_by)).first()
    if row is None:
        return None
    return Job(row.id, row.name, row.path, bytes(row.content), None if row.sidecar is None else bytes(row.sidecar),
               json.loads(row.options), token, row.attempts, row.queued_by)


def extend(conn: Connection, job: Job, lease: float = DEFAULT_LEASE) -> bool:
    """The heartbeat: push the lease on; False if the job is no longer this claim's."""
    j = schema.ingest_jobs
    stamp = db_now(conn)
    done = conn.execute(j.update().where(j.c.id == job.id, j.c.claim == job.claim, j.c.status == "running")
                        .values(lease_until=stamp + timedelta(seconds=lease)))
    return done.rowcount == 1


def owned(conn: Connection, job: Job) -> bool:
    """In the storing transaction, before anything is written: is the job still this claim's?
    The row is locked (PostgreSQL) until the transaction ends, so no claim can take it meanwhile."""
    j = schema.ingest_jobs
    row = conn.execute(sa.select(j.c.claim, j.c.status).where(j.c.id == job.id).with_for_update()).first()
    return row is not None and row.claim == job.claim and row.status == "running"


def finish(conn: Connection, job: Job, message: str, source_id: int | None = None, change_id: int | None = None) -> None:
    """Mark the job done, in the transaction that stored its article."""
    j = schema.ingest_jobs
    conn.execute(j.update().where(j.c.id == job.id, j.c.claim == job.claim).values(
        status="done", finished_at=db_now(conn), lease_until=None, claim=None, message=message,
        source_id=source_id, change_id=change_id))


def fail(conn: Connection, job: Job, reason: str, message: str) -> bool:
    """Mark the job failed with its reason (a bad file: taking it again would fail the same way)."""
    j = schema.ingest_jobs
    done = conn.execute(j.update().where(j.c.id == job.id, j.c.claim == job.claim, j.c.status == "running").values(
        status="failed", finished_at=db_now(conn), lease_until=None, claim=None, reason=reason[:32], message=message))
    return done.rowcount == 1


def release(conn: Connection, job: Job) -> None:
    """Give the job back (the worker was stopped with Ctrl-C or SIGTERM): pending again, the attempt not counted."""
    j = schema.ingest_jobs
    conn.execute(j.update().where(j.c.id == job.id, j.c.claim == job.claim, j.c.status == "running").values(
        status="pending", claim=None, lease_until=None, attempts=sa.case((j.c.attempts > 0, j.c.attempts - 1), else_=0)))


def retry(conn: Connection, ids: list[int] | None = None) -> int:
    """Failed jobs (these ids, or every failed one) back to pending; returns how many."""
    j = schema.ingest_jobs
    stmt = j.update().where(j.c.status == "failed")
    if ids:
        known = set(conn.execute(sa.select(j.c.id).where(j.c.id.in_(ids))).scalars())
        missing = sorted(set(ids) - known)
        if missing:
            raise BadInput(f"no queued job {missing[0]}; `kpolicy queue` lists the jobs")
        stmt = stmt.where(j.c.id.in_(ids))
    return conn.execute(stmt.values(status="pending", attempts=0, claim=None, lease_until=None, reason=None,
                                    message=None, finished_at=None)).rowcount


def check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        from kpolicy.errors import suggest

        raise BadInput(f"unknown job status {status!r}{suggest(status, STATUSES)}; use one of {', '.join(STATUSES)}")
    return status


def counts(conn: Connection) -> dict[str, int]:
    """Jobs per status (every status present, 0 when none)."""
    j = schema.ingest_jobs
    found = dict(conn.execute(sa.select(j.c.status, sa.func.count()).group_by(j.c.status)).all())
    return {s: int(found.get(s, 0)) for s in STATUSES}


def listing(conn: Connection, status: str | None = None, limit: int | None = None) -> list[dict]:
    """The jobs, oldest first: id, status, attempts, file, worker, times, and the outcome
    (what was stored, or the failure's reason and line). A running job past its lease says so."""
    j = schema.ingest_jobs
    stamp = db_now(conn)
    stmt = sa.select(j.c.id, j.c.status, j.c.attempts, j.c.name, j.c.path, j.c.worker, j.c.queued_at, j.c.queued_by,
                     j.c.started_at, j.c.lease_until, j.c.finished_at, j.c.reason, j.c.message, j.c.source_id,
                     j.c.change_id).order_by(j.c.id)
    if check_status(status):
        stmt = stmt.where(j.c.status == status)
    if limit is not None:
        if int(limit) < 1:
            raise BadInput(f"--limit {limit} shows nothing; give 1 or more, or leave it out for all")
        stmt = stmt.limit(int(limit))
    out = []
    for r in conn.execute(stmt):
        state = r.status
        if state == "running" and r.lease_until is not None and r.lease_until < stamp:
            state = "running (lease ran out: its worker died; the next worker takes it)"
        out.append({
            "id": r.id, "status": r.status, "attempts": r.attempts, "file": r.name, "path": r.path,
            "worker": r.worker or "", "queued": r.queued_at.isoformat(sep=" "), "queued_by": r.queued_by,
            "started": r.started_at.isoformat(sep=" ") if r.started_at else "",
            "finished": r.finished_at.isoformat(sep=" ") if r.finished_at else "",
            "reason": r.reason or "", "result": r.message or ("" if state == r.status else state),
            "source_id": r.source_id, "change": r.change_id,
        })
    return out
