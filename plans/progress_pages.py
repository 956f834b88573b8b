"""Progress reports with photos and evaluations of one project, the unit responsible for
it, and a department's or working group's own projects."""

from flask import flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from accounts import units
from core.auth import Role, public, role_required
from core.inputs import record_id
from core.lifecycle import on_error
from core.security import accepts_uploads
from core.tenancy import district_or_404
from plans import building, evaluation, photos, progress, settings
from plans.console import INVALID, STAFF
from plans.forms import EvaluationForm, ProgressForm, UnitChoiceForm

# Who files progress: organizers on any project, department and working-group accounts on
# their unit's projects (``progress.reportable_project`` decides per project).
REPORTERS = (*STAFF, Role.DEPARTMENT, Role.WORKING_GROUP)


def _unit_form(district, project, form=None) -> UnitChoiceForm:
    form = form or UnitChoiceForm(formdata=None, unit=str(project.responsible_unit_id or ""))
    form.unit.choices = [SelectChoice("", _l("맡은 부서·분과 없음"))] + [
        SelectChoice(str(unit.id), unit.name) for unit in units.units_of(district.id)]
    return form


def _project_page(district, project, status=200, error=None, progress_form=None,
                  evaluation_form=None, unit_form=None):
    staff = current_user.has_role(district.id, *STAFF)
    return render_template(
        "plans/project_report.html", project=project, error=error, staff=staff,
        criteria=settings.rubric(district.id) if staff else [],
        progress_form=progress_form or ProgressForm(formdata=None),
        evaluation_form=evaluation_form or EvaluationForm(formdata=None),
        unit_form=_unit_form(district, project, unit_form) if staff else None,
        posted_scores=request.form if request.method == "POST" else {}), status


@role_required(*REPORTERS)
def project_report(project_id: int):
    district = district_or_404()
    project = progress.reportable_project(district.id, project_id, current_user)
    return _project_page(district, project)


@role_required(Role.DEPARTMENT, Role.WORKING_GROUP)
def my_projects():
    district = district_or_404()
    return render_template(
        "plans/my_projects.html", projects=progress.projects_of_units(district.id, current_user),
        unit_memberships=[m for m in current_user.memberships
                          if m.district_id == district.id and m.org_unit is not None])


def _project_action(project_id: int, form, form_name: str, action, done,
                    load=building.get_project):
    """Check the person may act on the project (``load``), validate ``form``, run ``action``
    on it and go back to its page; a refusal shows the page again with the form as posted."""
    district = district_or_404()
    project = load(district.id, project_id)
    if not form.validate_on_submit():
        return _project_page(district, project, 422, INVALID, **{form_name: form})
    on_error(lambda: _project_page(district, load(district.id, project_id),
                                   **{form_name: form}))
    action(district, project)
    flash(done, "success")
    return redirect(url_for("plans.project_report", project_id=project_id))


def _reportable(district_id: int, project_id: int):
    return progress.reportable_project(district_id, project_id, current_user)


@accepts_uploads(photos.MAX_BYTES + 64 * 1024)
@role_required(*REPORTERS)
def report_progress(project_id: int):
    form = ProgressForm()
    upload = form.photo.data
    photo = upload.read() if upload and upload.filename else None
    return _project_action(project_id, form, "progress_form", lambda d, p: (
        progress.report_progress(
            d.id, p.id, reported_on=form.reported_on.data, status=form.status.data,
            percent=form.percent.data, spent=form.spent.data, notes=form.notes.data or "",
            reporter=form.reporter.data or "", photo=photo,
            photo_alt=form.photo_alt.data or "", actor=current_user)),
        _l("추진 실적을 기록했습니다."), load=_reportable)


@role_required(*STAFF)
def assign_unit(project_id: int):
    form = UnitChoiceForm()
    district = district_or_404()
    _unit_form(district, building.get_project(district.id, project_id), form)
    raw = (form.unit.data or "").strip()
    # A value that names no id is passed on as one no unit has, so the refusal is "no such
    # department or working group", not a silent "none".
    unit_id = None if not raw else (record_id(raw) or 0)
    return _project_action(project_id, form, "unit_form", lambda d, p: (
        progress.assign_unit(d.id, p.id, unit_id, current_user)),
        _l("담당 부서·분과를 정했습니다."))


@public
def progress_photo(name: str):
    district = district_or_404()
    report = progress.photo_report(district.id, name)
    return send_from_directory(progress.photo_folder(district.id, report.photo), report.photo,
                               mimetype="image/jpeg", max_age=7 * 24 * 3600)


def _scores(criteria) -> dict:
    scores = {}
    for criterion in criteria:
        raw = request.form.get(f"score-{criterion.id}", "").strip()
        try:
            scores[criterion.id] = int(raw)
        except ValueError:
            scores[criterion.id] = None
    return scores


@role_required(*STAFF)
def evaluate(project_id: int):
    form = EvaluationForm()
    return _project_action(project_id, form, "evaluation_form", lambda d, p: (
        evaluation.evaluate(
            d.id, p.id, period=form.period.data, self_evaluation=form.self_evaluation.data or "",
            evaluator=form.evaluator.data or "", scores=_scores(settings.rubric(d.id)),
            satisfaction=form.satisfaction.data, respondents=form.respondents.data)),
        _l("평가를 기록했습니다."))
