"""The plan's approval path of seed 000 §IV (협치강동구회의 및 지역사회혁신계획 수립체계):
the district sends a version to the council (협치강동구회의 승인), the council approves it
(``plans.council``), the city reviews it (협의조정회의 서울시 ↔ 강동구, seed 001 Ⅱ) with
required (필수) and recommended (권고) items the district answers, and the city's decision
record (협의조정 결정서, seed 001 붙임 2) makes the version final. Also revisions and their
diff, the administrator's rule override, and amendments (변경계획): a new version goes the
same way while the approved one stays in force."""


from flask_babel import lazy_gettext as _l

from core.auth import Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from plans.building import (
    add_vote_selection,
    check_editable,
    check_plan,
    get_plan,
    in_force,
    log_action,
)
from plans.inputs import clean_text, required_text
from plans.models import (
    CityDecision,
    Outcome,
    Plan,
    PlanProject,
    PlanStatus,
    PlanVersion,
    ReviewComment,
    Severity,
)
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


def submit_to_council(district_id: int, plan_id: int, actor, note: str = "") -> PlanVersion:
    """Send the draft to the council (seed 000 §IV: 지역사회혁신계획 수립 → 협치강동구회의
    승인) as a saved version: the first plan (제1차안), a plan the city returned, or an
    amendment of the plan in force, which must differ from it."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(_l("작성 중인 계획만 협치회의에 올릴 수 있습니다."))
    if not plan.projects:
        raise DomainError(_l("실행사업이 하나도 없습니다."))
    current = in_force(plan)
    if current is not None and current.snapshot == snapshot(plan):
        raise Conflict(_l("변경안이 승인된 계획과 다르지 않습니다. 바꿀 내용을 먼저 고치세요."))
    plan.status = PlanStatus.COUNCIL.value
    if not plan.versions or has_unsaved_changes(plan):
        default = "변경안" if current is not None else "제1차안"
        version = _save_version(plan, clean_text(note) or default, actor)
    else:
        version = plan.versions[-1]
    log_action(plan, "submitted", actor, version.note)
    db.session.flush()
    return version


def save_revision(district_id: int, plan_id: int, actor, note: str) -> PlanVersion:
    """Save the revised plan as the next version, so the council and the city see what
    changed; a required review item is answered by such a version (seed 001 Ⅱ, 필수)."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status not in (PlanStatus.COUNCIL.value, PlanStatus.IN_REVIEW.value):
        raise Conflict(_l("협치회의 심의나 협의조정 중인 계획만 수정안을 저장할 수 있습니다."))
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


def _budget_blocker(plan: Plan) -> list:
    broken = [c for c in check_plan(plan) if not c.passed]
    if broken and not plan.rules_override_reason:
        return [lazy_message(
            "예산 규칙을 지키지 않습니다(%(rules)s). 고치거나 관리자의 예외 승인을 받으세요.",
            rules="; ".join(str(describe_check(c)) for c in broken))]
    return []


def _unsaved_blocker(plan: Plan) -> list:
    if has_unsaved_changes(plan):
        return [_l("저장하지 않은 수정 사항이 있습니다. 수정안을 새 판으로 저장하세요.")]
    return []


def council_blockers(plan: Plan) -> list:
    """Why the council cannot approve the plan yet; empty when it can."""
    blockers = []
    if plan.status != PlanStatus.COUNCIL.value:
        blockers.append(_l("협치회의에 올린 계획만 협치회의가 승인할 수 있습니다."))
    return blockers + _unsaved_blocker(plan) + _budget_blocker(plan)


def approved_by_council(plan: Plan, actor, note: str) -> None:
    """The council approved the plan's last version: it goes to the city's review
    (seed 000 §IV: 협치강동구회의 승인 → 협의조정회의)."""
    plan.status = PlanStatus.IN_REVIEW.value
    log_action(plan, "council_approved", actor, note)


def _require_city(actor, district_id: int) -> None:
    if actor is None or not actor.has_role(district_id, Role.CITY_REVIEWER):
        raise Forbidden(_l("서울시 협의조정 검토자만 협의조정 의견과 결정을 기록할 수 "
                           "있습니다."))


def _require_district(actor, district_id: int) -> None:
    if actor is None or not actor.has_role(district_id, Role.ORGANIZER):
        raise Forbidden(_l("협의조정 의견에는 구의 운영자가 답합니다."))


def _require_in_review(plan: Plan) -> None:
    if plan.status != PlanStatus.IN_REVIEW.value:
        raise Conflict(_l("협치회의가 승인해 협의조정 중인 계획만 협의조정을 할 수 있습니다."))


def add_review_comment(district_id: int, plan_id: int, severity: str, title: str, body: str,
                       actor) -> ReviewComment:
    """The city's review item on the version the council approved (seed 001 Ⅱ: 필수 or
    권고)."""
    _require_city(actor, district_id)
    plan = get_plan(district_id, plan_id, lock=True)
    _require_in_review(plan)
    if severity not in set(Severity):
        raise DomainError(_l("필수 또는 권고를 고르세요."), field="severity")
    comment = ReviewComment(version_number=plan.version, severity=severity,
                            title=required_text(title, _l("의견 제목을 적으세요."), 200),
                            body=required_text(body, _l("의견 내용을 적으세요.")),
                            author_id=getattr(actor, "id", None))
    plan.comments.append(comment)
    log_action(plan, "commented", actor, f"[{severity}] {comment.title}")
    db.session.flush()
    return comment


def get_comment(district_id: int, plan_id: int, comment_id: int) -> ReviewComment:
    comment = db.session.get(ReviewComment, comment_id)
    if comment is None or comment.plan_id != plan_id or comment.plan.district_id != district_id:
        raise NotFound(_l("그런 의견이 없습니다."))
    return comment


def answer_comment(district_id: int, plan_id: int, comment_id: int, answer: str,
                   actor) -> ReviewComment:
    """The district's answer to a review item. A required one (필수) is answered only by a
    version saved after it, which is where the change it asked for can be seen (seed 001 Ⅱ:
    the district submits the plan with the required changes made)."""
    _require_district(actor, district_id)
    plan = get_plan(district_id, plan_id, lock=True)
    comment = get_comment(district_id, plan.id, comment_id)
    _require_in_review(plan)
    if comment.resolved_at is not None:
        raise Conflict(_l("서울시가 이미 해소한 의견입니다."))
    answer = required_text(answer, _l("어떻게 반영했는지 적으세요."))
    if comment.severity == Severity.REQUIRED.value and (
            plan.version <= comment.version_number or has_unsaved_changes(plan)):
        raise Conflict(_l("필수 의견은 반영한 수정안을 새 판으로 저장한 뒤 답할 수 있습니다."))
    comment.resolution = answer
    comment.resolved_in_version = plan.version
    comment.answered_at = utcnow()
    comment.answered_by_id = getattr(actor, "id", None)
    log_action(plan, "answered", actor, comment.title)
    db.session.flush()
    return comment


def resolve_comment(district_id: int, plan_id: int, comment_id: int, actor) -> ReviewComment:
    """The city accepts the district's answer to its item: a required one no longer blocks
    the decision."""
    _require_city(actor, district_id)
    plan = get_plan(district_id, plan_id, lock=True)
    comment = get_comment(district_id, plan.id, comment_id)
    _require_in_review(plan)
    if comment.resolved_at is not None:
        raise Conflict(_l("이미 해소된 의견입니다."))
    if comment.answered_at is None:
        raise Conflict(_l("구가 아직 답하지 않은 의견은 해소할 수 없습니다."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = getattr(actor, "id", None)
    log_action(plan, "resolved", actor, comment.title)
    db.session.flush()
    return comment


def unresolved_required(plan: Plan) -> list[ReviewComment]:
    return [c for c in plan.comments
            if c.severity == Severity.REQUIRED.value and c.resolved_at is None]


def unanswered_recommended(plan: Plan) -> list[ReviewComment]:
    return [c for c in plan.comments
            if c.severity == Severity.RECOMMENDED.value and c.answered_at is None]


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


def decision_blockers(plan: Plan) -> list:
    """Why the city cannot approve the plan yet; empty when it can."""
    blockers = []
    if plan.status != PlanStatus.IN_REVIEW.value:
        blockers.append(_l("협치회의가 승인해 협의조정 중인 계획만 서울시가 승인할 수 있습니다."))
    open_required = unresolved_required(plan)
    if open_required:
        blockers.append(lazy_message("해소되지 않은 필수 의견이 %(n)d건 있습니다.",
                                     n=len(open_required)))
    open_recommended = unanswered_recommended(plan)
    if open_recommended:
        blockers.append(lazy_message("구가 답하지 않은 권고 의견이 %(n)d건 있습니다.",
                                     n=len(open_recommended)))
    return blockers + _unsaved_blocker(plan) + _budget_blocker(plan)


def _decided_items(plan: Plan) -> set[int]:
    return {item["id"] for decision in plan.decisions for item in decision.items}


def round_items(plan: Plan) -> list[ReviewComment]:
    """The review items of this round: those since the last decision, which no decision
    record took in yet."""
    earlier = _decided_items(plan)
    return [c for c in plan.comments if c.id not in earlier]


def _items_of_round(plan: Plan) -> list[dict]:
    """The review items since the last decision, with the answers as they stand."""
    return [{"id": c.id, "severity": c.severity, "title": c.title, "body": c.body,
             "answer": c.resolution, "version": c.resolved_in_version,
             "resolved": c.resolved_at is not None}
            for c in round_items(plan)]


def record_decision(district_id: int, plan_id: int, outcome: str, note: str,
                    actor) -> CityDecision:
    """The city's decision record (협의조정 결정서, seed 001 붙임 2). Approved: the plan's last
    version is final and in force for execution and the public (seed 001 Ⅲ: 협의·조정 결과
    통보 → 최종본). Returned (재협의 요청, with a reason): the plan goes back to the district
    to revise and bring to the council again; a plan in force stays in force."""
    _require_city(actor, district_id)
    plan = get_plan(district_id, plan_id, lock=True)
    if outcome not in set(Outcome):
        raise DomainError(_l("승인 또는 재협의 요청을 고르세요."), field="outcome")
    note = clean_text(note)
    if outcome == Outcome.APPROVED.value:
        blockers = decision_blockers(plan)
        if blockers:
            raise Conflict(blockers[0])
    else:
        _require_in_review(plan)
        if not note:
            raise DomainError(_l("재협의를 요청하는 까닭을 적으세요."), field="note")
    decision = CityDecision(version_number=plan.version, outcome=outcome, note=note,
                            items=_items_of_round(plan), decided_by=actor.display_name,
                            decided_by_id=actor.id, decided_at=utcnow())
    plan.decisions.append(decision)
    if outcome == Outcome.APPROVED.value:
        plan.status = PlanStatus.APPROVED.value
        plan.approved_at = decision.decided_at
        plan.versions[-1].approved_at = decision.decided_at
    else:
        plan.status = PlanStatus.DRAFT.value
    log_action(plan, f"city_{outcome}", actor, note or f"제{plan.version}판")
    db.session.flush()
    return decision


def reopen_for_amendment(district_id: int, plan_id: int, reason: str, actor) -> Plan:
    """Open an approved plan for a change (변경계획): the change is drafted and goes to the
    council and the city's review as a new version, while the approved version stays in
    force for execution and the public page until the city approves the change."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status != PlanStatus.APPROVED.value:
        raise Conflict(_l("승인된 계획만 변경안을 열 수 있습니다."))
    reason = required_text(reason, _l("변경 사유를 적으세요."))
    plan.status = PlanStatus.DRAFT.value
    log_action(plan, "reopened", actor, reason)
    db.session.flush()
    return plan


def amend_from_vote(district_id: int, plan_id: int, vote_id: int, actor) -> list[PlanProject]:
    """A confirmed vote's selection added to the plan without retyping: to an approved plan
    as an amendment (opened here, with the vote named as its reason), which then goes the
    approval path like any other; to a plan not yet approved, into its working copy."""
    plan = get_plan(district_id, plan_id, lock=True)
    if plan.status == PlanStatus.APPROVED.value:
        reopen_for_amendment(district_id, plan.id, "확정된 투표 결과의 선정 의제 추가", actor)
    return add_vote_selection(district_id, plan, vote_id, actor)
