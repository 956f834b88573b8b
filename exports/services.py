"""Export operations: ask for an export, follow it, fetch the file, run it again.

Services flush; the request commits. The work itself runs in ``exports.jobs`` after commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.auth import Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.jobs import enqueue

from .models import ExportDownload, ExportJob, JobState
from .registry import check_format, get_kind

# How many of a person's recent exports their page lists.
RECENT = 20


def exports_dir() -> Path:
    return Path(current_app.config["EXPORTS_DIR"])


def file_path(job: ExportJob) -> Path:
    extension = job.file_name.rsplit(".", 1)[-1]
    return exports_dir() / str(job.district_id) / f"{job.id}.{extension}"


def may_export_personal(user, district_id: int) -> bool:
    """Organizers (and admins) hold the right; even they get personal data only on request."""
    return user.has_role(district_id, Role.ORGANIZER)


def request_export(district_id: int, user, kind_name: str, fmt: str, scope_id: int,
                   include_personal: bool = False) -> ExportJob:
    """Record an export job and schedule its work; checks kind, format, district, rights,
    and (through the kind's ``find``) that a vote's results may be read now. Nothing is
    recorded when one fails."""
    kind = get_kind(kind_name)
    check_format(kind, fmt)
    kind.find(district_id, scope_id)
    if include_personal and not kind.has_personal:
        raise DomainError(_l("이 내보내기에는 개인정보가 없습니다."), status=400)
    if include_personal and not may_export_personal(user, district_id):
        raise Forbidden(_l("개인정보를 내보낼 권한이 없습니다."))
    job = ExportJob(district_id=district_id, requester_id=user.id, kind=kind.name, format=fmt,
                    scope_id=scope_id, include_personal=include_personal,
                    token=secrets.token_urlsafe(32), state=JobState.QUEUED.value)
    db.session.add(job)
    db.session.flush()
    current_app.logger.info("export %s requested: %s/%s scope %s by user %s (personal=%s)",
                            job.id, kind.name, fmt, scope_id, user.id, include_personal)
    send_to_worker(job)
    _audit("export.request", job, user)
    return job


def send_to_worker(job: ExportJob) -> None:
    """Schedule the job's next attempt after commit. Its RQ id names the attempt, so the
    reconciler can tell whether Redis still holds the attempt the row waits for. Without
    Redis it runs on a thread, so the job's page is there at once and follows it."""
    from exports.jobs import build_export

    enqueue(build_export, job.id, job_id=attempt_id(job.id, job.attempts), threaded=True)


def attempt_id(job_id: int, attempts: int) -> str:
    """The RQ id of the attempt that follows ``attempts`` started ones."""
    return f"export-{job_id}-{attempts}"


def _audit(action: str, job: ExportJob, user) -> None:
    audit.record(action, "export_job", job.id, user, job.district_id,
                 {"kind": job.kind, "format": job.format, "scope_id": job.scope_id,
                  "personal": job.include_personal})


def own_job(district_id: int, user, job_id: int) -> ExportJob:
    """The requester's own job in this district; anyone else's is simply not found."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.district_id != district_id or job.requester_id != user.id:
        raise NotFound(_l("내보내기 작업을 찾을 수 없습니다."))
    return job


def recent_jobs(district_id: int, user) -> list[ExportJob]:
    return list(db.session.scalars(
        select(ExportJob).where(ExportJob.district_id == district_id,
                                ExportJob.requester_id == user.id)
        .order_by(ExportJob.id.desc()).limit(RECENT)))


def is_expired(job: ExportJob) -> bool:
    return job.expires_at is not None and job.expires_at <= utcnow()


def check_worker_alive(job: ExportJob) -> ExportJob:
    """A running job whose heartbeat stopped lost its worker: end it failed so it can be
    run again. The partial file was never renamed into place, so nothing half-made is served."""
    stale = timedelta(seconds=current_app.config["EXPORT_STALE_SECONDS"])
    if job.state == JobState.RUNNING and job.heartbeat_at is not None \
            and utcnow() - job.heartbeat_at > stale:
        end_stopped(job)
    return job


def end_stopped(job: ExportJob) -> None:
    job.state = JobState.FAILED.value
    job.error = str(_l("작업이 중간에 멈췄습니다. 다시 실행하세요."))
    job.finished_at = utcnow()
    db.session.flush()


def status(job: ExportJob) -> dict:
    """What the progress bar shows."""
    return {"id": job.id, "state": job.state, "state_label": str(job.state_label),
            "progress": job.progress, "rows_done": job.rows_done, "rows_total": job.rows_total,
            # A PDF or a research file is not written row by row: no figures to show.
            "rows_known": job.rows_total > 0,
            "error": job.error, "ready": job.state == JobState.DONE and not is_expired(job),
            "expired": job.state == JobState.DONE and is_expired(job)}


def rerun(district_id: int, user, job_id: int) -> ExportJob:
    """Run a failed (or expired) job again; the same data gives the same file."""
    job = check_worker_alive(own_job(district_id, user, job_id))
    if job.state in (JobState.QUEUED, JobState.RUNNING):
        raise Conflict(_l("이미 진행 중인 작업입니다."))
    if job.state == JobState.DONE and not is_expired(job):
        raise Conflict(_l("이미 완료된 작업입니다. 내려받기 링크를 쓰세요."))
    # Asked again as a new request would be: the vote may have hidden its results since.
    get_kind(job.kind).find(district_id, job.scope_id)
    job.state = JobState.QUEUED.value
    job.progress = 0
    job.rows_done = 0
    job.error = ""
    job.finished_at = None
    job.expires_at = None
    # A fresh link: the old one stays dead.
    job.token = secrets.token_urlsafe(32)
    db.session.flush()
    send_to_worker(job)
    _audit("export.rerun", job, user)
    return job


def download(district_id: int, user, token: str, remote_addr: str = "") -> tuple[ExportJob,
                                                                                   Path]:
    """The finished file behind a link, for its requester only, before it expires; logged."""
    job = db.session.scalar(select(ExportJob).where(ExportJob.token == token))
    if job is None or job.district_id != district_id or job.requester_id != user.id:
        current_app.logger.warning("export link refused: unknown or foreign token, user %s",
                                   user.id)
        raise NotFound(_l("내려받기 링크가 올바르지 않습니다. "
                          "링크는 요청한 사람만 쓸 수 있습니다."))
    if job.state != JobState.DONE:
        raise Conflict(_l("파일이 아직 준비되지 않았습니다."))
    if is_expired(job):
        raise DomainError(_l("내려받기 링크가 만료되었습니다. 작업을 다시 실행하세요."), status=410)
    # A file made while a vote showed live results is not served once it hides them.
    get_kind(job.kind).find(district_id, job.scope_id)
    path = file_path(job)
    if not path.is_file():
        raise DomainError(_l("파일이 더 이상 없습니다. 작업을 다시 실행하세요."), status=410)
    db.session.add(ExportDownload(job_id=job.id, user_id=user.id, remote_addr=remote_addr[:64]))
    db.session.flush()
    current_app.logger.info("export %s downloaded by user %s", job.id, user.id)
    _audit("export.download", job, user)
    return job, path


def link_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["EXPORT_LINK_HOURS"])
