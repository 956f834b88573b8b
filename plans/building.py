"""Building the plan: from the vote's selection or its confirmed result, projects and their
schedules, the plan's totals; and loading a plan or project of the district, with its log.

Public functions other packages may rely on:

- ``create_plan_from_selection(district_id, cycle_id, ranked, source_label, total_budget,
  actor)`` — the plan built from a vote's selected items, ``ranked`` being
  ``[(agenda_item_id, score), ...]`` best first.
- ``create_plan_from_vote(district_id, cycle_id, vote_id, total_budget, actor)`` — the same
  from a vote's confirmed result (``voting.confirmed.confirmed_selection``).
- ``add_vote_selection(district_id, plan, vote_id, actor)`` — a confirmed vote's selection
  added to an existing plan (the amendment of ``plans.review.amend_from_vote``).
- ``plan_for_cycle(district_id, cycle_id)`` — the cycle's plan or ``None``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda import coordination, proposals
from agenda.models import AgendaItem, Kind, Status
from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from core.models import Cycle
from plans import rules
from plans.inputs import budget_amount, clean_text, required_text
from plans.models import (
    Category,
    FundingSource,
    Milestone,
    Plan,
    PlanLogEntry,
    PlanProject,
    PlanStatus,
    PlanVersion,
)
from plans.settings import budget_rules
from voting.confirmed import confirmed_selection
from voting.definition import get_vote

PLAN_NOT_FOUND = _l("그런 실행계획이 없습니다.")
PROJECT_NOT_FOUND = _l("그런 실행사업이 없습니다.")


def project_line(project: PlanProject) -> rules.ProjectLine:
    category = rules.FOUNDATION if project.category == Category.FOUNDATION else project.category
    return rules.ProjectLine(project.title, project.budget, category, project.field,
                             project.dong)


def check_plan(plan: Plan, district_rules: rules.BudgetRules | None = None
               ) -> list[rules.RuleCheck]:
    """Every published budget rule applied to the plan as it stands: the district's rules,
    read here unless the caller passes them (``settings.rules_from``, for many districts at
    once)."""
    return rules.check_budget([project_line(p) for p in plan.projects],
                              district_rules or budget_rules(plan.district_id,
                                                             plan.total_budget))


def get_plan(district_id: int, plan_id: int, *, lock: bool = False) -> Plan:
    query = select(Plan).where(Plan.id == plan_id)
    if lock:
        query = query.with_for_update()
    plan = db.session.scalars(query).first()
    if plan is None or plan.district_id != district_id:
        raise NotFound(PLAN_NOT_FOUND)
    return plan


def plan_for_cycle(district_id: int, cycle_id: int) -> Plan | None:
    return db.session.scalars(select(Plan).where(Plan.district_id == district_id,
                                                 Plan.cycle_id == cycle_id)).first()


def get_project(district_id: int, project_id: int) -> PlanProject:
    project = db.session.get(PlanProject, project_id)
    if project is None or project.plan.district_id != district_id:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


def get_cycle(district_id: int, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("그런 연차 계획 주기가 없습니다."))
    return cycle


def log_action(plan: Plan, action: str, actor=None, note: str = "") -> None:
    """The plan's own history, shown on its page, and the district's audit trail beside it."""
    plan.log.append(PlanLogEntry(action=action, note=note, actor_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record(f"plan.{action}", "plan", plan.id, actor, plan.district_id, {"note": note})


def _new_plan(district_id: int, cycle_id: int, title: str, total_budget: int,
              source_label: str, actor) -> Plan:
    cycle = get_cycle(district_id, cycle_id)
    if plan_for_cycle(district_id, cycle.id) is not None:
        raise Conflict(_l("이 주기에는 이미 실행계획이 있습니다."))
    plan = Plan(district_id=district_id, cycle_id=cycle.id,
                title=required_text(title or f"{cycle.title} 실행계획",
                                    _l("계획 제목을 적으세요."), 200),
                total_budget=budget_amount(total_budget),
                source_label=clean_text(source_label, 200))
    db.session.add(plan)
    log_action(plan, "created", actor, plan.source_label)
    return plan


def category_for(item: AgendaItem) -> str:
    return (Category.POLICY_EXECUTION.value if item.kind == Kind.POLICY_EXECUTION.value
            else Category.PROBLEM_SOLVING.value)


def _selected_items(district_id: int, plan: Plan, ranked: Sequence[tuple[int, object]]
                    ) -> list[AgendaItem]:
    if not ranked:
        raise DomainError(_l("실행계획에 담을 선정 의제가 없습니다."))
    ids = [item_id for item_id, _score in ranked]
    if len(set(ids)) != len(ids):
        raise DomainError(_l("같은 의제를 두 번 담을 수 없습니다."))
    items = []
    for item_id in ids:
        item = proposals.get_item(district_id, item_id)
        if item.cycle_id != plan.cycle_id:
            raise DomainError(_l("다른 주기의 의제는 담을 수 없습니다."))
        if item.status != Status.SELECTED.value:
            raise Conflict(lazy_message("‘%(title)s’은(는) 주민투표에서 선정된 의제가 아닙니다.",
                                        title=item.title))
        items.append(item)
    return items


def _add_items(district_id: int, plan: Plan, ranked: Sequence[tuple[int, object]],
               actor) -> list[PlanProject]:
    """Each selected item becomes a project after the plan's last, with its estimated cost
    as budget, its department and civil partners as working group, its rank and score in
    the vote; the items move to ``in_plan``."""
    items = _selected_items(district_id, plan, ranked)
    for item in items:
        if _title_taken(plan, item.title[:200], None):
            raise Conflict(lazy_message("‘%(title)s’과(와) 같은 이름의 사업이 이미 있습니다.",
                                        title=item.title))
    added = []
    for rank, (item, (_id, score)) in enumerate(zip(items, ranked, strict=True), start=1):
        project = PlanProject(
            agenda_item_id=item.id, position=len(plan.projects) + 1, title=item.title[:200],
            summary=item.description, budget=item.estimated_cost or 0,
            funding_source=FundingSource.CITY.value, category=category_for(item),
            field=item.field, dong=item.dong.name if item.dong else "",
            department=item.department, civil_partners=item.civil_partners,
            vote_rank=rank, vote_score=str(score)[:40])
        plan.projects.append(project)
        added.append(project)
    db.session.flush()
    for item in items:
        coordination.set_status(item.id, Status.IN_PLAN.value, actor, plan.title,
                                district_id=district_id, notify=False)
    return added


def create_plan_from_selection(district_id: int, cycle_id: int,
                               ranked: Sequence[tuple[int, object]], source_label: str,
                               total_budget: int, actor, title: str = "") -> Plan:
    """The cycle's plan from the vote's selected items, best first (see ``_add_items``).
    Items must belong to the cycle and be ``selected``."""
    if not ranked:
        raise DomainError(_l("실행계획에 담을 선정 의제가 없습니다."))
    plan = _new_plan(district_id, cycle_id, title, total_budget, source_label, actor)
    _add_items(district_id, plan, ranked, actor)
    return plan


def add_vote_selection(district_id: int, plan: Plan, vote_id: int, actor
                       ) -> list[PlanProject]:
    """The confirmed selection of a vote of the plan's cycle added to the plan's working
    copy, leaving out items already in it. Refused (409) while the result is not confirmed
    or when every selected item is already in the plan. The caller checks the plan may be
    edited (``plans.review.amend_from_vote`` opens an amendment of an approved plan)."""
    vote = get_vote(district_id, vote_id)
    if vote.cycle_id != plan.cycle_id:
        raise DomainError(_l("다른 주기의 투표 결과는 이 실행계획에 더할 수 없습니다."))
    planned = {p.agenda_item_id for p in plan.projects}
    ranked = [(item_id, score) for item_id, score in confirmed_selection(district_id, vote.id)
              if item_id not in planned]
    if not ranked:
        raise Conflict(_l("이 투표에서 선정된 의제는 모두 이미 실행계획에 있습니다."))
    added = _add_items(district_id, plan, ranked, actor)
    log_action(plan, "projects_from_vote", actor,
               f"{vote.title}: " + ", ".join(p.title for p in added))
    return added


def create_plan_from_vote(district_id: int, cycle_id: int, vote_id: int, total_budget: int,
                          actor, title: str = "") -> Plan:
    """The cycle's plan from a vote's confirmed result, its selection in priority order with
    the scores that placed it. Refused (409) while the vote's result is not confirmed."""
    vote = get_vote(district_id, vote_id)
    if vote.cycle_id != cycle_id:
        raise DomainError(_l("다른 주기의 투표로는 이 주기의 실행계획을 만들 수 없습니다."))
    ranked = confirmed_selection(district_id, vote.id)
    # Stored in the district's language, like the plan's default title.
    label = f"{vote.title} 확정 결과"
    return create_plan_from_selection(district_id, cycle_id, ranked, label[:200],
                                      total_budget, actor, title)


@dataclass
class ProjectData:
    """What an organizer writes about a project (the seed's plan table columns)."""

    title: str
    budget: int
    category: str
    funding_source: str = FundingSource.CITY.value
    summary: str = ""
    field: str = ""
    dong: str = ""
    department: str = ""
    team: str = ""
    civil_partners: str = ""
    fusion_tags: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


def check_editable(plan: Plan) -> None:
    if plan.status == PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획은 바로 고칠 수 없습니다. 변경안을 열어 새 판으로 "
                          "고치세요."))


def _apply_project(project: PlanProject, data: ProjectData) -> None:
    if data.category not in set(Category):
        raise DomainError(_l("사업 유형을 고르세요."))
    if data.funding_source not in set(FundingSource):
        raise DomainError(_l("재원을 고르세요."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError(_l("종료일이 시작일보다 빠를 수 없습니다."))
    project.title = required_text(data.title, _l("사업명을 적으세요."), 200)
    project.budget = budget_amount(data.budget)
    project.category = data.category
    project.funding_source = data.funding_source
    project.summary = clean_text(data.summary)
    project.field = clean_text(data.field, 20)
    project.dong = clean_text(data.dong, 40)
    project.department = clean_text(data.department, 100)
    project.team = clean_text(data.team, 100)
    project.civil_partners = clean_text(data.civil_partners, 300)
    tags = [t.strip() for t in (data.fusion_tags or "").split(",") if t.strip()]
    project.fusion_tags = clean_text(", ".join(dict.fromkeys(tags)), 300)
    project.starts_on, project.ends_on = data.starts_on, data.ends_on


def _title_taken(plan: Plan, title: str, project_id: int | None) -> bool:
    return any(p.title == title.strip() and p.id != project_id for p in plan.projects)


def add_project(district_id: int, plan_id: int, data: ProjectData, actor) -> PlanProject:
    """A project not grown from an agenda item, such as the foundation-building work."""
    plan = get_plan(district_id, plan_id, lock=True)
    check_editable(plan)
    if _title_taken(plan, data.title or "", None):
        raise Conflict(_l("같은 이름의 사업이 이미 있습니다."))
    project = PlanProject(position=len(plan.projects) + 1)
    _apply_project(project, data)
    plan.projects.append(project)
    log_action(plan, "project_added", actor, project.title)
    db.session.flush()
    return project


def update_project(district_id: int, project_id: int, data: ProjectData, actor) -> PlanProject:
    project = get_project(district_id, project_id)
    plan = get_plan(district_id, project.plan_id, lock=True)
    check_editable(plan)
    if _title_taken(plan, data.title or "", project.id):
        raise Conflict(_l("같은 이름의 사업이 이미 있습니다."))
    _apply_project(project, data)
    log_action(plan, "project_edited", actor, project.title)
    db.session.flush()
    return project


def set_total_budget(district_id: int, plan_id: int, total_budget: int, actor) -> Plan:
    plan = get_plan(district_id, plan_id, lock=True)
    check_editable(plan)
    plan.total_budget = budget_amount(total_budget)
    log_action(plan, "budget_set", actor, str(plan.total_budget))
    db.session.flush()
    return plan


def add_milestone(district_id: int, project_id: int, title: str, due_on: date | None,
                  actor) -> Milestone:
    project = get_project(district_id, project_id)
    check_editable(project.plan)
    if due_on is None:
        raise DomainError(_l("날짜를 적으세요."))
    title = required_text(title, _l("추진 일정 이름을 적으세요."), 200)
    if any(m.title == title for m in project.milestones):
        raise Conflict(_l("같은 이름의 일정이 이미 있습니다."))
    milestone = Milestone(title=title, due_on=due_on)
    project.milestones.append(milestone)
    log_action(project.plan, "milestone_added", actor, f"{project.title}: {title}")
    db.session.flush()
    return milestone


def in_force(plan: Plan) -> PlanVersion | None:
    """The version in force: the last one the city's decision approved (seed 000 §IV,
    협의조정 → 확정). An amendment under way leaves it in force until a later one is approved."""
    approved = [v for v in plan.versions if v.approved_at is not None]
    return approved[-1] if approved else None


def require_approved(project: PlanProject) -> None:
    """Progress and evaluations are recorded on the projects of the version in force, also
    while an amendment goes through the council and the city."""
    version = in_force(project.plan)
    if version is None or project.id not in {p["id"] for p in version.snapshot["projects"]}:
        raise Conflict(_l("승인된 계획의 사업만 실적과 평가를 기록할 수 있습니다."))


def summary(plan: Plan) -> dict:
    """Totals for the public page and the JSON."""
    foundation = sum(p.budget for p in plan.projects if p.category == Category.FOUNDATION)
    allocated = plan.allocated
    spent = sum(p.spent for p in plan.projects)
    weighted = (sum(p.percent_done * p.budget for p in plan.projects) // allocated
                if allocated else 0)
    # Of the plan's total budget, as the 30% rule measures it (``rules.foundation_check``).
    total = plan.total_budget
    return {"allocated": allocated, "foundation": foundation,
            "foundation_percent": round(100 * foundation / total, 1) if total else 0.0,
            "spent": spent, "progress_percent": weighted,
            "by_source": {s.value: sum(p.budget for p in plan.projects
                                       if p.funding_source == s.value) for s in FundingSource}}
