"""The city review (협의조정) in versions: submission, revisions and their diff, reviewers'
comments and their resolution, the administrator's rule override, what still blocks
approval, and reopening an approved plan for an amendment."""


from flask_babel import lazy_gettext as _l

from core.auth import Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from plans.building import check_editable, check_plan, get_plan, log_action
from plans.inputs import clean_text, required_text
from plans.models import Plan, PlanStatus, PlanVersion, ReviewComment, Severity
from plans.settings import describe_check
from plans.versions import Change, diff_snapshots

SNAPSHOT_FIELDS = ("title", "budget", "funding_source", "category", "field", "dong",
                   "department", "team", "civil_partners", "fusion_tags", "summary")


def snapshot(plan: Plan) -> dict:
    """The plan's reviewable content as plain data (what a version keeps)."""
    return {
        "title": plan.title, "total_budget": plan.total_budget,
        "projects": [
            {"id": p.id, **{key: getattr(p, key) for key in SNAPSHOT_FIELDS},
             "starts_on": p.starts_on.isoformat() if p.starts_on else None,
             "ends_on": p.ends_on.isoformat() if p.ends_on else None,
             "milestones": [f"{m.due_on.isoformat()} {m.title}" for m in p.milestones]}
            for p in plan.projects
        ],
    }


def has_unsaved_changes(plan: Plan) -> bool:
    return bool(plan.versions) and plan.versions[-1].snapshot != snapshot(plan)


def _save_version(plan: Plan, note: str, actor) -> PlanVersion:
    plan.version += 1
    version = PlanVersion(number=plan.version, note=note, snapshot=snapshot(plan),
                          created_by_id=getattr(actor, "id", None))
    plan.versions.append(version)
    return version


def submit_for_review(district_id: int, plan_id: int, actor, note: str = "") -> PlanVersion:
    """Send the draft to the city's review as version 1 (제1차안)."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(_l("작성 중인 계획만 협의조정에 보낼 수 있습니다."))
    if not plan.projects:
        raise DomainError(_l("실행사업이 하나도 없습니다."))
    plan.status = PlanStatus.IN_REVIEW.value
    version = _save_version(plan, clean_text(note) or "제1차안", actor)
    log_action(plan, "submitted", actor, version.note)
    db.session.flush()
    return version


def save_revision(district_id: int, plan_id: int, actor, note: str) -> PlanVersion:
    """Save the revised plan as the next version, so reviewers see what changed."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.IN_REVIEW.value:
        raise Conflict(_l("협의조정 중인 계획만 수정안을 저장할 수 있습니다."))
    note = required_text(note, _l("무엇을 고쳤는지 적으세요."))
    if not has_unsaved_changes(plan):
        raise Conflict(_l("지난 판과 달라진 것이 없습니다."))
    version = _save_version(plan, note, actor)
    log_action(plan, "revised", actor, note)
    db.session.flush()
    return version


def version_diff(plan: Plan, number: int) -> list[Change]:
    """What version ``number`` changed from the one before it (nothing for the first)."""
    by_number = {v.number: v for v in plan.versions}
    if number not in by_number:
        raise NotFound(_l("그런 판이 없습니다."))
    if number - 1 not in by_number:
        return []
    return diff_snapshots(by_number[number - 1].snapshot, by_number[number].snapshot)


def add_review_comment(district_id: int, plan_id: int, severity: str, title: str, body: str,
                       actor) -> ReviewComment:
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.IN_REVIEW.value:
        raise Conflict(_l("협의조정 중인 계획에만 의견을 남길 수 있습니다."))
    if severity not in set(Severity):
        raise DomainError(_l("필수 또는 권고를 고르세요."))
    comment = ReviewComment(version_number=plan.version, severity=severity,
                            title=required_text(title, _l("의견 제목을 적으세요."), 200),
                            body=required_text(body, _l("의견 내용을 적으세요.")),
                            author_id=getattr(actor, "id", None))
    plan.comments.append(comment)
    log_action(plan, "commented", actor, f"[{severity}] {comment.title}")
    db.session.flush()
    return comment


def resolve_comment(district_id: int, comment_id: int, resolution: str, actor) -> ReviewComment:
    """Answer a review comment. A required one is resolved only by a version saved after it,
    which is where the change it asked for can be seen."""
    comment = db.session.get(ReviewComment, comment_id)
    if comment is None or comment.plan.district_id != district_id:
        raise NotFound(_l("그런 의견이 없습니다."))
    plan = get_plan(district_id, comment.plan_id, lock=True)
    if comment.resolved_at is not None:
        raise Conflict(_l("이미 해소된 의견입니다."))
    resolution = required_text(resolution, _l("어떻게 반영했는지 적으세요."))
    if comment.severity == Severity.REQUIRED.value and plan.version <= comment.version_number:
        raise Conflict(_l("필수 의견은 반영한 수정안을 새 판으로 저장한 뒤 해소할 수 있습니다."))
    comment.resolution = resolution
    comment.resolved_in_version = plan.version
    comment.resolved_at = utcnow()
    log_action(plan, "resolved", actor, comment.title)
    db.session.flush()
    return comment


def unresolved_required(plan: Plan) -> list[ReviewComment]:
    return [c for c in plan.comments
            if c.severity == Severity.REQUIRED.value and c.resolved_at is None]


def override_rules(district_id: int, plan_id: int, reason: str, actor) -> Plan:
    """An administrator lets a plan that breaks a budget rule go to approval, with a reason
    that is logged and shown publicly."""
    if actor is None or not actor.has_role(district_id, Role.ADMIN):
        raise Forbidden(_l("관리자만 예산 규칙 예외를 승인할 수 있습니다."))
    plan = get_plan(district_id, plan_id, lock=True)
    check_editable(plan)
    plan.rules_override_reason = required_text(reason, _l("예외 사유를 적으세요."))
    log_action(plan, "rules_overridden", actor, plan.rules_override_reason)
    db.session.flush()
    return plan


def approval_blockers(plan: Plan) -> list:
    """Why the plan cannot be approved yet; empty when it can."""
    blockers = []
    if plan.status != PlanStatus.IN_REVIEW.value:
        blockers.append(_l("협의조정을 거친 계획만 승인할 수 있습니다."))
    open_required = unresolved_required(plan)
    if open_required:
        blockers.append(lazy_message("해소되지 않은 필수 의견이 %(n)d건 있습니다.",
                                     n=len(open_required)))
    if has_unsaved_changes(plan):
        blockers.append(_l("저장하지 않은 수정 사항이 있습니다. 수정안을 새 판으로 저장하세요."))
    broken = [c for c in check_plan(plan) if not c.passed]
    if broken and not plan.rules_override_reason:
        blockers.append(lazy_message(
            "예산 규칙을 지키지 않습니다(%(rules)s). 고치거나 관리자의 예외 승인을 받으세요.",
            rules="; ".join(str(describe_check(c)) for c in broken)))
    return blockers


def reopen_for_amendment(district_id: int, plan_id: int, reason: str, actor) -> Plan:
    """Open an approved plan for a change (변경계획): it goes back to review and the council
    approves it again."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획만 변경안을 열 수 있습니다."))
    reason = required_text(reason, _l("변경 사유를 적으세요."))
    plan.status = PlanStatus.IN_REVIEW.value
    plan.approved_at = None
    log_action(plan, "reopened", actor, reason)
    db.session.flush()
    return plan
