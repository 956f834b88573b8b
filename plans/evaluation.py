"""Evaluations (성과평가) of an approved plan's projects against the district's rubric, and
the year-end results-sharing meeting (성과공유회)."""

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import Conflict, DomainError
from core.i18n import lazy_message
from plans import rules
from plans.building import get_plan, get_project, in_force, log_action, require_approved
from plans.inputs import clean_text, required_text
from plans.models import Evaluation, EvaluationScore, Period, Plan, PlanProject
from plans.settings import rubric


def evaluate(district_id: int, project_id: int, *, period: str, self_evaluation: str,
             evaluator: str, scores: Mapping[int, int | None], satisfaction: int | None,
             respondents: int | None) -> Evaluation:
    """The mid-year or final evaluation of a project: one per project and period."""
    project = get_project(district_id, project_id)
    require_approved(project)
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
    evaluation = Evaluation(period=period, self_evaluation=clean_text(self_evaluation),
                            evaluator=clean_text(evaluator, 100), satisfaction=satisfaction,
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
    if in_force(plan) is None:
        raise Conflict(_l("승인된 계획만 성과를 공유할 수 있습니다."))
    if held_on is None:
        raise DomainError(_l("성과공유회 날짜를 적으세요."))
    plan.results_shared_on = held_on
    plan.results_summary = required_text(summary, _l("공유할 성과를 적으세요."))
    log_action(plan, "results_shared", actor, held_on.isoformat())
    db.session.flush()
    return plan


def latest_evaluation(project: PlanProject) -> Evaluation | None:
    by_period = {e.period: e for e in project.evaluations}
    return by_period.get(Period.FINAL.value) or by_period.get(Period.MID.value)
