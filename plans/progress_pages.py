"""Progress reports with photos and evaluations of one project."""

from flask import flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import lazy_gettext as _l

from core.auth import public, role_required
from core.lifecycle import on_error
from core.security import accepts_uploads
from core.tenancy import district_or_404
from plans import building, evaluation, photos, progress, settings
from plans.console import INVALID, STAFF
from plans.forms import EvaluationForm, ProgressForm


def _project_page(district, project, status=200, error=None, progress_form=None,
                  evaluation_form=None):
    criteria = settings.rubric(district.id)
    return render_template(
        "plans/project_report.html", project=project, criteria=criteria, error=error,
        progress_form=progress_form or ProgressForm(formdata=None),
        evaluation_form=evaluation_form or EvaluationForm(formdata=None),
        posted_scores=request.form if request.method == "POST" else {}), status


@role_required(*STAFF)
def project_report(project_id: int):
    district = district_or_404()
    project = building.get_project(district.id, project_id)
    return _project_page(district, project)


def _project_action(project_id: int, form, form_name: str, action, done):
    """Validate ``form``, run ``action`` on the project and go back to its page; a refusal
    shows the page again with the form as posted."""
    district = district_or_404()
    project = building.get_project(district.id, project_id)
    if not form.validate_on_submit():
        return _project_page(district, project, 422, INVALID, **{form_name: form})
    on_error(lambda: _project_page(district, building.get_project(district.id, project_id),
                                   **{form_name: form}))
    action(district, project)
    flash(done, "success")
    return redirect(url_for("plans.project_report", project_id=project_id))


@accepts_uploads(photos.MAX_BYTES + 64 * 1024)
@role_required(*STAFF)
def report_progress(project_id: int):
    form = ProgressForm()
    upload = form.photo.data
    photo = upload.read() if upload and upload.filename else None
    return _project_action(project_id, form, "progress_form", lambda d, p: (
        progress.report_progress(
            d.id, p.id, reported_on=form.reported_on.data, status=form.status.data,
            percent=form.percent.data, spent=form.spent.data, notes=form.notes.data or "",
            reporter=form.reporter.data or "", photo=photo,
            photo_alt=form.photo_alt.data or "")), _l("추진 실적을 기록했습니다."))


@public
def progress_photo(name: str):
    district = district_or_404()
    report = progress.photo_report(district.id, name)
    return send_from_directory(progress.photos_dir(), report.photo, mimetype="image/jpeg",
                               max_age=7 * 24 * 3600)


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
