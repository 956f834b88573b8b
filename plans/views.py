"""Plan pages: the public plan with progress and evaluations, versions and their diff, the
what-if comparison, the organizers' console (build, review, council, progress, evaluation,
feedback) and the public JSON."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from agenda.models import FIELD_LABELS, AgendaItem, Status
from core.auth import Role, public, role_required
from core.db import commit, db
from core.errors import DomainError, NotFound
from core.inputs import record_id
from core.models import Cycle
from core.security import accepts_uploads
from core.tenancy import current_cycle, district_or_404
from plans import photos, services
from plans.forms import (
    VOTE_CHOICES,
    AttendanceForm,
    BudgetLimitForm,
    BuildForm,
    CarryForm,
    CommentForm,
    CriterionForm,
    EvaluationForm,
    FindingForm,
    MeetingForm,
    MemberForm,
    MilestoneForm,
    MinutesForm,
    MotionForm,
    NoteForm,
    ProgressForm,
    ProjectForm,
    ResultsForm,
    SettingsForm,
    VoteBuildForm,
    limit_targets,
)
from plans.models import PERIOD_LABELS, PlanStatus
from plans.published import published_plan

bp = Blueprint("plans", __name__)

STAFF = (Role.ORGANIZER,)



def _cycle_or_404(district, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district.id:
        abort(404)
    return cycle


def _or_404(load):
    try:
        return load()
    except DomainError:
        abort(404)


def _attempt(form, action, done, target):
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


def _rule_rows(checks):
    return [{"check": c, "label": services.RULE_LABELS[c.code]} for c in checks]


# --- public ----------------------------------------------------------------------------


@bp.route("/plan")
@public
def current_plan():
    district = district_or_404()
    cycle = current_cycle(district)
    if cycle is None:
        abort(404)
    return redirect(url_for("plans.public_plan", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/plan")
@public
def public_plan(cycle_id: int):
    district = district_or_404()
    cycle = _cycle_or_404(district, cycle_id)
    plan = published_plan(district.id, cycle.id)
    settings = services.settings_for(district.id)
    context = {"district": district, "cycle": cycle, "plan": plan, "settings": settings,
               "limits": services.budget_limits(district.id), "field_labels": FIELD_LABELS,
               "period_labels": PERIOD_LABELS}
    if plan is not None:
        context.update(
            checks=_rule_rows(services.check_plan(plan)), summary=services.summary(plan),
            motion=services.approval_motion(plan),
            evaluations={p.id: services.latest_evaluation(p) for p in plan.projects})
    return render_template("plans/public.html", **context)


@bp.route("/cycles/<int:cycle_id>/plan/versions/<int:number>")
@public
def version_page(cycle_id: int, number: int):
    district = district_or_404()
    cycle = _cycle_or_404(district, cycle_id)
    plan = services.plan_for_cycle(district.id, cycle.id)
    if plan is None:
        abort(404)
    changes = _or_404(lambda: services.version_diff(plan, number))
    version = next(v for v in plan.versions if v.number == number)
    comments = [c for c in plan.comments if c.version_number == number
                or c.resolved_in_version == number]
    return render_template("plans/version.html", cycle=cycle, plan=plan, version=version,
                           changes=changes, comments=comments)


@bp.route("/cycles/<int:cycle_id>/plan/what-if")
@public
def what_if(cycle_id: int):
    district = district_or_404()
    cycle = _cycle_or_404(district, cycle_id)
    # Organizers compare the counting methods on the plan they are drafting; everyone else
    # on the plan as published.
    if current_user.is_authenticated and current_user.has_role(district.id, *STAFF):
        plan = services.plan_for_cycle(district.id, cycle.id)
    else:
        plan = published_plan(district.id, cycle.id)
    if plan is None:
        abort(404)
    scenarios = services.what_if(district.id, plan)
    return render_template("plans/what_if.html", cycle=cycle, plan=plan, scenarios=scenarios,
                           source_vote=services.what_if_vote(district.id, plan),
                           rule_labels=services.RULE_LABELS,
                           fixed=[p for p in plan.projects if p.agenda_item_id is None])


def _check_json(check) -> dict:
    def plain(value):
        if isinstance(value, int | type(None)):
            return value
        return float(value)

    return {"rule": check.code, "subject": check.subject, "passed": check.passed,
            "actual": plain(check.actual), "required": plain(check.required)}


@bp.route("/api/v1/cycles/<int:cycle_id>/plan")
@public
def plan_json(cycle_id: int):
    district = district_or_404()
    cycle = _cycle_or_404(district, cycle_id)
    plan = published_plan(district.id, cycle.id)
    if plan is None:
        return jsonify(error="no plan for this cycle"), 404
    motion = services.approval_motion(plan)
    return jsonify(
        id=plan.id, cycle={"id": cycle.id, "year": cycle.year, "title": cycle.title},
        title=plan.title, status=plan.status, version=plan.version,
        amendment_in_review=plan.amendment_in_review,
        total_budget=plan.total_budget, source=plan.source_label,
        approved_at=plan.approved_at.isoformat() if plan.approved_at else None,
        approval=None if motion is None else {
            "meeting": motion.meeting.title, "held_on": motion.meeting.held_on.isoformat(),
            "members": motion.meeting.members, "present": motion.present, "yes": motion.yes,
            "no": motion.no, "abstain": motion.abstain, "passed": motion.passed},
        rules=[_check_json(c) for c in services.check_plan(plan)],
        rules_override_reason=plan.rules_override_reason or None,
        summary=services.summary(plan),
        review={"comments": [
            {"severity": c.severity, "title": c.title, "version": c.version_number,
             "resolved": c.resolved_at is not None, "resolution": c.resolution or None}
            for c in plan.comments]},
        projects=[_project_json(p) for p in plan.projects],
        findings=[{"id": f.id, "kind": f.kind, "title": f.title,
                   "carried_item_id": f.carried_item_id} for f in plan.findings],
    )


def _project_json(project) -> dict:
    latest = project.latest_report
    evaluation = services.latest_evaluation(project)
    return {
        "id": project.id, "title": project.title, "budget": project.budget,
        "funding_source": project.funding_source, "category": project.category,
        "field": project.field or None, "dong": project.dong or None,
        "agenda_item_id": project.agenda_item_id, "vote_rank": project.vote_rank,
        "working_group": {"department": project.department, "team": project.team,
                          "civil_partners": project.civil_partners},
        "fusion_tags": project.tags,
        "schedule": {"starts_on": project.starts_on.isoformat() if project.starts_on else None,
                     "ends_on": project.ends_on.isoformat() if project.ends_on else None,
                     "milestones": [{"title": m.title, "due_on": m.due_on.isoformat()}
                                    for m in project.milestones]},
        "progress": None if latest is None else {
            "status": latest.status, "percent": latest.percent, "spent": latest.spent,
            "reported_on": latest.reported_on.isoformat()},
        "evaluation": None if evaluation is None else {
            "period": evaluation.period, "score_percent": evaluation.score_percent,
            "satisfaction": evaluation.satisfaction, "respondents": evaluation.respondents},
    }


# --- organizers: the plan console ------------------------------------------------------


def _staff_cycle(district) -> Cycle:
    cycle_id = record_id(request.args.get("cycle", ""))
    if cycle_id is not None:
        return _cycle_or_404(district, cycle_id)
    cycle = current_cycle(district)
    if cycle is None:
        abort(404)
    return cycle


def _selected_items(cycle) -> list[AgendaItem]:
    return list(db.session.scalars(select(AgendaItem).where(
        AgendaItem.cycle_id == cycle.id, AgendaItem.status == Status.SELECTED.value
    ).order_by(AgendaItem.id)))


def _confirmed_vote_choices(district, cycle) -> list[SelectChoice]:
    return [SelectChoice(vote.id, vote.title)
            for vote in services.source_votes(district.id, cycle.id)]


def _manage_page(district, cycle, status: int = 200, error=None, **forms):
    plan = services.plan_for_cycle(district.id, cycle.id)
    build = forms.pop("build_form", None) or BuildForm(formdata=None)
    build.item_ids.choices = [SelectChoice(i.id, f"{i.title} ({i.estimated_cost or 0:,}원)")
                              for i in _selected_items(cycle)]
    vote_form = forms.pop("vote_form", None) or VoteBuildForm(formdata=None)
    vote_form.vote_id.choices = _confirmed_vote_choices(district, cycle)
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
        context.update(checks=_rule_rows(services.check_plan(plan)),
                       blockers=services.approval_blockers(plan),
                       unsaved=services.has_unsaved_changes(plan),
                       summary=services.summary(plan))
    context["carry_form"].cycle_id.choices = [SelectChoice(c.id, c.title)
                                              for c in context["later_cycles"]]
    return render_template("plans/manage.html", **context), status


@bp.route("/plans/manage")
@role_required(*STAFF)
def manage():
    district = district_or_404()
    return _manage_page(district, _staff_cycle(district))


def _plan_action(plan_id: int, action, done, form=None, form_name: str | None = None):
    """Run a console action on a plan of this district; 404 for foreign ids, the refusal's
    4xx (with the console and its message) otherwise."""
    district = district_or_404()
    plan = _or_404(lambda: services.get_plan(district.id, plan_id))
    cycle = plan.cycle
    response, (error, status) = _attempt(form, lambda: action(district, plan), done,
                                         url_for("plans.manage", cycle=cycle.id))
    if response is not None:
        return response
    if status == 404:
        abort(404)
    extra = {form_name: form} if form_name else {}
    return _manage_page(district, _cycle_or_404(district, cycle.id), status, error, **extra)


@bp.route("/plans/build", methods=["POST"])
@role_required(*STAFF)
def build():
    district = district_or_404()
    cycle = _staff_cycle(district)
    form = BuildForm()
    form.item_ids.choices = [SelectChoice(i.id, i.title) for i in _selected_items(cycle)]
    if not form.validate_on_submit():
        return _manage_page(district, cycle, 422, _l("입력을 확인하세요."), build_form=form)
    try:
        services.create_plan_from_selection(
            district.id, cycle.id, [(item_id, "") for item_id in form.item_ids.data],
            form.source_label.data or "", form.total_budget.data, current_user)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _manage_page(district, _cycle_or_404(district, cycle.id), error.status,
                            error.message, build_form=form)
    flash(_l("선정 의제로 실행계획을 만들었습니다."), "success")
    return redirect(url_for("plans.manage", cycle=cycle.id))


@bp.route("/plans/build-from-vote", methods=["POST"])
@role_required(*STAFF)
def build_from_vote():
    district = district_or_404()
    cycle = _staff_cycle(district)
    form = VoteBuildForm()
    form.vote_id.choices = _confirmed_vote_choices(district, cycle)
    if not form.validate_on_submit():
        return _manage_page(district, cycle, 422, _l("입력을 확인하세요."), vote_form=form)
    try:
        services.create_plan_from_vote(district.id, cycle.id, form.vote_id.data,
                                       form.total_budget.data, current_user)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _manage_page(district, _cycle_or_404(district, cycle.id), error.status,
                            error.message, vote_form=form)
    flash(_l("확정된 투표 결과로 실행계획을 만들었습니다."), "success")
    return redirect(url_for("plans.manage", cycle=cycle.id))


def _project_data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        title=form.title.data or "", budget=form.budget.data, category=form.category.data,
        funding_source=form.funding_source.data, summary=form.summary.data or "",
        field=form.field.data or "", dong=form.dong.data or "",
        department=form.department.data or "", team=form.team.data or "",
        civil_partners=form.civil_partners.data or "", fusion_tags=form.fusion_tags.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data)


@bp.route("/plans/<int:plan_id>/projects", methods=["POST"])
@role_required(*STAFF)
def add_project(plan_id: int):
    form = ProjectForm()
    return _plan_action(plan_id, lambda d, p: services.add_project(
        d.id, p.id, _project_data(form), current_user), _l("사업을 추가했습니다."),
        form, "project_form")


@bp.route("/plans/projects/<int:project_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_project(project_id: int):
    district = district_or_404()
    project = _or_404(lambda: services.get_project(district.id, project_id))
    form = ProjectForm(obj=project if request.method == "GET" else None)
    milestone_form = MilestoneForm(formdata=None)
    status, error = 200, None
    if form.validate_on_submit():
        try:
            services.update_project(district.id, project.id, _project_data(form),
                                    current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
            project = services.get_project(district.id, project_id)
        else:
            flash(_l("사업을 저장했습니다."), "success")
            return redirect(url_for("plans.manage", cycle=project.plan.cycle_id))
    elif form.is_submitted():
        status, error = 422, _l("입력을 확인하세요.")
    return render_template("plans/project_edit.html", project=project, form=form,
                           milestone_form=milestone_form, error=error), status


@bp.route("/plans/projects/<int:project_id>/milestones", methods=["POST"])
@role_required(*STAFF)
def add_milestone(project_id: int):
    district = district_or_404()
    project = _or_404(lambda: services.get_project(district.id, project_id))
    form = MilestoneForm()
    done, (error, status) = _attempt(form, lambda: services.add_milestone(
        district.id, project.id, form.title.data, form.due_on.data, current_user),
        _l("추진 일정을 추가했습니다."), url_for("plans.edit_project", project_id=project_id))
    if done is not None:
        return done
    project = services.get_project(district.id, project_id)
    return render_template("plans/project_edit.html", project=project,
                           form=ProjectForm(obj=project), milestone_form=form,
                           error=error), status


@bp.route("/plans/<int:plan_id>/submit", methods=["POST"])
@role_required(*STAFF)
def submit(plan_id: int):
    return _plan_action(plan_id, lambda d, p: services.submit_for_review(
        d.id, p.id, current_user, request.form.get("note", "")),
        _l("협의조정에 제1차안을 보냈습니다."))


@bp.route("/plans/<int:plan_id>/revise", methods=["POST"])
@role_required(*STAFF)
def revise(plan_id: int):
    form = NoteForm()
    return _plan_action(plan_id, lambda d, p: services.save_revision(
        d.id, p.id, current_user, form.note.data), _l("수정안을 새 판으로 저장했습니다."),
        form, "note_form")


@bp.route("/plans/<int:plan_id>/comments", methods=["POST"])
@role_required(*STAFF)
def add_comment(plan_id: int):
    form = CommentForm()
    return _plan_action(plan_id, lambda d, p: services.add_review_comment(
        d.id, p.id, form.severity.data, form.title.data, form.body.data, current_user),
        _l("협의조정 의견을 남겼습니다."), form, "comment_form")


@bp.route("/plans/<int:plan_id>/comments/<int:comment_id>/resolve", methods=["POST"])
@role_required(*STAFF)
def resolve_comment(plan_id: int, comment_id: int):
    def action(district, plan):
        if not any(c.id == comment_id for c in plan.comments):
            abort(404)
        services.resolve_comment(district.id, comment_id, request.form.get("resolution", ""),
                                 current_user)

    return _plan_action(plan_id, action, _l("의견을 해소했습니다."))


@bp.route("/plans/<int:plan_id>/override", methods=["POST"])
@role_required(Role.ADMIN)
def override(plan_id: int):
    return _plan_action(plan_id, lambda d, p: services.override_rules(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("예산 규칙 예외를 사유와 함께 기록했습니다."))


@bp.route("/plans/<int:plan_id>/reopen", methods=["POST"])
@role_required(*STAFF)
def reopen(plan_id: int):
    return _plan_action(plan_id, lambda d, p: services.reopen_for_amendment(
        d.id, p.id, request.form.get("reason", ""), current_user),
        _l("변경안을 열었습니다. 협치회의가 다시 승인해야 합니다."))


@bp.route("/plans/<int:plan_id>/findings", methods=["POST"])
@role_required(*STAFF)
def add_finding(plan_id: int):
    form = FindingForm()
    return _plan_action(plan_id, lambda d, p: services.add_finding(
        d.id, p.id, form.kind.data, form.title.data, form.body.data),
        _l("환류 과제를 추가했습니다."), form, "finding_form")


@bp.route("/plans/<int:plan_id>/findings/collect", methods=["POST"])
@role_required(*STAFF)
def collect_findings(plan_id: int):
    return _plan_action(plan_id, lambda d, p: services.collect_findings(d.id, p.id),
                        _l("미완료·낮은 평가 사업을 환류 과제로 모았습니다."))


@bp.route("/plans/<int:plan_id>/findings/<int:finding_id>/carry", methods=["POST"])
@role_required(*STAFF)
def carry_finding(plan_id: int, finding_id: int):
    form = CarryForm()

    def action(district, plan):
        if not any(f.id == finding_id for f in plan.findings):
            abort(404)
        form.cycle_id.choices = [SelectChoice(c.id, c.title) for c in district.cycles]
        if not form.validate_on_submit():
            raise DomainError(_l("넘길 주기를 고르세요."))
        services.carry_finding(district.id, finding_id, form.cycle_id.data, current_user)

    return _plan_action(plan_id, action, _l("다음 주기의 의제발굴로 넘겼습니다."))


@bp.route("/plans/<int:plan_id>/results", methods=["POST"])
@role_required(*STAFF)
def share_results(plan_id: int):
    form = ResultsForm()
    return _plan_action(plan_id, lambda d, p: services.share_results(
        d.id, p.id, form.held_on.data, form.summary.data, current_user),
        _l("성과공유회 결과를 공개했습니다."), form, "results_form")


# --- progress and evaluation -----------------------------------------------------------


def _project_page(district, project, status=200, error=None, progress_form=None,
                  evaluation_form=None):
    criteria = services.rubric(district.id)
    return render_template(
        "plans/project_report.html", project=project, criteria=criteria, error=error,
        progress_form=progress_form or ProgressForm(formdata=None),
        evaluation_form=evaluation_form or EvaluationForm(formdata=None),
        posted_scores=request.form if request.method == "POST" else {}), status


@bp.route("/plans/projects/<int:project_id>/report")
@role_required(*STAFF)
def project_report(project_id: int):
    district = district_or_404()
    project = _or_404(lambda: services.get_project(district.id, project_id))
    return _project_page(district, project)


def _project_action(project_id: int, form, form_name: str, action, done):
    district = district_or_404()
    project = _or_404(lambda: services.get_project(district.id, project_id))
    response, (error, status) = _attempt(
        form, lambda: action(district, project), done,
        url_for("plans.project_report", project_id=project_id))
    if response is not None:
        return response
    return _project_page(district, services.get_project(district.id, project_id), status,
                         error, **{form_name: form})


@bp.route("/plans/projects/<int:project_id>/progress", methods=["POST"])
@accepts_uploads(photos.MAX_BYTES + 64 * 1024)
@role_required(*STAFF)
def report_progress(project_id: int):
    form = ProgressForm()
    upload = form.photo.data
    photo = upload.read() if upload and upload.filename else None
    return _project_action(project_id, form, "progress_form", lambda d, p: (
        services.report_progress(
            d.id, p.id, reported_on=form.reported_on.data, status=form.status.data,
            percent=form.percent.data, spent=form.spent.data, notes=form.notes.data or "",
            reporter=form.reporter.data or "", photo=photo,
            photo_alt=form.photo_alt.data or "")), _l("추진 실적을 기록했습니다."))


@bp.route("/plans/photos/<name>")
@public
def progress_photo(name: str):
    district = district_or_404()
    report = _or_404(lambda: services.photo_report(district.id, name))
    return send_from_directory(services.photos_dir(), report.photo, mimetype="image/jpeg",
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


@bp.route("/plans/projects/<int:project_id>/evaluations", methods=["POST"])
@role_required(*STAFF)
def evaluate(project_id: int):
    form = EvaluationForm()
    return _project_action(project_id, form, "evaluation_form", lambda d, p: (
        services.evaluate(
            d.id, p.id, period=form.period.data, self_evaluation=form.self_evaluation.data or "",
            evaluator=form.evaluator.data or "", scores=_scores(services.rubric(d.id)),
            satisfaction=form.satisfaction.data, respondents=form.respondents.data)),
        _l("평가를 기록했습니다."))


# --- the council -----------------------------------------------------------------------


def _council_page(district, status=200, error=None, member_form=None, meeting_form=None):
    return render_template(
        "plans/council.html", district=district, members=services.roster(district.id),
        checks=_rule_rows(services.roster_checks(district.id)),
        settings=services.settings_for(district.id), meetings=services.meetings(district.id),
        member_form=member_form or MemberForm(formdata=None),
        meeting_form=meeting_form or MeetingForm(formdata=None), error=error), status


@bp.route("/plans/council")
@role_required(*STAFF)
def council():
    return _council_page(district_or_404())


def _council_action(form, form_name, action, done, back=None):
    district = district_or_404()
    if not form.validate_on_submit():
        return _council_page(district, 422, _l("입력을 확인하세요."), **{form_name: form})
    try:
        result = action(district)
        commit()
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        return _council_page(district, error.status, error.message, **{form_name: form})
    flash(done, "success")
    return redirect(back(result) if back else url_for("plans.council"))


@bp.route("/plans/council/members", methods=["POST"])
@role_required(*STAFF)
def add_member():
    form = MemberForm()
    return _council_action(form, "member_form", lambda d: services.add_member(
        d.id, form.name.data, form.affiliation.data or "", form.member_type.data,
        form.gender.data), _l("위원을 추가했습니다."))


@bp.route("/plans/council/meetings", methods=["POST"])
@role_required(*STAFF)
def open_meeting():
    form = MeetingForm()
    return _council_action(form, "meeting_form", lambda d: services.open_meeting(
        d.id, form.title.data, form.held_on.data), _l("회의를 열었습니다."),
        lambda meeting: url_for("plans.meeting_page", meeting_id=meeting.id))


def _meeting_page(district, meeting, status=200, error=None, motion_form=None):
    members = services.roster(district.id, active_only=False)
    attendance = AttendanceForm(formdata=None)
    attendance.member_ids.choices = [SelectChoice(m.id, f"{m.name} ({m.type_label})")
                                     for m in services.roster(district.id)]
    attendance.member_ids.data = [a.member_id for a in meeting.attendance]
    plans = [p for p in (services.plan_for_cycle(district.id, c.id) for c in district.cycles)
             if p is not None and p.status == PlanStatus.IN_REVIEW.value]
    return render_template(
        "plans/meeting.html", meeting=meeting, members={m.id: m for m in members},
        attendance_form=attendance, motion_form=motion_form or MotionForm(formdata=None),
        minutes_form=MinutesForm(formdata=None, minutes=meeting.minutes),
        vote_choices=VOTE_CHOICES, reviewable=plans, error=error,
        quorum=meeting.members // 2 + 1), status


@bp.route("/plans/council/meetings/<int:meeting_id>")
@role_required(*STAFF)
def meeting_page(meeting_id: int):
    district = district_or_404()
    meeting = _or_404(lambda: services.get_meeting(district.id, meeting_id))
    return _meeting_page(district, meeting)


def _meeting_action(meeting_id: int, action, done, form=None, form_name=None):
    district = district_or_404()
    meeting = _or_404(lambda: services.get_meeting(district.id, meeting_id))
    response, (error, status) = _attempt(form, lambda: action(district, meeting), done,
                                         url_for("plans.meeting_page", meeting_id=meeting_id))
    if response is not None:
        return response
    if status == 404:
        abort(404)
    extra = {form_name: form} if form_name else {}
    return _meeting_page(district, services.get_meeting(district.id, meeting_id), status,
                         error, **extra)


def _int_list(name: str) -> list[int]:
    return [number for v in request.form.getlist(name) if (number := record_id(v)) is not None]


@bp.route("/plans/council/meetings/<int:meeting_id>/attendance", methods=["POST"])
@role_required(*STAFF)
def record_attendance(meeting_id: int):
    return _meeting_action(meeting_id, lambda d, m: services.record_attendance(
        d.id, m.id, _int_list("member_ids")), _l("출석을 기록했습니다."))


@bp.route("/plans/council/meetings/<int:meeting_id>/motions", methods=["POST"])
@role_required(*STAFF)
def add_motion(meeting_id: int):
    form = MotionForm()

    def action(district, meeting):
        plan_id = record_id(request.form.get("plan_id", ""))
        services.add_motion(district.id, meeting.id, form.title.data, form.kind.data,
                            plan_id if form.approves_plan.data else None)

    return _meeting_action(meeting_id, action, _l("안건을 올렸습니다."), form, "motion_form")


@bp.route("/plans/council/motions/<int:motion_id>/decide", methods=["POST"])
@role_required(*STAFF)
def decide(motion_id: int):
    district = district_or_404()
    motion = _or_404(lambda: services.get_motion(district.id, motion_id))
    votes = {}
    for key, value in request.form.items():
        member_id = record_id(key.removeprefix("vote-")) if key.startswith("vote-") else None
        if member_id is not None and value:
            votes[member_id] = value
    return _meeting_action(motion.meeting_id, lambda d, m: services.decide(
        d.id, motion_id, votes, current_user), _l("안건을 의결했습니다."))


@bp.route("/plans/council/meetings/<int:meeting_id>/minutes", methods=["POST"])
@role_required(*STAFF)
def record_minutes(meeting_id: int):
    form = MinutesForm()
    return _meeting_action(meeting_id, lambda d, m: services.record_minutes(
        d.id, m.id, form.minutes.data, form.publish.data), _l("회의록을 저장했습니다."))


@bp.route("/council/minutes")
@public
def published_minutes():
    district = district_or_404()
    meetings = [m for m in services.meetings(district.id) if m.minutes_published_at]
    return render_template("plans/minutes.html", meetings=meetings,
                           members={m.id: m for m in services.roster(district.id, False)},
                           checks=_rule_rows(services.roster_checks(district.id)),
                           roster=services.roster(district.id))


# --- settings: published rules and the rubric ------------------------------------------


def _settings_page(district, status=200, error=None, **forms):
    settings = services.settings_for(district.id)
    form = forms.get("form")
    if form is None:
        form = SettingsForm(formdata=None, obj=settings)
        form.mandatory_titles.data = "\n".join(settings.mandatory_titles or [])
    limit_form = forms.get("limit_form") or BudgetLimitForm(formdata=None)
    dong_names = [dong.name for dong in district.dongs]
    limit_form.target.choices = limit_targets(dong_names)
    targets = {choice.value: choice.label for choice in limit_form.target.choices}
    return render_template(
        "plans/settings.html", form=form,
        error=error, criterion_form=forms.get("criterion_form") or CriterionForm(formdata=None),
        criteria=services.rubric(district.id), limit_form=limit_form,
        limits=[(limit, targets.get(f"{limit.scope}:{limit.name}", limit.name))
                for limit in services.budget_limits(district.id)]), status


@bp.route("/plans/settings", methods=["GET", "POST"])
@role_required(*STAFF)
def settings_page():
    district = district_or_404()
    form = SettingsForm()
    if request.method == "GET":
        return _settings_page(district)
    status, error = 200, None
    if form.validate_on_submit():
        try:
            services.save_settings(
                district.id, foundation_share_percent=form.foundation_share_percent.data,
                council_max_members=form.council_max_members.data,
                civil_share_percent=form.civil_share_percent.data,
                gender_max_percent=form.gender_max_percent.data,
                low_rating_percent=form.low_rating_percent.data,
                mandatory_titles=(form.mandatory_titles.data or "").splitlines())
            commit()
        except DomainError as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
        else:
            flash(_l("규칙을 저장했습니다. 공개 계획 페이지에 바로 보입니다."), "success")
            return redirect(url_for("plans.settings_page"))
    elif form.is_submitted():
        status, error = 422, _l("입력을 확인하세요.")
    return _settings_page(district, status, error, form=form)


@bp.route("/plans/settings/limits", methods=["POST"])
@role_required(*STAFF)
def set_budget_limit():
    district = district_or_404()
    form = BudgetLimitForm()
    form.target.choices = limit_targets([dong.name for dong in district.dongs])
    done, (error, status) = _attempt(form, lambda: services.set_budget_limit(
        district.id, *form.scoped(), form.floor.data, form.cap.data),
        _l("예산 한도를 저장했습니다. 계획의 규칙 점검에 바로 쓰입니다."),
        url_for("plans.settings_page") + "#limits-title")
    if done is not None:
        return done
    return _settings_page(district, status, error, limit_form=form)


@bp.route("/plans/settings/limits/<int:limit_id>/delete", methods=["POST"])
@role_required(*STAFF)
def remove_budget_limit(limit_id: int):
    district = district_or_404()
    try:
        services.remove_budget_limit(district.id, limit_id)
        commit()
    except NotFound:
        abort(404)
    flash(_l("예산 한도를 지웠습니다."), "success")
    return redirect(url_for("plans.settings_page") + "#limits-title")


@bp.route("/plans/settings/rubric", methods=["POST"])
@role_required(*STAFF)
def add_criterion():
    district = district_or_404()
    form = CriterionForm()
    done, (error, status) = _attempt(form, lambda: services.add_criterion(
        district.id, form.name.data, form.max_score.data), _l("평가 항목을 추가했습니다."),
        url_for("plans.settings_page"))
    if done is not None:
        return done
    return _settings_page(district, status, error, criterion_form=form)

