"""Progress reports (추진 실적) on an approved plan's projects, with their photos, and who may
file them: organizers on any project, a department's or working group's accounts on the
projects their unit is responsible for (seed 000 §IV 분과위원회 및 확대회의(워킹그룹): 민관협력
실행 단위; seed 002 §6.3 워킹그룹 민간주체·행정)."""

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts import units
from core import audit
from core.auth import Role
from core.db import db
from core.errors import DomainError, Forbidden, NotFound
from plans import photos
from plans.building import get_project, require_approved
from plans.inputs import MAX_BUDGET, clean_text
from plans.models import Plan, PlanProject, ProgressReport, ProgressStatus

PHOTO_PROBLEMS = {
    "too_large": _l("사진이 너무 큽니다. 10MB 이하의 사진을 올리세요."),
    "not_a_photo": _l("사진 파일이 아닙니다. JPEG, PNG, WebP 사진을 올리세요."),
}


NOT_YOUR_PROJECT = _l("이 사업은 다른 부서·분과가 맡고 있습니다. 자기 부서·분과가 맡은 "
                      "사업의 추진 실적만 보고할 수 있습니다.")


def may_report(actor, project: PlanProject) -> bool:
    """Whether ``actor`` may see the project's report page and file progress on it."""
    district_id = project.plan.district_id
    if actor.has_role(district_id, Role.ORGANIZER):
        return True
    return (project.responsible_unit_id is not None
            and project.responsible_unit_id in actor.unit_ids_in(district_id))


def reportable_project(district_id: int, project_id: int, actor) -> PlanProject:
    """The project, when ``actor`` may report on it; another unit's project is refused (403)."""
    project = get_project(district_id, project_id)
    if not may_report(actor, project):
        raise Forbidden(NOT_YOUR_PROJECT)
    return project


def projects_of_units(district_id: int, actor) -> list[PlanProject]:
    """The projects of the units ``actor`` acts for, newest plan first: a department's or
    working group's own list."""
    unit_ids = actor.unit_ids_in(district_id)
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(PlanProject).join(Plan)
        .where(Plan.district_id == district_id, PlanProject.responsible_unit_id.in_(unit_ids))
        .order_by(Plan.id.desc(), PlanProject.position, PlanProject.id)))


def assign_unit(district_id: int, project_id: int, unit_id: int | None, actor) -> PlanProject:
    """Name the department or working group responsible for a project (``None``: no unit).
    Allowed whatever the plan's state: who reports is how the district runs the project,
    not part of the plan the council approved."""
    project = get_project(district_id, project_id)
    unit = units.get_unit(district_id, unit_id, field="unit") if unit_id is not None else None
    project.responsible_unit_id = unit.id if unit else None
    db.session.flush()
    audit.record("plan.project_unit", "plan_project", project.id, actor, district_id,
                 {"unit_id": project.responsible_unit_id,
                  "unit": unit.name if unit else None})
    return project


def report_progress(district_id: int, project_id: int, *, reported_on: date | None,
                    status: str, percent: int | None, spent: int | None, notes: str,
                    reporter: str, photo: bytes | None = None,
                    photo_alt: str = "", actor=None) -> ProgressReport:
    """A department's progress report: status, percent done, money spent, notes, and
    optionally a photo with a description of what it shows. ``actor`` is the account filing
    it (``None``: the system, e.g. the demo), which must be an organizer or hold a role for
    the project's responsible unit."""
    project = (get_project(district_id, project_id) if actor is None
               else reportable_project(district_id, project_id, actor))
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
                            reporter=clean_text(reporter, 100),
                            reported_by_id=getattr(actor, "id", None))
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
        report.photo = photos.store(district_photos_dir(district_id), cleaned)
    project.reports.append(report)
    db.session.flush()
    audit.record("plan.progress", "plan_project", project.id, district_id=district_id,
                 detail={"report_id": report.id, "status": status, "percent": percent,
                         "photo": report.photo is not None})
    return report


def photos_dir() -> Path:
    return Path(current_app.config["PHOTOS_DIR"])


def district_photos_dir(district_id: int) -> Path:
    """Where new photos of one district are stored: a folder of its own, so a district's
    files can be backed up, moved or removed with it."""
    return photos_dir() / str(district_id)


def photo_folder(district_id: int, name: str) -> Path:
    """The folder holding a stored photo of this district: its own folder, or ``PHOTOS_DIR``
    itself for photos stored before districts had folders (their names are kept as they
    were, so old reports keep their photos without moving a file)."""
    folder = district_photos_dir(district_id)
    return folder if (folder / name).is_file() else photos_dir()


def photo_report(district_id: int, name: str) -> ProgressReport:
    """The progress report a stored photo belongs to, in this district."""
    report = db.session.scalars(
        select(ProgressReport).join(PlanProject).join(Plan)
        .where(ProgressReport.photo == name, Plan.district_id == district_id)).first()
    if report is None:
        raise NotFound(_l("그런 사진이 없습니다."))
    return report
