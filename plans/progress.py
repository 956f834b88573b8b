"""Progress reports (추진 실적) on an approved plan's projects, with their photos."""

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import DomainError, NotFound
from plans import photos
from plans.building import get_project, require_approved
from plans.inputs import MAX_BUDGET, clean_text
from plans.models import Plan, PlanProject, ProgressReport, ProgressStatus

PHOTO_PROBLEMS = {
    "too_large": _l("사진이 너무 큽니다. 10MB 이하의 사진을 올리세요."),
    "not_a_photo": _l("사진 파일이 아닙니다. JPEG, PNG, WebP 사진을 올리세요."),
}


def report_progress(district_id: int, project_id: int, *, reported_on: date | None,
                    status: str, percent: int | None, spent: int | None, notes: str,
                    reporter: str, photo: bytes | None = None,
                    photo_alt: str = "") -> ProgressReport:
    """A department's progress report: status, percent done, money spent, notes, and
    optionally a photo with a description of what it shows."""
    project = get_project(district_id, project_id)
    require_approved(project)
    if status not in set(ProgressStatus):
        raise DomainError(_l("추진 상태를 고르세요."))
    if percent is None or not 0 <= percent <= 100:
        raise DomainError(_l("추진율은 0~100%여야 합니다."))
    if spent is None or not 0 <= spent <= MAX_BUDGET:
        raise DomainError(_l("집행액은 0원 이상이어야 합니다."))
    if reported_on is None:
        raise DomainError(_l("보고일을 적으세요."))
    if (status == ProgressStatus.DONE.value) != (percent == 100):
        raise DomainError(_l("완료는 추진율 100%일 때만, 추진율 100%는 완료일 때만 고를 수 "
                             "있습니다."))
    report = ProgressReport(reported_on=reported_on, status=status, percent=percent,
                            spent=spent, notes=clean_text(notes),
                            reporter=clean_text(reporter, 100))
    if photo is not None:
        report.photo_alt = clean_text(photo_alt, 200)
        if not report.photo_alt:
            raise DomainError(_l("사진에 무엇이 보이는지 적으세요. 화면 읽기 프로그램을 쓰는 "
                                 "분께는 이 글이 사진을 대신합니다."))
        try:
            cleaned = photos.cleaned(photo)
        except photos.PhotoError as error:
            raise DomainError(PHOTO_PROBLEMS[error.reason]) from None
        # Stored before the commit, so a committed report always has its file; a commit that
        # fails after this leaves an unreferenced file, never a reference without one.
        report.photo = photos.store(photos_dir(), cleaned)
    project.reports.append(report)
    db.session.flush()
    audit.record("plan.progress", "plan_project", project.id, district_id=district_id,
                 detail={"report_id": report.id, "status": status, "percent": percent,
                         "photo": report.photo is not None})
    return report


def photos_dir() -> Path:
    return Path(current_app.config["PHOTOS_DIR"])


def photo_report(district_id: int, name: str) -> ProgressReport:
    """The progress report a stored photo belongs to, in this district."""
    report = db.session.scalars(
        select(ProgressReport).join(PlanProject).join(Plan)
        .where(ProgressReport.photo == name, Plan.district_id == district_id)).first()
    if report is None:
        raise NotFound(_l("그런 사진이 없습니다."))
    return report
