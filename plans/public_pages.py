"""Public plan pages: the plan as published with progress and evaluations, its versions and
their diff, the what-if comparison, and the public JSON."""

from flask import abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

from agenda.models import FIELD_LABELS
from core.auth import public
from core.tenancy import current_cycle, district_or_404
from plans import building, council, evaluation, review, settings, what_if
from plans.console import STAFF, cycle_or_404, rule_rows
from plans.models import PERIOD_LABELS
from plans.published import published_plan


@public
def current_plan():
    district = district_or_404()
    cycle = current_cycle(district)
    if cycle is None:
        abort(404)
    return redirect(url_for("plans.public_plan", cycle_id=cycle.id))


@public
def public_plan(cycle_id: int):
    district = district_or_404()
    cycle = cycle_or_404(district, cycle_id)
    plan = published_plan(district.id, cycle.id)
    published_rules = settings.settings_for(district.id)
    context = {"district": district, "cycle": cycle, "plan": plan, "settings": published_rules,
               "limits": settings.budget_limits(district.id), "field_labels": FIELD_LABELS,
               "period_labels": PERIOD_LABELS}
    if plan is not None:
        context.update(
            checks=rule_rows(building.check_plan(plan)), summary=building.summary(plan),
            motion=council.approval_motion(plan),
            evaluations={p.id: evaluation.latest_evaluation(p) for p in plan.projects})
    return render_template("plans/public.html", **context)


@public
def version_page(cycle_id: int, number: int):
    district = district_or_404()
    cycle = cycle_or_404(district, cycle_id)
    plan = building.plan_for_cycle(district.id, cycle.id)
    if plan is None:
        abort(404)
    changes = review.version_diff(plan, number)
    version = next(v for v in plan.versions if v.number == number)
    comments = [c for c in plan.comments if c.version_number == number
                or c.resolved_in_version == number]
    return render_template("plans/version.html", cycle=cycle, plan=plan, version=version,
                           changes=changes, comments=comments)


@public
def what_if_page(cycle_id: int):
    district = district_or_404()
    cycle = cycle_or_404(district, cycle_id)
    # Organizers compare the counting methods on the plan they are drafting; everyone else
    # on the plan as published.
    if current_user.is_authenticated and current_user.has_role(district.id, *STAFF):
        plan = building.plan_for_cycle(district.id, cycle.id)
    else:
        plan = published_plan(district.id, cycle.id)
    if plan is None:
        abort(404)
    scenarios = what_if.what_if(district.id, plan)
    return render_template("plans/what_if.html", cycle=cycle, plan=plan, scenarios=scenarios,
                           source_vote=what_if.what_if_vote(district.id, plan),
                           rule_labels=settings.RULE_LABELS,
                           fixed=[p for p in plan.projects if p.agenda_item_id is None])


def _check_json(check) -> dict:
    def plain(value):
        if isinstance(value, int | type(None)):
            return value
        return float(value)

    return {"rule": check.code, "subject": check.subject, "passed": check.passed,
            "actual": plain(check.actual), "required": plain(check.required)}


@public
def plan_json(cycle_id: int):
    district = district_or_404()
    cycle = cycle_or_404(district, cycle_id)
    plan = published_plan(district.id, cycle.id)
    if plan is None:
        return jsonify(error="no plan for this cycle"), 404
    motion = council.approval_motion(plan)
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
        rules=[_check_json(c) for c in building.check_plan(plan)],
        rules_override_reason=plan.rules_override_reason or None,
        summary=building.summary(plan),
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
    latest_evaluation = evaluation.latest_evaluation(project)
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
        "evaluation": None if latest_evaluation is None else {
            "period": latest_evaluation.period,
            "score_percent": latest_evaluation.score_percent,
            "satisfaction": latest_evaluation.satisfaction,
            "respondents": latest_evaluation.respondents},
    }
