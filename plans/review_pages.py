"""The city review (협의조정) in the console: submission, revisions, comments and their
resolution, the administrator's rule override, reopening for an amendment."""

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.auth import Role, role_required
from plans import review
from plans.console import STAFF, plan_action
from plans.forms import CommentForm, NoteForm


@role_required(*STAFF)
def submit(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.submit_for_review(
        d.id, p.id, current_user, request.form.get("note", "")),
        _l("협의조정에 제1차안을 보냈습니다."))


@role_required(*STAFF)
def revise(plan_id: int):
    form = NoteForm()
    return plan_action(plan_id, lambda d, p: review.save_revision(
        d.id, p.id, current_user, form.note.data), _l("수정안을 새 판으로 저장했습니다."),
        form, "note_form")


@role_required(*STAFF)
def add_comment(plan_id: int):
    form = CommentForm()
    return plan_action(plan_id, lambda d, p: review.add_review_comment(
        d.id, p.id, form.severity.data, form.title.data, form.body.data, current_user),
        _l("협의조정 의견을 남겼습니다."), form, "comment_form")


@role_required(*STAFF)
def resolve_comment(plan_id: int, comment_id: int):
    def action(district, plan):
        if not any(c.id == comment_id for c in plan.comments):
            abort(404)
        review.resolve_comment(district.id, comment_id, request.form.get("resolution", ""),
                               current_user)

    return plan_action(plan_id, action, _l("의견을 해소했습니다."))


@role_required(Role.ADMIN)
def override(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.override_rules(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("예산 규칙 예외를 사유와 함께 기록했습니다."))


@role_required(*STAFF)
def reopen(plan_id: int):
    return plan_action(plan_id, lambda d, p: review.reopen_for_amendment(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("변경안을 열었습니다. 협치회의가 다시 승인해야 합니다."))
