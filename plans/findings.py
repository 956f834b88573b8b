"""Feedback (환류): findings from unfinished and low-rated projects, carried into a later
cycle's intake as agenda items that link back to them."""


from flask_babel import lazy_gettext as _l

from agenda import intake, proposals
from agenda.models import AgendaItem, Kind
from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from plans import rules
from plans.building import (
    PROJECT_NOT_FOUND,
    get_cycle,
    get_plan,
    get_project,
    in_force,
    log_action,
)
from plans.evaluation import latest_evaluation
from plans.inputs import clean_text, required_text
from plans.models import Category, Finding, FindingKind, Period
from plans.settings import settings_for


def add_finding(district_id: int, plan_id: int, kind: str, title: str, body: str,
                project_id: int | None = None) -> Finding:
    plan = get_plan(district_id, plan_id)
    if kind not in set(FindingKind):
        raise DomainError(_l("환류 과제의 종류를 고르세요."))
    if project_id is not None and get_project(district_id, project_id).plan_id != plan.id:
        raise NotFound(PROJECT_NOT_FOUND)
    finding = Finding(kind=kind, title=required_text(title, _l("환류 과제를 적으세요."), 200),
                      body=clean_text(body), project_id=project_id)
    plan.findings.append(finding)
    db.session.flush()
    audit.record("plan.finding.add", "finding", finding.id, district_id=district_id,
                 detail={"plan_id": plan.id, "kind": str(kind), "title": finding.title})
    return finding


def collect_findings(district_id: int, plan_id: int) -> list[Finding]:
    """Findings for every unfinished project and every low-rated one, once each."""
    plan = get_plan(district_id, plan_id)
    version = in_force(plan)
    if version is None:
        raise Conflict(_l("승인된 계획만 환류 과제를 모을 수 있습니다."))
    # An amendment under way may hold projects the council and the city have not approved
    # yet; the year's feedback is on the version in force.
    approved_ids = {p["id"] for p in version.snapshot["projects"]}
    threshold = settings_for(district_id).low_rating_percent
    known = {(f.project_id, f.kind) for f in plan.findings}
    added = []
    for project in (p for p in plan.projects if p.id in approved_ids):
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
    target = get_cycle(district_id, next_cycle_id)
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
    log_action(plan, "finding_carried", actor, f"{finding.title} → {target.title}")
    db.session.flush()
    return item
