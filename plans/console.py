"""The organizers' plan console and what every plan page shares: loading a record of the
district or answering 404, running an action and committing once, the rule rows."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from agenda.models import AgendaItem, Status
from core.auth import Role, role_required
from core.db import commit, db
from core.errors import DomainError
from core.inputs import record_id
from core.models import Cycle
from core.tenancy import current_cycle, district_or_404
from plans import building, review, settings, what_if
from plans.forms import (
    BuildForm,
    CarryForm,
    CommentForm,
    FindingForm,
    NoteForm,
    ProjectForm,
    ResultsForm,
    VoteBuildForm,
)

STAFF = (Role.ORGANIZER,)


def cycle_or_404(district, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district.id:
        abort(404)
    return cycle


def or_404(load):
    try:
        return load()
    except DomainError:
        abort(404)


def attempt(form, action, done, target):
    """Run ``action`` for a valid form (or none, for a bare button) and commit: a redirect
    to ``target`` with ``done`` flashed, or the ``(error, status)`` to show on the page
    again, nothing changed."""
    if form is not None and not form.validate_on_submit():
        return None, (_l("입력을 확인하세요."), 422)
    try:
        action()
        commit()
    except DomainError as exc:
        db.session.rollback()
        return None, (exc.message, exc.status)
    flash(done, "success")
    return redirect(target), (None, None)


def rule_rows(checks):
    return [{"check": c, "label": settings.RULE_LABELS[c.code],
             "detail": settings.describe_check(c)} for c in checks]


def staff_cycle(district) -> Cycle:
    cycle_id = record_id(request.args.get("cycle", ""))
    if cycle_id is not None:
        return cycle_or_404(district, cycle_id)
    cycle = current_cycle(district)
    if cycle is None:
        abort(404)
    return cycle


def selected_items(cycle) -> list[AgendaItem]:
    return list(db.session.scalars(select(AgendaItem).where(
        AgendaItem.cycle_id == cycle.id, AgendaItem.status == Status.SELECTED.value
    ).order_by(AgendaItem.id)))


def confirmed_vote_choices(district, cycle) -> list[SelectChoice]:
    return [SelectChoice(vote.id, vote.title)
            for vote in what_if.source_votes(district.id, cycle.id)]


def manage_page(district, cycle, status: int = 200, error=None, **forms):
    plan = building.plan_for_cycle(district.id, cycle.id)
    build = forms.pop("build_form", None) or BuildForm(formdata=None)
    build.item_ids.choices = [SelectChoice(i.id, f"{i.title} ({i.estimated_cost or 0:,}원)")
                              for i in selected_items(cycle)]
    vote_form = forms.pop("vote_form", None) or VoteBuildForm(formdata=None)
    vote_form.vote_id.choices = confirmed_vote_choices(district, cycle)
    project_form = forms.pop("project_form", None) or ProjectForm(formdata=None)
    context = {
        "district": district, "cycle": cycle, "plan": plan, "error": error,
        "build_form": build, "vote_form": vote_form, "project_form": project_form,
        "note_form": forms.pop("note_form", None) or NoteForm(formdata=None),
        "comment_form": forms.pop("comment_form", None) or CommentForm(formdata=None),
        "finding_form": forms.pop("finding_form", None) or FindingForm(formdata=None),
        "results_form": forms.pop("results_form", None) or ResultsForm(formdata=None),
        "carry_form": CarryForm(formdata=None),
        "later_cycles": [c for c in district.cycles if c.year > cycle.year],
        "is_admin": current_user.has_role(district.id, Role.ADMIN),
    }
    if plan is not None:
        context.update(checks=rule_rows(building.check_plan(plan)),
                       blockers=review.approval_blockers(plan),
                       unsaved=review.has_unsaved_changes(plan),
                       summary=building.summary(plan))
    context["carry_form"].cycle_id.choices = [SelectChoice(c.id, c.title)
                                              for c in context["later_cycles"]]
    return render_template("plans/manage.html", **context), status


@role_required(*STAFF)
def manage():
    district = district_or_404()
    return manage_page(district, staff_cycle(district))


def plan_action(plan_id: int, action, done, form=None, form_name: str | None = None):
    """Run a console action on a plan of this district; 404 for foreign ids, the refusal's
    4xx (with the console and its message) otherwise."""
    district = district_or_404()
    plan = or_404(lambda: building.get_plan(district.id, plan_id))
    cycle = plan.cycle
    response, (error, status) = attempt(form, lambda: action(district, plan), done,
                                        url_for("plans.manage", cycle=cycle.id))
    if response is not None:
        return response
    if status == 404:
        abort(404)
    extra = {form_name: form} if form_name else {}
    return manage_page(district, cycle_or_404(district, cycle.id), status, error, **extra)
