"""Export pages: ask for an export, watch its progress, download; and the public open data."""

import io

from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from core.auth import Role, public, role_required
from core.lifecycle import answer_errors_as_json, on_error
from core.tenancy import district_or_404

# The kinds register themselves on import. The app imports every views module, so the
# pages, the job worker and the command line all run with every kind known.
from . import city_open_data, kinds, services  # noqa: F401
from .forms import ExportForm
from .labels import FORMAT_LABELS
from .registry import KINDS, MEDIA_TYPES, ExportContext, run_export, targets

bp = Blueprint("exports", __name__)

# What each kind is called on the pages; the kinds carry their own labels.
KIND_LABELS = {name: kind.label for name, kind in KINDS.items()}


def _form(district) -> ExportForm:
    form = ExportForm()
    form.set_targets(targets(district.id))
    return form


def _page(district, form, status=200):
    jobs = [services.check_worker_alive(job) for job in services.recent_jobs(district.id,
                                                                            current_user)]
    return render_template("exports/index.html", form=form, jobs=jobs,
                           format_labels=FORMAT_LABELS, kind_labels=KIND_LABELS,
                           kinds=[(k, i, t, k.formats_for(i))
                                  for k, i, t in targets(district.id)]), status


@bp.route("/exports")
@role_required(Role.ORGANIZER)
def index():
    district = district_or_404()
    return _page(district, _form(district))


@bp.route("/exports", methods=["POST"])
@role_required(Role.ORGANIZER)
def create():
    district = district_or_404()
    form = _form(district)
    if not form.validate_on_submit():
        return _page(district, form, 422)
    kind, scope_id = form.chosen()
    on_error(lambda: _page(district, form), form=form, field="format")
    job = services.request_export(district.id, current_user, kind, form.format.data, scope_id,
                                  form.include_personal.data)
    return redirect(url_for("exports.job_page", job_id=job.id))


@bp.route("/exports/jobs/<int:job_id>")
@role_required(Role.ORGANIZER)
def job_page(job_id: int):
    district = district_or_404()
    job = services.check_worker_alive(services.own_job(district.id, current_user, job_id))
    state = services.status(job)
    return render_template("exports/job.html", job=job, status=state,
                           format_labels=FORMAT_LABELS, kind_labels=KIND_LABELS)


@bp.route("/exports/jobs/<int:job_id>/status")
@role_required(Role.ORGANIZER)
def job_status(job_id: int):
    answer_errors_as_json()
    district = district_or_404()
    job = services.check_worker_alive(services.own_job(district.id, current_user, job_id))
    state = services.status(job)
    if state["ready"]:
        state["download_url"] = url_for("exports.download", token=job.token)
    return jsonify(state)


@bp.route("/exports/jobs/<int:job_id>/rerun", methods=["POST"])
@role_required(Role.ORGANIZER)
def rerun(job_id: int):
    district = district_or_404()
    job = services.rerun(district.id, current_user, job_id)
    return redirect(url_for("exports.job_page", job_id=job.id))


@bp.route("/exports/download/<token>")
@role_required(Role.ORGANIZER)
def download(token: str):
    district = district_or_404()
    job, path = services.download(district.id, current_user, token, request.remote_addr or "")
    extension = job.file_name.rsplit(".", 1)[-1]
    response = send_file(path, mimetype=MEDIA_TYPES[extension], as_attachment=True,
                         download_name=job.file_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/open-data")
@public
def open_data():
    district = district_or_404()
    return render_template("exports/open_data.html",
                           entries=targets(district.id, public=True))


@bp.route("/api/v1/open-data/<kind>/<int:scope_id>.<fmt>")
@public
def open_data_file(kind: str, scope_id: int, fmt: str):
    """Public results, plans, evaluations and agenda as CSV or JSON, made on request."""
    district = district_or_404()
    ctx = ExportContext(district.id, scope_id, public=True)
    # Open data is small (results, plans, evaluations, agenda): made in memory on request.
    with io.BytesIO() as out:
        extension = run_export(kind, fmt, ctx, out)
        data = out.getvalue()
    response = Response(data, mimetype=MEDIA_TYPES[extension])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="madang-{kind}-{scope_id}.{extension}"')
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# The city-wide open data: every district on one page, and its figures as files.
bp.add_url_rule("/city/open-data", "city_open_data", city_open_data.page)
bp.add_url_rule("/city/open-data/districts.csv", "city_districts_csv",
                city_open_data.districts_csv)
bp.add_url_rule("/city/open-data/participation.csv", "city_participation_csv",
                city_open_data.participation_csv)
bp.add_url_rule("/city/open-data/plans.csv", "city_plans_csv", city_open_data.plans_csv)
bp.add_url_rule("/city/open-data.json", "city_open_data_json", city_open_data.json_file)
