"""The approval path in pages: the district's side in the console (send to the council,
save revisions, answer the city's items, reopen for an amendment, the administrator's rule
override) and the city reviewer's page (items, their resolution, the decision record),
which the city's coordinators read without its forms."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import districts
from core.auth import CityRole, Role, role_required
from core.lifecycle import on_error
from core.tenancy import district_or_404
from plans import building, review
from plans.console import INVALID, STAFF, cycle_or_404, plan_action, rule_rows, staff_cycle
from plans.forms import AnswerForm, CommentForm, DecisionForm, NoteForm
from plans.models import SEVERITY_LABELS

# Who writes the city's review: the district's city reviewer, and a city account with the
# city reviewer's role, which counts as one in every district (``User.has_role``).
CITY = (Role.CITY_REVIEWER,)
# Who reads it besides: the city's coordinators (서울시 협치 코디네이터), read-only.
CITY_READERS = (*CITY, CityRole.COORDINATOR)


@role_required(*STAFF)
def submit(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.submit_to_council(
        d.id, p.id, current_user, request.form.get("note", "")),
        _l("협치회의에 올렸습니다. 협치회의가 승인하면 서울시 협의조정으로 넘어갑니다."))


@role_required(*STAFF)
def revise(plan_id: int):
    form = NoteForm()
    return plan_action(plan_id, lambda d, p: review.save_revision(
        d.id, p.id, current_user, form.note.data), _l("수정안을 새 판으로 저장했습니다."),
        form, "note_form")


@role_required(*STAFF)
def answer_comment(plan_id: int, comment_id: int):
    form = AnswerForm()
    return plan_action(plan_id, lambda d, p: review.answer_comment(
        d.id, p.id, comment_id, form.answer.data, current_user),
        _l("협의조정 의견에 답했습니다."), form, "answer_form")


@role_required(Role.ADMIN)
def override(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.override_rules(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("예산 규칙 예외를 사유와 함께 기록했습니다."))


@role_required(*STAFF)
def reopen(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.reopen_for_amendment(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("변경안을 열었습니다. 협치회의 승인과 서울시 협의조정을 거쳐 확정될 때까지 "
           "승인된 계획이 그대로 유효합니다."))


def review_page(district, cycle, status: int = 200, error=None, **forms):
    plan = building.plan_for_cycle(district.id, cycle.id)
    context = {
        "district": district, "cycle": cycle, "plan": plan, "error": error,
        "severity_labels": SEVERITY_LABELS,
        "comment_form": forms.get("comment_form") or CommentForm(formdata=None),
        "decision_form": forms.get("decision_form") or DecisionForm(formdata=None),
        "may_review": current_user.has_role(district.id, *CITY),
        "city_board_url": districts.path_at(None, "plans.city_board"),
    }
    if plan is not None:
        context.update(checks=rule_rows(building.check_plan(plan)),
                       blockers=review.decision_blockers(plan),
                       unsaved=review.has_unsaved_changes(plan))
    return render_template("plans/city_review.html", **context), status


@role_required(*CITY_READERS, *STAFF)
def city_review():
    """The city reviewer's page for the cycle's plan; organizers and the city's coordinators
    read it too."""
    district = district_or_404()
    return review_page(district, staff_cycle(district))


def _review_action(plan_id: int, action, done, form=None, form_name: str | None = None):
    district = district_or_404()
    plan = building.get_plan(district.id, plan_id)
    cycle_id = plan.cycle_id
    extra = {form_name: form} if form_name else {}

    def page():
        return review_page(district, cycle_or_404(district, cycle_id), **extra)

    if form is not None and not form.validate_on_submit():
        return review_page(district, cycle_or_404(district, cycle_id), 422, INVALID, **extra)
    on_error(page)
    action(district, plan)
    flash(done, "success")
    return redirect(url_for("plans.city_review", cycle=cycle_id))


@role_required(*CITY)
def add_comment(plan_id: int):
    form = CommentForm()
    return _review_action(plan_id, lambda d, p: review.add_review_comment(
        d.id, p.id, form.severity.data, form.title.data, form.body.data, current_user),
        _l("협의조정 의견을 남겼습니다."), form, "comment_form")


@role_required(*CITY)
def resolve_comment(plan_id: int, comment_id: int):
    return _review_action(plan_id, lambda d, p: review.resolve_comment(
        d.id, p.id, comment_id, current_user), _l("의견을 해소했습니다."))


@role_required(*CITY)
def record_decision(plan_id: int):
    form = DecisionForm()
    return _review_action(plan_id, lambda d, p: review.record_decision(
        d.id, p.id, form.outcome.data, form.note.data, current_user),
        _l("협의조정 결정서를 기록했습니다."), form, "decision_form")
