"""The year's end in the console: findings (환류), carrying them into a later cycle, and
the results-sharing meeting (성과공유회)."""

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.errors import DomainError
from plans import evaluation, findings
from plans.console import STAFF, plan_action
from plans.forms import CarryForm, FindingForm, ResultsForm


@role_required(*STAFF)
def add_finding(plan_id: int):
    form = FindingForm()
    return plan_action(plan_id, lambda d, p: findings.add_finding(
        d.id, p.id, form.kind.data, form.title.data, form.body.data),
        _l("환류 과제를 추가했습니다."), form, "finding_form")


@role_required(*STAFF)
def collect_findings(plan_id: int):
    return plan_action(plan_id, lambda d, p: findings.collect_findings(d.id, p.id),
                       _l("미완료·낮은 평가 사업을 환류 과제로 모았습니다."))


@role_required(*STAFF)
def carry_finding(plan_id: int, finding_id: int):
    form = CarryForm()

    def action(district, plan):
        if not any(f.id == finding_id for f in plan.findings):
            abort(404)
        form.cycle_id.choices = [SelectChoice(c.id, c.title) for c in district.cycles]
        if not form.validate_on_submit():
            raise DomainError(_l("넘길 주기를 고르세요."))
        findings.carry_finding(district.id, finding_id, form.cycle_id.data, current_user)

    return plan_action(plan_id, action, _l("다음 주기의 의제발굴로 넘겼습니다."))


@role_required(*STAFF)
def share_results(plan_id: int):
    form = ResultsForm()
    return plan_action(plan_id, lambda d, p: evaluation.share_results(
        d.id, p.id, form.held_on.data, form.summary.data, current_user),
        _l("성과공유회 결과를 공개했습니다."), form, "results_form")
