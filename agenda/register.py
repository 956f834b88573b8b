"""The register of the district's current projects (기존 사업 등록부) and the duplicate check
at intake that reads it: a proposal that repeats a project the district already runs is
shown that project while it is written, before coordination (seed 002 §4: 부서마다의
중복적 실천으로 주민의 불신과 피로도는 증가 ... 기존사업 중복을 예방하고 조정)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts import units
from agenda import similarity
from agenda.models import TITLE_MAX, ExistingProject
from agenda.proposals import clean_text, is_coordinator
from core import audit
from core.db import db
from core.errors import Conflict, Forbidden

DESCRIPTION_MAX = 5_000


def existing_projects(district_id: int) -> list[ExistingProject]:
    return list(db.session.scalars(
        select(ExistingProject).where(ExistingProject.district_id == district_id)
        .order_by(ExistingProject.title)))


def register_project(district_id: int, title: str, description: str, unit_id: int | None,
                     actor) -> ExistingProject:
    """Add one of the district's current projects to the register, with the department or
    working group that runs it when known."""
    if not is_coordinator(actor, district_id):
        raise Forbidden(_l("기존 사업 등록부는 운영자만 고칠 수 있습니다."))
    title = clean_text(title, _l("사업 이름을 적으세요."), TITLE_MAX)
    description = (description or "").strip()
    if description:
        description = clean_text(description, _l("사업 설명을 적으세요."), DESCRIPTION_MAX)
    unit = units.get_unit(district_id, unit_id, field="unit") if unit_id is not None else None
    taken = db.session.scalars(select(ExistingProject.id).where(
        ExistingProject.district_id == district_id, ExistingProject.title == title)).first()
    if taken is not None:
        raise Conflict(_l("같은 이름의 사업이 이미 등록부에 있습니다."), field="title")
    project = ExistingProject(district_id=district_id, title=title, description=description,
                              org_unit_id=unit.id if unit else None)
    db.session.add(project)
    db.session.flush()
    audit.record("agenda.register_project", "existing_project", project.id, actor,
                 district_id, {"title": title, "unit_id": project.org_unit_id})
    return project


def similar_projects(district_id: int, title: str, description: str = "",
                     limit: int = 3) -> list[tuple[ExistingProject, float]]:
    """The registered projects most like a draft proposal, best first, scored by the same
    measure as similar proposals (``agenda.similarity``)."""
    title = (title or "").strip()[:TITLE_MAX]
    if len(title) < 2:
        return []
    registered = existing_projects(district_id)
    ranked = similarity.rank(title, (description or "").strip()[:2000],
                             [(p.id, p.title, p.description) for p in registered], limit=limit)
    by_id = {p.id: p for p in registered}
    return [(by_id[project_id], score) for project_id, score in ranked]
