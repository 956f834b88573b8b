"""The organizers' plan console and what every plan page shares: a cycle of the district or
404, a console action (validate, declare the page to show again, call the service,
redirect), the rule rows. The request lifecycle (``core.lifecycle``) commits once and turns
a service's refusal into its status and message on the declared page."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from agenda.models import AgendaItem, Status
from core.auth import Role, role_required
from core.db import db
from core.inputs import record_id
from core.lifecycle import on_error
from core.models import Cycle
from core.tenancy import current_cycle, district_or_404
from plans import building, review, settings, what_if
from plans.forms import (
    AnswerForm,
    BuildForm,
    CarryForm,
    CommentForm,
    FindingForm,
    NoteForm,
    ProjectForm,
    ResultsForm,
    VoteAmendForm,
    VoteBuildForm,
)
from plans.models import PlanStatus

STAFF = (Role.ORGANIZER,)


def cycle_or_404(district, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district.id:
        abort(404)
    return cycle


INVALID = _l("입력을 확인하세요.")


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
    amend_form = forms.pop("amend_form", None) or VoteAmendForm(formdata=None)
    amend_form.vote_id.choices = vote_form.vote_id.choices
    context = {
        "district": district, "cycle": cycle, "plan": plan, "error": error,
        "build_form": build, "vote_form": vote_form, "project_form": project_form,
        "amend_form": amend_form,
        "note_form": forms.pop("note_form", None) or NoteForm(formdata=None),
        "comment_form": forms.pop("comment_form", None) or CommentForm(formdata=None),
        "finding_form": forms.pop("finding_form", None) or FindingForm(formdata=None),
        "results_form": forms.pop("results_form", None) or ResultsForm(formdata=None),
        "carry_form": CarryForm(formdata=None),
        "answer_form": forms.pop("answer_form", None) or AnswerForm(formdata=None),
        "later_cycles": [c for c in district.cycles if c.year > cycle.year],
        "is_admin": current_user.has_role(district.id, Role.ADMIN),
    }
    if plan is not None:
        context.update(checks=rule_rows(building.check_plan(plan)),
                       blockers=(review.decision_blockers(plan)
                                 if plan.status == PlanStatus.IN_REVIEW.value
                                 else review.council_blockers(plan)),
                       in_force=building.in_force(plan),
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
    """A console action on a plan of this district (``form`` validated first, if any): a
    redirect to the console with ``done``; 404 for a foreign plan; a refusal shows the
    console again with its status and message."""
    district = district_or_404()
    plan = building.get_plan(district.id, plan_id)
    cycle_id = plan.cycle_id
    extra = {form_name: form} if form_name else {}

    def console():
        return manage_page(district, cycle_or_404(district, cycle_id), **extra)

    if form is not None and not form.validate_on_submit():
        return manage_page(district, cycle_or_404(district, cycle_id), 422, INVALID, **extra)
    on_error(console)
    action(district, plan)
    flash(done, "success")
    return redirect(url_for("plans.manage", cycle=cycle_id))
