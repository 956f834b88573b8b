"""Plan operations: build the plan from the vote's selection, check the budget rules, run the
city review in versions, decide the council's approval motion, record progress and
evaluations, and carry findings into next year's intake.

Services take ids and values, check every rule, change the session and flush; the caller
commits once. A refused request raises a ``DomainError`` before anything is changed.

Public functions other packages may rely on:

- ``create_plan_from_selection(district_id, cycle_id, ranked, source_label, total_budget,
  actor)`` — the plan built from a vote's selected items, ``ranked`` being
  ``[(agenda_item_id, score), ...]`` best first.
- ``create_plan_from_vote(district_id, cycle_id, vote_id, total_budget, actor)`` — the same
  from a vote's confirmed result (``voting.confirmed.confirmed_selection``).
- ``plan_for_cycle(district_id, cycle_id)`` — the cycle's plan or ``None``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agenda import coordination, intake, proposals
from agenda.models import AgendaItem, Kind, Status, Support
from core import audit
from core.auth import Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.models import Cycle
from plans import photos, rules
from plans.models import (
    Attendance,
    BudgetLimit,
    Category,
    Choice,
    CouncilMeeting,
    CouncilMember,
    Evaluation,
    EvaluationScore,
    Finding,
    FindingKind,
    FundingSource,
    Gender,
    MemberType,
    Milestone,
    Motion,
    MotionKind,
    MotionVote,
    Period,
    Plan,
    PlanLogEntry,
    PlanProject,
    PlanSettings,
    PlanStatus,
    PlanVersion,
    ProgressReport,
    ProgressStatus,
    ReviewComment,
    RubricCriterion,
    Severity,
)
from plans.versions import Change, diff_snapshots
from voting.confirmed import approval_ballots, confirmed_selection, confirmed_votes
from voting.definition import get_vote

MAX_BUDGET = 1_000_000_000_000
TEXT_MAX = 5_000
PLAN_NOT_FOUND = _l("그런 실행계획이 없습니다.")
PROJECT_NOT_FOUND = _l("그런 실행사업이 없습니다.")

RULE_LABELS = {
    "total_within_budget": _l("총액이 예산 안에 있음"),
    "foundation_share": _l("기반구축 사업 비율"),
    "field_floor": _l("분야별 최소 금액"),
    "field_cap": _l("분야별 최대 금액"),
    "dong_floor": _l("동별 최소 금액"),
    "dong_cap": _l("동별 최대 금액"),
    "mandatory_item": _l("필수 사업 포함"),
    "roster_size": _l("위원 수 상한"),
    "civil_share": _l("민간위원 비율"),
    "gender_share": _l("특정 성별 비율 상한"),
}


# --- settings and published rules ------------------------------------------------------


def settings_for(district_id: int) -> PlanSettings:
    """The district's plan settings; the ordinance defaults (unsaved) until an organizer
    saves their own."""
    found = db.session.scalars(
        select(PlanSettings).where(PlanSettings.district_id == district_id)).first()
    return found or PlanSettings(district_id=district_id, foundation_share_percent=30,
                                 council_max_members=50, civil_share_percent=70,
                                 gender_max_percent=60, low_rating_percent=60,
                                 mandatory_titles=[])


def _percent(value, message) -> int:
    if value is None or not 0 <= int(value) <= 100:
        raise DomainError(message)
    return int(value)


def save_settings(district_id: int, *, foundation_share_percent: int, council_max_members: int,
                  civil_share_percent: int, gender_max_percent: int, low_rating_percent: int,
                  mandatory_titles: Sequence[str] = ()) -> PlanSettings:
    if council_max_members not in (30, 50):
        raise DomainError(_l("협치회의 정원은 조례에 따라 30명 또는 50명입니다."))
    settings = settings_for(district_id)
    settings.foundation_share_percent = _percent(foundation_share_percent,
                                                 _l("기반구축 비율은 0~100%여야 합니다."))
    settings.civil_share_percent = _percent(civil_share_percent,
                                            _l("민간위원 비율은 0~100%여야 합니다."))
    settings.gender_max_percent = _percent(gender_max_percent,
                                           _l("성별 비율 상한은 0~100%여야 합니다."))
    settings.low_rating_percent = _percent(low_rating_percent,
                                           _l("낮은 평가 기준은 0~100%여야 합니다."))
    settings.council_max_members = council_max_members
    settings.mandatory_titles = sorted({t.strip() for t in mandatory_titles if t.strip()})
    db.session.add(settings)
    db.session.flush()
    audit.record("plans.settings", "plan_settings", settings.id, district_id=district_id,
                 detail={"foundation_share_percent": settings.foundation_share_percent,
                         "council_max_members": council_max_members,
                         "civil_share_percent": settings.civil_share_percent,
                         "gender_max_percent": settings.gender_max_percent,
                         "low_rating_percent": settings.low_rating_percent,
                         "mandatory_titles": settings.mandatory_titles})
    return settings


def budget_limits(district_id: int) -> list[BudgetLimit]:
    return list(db.session.scalars(select(BudgetLimit).where(
        BudgetLimit.district_id == district_id).order_by(BudgetLimit.scope, BudgetLimit.name)))


def set_budget_limit(district_id: int, scope: str, name: str, floor: int | None,
                     cap: int | None) -> BudgetLimit:
    """A floor and/or cap for one field or dong; replaces the earlier one for it."""
    name = (name or "").strip()
    if scope not in ("field", "dong") or not name:
        raise DomainError(_l("분야 또는 동을 고르세요."))
    if floor is None and cap is None:
        raise DomainError(_l("최소 금액이나 최대 금액 중 하나는 적으세요."))
    for amount in (floor, cap):
        if amount is not None and not 0 <= amount <= MAX_BUDGET:
            raise DomainError(_l("금액은 0원 이상이어야 합니다."))
    if floor is not None and cap is not None and floor > cap:
        raise DomainError(_l("최소 금액이 최대 금액보다 클 수 없습니다."))
    limit = db.session.scalars(select(BudgetLimit).where(
        BudgetLimit.district_id == district_id, BudgetLimit.scope == scope,
        BudgetLimit.name == name)).first()
    if limit is None:
        limit = BudgetLimit(district_id=district_id, scope=scope, name=name)
        db.session.add(limit)
    limit.floor, limit.cap = floor, cap
    db.session.flush()
    audit.record("plans.budget_limit.set", "budget_limit", limit.id, district_id=district_id,
                 detail={"scope": scope, "name": name, "floor": floor, "cap": cap})
    return limit


def remove_budget_limit(district_id: int, limit_id: int) -> None:
    limit = db.session.get(BudgetLimit, limit_id)
    if limit is None or limit.district_id != district_id:
        raise NotFound(_l("그런 예산 한도가 없습니다."))
    db.session.delete(limit)
    db.session.flush()
    audit.record("plans.budget_limit.remove", "budget_limit", limit_id,
                 district_id=district_id, detail={"scope": limit.scope, "name": limit.name})


def budget_rules(district_id: int, total_budget: int) -> rules.BudgetRules:
    settings = settings_for(district_id)
    limits = budget_limits(district_id)

    def pick(scope, attribute):
        return {lim.name: getattr(lim, attribute) for lim in limits
                if lim.scope == scope and getattr(lim, attribute) is not None}

    return rules.BudgetRules(
        total_budget=total_budget,
        foundation_share_min=Fraction(settings.foundation_share_percent, 100),
        field_floors=pick("field", "floor"), field_caps=pick("field", "cap"),
        dong_floors=pick("dong", "floor"), dong_caps=pick("dong", "cap"),
        mandatory=frozenset(settings.mandatory_titles or ()))


def roster_rules(district_id: int) -> rules.RosterRules:
    settings = settings_for(district_id)
    return rules.RosterRules(max_members=settings.council_max_members,
                             civil_share_min=Fraction(settings.civil_share_percent, 100),
                             gender_share_max=Fraction(settings.gender_max_percent, 100))


def _line(project: PlanProject) -> rules.ProjectLine:
    category = rules.FOUNDATION if project.category == Category.FOUNDATION else project.category
    return rules.ProjectLine(project.title, project.budget, category, project.field,
                             project.dong)


def check_plan(plan: Plan) -> list[rules.RuleCheck]:
    """Every published budget rule applied to the plan as it stands."""
    return rules.check_budget([_line(p) for p in plan.projects],
                              budget_rules(plan.district_id, plan.total_budget))


# --- loading ---------------------------------------------------------------------------


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


def _cycle(district_id: int, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("그런 연차 계획 주기가 없습니다."))
    return cycle


def _log(plan: Plan, action: str, actor=None, note: str = "") -> None:
    """The plan's own history, shown on its page, and the district's audit trail beside it."""
    plan.log.append(PlanLogEntry(action=action, note=note, actor_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record(f"plan.{action}", "plan", plan.id, actor, plan.district_id, {"note": note})


def _clean(text: str | None, max_length: int = TEXT_MAX) -> str:
    text = (text or "").strip()
    if len(text) > max_length:
        raise DomainError(lazy_message("%(n)d자 이내로 적으세요.", n=max_length))
    return text


def _required(text: str | None, message, max_length: int = TEXT_MAX) -> str:
    text = _clean(text, max_length)
    if not text:
        raise DomainError(message)
    return text


def _budget(amount) -> int:
    if amount is None or not 0 <= int(amount) <= MAX_BUDGET:
        raise DomainError(_l("예산은 0원 이상이어야 합니다."))
    return int(amount)


# --- building the plan -----------------------------------------------------------------


def _new_plan(district_id: int, cycle_id: int, title: str, total_budget: int,
              source_label: str, actor) -> Plan:
    cycle = _cycle(district_id, cycle_id)
    if plan_for_cycle(district_id, cycle.id) is not None:
        raise Conflict(_l("이 주기에는 이미 실행계획이 있습니다."))
    plan = Plan(district_id=district_id, cycle_id=cycle.id,
                title=_required(title or f"{cycle.title} 실행계획",
                                _l("계획 제목을 적으세요."), 200),
                total_budget=_budget(total_budget), source_label=_clean(source_label, 200))
    db.session.add(plan)
    _log(plan, "created", actor, plan.source_label)
    return plan


def _category_for(item: AgendaItem) -> str:
    return (Category.POLICY_EXECUTION.value if item.kind == Kind.POLICY_EXECUTION.value
            else Category.PROBLEM_SOLVING.value)


def create_plan_from_selection(district_id: int, cycle_id: int,
                               ranked: Sequence[tuple[int, object]], source_label: str,
                               total_budget: int, actor, title: str = "") -> Plan:
    """The cycle's plan from the vote's selected items, best first: each becomes a project
    with its estimated cost as budget, its department and civil partners as working group,
    and moves to ``in_plan``. Items must belong to the cycle and be ``selected``."""
    if not ranked:
        raise DomainError(_l("실행계획에 담을 선정 의제가 없습니다."))
    ids = [item_id for item_id, _score in ranked]
    if len(set(ids)) != len(ids):
        raise DomainError(_l("같은 의제를 두 번 담을 수 없습니다."))
    plan = _new_plan(district_id, cycle_id, title, total_budget, source_label, actor)
    items = []
    for item_id, _score in ranked:
        item = proposals.get_item(district_id, item_id)
        if item.cycle_id != plan.cycle_id:
            raise DomainError(_l("다른 주기의 의제는 담을 수 없습니다."))
        if item.status != Status.SELECTED.value:
            raise Conflict(lazy_message("‘%(title)s’은(는) 주민투표에서 선정된 의제가 아닙니다.",
                                        title=item.title))
        items.append(item)
    for rank, (item, (_id, score)) in enumerate(zip(items, ranked, strict=True), start=1):
        plan.projects.append(PlanProject(
            agenda_item_id=item.id, position=rank, title=item.title[:200],
            summary=item.description, budget=item.estimated_cost or 0,
            funding_source=FundingSource.CITY.value, category=_category_for(item),
            field=item.field, dong=item.dong.name if item.dong else "",
            department=item.department, civil_partners=item.civil_partners,
            vote_rank=rank, vote_score=str(score)[:40]))
    db.session.flush()
    for item in items:
        coordination.set_status(item.id, Status.IN_PLAN.value, actor, plan.title,
                                district_id=district_id, notify=False)
    return plan


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


def _check_editable(plan: Plan) -> None:
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
    project.title = _required(data.title, _l("사업명을 적으세요."), 200)
    project.budget = _budget(data.budget)
    project.category = data.category
    project.funding_source = data.funding_source
    project.summary = _clean(data.summary)
    project.field = _clean(data.field, 20)
    project.dong = _clean(data.dong, 40)
    project.department = _clean(data.department, 100)
    project.team = _clean(data.team, 100)
    project.civil_partners = _clean(data.civil_partners, 300)
    tags = [t.strip() for t in (data.fusion_tags or "").split(",") if t.strip()]
    project.fusion_tags = _clean(", ".join(dict.fromkeys(tags)), 300)
    project.starts_on, project.ends_on = data.starts_on, data.ends_on


def _title_taken(plan: Plan, title: str, project_id: int | None) -> bool:
    return any(p.title == title.strip() and p.id != project_id for p in plan.projects)


def add_project(district_id: int, plan_id: int, data: ProjectData, actor) -> PlanProject:
    """A project not grown from an agenda item, such as the foundation-building work."""
    plan = get_plan(district_id, plan_id, lock=True)
    _check_editable(plan)
    if _title_taken(plan, data.title or "", None):
        raise Conflict(_l("같은 이름의 사업이 이미 있습니다."))
    project = PlanProject(position=len(plan.projects) + 1)
    _apply_project(project, data)
    plan.projects.append(project)
    _log(plan, "project_added", actor, project.title)
    db.session.flush()
    return project


def update_project(district_id: int, project_id: int, data: ProjectData, actor) -> PlanProject:
    project = get_project(district_id, project_id)
    plan = get_plan(district_id, project.plan_id, lock=True)
    _check_editable(plan)
    if _title_taken(plan, data.title or "", project.id):
        raise Conflict(_l("같은 이름의 사업이 이미 있습니다."))
    _apply_project(project, data)
    _log(plan, "project_edited", actor, project.title)
    db.session.flush()
    return project


def set_total_budget(district_id: int, plan_id: int, total_budget: int, actor) -> Plan:
    plan = get_plan(district_id, plan_id, lock=True)
    _check_editable(plan)
    plan.total_budget = _budget(total_budget)
    _log(plan, "budget_set", actor, str(plan.total_budget))
    db.session.flush()
    return plan


def add_milestone(district_id: int, project_id: int, title: str, due_on: date | None,
                  actor) -> Milestone:
    project = get_project(district_id, project_id)
    _check_editable(project.plan)
    if due_on is None:
        raise DomainError(_l("날짜를 적으세요."))
    title = _required(title, _l("추진 일정 이름을 적으세요."), 200)
    if any(m.title == title for m in project.milestones):
        raise Conflict(_l("같은 이름의 일정이 이미 있습니다."))
    milestone = Milestone(title=title, due_on=due_on)
    project.milestones.append(milestone)
    _log(project.plan, "milestone_added", actor, f"{project.title}: {title}")
    db.session.flush()
    return milestone


# --- versions and the city review (협의조정) ----------------------------------------------


SNAPSHOT_FIELDS = ("title", "budget", "funding_source", "category", "field", "dong",
                   "department", "team", "civil_partners", "fusion_tags", "summary")


def snapshot(plan: Plan) -> dict:
    """The plan's reviewable content as plain data (what a version keeps)."""
    return {
        "title": plan.title, "total_budget": plan.total_budget,
        "projects": [
            {"id": p.id, **{key: getattr(p, key) for key in SNAPSHOT_FIELDS},
             "starts_on": p.starts_on.isoformat() if p.starts_on else None,
             "ends_on": p.ends_on.isoformat() if p.ends_on else None,
             "milestones": [f"{m.due_on.isoformat()} {m.title}" for m in p.milestones]}
            for p in plan.projects
        ],
    }


def has_unsaved_changes(plan: Plan) -> bool:
    return bool(plan.versions) and plan.versions[-1].snapshot != snapshot(plan)


def _save_version(plan: Plan, note: str, actor) -> PlanVersion:
    plan.version += 1
    version = PlanVersion(number=plan.version, note=note, snapshot=snapshot(plan),
                          created_by_id=getattr(actor, "id", None))
    plan.versions.append(version)
    return version


def submit_for_review(district_id: int, plan_id: int, actor, note: str = "") -> PlanVersion:
    """Send the draft to the city's review as version 1 (제1차안)."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(_l("작성 중인 계획만 협의조정에 보낼 수 있습니다."))
    if not plan.projects:
        raise DomainError(_l("실행사업이 하나도 없습니다."))
    plan.status = PlanStatus.IN_REVIEW.value
    version = _save_version(plan, _clean(note) or "제1차안", actor)
    _log(plan, "submitted", actor, version.note)
    db.session.flush()
    return version


def save_revision(district_id: int, plan_id: int, actor, note: str) -> PlanVersion:
    """Save the revised plan as the next version, so reviewers see what changed."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.IN_REVIEW.value:
        raise Conflict(_l("협의조정 중인 계획만 수정안을 저장할 수 있습니다."))
    note = _required(note, _l("무엇을 고쳤는지 적으세요."))
    if not has_unsaved_changes(plan):
        raise Conflict(_l("지난 판과 달라진 것이 없습니다."))
    version = _save_version(plan, note, actor)
    _log(plan, "revised", actor, note)
    db.session.flush()
    return version


def version_diff(plan: Plan, number: int) -> list[Change]:
    """What version ``number`` changed from the one before it (nothing for the first)."""
    by_number = {v.number: v for v in plan.versions}
    if number not in by_number:
        raise NotFound(_l("그런 판이 없습니다."))
    if number - 1 not in by_number:
        return []
    return diff_snapshots(by_number[number - 1].snapshot, by_number[number].snapshot)


def add_review_comment(district_id: int, plan_id: int, severity: str, title: str, body: str,
                       actor) -> ReviewComment:
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.IN_REVIEW.value:
        raise Conflict(_l("협의조정 중인 계획에만 의견을 남길 수 있습니다."))
    if severity not in set(Severity):
        raise DomainError(_l("필수 또는 권고를 고르세요."))
    comment = ReviewComment(version_number=plan.version, severity=severity,
                            title=_required(title, _l("의견 제목을 적으세요."), 200),
                            body=_required(body, _l("의견 내용을 적으세요.")),
                            author_id=getattr(actor, "id", None))
    plan.comments.append(comment)
    _log(plan, "commented", actor, f"[{severity}] {comment.title}")
    db.session.flush()
    return comment


def resolve_comment(district_id: int, comment_id: int, resolution: str, actor) -> ReviewComment:
    """Answer a review comment. A required one is resolved only by a version saved after it,
    which is where the change it asked for can be seen."""
    comment = db.session.get(ReviewComment, comment_id)
    if comment is None or comment.plan.district_id != district_id:
        raise NotFound(_l("그런 의견이 없습니다."))
    plan = get_plan(district_id, comment.plan_id, lock=True)
    if comment.resolved_at is not None:
        raise Conflict(_l("이미 해소된 의견입니다."))
    resolution = _required(resolution, _l("어떻게 반영했는지 적으세요."))
    if comment.severity == Severity.REQUIRED.value and plan.version <= comment.version_number:
        raise Conflict(_l("필수 의견은 반영한 수정안을 새 판으로 저장한 뒤 해소할 수 있습니다."))
    comment.resolution = resolution
    comment.resolved_in_version = plan.version
    comment.resolved_at = utcnow()
    _log(plan, "resolved", actor, comment.title)
    db.session.flush()
    return comment


def unresolved_required(plan: Plan) -> list[ReviewComment]:
    return [c for c in plan.comments
            if c.severity == Severity.REQUIRED.value and c.resolved_at is None]


def override_rules(district_id: int, plan_id: int, reason: str, actor) -> Plan:
    """An administrator lets a plan that breaks a budget rule go to approval, with a reason
    that is logged and shown publicly."""
    if actor is None or not actor.has_role(district_id, Role.ADMIN):
        raise Forbidden(_l("관리자만 예산 규칙 예외를 승인할 수 있습니다."))
    plan = get_plan(district_id, plan_id, lock=True)
    _check_editable(plan)
    plan.rules_override_reason = _required(reason, _l("예외 사유를 적으세요."))
    _log(plan, "rules_overridden", actor, plan.rules_override_reason)
    db.session.flush()
    return plan


def approval_blockers(plan: Plan) -> list:
    """Why the plan cannot be approved yet; empty when it can."""
    blockers = []
    if plan.status != PlanStatus.IN_REVIEW.value:
        blockers.append(_l("협의조정을 거친 계획만 승인할 수 있습니다."))
    open_required = unresolved_required(plan)
    if open_required:
        blockers.append(lazy_message("해소되지 않은 필수 의견이 %(n)d건 있습니다.",
                                     n=len(open_required)))
    if has_unsaved_changes(plan):
        blockers.append(_l("저장하지 않은 수정 사항이 있습니다. 수정안을 새 판으로 저장하세요."))
    if not rules.all_pass(check_plan(plan)) and not plan.rules_override_reason:
        blockers.append(_l("예산 규칙을 지키지 않습니다. 고치거나 관리자의 예외 승인을 받으세요."))
    return blockers


def reopen_for_amendment(district_id: int, plan_id: int, reason: str, actor) -> Plan:
    """Open an approved plan for a change (변경계획): it goes back to review and the council
    approves it again."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획만 변경안을 열 수 있습니다."))
    reason = _required(reason, _l("변경 사유를 적으세요."))
    plan.status = PlanStatus.IN_REVIEW.value
    plan.approved_at = None
    _log(plan, "reopened", actor, reason)
    db.session.flush()
    return plan


# --- the council (협치회의) ----------------------------------------------------------------


def roster(district_id: int, active_only: bool = True) -> list[CouncilMember]:
    query = select(CouncilMember).where(CouncilMember.district_id == district_id)
    if active_only:
        query = query.where(CouncilMember.active.is_(True))
    return list(db.session.scalars(query.order_by(CouncilMember.member_type,
                                                  CouncilMember.name)))


def roster_checks(district_id: int) -> list[rules.RuleCheck]:
    members = [rules.CouncilMember(str(m.id), m.member_type, m.gender)
               for m in roster(district_id)]
    return rules.check_roster(members, roster_rules(district_id))


def add_member(district_id: int, name: str, affiliation: str, member_type: str,
               gender: str) -> CouncilMember:
    if member_type not in set(MemberType):
        raise DomainError(_l("위원 구분을 고르세요."))
    if gender not in set(Gender):
        raise DomainError(_l("성별을 고르세요."))
    name = _required(name, _l("위원 이름을 적으세요."), 60)
    affiliation = _clean(affiliation, 100)
    limit = settings_for(district_id).council_max_members
    if len(roster(district_id)) >= limit:
        raise Conflict(lazy_message("조례상 위원은 %(n)d명을 넘을 수 없습니다.", n=limit))
    member = CouncilMember(district_id=district_id, name=name, affiliation=affiliation,
                           member_type=member_type, gender=gender)
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        raise Conflict(_l("이미 위원 명단에 있습니다.")) from None
    audit.record("council.member.add", "council_member", member.id, district_id=district_id,
                 detail={"name": member.name, "member_type": member_type})
    return member


def retire_member(district_id: int, member_id: int) -> CouncilMember:
    member = db.session.get(CouncilMember, member_id)
    if member is None or member.district_id != district_id:
        raise NotFound(_l("그런 위원이 없습니다."))
    member.active = False
    db.session.flush()
    audit.record("council.member.retire", "council_member", member.id,
                 district_id=district_id, detail={"name": member.name})
    return member


def get_meeting(district_id: int, meeting_id: int) -> CouncilMeeting:
    meeting = db.session.get(CouncilMeeting, meeting_id)
    if meeting is None or meeting.district_id != district_id:
        raise NotFound(_l("그런 회의가 없습니다."))
    return meeting


def meetings(district_id: int) -> list[CouncilMeeting]:
    return list(db.session.scalars(select(CouncilMeeting).where(
        CouncilMeeting.district_id == district_id).order_by(CouncilMeeting.held_on.desc())))


def open_meeting(district_id: int, title: str, held_on: date | None) -> CouncilMeeting:
    """A council meeting; only a roster that meets the ordinance can hold one."""
    if held_on is None:
        raise DomainError(_l("회의 날짜를 적으세요."))
    failed = [c for c in roster_checks(district_id) if not c.passed]
    if failed:
        raise Conflict(lazy_message("위원 구성이 조례에 맞지 않습니다: %(rules)s",
                                    rules=", ".join(str(RULE_LABELS[c.code]) for c in failed)))
    meeting = CouncilMeeting(district_id=district_id,
                             title=_required(title, _l("회의 이름을 적으세요."), 200),
                             held_on=held_on, members=len(roster(district_id)))
    db.session.add(meeting)
    db.session.flush()
    audit.record("council.meeting.open", "council_meeting", meeting.id, district_id=district_id,
                 detail={"title": meeting.title, "held_on": held_on.isoformat()})
    return meeting


def _decided(meeting: CouncilMeeting) -> bool:
    return any(m.decided_at is not None for m in meeting.motions)


def record_attendance(district_id: int, meeting_id: int, member_ids: Sequence[int]
                      ) -> CouncilMeeting:
    """Who is present (replaces the earlier list until a motion has been decided)."""
    meeting = get_meeting(district_id, meeting_id)
    if _decided(meeting):
        raise Conflict(_l("의결이 끝난 회의의 출석은 바꿀 수 없습니다."))
    members = {m.id for m in roster(district_id)}
    chosen = set(member_ids)
    if not chosen <= members:
        raise DomainError(_l("위원 명단에 없는 사람은 출석으로 기록할 수 없습니다."))
    meeting.attendance.clear()
    db.session.flush()
    for member_id in sorted(chosen):
        meeting.attendance.append(Attendance(member_id=member_id))
    db.session.flush()
    audit.record("council.meeting.attendance", "council_meeting", meeting.id,
                 district_id=district_id, detail={"present": len(chosen)})
    return meeting


def add_motion(district_id: int, meeting_id: int, title: str, kind: str,
               plan_id: int | None = None) -> Motion:
    meeting = get_meeting(district_id, meeting_id)
    if kind not in set(MotionKind):
        raise DomainError(_l("안건 종류를 고르세요."))
    if plan_id is not None:
        get_plan(district_id, plan_id)
    motion = Motion(title=_required(title, _l("안건 이름을 적으세요."), 200), kind=kind,
                    plan_id=plan_id)
    meeting.motions.append(motion)
    db.session.flush()
    audit.record("council.motion.add", "motion", motion.id, district_id=district_id,
                 detail={"meeting_id": meeting.id, "title": motion.title, "kind": kind,
                         "plan_id": plan_id})
    return motion


def get_motion(district_id: int, motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.meeting.district_id != district_id:
        raise NotFound(_l("그런 안건이 없습니다."))
    return motion


def decide(district_id: int, motion_id: int, votes: Mapping[int, str], actor) -> Motion:
    """Record each present member's vote and decide the motion by the council's rule.

    Refused, with nothing recorded, when the quorum is not met, a voter is not a present
    member, or an approval motion's plan is not ready. A passed approval motion approves
    the plan."""
    motion = get_motion(district_id, motion_id)
    meeting = motion.meeting
    if motion.decided_at is not None:
        raise Conflict(_l("이미 의결한 안건입니다."))
    present = {a.member_id for a in meeting.attendance}
    if not set(votes) <= present:
        raise DomainError(_l("출석한 위원만 표결할 수 있습니다."))
    if any(choice not in set(Choice) for choice in votes.values()):
        raise DomainError(_l("찬성, 반대, 기권 중에서 고르세요."))
    counts = {choice: sum(1 for v in votes.values() if v == choice) for choice in Choice}
    outcome = rules.decide_motion(meeting.members, len(present), counts[Choice.YES],
                                  counts[Choice.NO], counts[Choice.ABSTAIN], motion.kind)
    if not outcome.quorum_met:
        raise Conflict(lazy_message("의사정족수(재적 %(members)d명의 과반, %(need)d명)에 "
                                    "못 미칩니다. 출석 %(present)d명.", members=outcome.members,
                                    need=outcome.quorum_required, present=outcome.present))
    plan = get_plan(district_id, motion.plan_id, lock=True) if motion.plan_id else None
    if plan is not None:
        blockers = approval_blockers(plan)
        if blockers:
            raise Conflict(blockers[0])
    for member_id, choice in votes.items():
        motion.votes.append(MotionVote(member_id=member_id, choice=choice))
    motion.present = outcome.present
    motion.yes, motion.no, motion.abstain = outcome.yes, outcome.no, outcome.abstain
    motion.passed = outcome.passed
    motion.decided_at = utcnow()
    if plan is not None and outcome.passed:
        plan.status = PlanStatus.APPROVED.value
        plan.approved_at = motion.decided_at
        # The approved version is what the public reads from now on (``plans.published``).
        plan.versions[-1].approved_at = motion.decided_at
        _log(plan, "approved", actor, f"{meeting.title}: {motion.title} "
             f"({outcome.yes}/{outcome.present})")
    db.session.flush()
    audit.record("council.motion.decide", "motion", motion.id, actor, district_id,
                 {"passed": outcome.passed, "present": outcome.present, "yes": outcome.yes,
                  "no": outcome.no, "abstain": outcome.abstain, "plan_id": motion.plan_id})
    return motion


def record_minutes(district_id: int, meeting_id: int, minutes: str, publish: bool
                   ) -> CouncilMeeting:
    meeting = get_meeting(district_id, meeting_id)
    if meeting.minutes_published_at is not None:
        raise Conflict(_l("공개된 회의록은 고칠 수 없습니다."))
    meeting.minutes = _required(minutes, _l("회의록을 적으세요."), 20_000)
    if publish:
        meeting.minutes_published_at = utcnow()
    db.session.flush()
    audit.record("council.meeting.minutes", "council_meeting", meeting.id,
                 district_id=district_id, detail={"published": publish})
    return meeting


def approval_motion(plan: Plan) -> Motion | None:
    return db.session.scalars(select(Motion).where(
        Motion.plan_id == plan.id, Motion.passed.is_(True)).order_by(Motion.id.desc())).first()


# --- execution and evaluation ----------------------------------------------------------


def _approved(project: PlanProject) -> None:
    if project.plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획의 사업만 실적과 평가를 기록할 수 있습니다."))


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
    _approved(project)
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
                            spent=spent, notes=_clean(notes), reporter=_clean(reporter, 100))
    if photo is not None:
        report.photo_alt = _clean(photo_alt, 200)
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


def rubric(district_id: int) -> list[RubricCriterion]:
    return list(db.session.scalars(select(RubricCriterion).where(
        RubricCriterion.district_id == district_id).order_by(RubricCriterion.position,
                                                             RubricCriterion.id)))


def add_criterion(district_id: int, name: str, max_score: int | None) -> RubricCriterion:
    if max_score is None or not 1 <= max_score <= 100:
        raise DomainError(_l("배점은 1~100점이어야 합니다."))
    criterion = RubricCriterion(district_id=district_id,
                                name=_required(name, _l("평가 항목을 적으세요."), 100),
                                max_score=max_score, position=len(rubric(district_id)) + 1)
    try:
        with db.session.begin_nested():
            db.session.add(criterion)
    except IntegrityError:
        raise Conflict(_l("같은 평가 항목이 이미 있습니다.")) from None
    audit.record("plans.rubric.add", "rubric_criterion", criterion.id,
                 district_id=district_id, detail={"name": criterion.name, "max_score": max_score})
    return criterion


def evaluate(district_id: int, project_id: int, *, period: str, self_evaluation: str,
             evaluator: str, scores: Mapping[int, int | None], satisfaction: int | None,
             respondents: int | None) -> Evaluation:
    """The mid-year or final evaluation of a project: one per project and period."""
    project = get_project(district_id, project_id)
    _approved(project)
    if period not in set(Period):
        raise DomainError(_l("중간평가 또는 최종평가를 고르세요."))
    criteria = {c.id: c for c in rubric(district_id)}
    if not criteria:
        raise Conflict(_l("평가 기준표가 없습니다. 먼저 평가 항목을 정하세요."))
    if set(scores) != set(criteria) or any(s is None for s in scores.values()):
        raise DomainError(_l("모든 평가 항목에 점수를 주세요."))
    try:
        percent = rules.rubric_percent({str(k): v for k, v in scores.items()},
                                       {str(k): c.max_score for k, c in criteria.items()})
    except ValueError:
        raise DomainError(_l("점수는 0점부터 항목별 배점까지입니다.")) from None
    if satisfaction is not None and not 0 <= satisfaction <= 100:
        raise DomainError(_l("만족도는 0~100%여야 합니다."))
    if respondents is None or respondents < 0:
        raise DomainError(_l("응답자 수는 0명 이상이어야 합니다."))
    evaluation = Evaluation(period=period, self_evaluation=_clean(self_evaluation),
                            evaluator=_clean(evaluator, 100), satisfaction=satisfaction,
                            respondents=respondents, score_percent=percent,
                            scores=[EvaluationScore(criterion_id=k, score=v)
                                    for k, v in scores.items()])
    evaluation.project_id = project.id
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        raise Conflict(lazy_message("이 사업의 %(period)s는 이미 기록되었습니다.",
                                    period=evaluation.period_label)) from None
    audit.record("plan.evaluate", "plan_project", project.id, district_id=district_id,
                 detail={"evaluation_id": evaluation.id, "period": period,
                         "score_percent": percent})
    return evaluation


def share_results(district_id: int, plan_id: int, held_on: date | None, summary: str,
                  actor) -> Plan:
    """The year-end results-sharing meeting (성과공유회) and its published summary."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획만 성과를 공유할 수 있습니다."))
    if held_on is None:
        raise DomainError(_l("성과공유회 날짜를 적으세요."))
    plan.results_shared_on = held_on
    plan.results_summary = _required(summary, _l("공유할 성과를 적으세요."))
    _log(plan, "results_shared", actor, held_on.isoformat())
    db.session.flush()
    return plan


def latest_evaluation(project: PlanProject) -> Evaluation | None:
    by_period = {e.period: e for e in project.evaluations}
    return by_period.get(Period.FINAL.value) or by_period.get(Period.MID.value)


# --- feedback (환류) ----------------------------------------------------------------------


def add_finding(district_id: int, plan_id: int, kind: str, title: str, body: str,
                project_id: int | None = None) -> Finding:
    plan = get_plan(district_id, plan_id)
    if kind not in set(FindingKind):
        raise DomainError(_l("환류 과제의 종류를 고르세요."))
    if project_id is not None and get_project(district_id, project_id).plan_id != plan.id:
        raise NotFound(PROJECT_NOT_FOUND)
    finding = Finding(kind=kind, title=_required(title, _l("환류 과제를 적으세요."), 200),
                      body=_clean(body), project_id=project_id)
    plan.findings.append(finding)
    db.session.flush()
    audit.record("plan.finding.add", "finding", finding.id, district_id=district_id,
                 detail={"plan_id": plan.id, "kind": str(kind), "title": finding.title})
    return finding


def collect_findings(district_id: int, plan_id: int) -> list[Finding]:
    """Findings for every unfinished project and every low-rated one, once each."""
    plan = get_plan(district_id, plan_id)
    if plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획만 환류 과제를 모을 수 있습니다."))
    threshold = settings_for(district_id).low_rating_percent
    known = {(f.project_id, f.kind) for f in plan.findings}
    added = []
    for project in plan.projects:
        evaluation = latest_evaluation(project)
        if project.percent_done < 100 and (project.id, FindingKind.UNFINISHED) not in known:
            added.append(add_finding(
                district_id, plan.id, FindingKind.UNFINISHED, project.title,
                f"추진율 {project.percent_done}% — 다음 연도에 이어서 추진", project.id))
        if (evaluation is not None
                and rules.is_low_rated(evaluation.score_percent, evaluation.satisfaction,
                                       threshold)
                and (project.id, FindingKind.LOW_RATED) not in known):
            added.append(add_finding(
                district_id, plan.id, FindingKind.LOW_RATED, project.title,
                f"{PERIOD_KO[evaluation.period]} {evaluation.score_percent}점, 주민 만족도 "
                f"{evaluation.satisfaction if evaluation.satisfaction is not None else '-'}%"
                " — 방식을 바꿔 다시 숙의", project.id))
    return added


# Stored texts (findings, carried items' origin) are written in Korean, the district's
# language, whatever language the organizer's screen shows.
PERIOD_KO = {Period.MID.value: "중간평가", Period.FINAL.value: "최종평가"}
FINDING_KO = {FindingKind.FINDING.value: "평가 의견", FindingKind.UNFINISHED.value: "미완료 사업",
              FindingKind.LOW_RATED.value: "낮은 평가 사업"}


def public_plan_path(cycle_id: int) -> str:
    return f"/cycles/{cycle_id}/plan"


def carry_finding(district_id: int, finding_id: int, next_cycle_id: int, actor) -> AgendaItem:
    """Turn a finding into an agenda item of a later cycle's intake, linking both ways."""
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.plan.district_id != district_id:
        raise NotFound(_l("그런 환류 과제가 없습니다."))
    plan = finding.plan
    target = _cycle(district_id, next_cycle_id)
    if target.year <= plan.cycle.year:
        raise DomainError(_l("다음 연도 이후의 주기로만 넘길 수 있습니다."))
    if finding.carried_item_id is not None:
        raise Conflict(_l("이미 다음 주기 의제로 넘긴 과제입니다."))
    project = finding.project
    item_kind = (Kind.POLICY_EXECUTION.value
                 if project is not None and project.category == Category.POLICY_EXECUTION
                 else Kind.PROBLEM_SOLVING.value)
    agenda_field = project.field if project is not None and project.field else "other"
    dong_id = project.agenda_item.dong_id if project is not None and project.agenda_item else None
    description = finding.body or finding.title
    origin = (f"{plan.cycle.title} 성과평가 — {FINDING_KO[finding.kind]}: {finding.title} "
              f"({public_plan_path(plan.cycle_id)}#finding-{finding.id})")
    item = intake.create_carry_over(
        district_id, target.id,
        proposals.Proposal(finding.title, description, agenda_field, item_kind, dong_id,
                           None, project.civil_partners[:100] if project else ""),
        origin, plan.cycle_id, actor)
    finding.carried_item_id = item.id
    _log(plan, "finding_carried", actor, f"{finding.title} → {target.title}")
    db.session.flush()
    return item


# --- what-if: selections by counting method --------------------------------------------


@dataclass
class Scenario:
    """One way of choosing the plan's agenda projects, with the rules it meets or breaks."""

    method: str
    label: object
    items: list[AgendaItem]
    spent: int
    checks: list[rules.RuleCheck] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return rules.all_pass(self.checks)


METHOD_LABELS = {
    "greedy": _l("득표순 채우기 (greedy)"),
    "mes": _l("균등 지분 방식 (MES)"),
    "manual": _l("현재 계획 (수동 선정)"),
}
CANDIDATE_STATUSES = (Status.SHORTLISTED.value, Status.IN_VOTE.value, Status.SELECTED.value,
                      Status.NOT_SELECTED.value, Status.IN_PLAN.value)


def what_if_candidates(district_id: int, cycle_id: int) -> list[AgendaItem]:
    """The cycle's vote candidates with a cost estimate, whatever became of them since."""
    return list(db.session.scalars(select(AgendaItem).where(
        AgendaItem.district_id == district_id, AgendaItem.cycle_id == cycle_id,
        AgendaItem.shortlisted_for_vote.is_(True), AgendaItem.hidden_at.is_(None),
        AgendaItem.estimated_cost.is_not(None),
        AgendaItem.status.in_(CANDIDATE_STATUSES)).order_by(AgendaItem.id)))


def _support_ballots(items: Sequence[AgendaItem]) -> tuple[list[list[bool]], list[int]]:
    """Residents' 공감 as approval ballots: one row per supporter, grouped by identical sets."""
    index = {item.id: n for n, item in enumerate(items)}
    rows: dict[int, set[int]] = {}
    for item_id, user_id in db.session.execute(
            select(Support.item_id, Support.user_id).where(Support.item_id.in_(list(index)))):
        rows.setdefault(user_id, set()).add(index[item_id])
    grouped: dict[frozenset, int] = {}
    for chosen in rows.values():
        grouped[frozenset(chosen)] = grouped.get(frozenset(chosen), 0) + 1
    ordered = sorted(grouped.items(), key=lambda pair: sorted(pair[0]))
    approvals = [[n in chosen for n in range(len(items))] for chosen, _count in ordered]
    return approvals, [count for _chosen, count in ordered]


def source_votes(district_id: int, cycle_id: int):
    """The cycle's votes a plan can be built from: those with a confirmed result."""
    return confirmed_votes(district_id, cycle_id)


def what_if_vote(district_id: int, plan: Plan):
    """The vote whose ballots the what-if counts: the cycle's confirmed vote that selected the
    plan's agenda projects, else the most recently confirmed one; None without one."""
    votes = source_votes(district_id, plan.cycle_id)
    in_plan = {p.agenda_item_id for p in plan.projects if p.agenda_item_id is not None}
    for vote in votes:
        if {item for item, _score in confirmed_selection(district_id, vote.id)} <= in_plan:
            return vote
    return votes[0] if votes else None


def _vote_ballots(district_id: int, vote_id: int, items: Sequence[AgendaItem]
                  ) -> tuple[list[list[bool]], list[int]]:
    """The vote's ballots as approvals over ``items`` (items not on its ballot get none)."""
    agenda_ids, rows, counts = approval_ballots(district_id, vote_id)
    column = {agenda_id: n for n, agenda_id in enumerate(agenda_ids)}
    approvals = [[i.id in column and row[column[i.id]] for i in items] for row in rows]
    return approvals, counts


def approval_profile(items: Sequence[AgendaItem], budget: int, ballots=None):
    """Approval ballots over ``items`` with their costs in won: ``ballots`` as
    ``(rows, counts)``, or residents' 공감 when none are given. None without any ballot."""
    from voting.tally import ApprovalProfile

    approvals, counts = ballots if ballots is not None else _support_ballots(items)
    if not approvals:
        return None
    return ApprovalProfile([str(i.id) for i in items], approvals, counts,
                           costs=[i.estimated_cost or 0 for i in items], budget=budget)


def what_if(district_id: int, plan: Plan) -> list[Scenario]:
    """Greedy, MES and the plan's own selection side by side over the cycle's candidates.

    Ballots are those of the plan's confirmed vote (``what_if_vote``), read as approvals, or
    residents' 공감 (support) when the cycle has no confirmed vote; the budget is what the plan
    leaves after its projects not grown from agenda items (foundation-building work), which
    every scenario keeps."""
    from voting.tally import tally

    candidates = what_if_candidates(district_id, plan.cycle_id)
    fixed = [p for p in plan.projects if p.agenda_item_id is None]
    fixed_lines = [_line(p) for p in fixed]
    room = max(plan.total_budget - sum(p.budget for p in fixed), 0)
    budget = budget_rules(district_id, plan.total_budget)
    in_plan = {p.agenda_item_id: p for p in plan.projects if p.agenda_item_id is not None}

    def lines(items):
        return fixed_lines + [
            _line(in_plan[i.id]) if i.id in in_plan else rules.ProjectLine(
                i.title, i.estimated_cost or 0, _category_for(i), i.field,
                i.dong.name if i.dong else "") for i in items]

    scenarios = []
    vote = what_if_vote(district_id, plan)
    ballots = _vote_ballots(district_id, vote.id, candidates) if vote is not None else None
    profile = approval_profile(candidates, room, ballots) if candidates and room else None
    if profile is not None:
        by_id = {str(i.id): i for i in candidates}
        for method in ("greedy", "mes"):
            winners = [by_id[w] for w in tally(profile, method).winners]
            scenarios.append(Scenario(method, METHOD_LABELS[method], winners,
                                      sum(i.estimated_cost or 0 for i in winners)))
    manual = [p.agenda_item for p in plan.projects if p.agenda_item is not None]
    scenarios.append(Scenario("manual", METHOD_LABELS["manual"], manual,
                              sum(in_plan[i.id].budget for i in manual)))
    for scenario in scenarios:
        scenario.checks = rules.check_budget(lines(scenario.items), budget)
    return scenarios


def summary(plan: Plan) -> dict:
    """Totals for the public page and the JSON."""
    foundation = sum(p.budget for p in plan.projects if p.category == Category.FOUNDATION)
    allocated = plan.allocated
    spent = sum(p.spent for p in plan.projects)
    weighted = (sum(p.percent_done * p.budget for p in plan.projects) // allocated
                if allocated else 0)
    return {"allocated": allocated, "foundation": foundation,
            "foundation_percent": round(100 * foundation / allocated, 1) if allocated else 0.0,
            "spent": spent, "progress_percent": weighted,
            "by_source": {s.value: sum(p.budget for p in plan.projects
                                       if p.funding_source == s.value) for s in FundingSource}}


def supporters_count(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Support).where(
        Support.item_id == item_id)) or 0
