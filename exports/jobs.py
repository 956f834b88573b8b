"""The export job: write the file under a temporary name, rename it when complete.

Safe to run twice and to run again after a crash: the output depends only on the data, a
half-written file never carries the final name, and progress is recorded on its own
connection so the page sees it while the export's long read is still going.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from core.db import commit, db, utcnow
from core.errors import DomainError
from core.jobs import Transport, transport

from .models import ExportJob, JobState
from .registry import ExportContext, count_rows, get_kind, run_export
from .services import attempt_id, end_stopped, exports_dir, file_path, link_lifetime, send_to_worker

# Progress writes at most this often: a million rows must not mean a million updates.
PROGRESS_INTERVAL = 0.5

# An export whose worker died this many times is ended failed instead of sent again: it may
# be what kills the worker.
MAX_ATTEMPTS = 3


class _Progress:
    def __init__(self, job_id: int, total: int) -> None:
        self.job_id = job_id
        self.total = total
        self.done = 0
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.save()

    def save(self, percent: int | None = None) -> None:
        if percent is None:
            # Never 100 before the file is in place.
            percent = min(99, int(self.done * 100 / self.total)) if self.total else 0
        with db.engine.begin() as connection:
            connection.execute(update(ExportJob).where(ExportJob.id == self.job_id).values(
                progress=percent, rows_done=self.done, heartbeat_at=utcnow()))


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_export(job_id: int) -> None:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.state in (JobState.DONE, JobState.FAILED):
        return
    job.state = JobState.RUNNING.value
    job.attempts += 1
    job.started_at = job.heartbeat_at = utcnow()
    job.error = ""
    ctx = ExportContext(job.district_id, job.scope_id, include_personal=job.include_personal)
    kind_name, fmt = job.kind, job.format
    commit()
    folder = exports_dir() / str(job.district_id)
    folder.mkdir(parents=True, exist_ok=True)
    # Leftovers of an attempt whose worker died: never served, removed now.
    for leftover in folder.glob(f".{job_id}-*.part"):
        leftover.unlink(missing_ok=True)
    partial = folder / f".{job_id}-{os.getpid()}.part"
    try:
        total = count_rows(get_kind(kind_name), fmt, ctx)
        progress = _Progress(job_id, total)
        with db.engine.begin() as connection:
            connection.execute(update(ExportJob).where(ExportJob.id == job_id)
                               .values(rows_total=total, heartbeat_at=utcnow()))
        with open(partial, "wb") as out:
            extension = run_export(kind_name, fmt, ctx, out, progress)
            out.flush()
            os.fsync(out.fileno())
        # End the long read first: SQLite cannot turn a read that began before the progress
        # writes into a write.
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.file_name = f"madang-{kind_name}-{job.scope_id}.{extension}"
        final = file_path(job)
        os.replace(partial, final)
    except Exception as error:
        partial.unlink(missing_ok=True)
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.state = JobState.FAILED.value
        job.finished_at = utcnow()
        if isinstance(error, DomainError):
            job.error = str(error.message)
        else:
            current_app.logger.exception("export %s failed", job_id)
            job.error = "내보내기 중 오류가 났습니다. 다시 실행하세요."
        commit()
        return
    job.state = JobState.DONE.value
    job.progress = 100
    job.rows_done = progress.done
    job.file_size = final.stat().st_size
    job.sha256 = _sha256(final)
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + link_lifetime()
    commit()


def reconcile() -> int:
    """Send again the exports the table says are waiting or running but that no worker will
    finish: Redis forgot them (flushed, or down when they were asked for) or their worker
    died. Returns how many were sent again or ended."""
    silence = timedelta(seconds=current_app.config["JOB_WORKER_DEAD_SECONDS"])
    handled = 0
    pending = db.session.scalars(select(ExportJob).where(
        ExportJob.state.in_((JobState.QUEUED.value, JobState.RUNNING.value)))
        .order_by(ExportJob.id)).all()
    for job in pending:
        if job.state == JobState.QUEUED:
            if transport(attempt_id(job.id, job.attempts)) in (Transport.WAITING,
                                                                Transport.RUNNING):
                continue
        else:
            carrier = transport(attempt_id(job.id, job.attempts - 1))
            if carrier in (Transport.WAITING, Transport.RUNNING):
                continue
            # Redis flushed under a worker that is still writing progress: let it finish.
            if carrier == Transport.MISSING and job.heartbeat_at is not None \
                    and utcnow() - job.heartbeat_at < silence:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                current_app.logger.warning("export %s stopped %s times; ended failed",
                                           job.id, job.attempts)
                end_stopped(job)
                handled += 1
                continue
            job.state = JobState.QUEUED.value
            db.session.flush()
        current_app.logger.warning("export %s (%s) lost by the job queue; sent again",
                                   job.id, job.state)
        send_to_worker(job)
        handled += 1
    return handled
