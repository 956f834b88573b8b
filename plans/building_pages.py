"""Building the plan in the console: from the vote's selection or confirmed result, its
projects and their schedules."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.lifecycle import on_error
from core.tenancy import district_or_404
from plans import building, review
from plans.console import (
    INVALID,
    STAFF,
    confirmed_vote_choices,
    cycle_or_404,
    manage_page,
    plan_action,
    selected_items,
    staff_cycle,
)
from plans.forms import BuildForm, MilestoneForm, ProjectForm, VoteAmendForm, VoteBuildForm


@role_required(*STAFF)
def build():
    district = district_or_404()
    cycle = staff_cycle(district)
    form = BuildForm()
    form.item_ids.choices = [SelectChoice(i.id, i.title) for i in selected_items(cycle)]
    if not form.validate_on_submit():
        return manage_page(district, cycle, 422, INVALID, build_form=form)
    cycle_id = cycle.id
    on_error(lambda: manage_page(district, cycle_or_404(district, cycle_id), build_form=form))
    building.create_plan_from_selection(
        district.id, cycle_id, [(item_id, "") for item_id in form.item_ids.data],
        form.source_label.data or "", form.total_budget.data, current_user)
    flash(_l("선정 의제로 실행계획을 만들었습니다."), "success")
    return redirect(url_for("plans.manage", cycle=cycle_id))


@role_required(*STAFF)
def build_from_vote():
    district = district_or_404()
    cycle = staff_cycle(district)
    form = VoteBuildForm()
    form.vote_id.choices = confirmed_vote_choices(district, cycle)
    if not form.validate_on_submit():
        return manage_page(district, cycle, 422, INVALID, vote_form=form)
    cycle_id = cycle.id
    on_error(lambda: manage_page(district, cycle_or_404(district, cycle_id), vote_form=form))
    building.create_plan_from_vote(district.id, cycle_id, form.vote_id.data,
                                   form.total_budget.data, current_user)
    flash(_l("확정된 투표 결과로 실행계획을 만들었습니다."), "success")
    return redirect(url_for("plans.manage", cycle=cycle_id))


@role_required(*STAFF)
def amend_from_vote(plan_id: int):
    """A confirmed vote's selection added to the plan, as an amendment once it is approved
    (issue 18: no retyping)."""
    district = district_or_404()
    plan = building.get_plan(district.id, plan_id)
    form = VoteAmendForm()
    form.vote_id.choices = confirmed_vote_choices(district, plan.cycle)
    return plan_action(plan_id, lambda d, p: review.amend_from_vote(
        d.id, p.id, form.vote_id.data, current_user),
        _l("확정된 투표 결과의 선정 의제를 실행사업으로 더했습니다. 승인된 계획이었다면 "
           "변경안으로 열렸습니다."), form, "amend_form")


def _project_data(form: ProjectForm) -> building.ProjectData:
    return building.ProjectData(
        title=form.title.data or "", budget=form.budget.data, category=form.category.data,
        funding_source=form.funding_source.data, summary=form.summary.data or "",
        field=form.field.data or "", dong=form.dong.data or "",
        department=form.department.data or "", team=form.team.data or "",
        civil_partners=form.civil_partners.data or "", fusion_tags=form.fusion_tags.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data)


@role_required(*STAFF)
def add_project(plan_id: int):
    form = ProjectForm()
    return plan_action(plan_id, lambda d, p: building.add_project(
        d.id, p.id, _project_data(form), current_user), _l("사업을 추가했습니다."),
        form, "project_form")


def _project_page(district, project_id: int, form, milestone_form):
    return render_template("plans/project_edit.html",
                           project=building.get_project(district.id, project_id), form=form,
                           milestone_form=milestone_form)


@role_required(*STAFF)
def edit_project(project_id: int):
    district = district_or_404()
    project = building.get_project(district.id, project_id)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    milestone_form = MilestoneForm(formdata=None)
    if form.validate_on_submit():
        on_error(lambda: _project_page(district, project_id, form, milestone_form))
        building.update_project(district.id, project.id, _project_data(form), current_user)
        flash(_l("사업을 저장했습니다."), "success")
        return redirect(url_for("plans.manage", cycle=project.plan.cycle_id))
    if form.is_submitted():
        return render_template("plans/project_edit.html", project=project, form=form,
                               milestone_form=milestone_form, error=INVALID), 422
    return _project_page(district, project_id, form, milestone_form)


@role_required(*STAFF)
def add_milestone(project_id: int):
    district = district_or_404()
    project = building.get_project(district.id, project_id)
    form = MilestoneForm()

    def page():
        return _project_page(district, project_id,
                             ProjectForm(obj=building.get_project(district.id, project_id)),
                             form)

    if not form.validate_on_submit():
        return render_template("plans/project_edit.html", project=project,
                               form=ProjectForm(obj=project), milestone_form=form,
                               error=INVALID), 422
    on_error(page)
    building.add_milestone(district.id, project.id, form.title.data, form.due_on.data,
                           current_user)
    flash(_l("추진 일정을 추가했습니다."), "success")
    return redirect(url_for("plans.edit_project", project_id=project_id))
