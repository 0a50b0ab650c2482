"""The ingest queue's two ends: queueing files (`kpolicy queue add`, `kpolicy ingest --queue`)
and the worker that takes them (`kpolicy worker`), on any machine that reaches the database.

The table and its claims are kpolicy.store.jobs. A worker's loop, per job:

1. claim it (a short transaction; FOR UPDATE SKIP LOCKED on PostgreSQL);
2. extract it while a heartbeat thread keeps its lease (the file's bytes are written to a
   private temporary folder under the file's own name, with its sidecar, so it reads exactly
   as `kpolicy ingest FILE` reads it);
3. store it through the one write path (kpolicy.store.articles.store_article: one change,
   its revisions) and mark the job done, in ONE transaction that first checks the claim is
   still this worker's.

A bad file fails its job with the reason and one line (the same reasons `kpolicy ingest`
reports); a dropped database connection is retried with backoff, and since the article
and the job's state commit together, a retry never stores half an article or an article twice.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from kpolicy.errors import BadInput
from kpolicy.store import jobs as store_jobs

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0


@dataclass
class Queued:
    """What `enqueue_paths` did with one file."""

    path: Path
    job: int | None
    what: str  # queued | requeued | pending | running | done | failed | skipped
    message: str | None = None


def enqueue_paths(database, items: Iterable, *, default_published=None, manifest: dict | None = None,
                  force: bool = False, by: str | None = None) -> list[Queued]:
    """Queue article files (kpolicy.ingest.walk's items: paths, or Unusable entries reported as
    skipped), each with its sidecar and manifest row, in one transaction. A file whose bytes
    are queued already is not queued twice; a failed one goes back to pending."""
    from kpolicy.extract.text import read_capped
    from kpolicy.ingest import Unusable, real_path, sidecar_path
    from kpolicy.store import write

    who = write.current_user(by)
    manifest = manifest or {}
    rows = []
    out: list[Queued] = []
    for item in items:
        if isinstance(item, Unusable):
            out.append(Queued(item.path, None, "skipped", item.message))
            continue
        path = Path(item)
        try:
            content = read_capped(path, store_jobs.MAX_FILE_BYTES)
        except Exception as exc:  # unreadable, too large, a FIFO: reported, the rest are queued
            out.append(Queued(path, None, "skipped", str(exc)))
            continue
        side = sidecar_path(path)
        sidecar = read_capped(side, 1_000_000) if side is not None else None
        options = {"force": bool(force)}
        if default_published is not None:
            options["published"] = default_published.edtf if hasattr(default_published, "edtf") else str(default_published)
        row = manifest.get(real_path(path))
        if row:
            options["manifest"] = {k: (v.edtf if hasattr(v, "edtf") else v) for k, v in row.items()}
        rows.append((path, content, sidecar, options))
    with database.bookkeeping() as conn:
        for path, content, sidecar, options in rows:
            job, what = store_jobs.enqueue(conn, path.name, str(path.absolute()), content, sidecar, options, who)
            out.append(Queued(path, job, what))
    return out


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerSummary:
    done: int = 0
    failed: int = 0
    lost: int = 0  # jobs another worker took over after this one's lease ran out
    retries: int = 0  # database errors retried
    events: int = 0
    merged: int = 0
    jobs: list[int] = field(default_factory=list)


def is_retryable(exc: BaseException) -> bool:
    """A dropped or refused connection, a server restart, a lock that stayed taken: worth retrying."""
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and bool(getattr(exc, "connection_invalidated", False))


class _Heartbeat:
    """Extends a job's lease every third of it until stopped; notes when the job is no longer ours."""

    def __init__(self, database, job, lease: float):
        self.database, self.job, self.lease = database, job, lease
        self.stopped = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._run, name=f"kpolicy-heartbeat-{job.id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopped.wait(self.lease / 3):
            try:
                with self.database.bookkeeping() as conn:
                    if not store_jobs.extend(conn, self.job, self.lease):
                        self.lost = True
                        return
            except Exception:  # a dropped connection: the next beat tries again; the store checks the claim anyway
                continue


def _prepare(job, extractor):
    """Read and extract the job's file as `kpolicy ingest FILE` would: (Prepared, None) or (None, (reason, line))."""
    from kpolicy.extract.text import ArticleProblem
    from kpolicy.ingest import SIDECAR_SUFFIX, prepare, published_date

    name = Path(job.name).name or "article"
    options = job.options
    path = None

    def shown(text: str) -> str:  # the file's own path in messages, not the temporary copy's
        return text.replace(str(path), job.path) if path is not None else text

    try:
        with tempfile.TemporaryDirectory(prefix="kpolicy-job-") as folder:
            path = Path(folder) / name
            path.write_bytes(job.content)
            if job.sidecar is not None:
                (Path(folder) / (name + SIDECAR_SUFFIX)).write_bytes(job.sidecar)
            external = dict(options.get("manifest") or {}) or None
            if external and external.get("published"):
                external["published"] = published_date(external["published"], job.path)
            default = published_date(options["published"], "--published") if options.get("published") else None
            prepared = prepare(path, default_published=default, external=external, force=bool(options.get("force")),
                               extractor=extractor)
            records = prepared.records()
        return (prepared, records), None
    except ArticleProblem as exc:
        return None, (exc.reason, shown(str(exc)))
    except BadInput as exc:
        return None, ("bad-input", shown(str(exc)))
    except MemoryError:
        return None, ("error", f"{job.path}: out of memory while reading it; split the file")
    except Exception as exc:  # a defect in a reader or the extractor: the job fails with it, the worker goes on
        return None, ("error", f"{job.path}: {type(exc).__name__}: {shown(str(exc))} (a kpolicy defect; please report it with the file)")


def _store(database, job, source, records):
    """Store the article and mark the job done in one transaction; None if the job is no longer ours."""
    from kpolicy.authority import load_gazetteer
    from kpolicy.ingest import sync_reference_if_needed
    from kpolicy.store import schema
    from kpolicy.store.articles import store_article, sync_reference

    with database.writing() as conn:
        if not store_jobs.owned(conn, job):
            return None
        sync_reference_if_needed(conn, load_gazetteer(), sync_reference)
        summary = store_article(conn, source, records, by=job.queued_by)
        s, ch = schema.sources, schema.changes
        source_id = conn.execute(sa.select(s.c.id).where(s.c.sha256 == source.sha256)).scalar()
        slug = conn.execute(sa.select(s.c.slug).where(s.c.id == source_id)).scalar()
        change_id = conn.execute(sa.select(sa.func.max(ch.c.id)).where(ch.c.source_id == source_id,
                                                                       ch.c.action == "ingest")).scalar()
        if summary.sources:
            message = f"stored {slug}: {summary.events} events new, {summary.merged} merged into existing events"
        else:
            message = f"already stored as {slug} (the same text); nothing new"
        store_jobs.finish(conn, job, message, source_id, change_id)
    return summary, message


def run_worker(database, *, extractor=None, lease: float = store_jobs.DEFAULT_LEASE, poll: float = 2.0,
               until_empty: bool = False, max_jobs: int | None = None, name: str | None = None,
               on_event: Callable[[str], None] | None = None, backoff_max: float = BACKOFF_MAX,
               should_stop: Callable[[], bool] | None = None) -> WorkerSummary:
    """Take jobs and store them until stopped (or, with `until_empty`, until no job is pending or
    running; with `max_jobs`, after that many). `on_event` hears one line per job and per retried error."""
    from kpolicy.store.db import translate_error

    name = name or worker_name()
    summary = WorkerSummary()
    tell = on_event or (lambda line: None)
    delay = BACKOFF_START

    def retry_later(exc: BaseException, what: str) -> None:
        nonlocal delay
        summary.retries += 1
        database.engine.dispose()  # drop the pool's dead connections
        wait = min(delay, backoff_max) * (0.5 + random.random() / 2)
        tell(f"{what}: {translate_error(exc, database.target)}; retrying in {wait:.1f} s")
        time.sleep(wait)
        delay = min(delay * 2, backoff_max)

    while not (should_stop and should_stop()):
        if max_jobs is not None and summary.done + summary.failed + summary.lost >= max_jobs:
            break
        try:
            with database.bookkeeping() as conn:
                job = store_jobs.claim(conn, name, lease)
        except Exception as exc:
            if not is_retryable(exc):
                raise
            retry_later(exc, "taking a job")
            continue
        delay = BACKOFF_START
        if job is None:
            if until_empty and _nothing_left(database):
                break
            time.sleep(poll)  # with until_empty: another worker holds a job, whose lease may yet run out
            continue
        try:
            with _Heartbeat(database, job, lease) as beat:
                prepared, problem = _prepare(job, extractor)
                if problem is not None:
                    outcome = ("failed", problem)
                else:
                    outcome = None
                    while outcome is None:
                        try:
                            stored = _store(database, job, prepared[0].source, prepared[1])
                            outcome = ("lost", None) if stored is None else ("done", stored)
                        except Exception as exc:
                            if not is_retryable(exc):
                                raise
                            retry_later(exc, f"storing job {job.id} ({job.name})")
                            if beat.lost:
                                outcome = ("lost", None)
        except BaseException:
            _give_back(database, job)
            raise
        kind, detail = outcome
        if kind == "failed":
            reason, line = detail
            for _ in range(5):
                try:
                    with database.bookkeeping() as conn:
                        store_jobs.fail(conn, job, reason, line)
                    break
                except Exception as exc:
                    if not is_retryable(exc):
                        raise
                    retry_later(exc, f"recording job {job.id}'s failure")
            summary.failed += 1
            tell(f"job {job.id} ({job.name}) failed: {reason}: {line}")
        elif kind == "lost":
            summary.lost += 1
            tell(f"job {job.id} ({job.name}): its lease ran out and another worker took it; this worker stored nothing")
        else:
            stored, message = detail
            summary.done += 1
            summary.events += stored.events
            summary.merged += stored.merged
            summary.jobs.append(job.id)
            tell(f"job {job.id} ({job.name}): {message}")
    return summary


def _nothing_left(database) -> bool:
    """No job pending or running (a running one may still come back if its worker died)."""
    try:
        with database.reading() as conn:
            counted = store_jobs.counts(conn)
    except Exception as exc:
        if not is_retryable(exc):
            raise
        return False
    return counted["pending"] + counted["running"] == 0


def _give_back(database, job) -> None:
    """Stopped mid-job (Ctrl-C, SIGTERM): the job goes back to pending at once (best effort;
    otherwise its lease runs out and the next worker takes it)."""
    try:
        with database.bookkeeping() as conn:
            store_jobs.release(conn, job)
    except Exception:
        pass
