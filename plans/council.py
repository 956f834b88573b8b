"""The governance council (협치회의): its roster against the ordinance, meetings, attendance,
motions and their decision (the approval motion approves the plan), and minutes."""

from collections.abc import Mapping, Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from plans import rules
from plans.building import get_plan, log_action
from plans.council_models import (
    Attendance,
    Choice,
    CouncilMeeting,
    CouncilMember,
    Gender,
    MemberType,
    Motion,
    MotionKind,
    MotionVote,
)
from plans.inputs import clean_text, required_text
from plans.models import Plan, PlanStatus
from plans.review import approval_blockers
from plans.settings import RULE_LABELS, roster_rules, settings_for


def roster(district_id: int, active_only: bool = True) -> list[CouncilMember]:
    query = select(CouncilMember).where(CouncilMember.district_id == district_id)
    if active_only:
        query = query.where(CouncilMember.active.is_(True))
    return list(db.session.scalars(query.order_by(CouncilMember.member_type,
                                                  CouncilMember.name)))


def roster_checks(district_id: int) -> list[rules.RuleCheck]:
    members = [rules.CouncilMember(str(m.id), m.member_type, m.gender)
               for m in roster(district_id)]
    return rules.check_roster(members, roster_rules(district_id))


def add_member(district_id: int, name: str, affiliation: str, member_type: str,
               gender: str) -> CouncilMember:
    if member_type not in set(MemberType):
        raise DomainError(_l("위원 구분을 고르세요."))
    if gender not in set(Gender):
        raise DomainError(_l("성별을 고르세요."))
    name = required_text(name, _l("위원 이름을 적으세요."), 60)
    affiliation = clean_text(affiliation, 100)
    limit = settings_for(district_id).council_max_members
    if len(roster(district_id)) >= limit:
        raise Conflict(lazy_message("조례상 위원은 %(n)d명을 넘을 수 없습니다.", n=limit))
    member = CouncilMember(district_id=district_id, name=name, affiliation=affiliation,
                           member_type=member_type, gender=gender)
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        raise Conflict(_l("이미 위원 명단에 있습니다.")) from None
    audit.record("council.member.add", "council_member", member.id, district_id=district_id,
                 detail={"name": member.name, "member_type": member_type})
    return member


def retire_member(district_id: int, member_id: int) -> CouncilMember:
    member = db.session.get(CouncilMember, member_id)
    if member is None or member.district_id != district_id:
        raise NotFound(_l("그런 위원이 없습니다."))
    member.active = False
    db.session.flush()
    audit.record("council.member.retire", "council_member", member.id,
                 district_id=district_id, detail={"name": member.name})
    return member


def get_meeting(district_id: int, meeting_id: int) -> CouncilMeeting:
    meeting = db.session.get(CouncilMeeting, meeting_id)
    if meeting is None or meeting.district_id != district_id:
        raise NotFound(_l("그런 회의가 없습니다."))
    return meeting


def meetings(district_id: int) -> list[CouncilMeeting]:
    return list(db.session.scalars(select(CouncilMeeting).where(
        CouncilMeeting.district_id == district_id).order_by(CouncilMeeting.held_on.desc())))


def open_meeting(district_id: int, title: str, held_on: date | None) -> CouncilMeeting:
    """A council meeting; only a roster that meets the ordinance can hold one."""
    if held_on is None:
        raise DomainError(_l("회의 날짜를 적으세요."))
    failed = [c for c in roster_checks(district_id) if not c.passed]
    if failed:
        raise Conflict(lazy_message("위원 구성이 조례에 맞지 않습니다: %(rules)s",
                                    rules=", ".join(str(RULE_LABELS[c.code]) for c in failed)))
    meeting = CouncilMeeting(district_id=district_id,
                             title=required_text(title, _l("회의 이름을 적으세요."), 200),
                             held_on=held_on, members=len(roster(district_id)))
    db.session.add(meeting)
    db.session.flush()
    audit.record("council.meeting.open", "council_meeting", meeting.id, district_id=district_id,
                 detail={"title": meeting.title, "held_on": held_on.isoformat()})
    return meeting


def _decided(meeting: CouncilMeeting) -> bool:
    return any(m.decided_at is not None for m in meeting.motions)


def record_attendance(district_id: int, meeting_id: int, member_ids: Sequence[int]
                      ) -> CouncilMeeting:
    """Who is present (replaces the earlier list until a motion has been decided)."""
    meeting = get_meeting(district_id, meeting_id)
    if _decided(meeting):
        raise Conflict(_l("의결이 끝난 회의의 출석은 바꿀 수 없습니다."))
    members = {m.id for m in roster(district_id)}
    chosen = set(member_ids)
    if not chosen <= members:
        raise DomainError(_l("위원 명단에 없는 사람은 출석으로 기록할 수 없습니다."))
    meeting.attendance.clear()
    db.session.flush()
    for member_id in sorted(chosen):
        meeting.attendance.append(Attendance(member_id=member_id))
    db.session.flush()
    audit.record("council.meeting.attendance", "council_meeting", meeting.id,
                 district_id=district_id, detail={"present": len(chosen)})
    return meeting


def add_motion(district_id: int, meeting_id: int, title: str, kind: str,
               plan_id: int | None = None) -> Motion:
    meeting = get_meeting(district_id, meeting_id)
    if kind not in set(MotionKind):
        raise DomainError(_l("안건 종류를 고르세요."))
    if plan_id is not None:
        get_plan(district_id, plan_id)
    motion = Motion(title=required_text(title, _l("안건 이름을 적으세요."), 200), kind=kind,
                    plan_id=plan_id)
    meeting.motions.append(motion)
    db.session.flush()
    audit.record("council.motion.add", "motion", motion.id, district_id=district_id,
                 detail={"meeting_id": meeting.id, "title": motion.title, "kind": kind,
                         "plan_id": plan_id})
    return motion


def get_motion(district_id: int, motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.meeting.district_id != district_id:
        raise NotFound(_l("그런 안건이 없습니다."))
    return motion


def decide(district_id: int, motion_id: int, votes: Mapping[int, str], actor) -> Motion:
    """Record each present member's vote and decide the motion by the council's rule.

    Refused, with nothing recorded, when the quorum is not met, a voter is not a present
    member, or an approval motion's plan is not ready. A passed approval motion approves
    the plan."""
    motion = get_motion(district_id, motion_id)
    meeting = motion.meeting
    if motion.decided_at is not None:
        raise Conflict(_l("이미 의결한 안건입니다."))
    present = {a.member_id for a in meeting.attendance}
    if not set(votes) <= present:
        raise DomainError(_l("출석한 위원만 표결할 수 있습니다."))
    if any(choice not in set(Choice) for choice in votes.values()):
        raise DomainError(_l("찬성, 반대, 기권 중에서 고르세요."))
    counts = {choice: sum(1 for v in votes.values() if v == choice) for choice in Choice}
    outcome = rules.decide_motion(meeting.members, len(present), counts[Choice.YES],
                                  counts[Choice.NO], counts[Choice.ABSTAIN], motion.kind)
    if not outcome.quorum_met:
        raise Conflict(lazy_message("의사정족수(재적 %(members)d명의 과반, %(need)d명)에 "
                                    "못 미칩니다. 출석 %(present)d명.", members=outcome.members,
                                    need=outcome.quorum_required, present=outcome.present))
    plan = get_plan(district_id, motion.plan_id, lock=True) if motion.plan_id else None
    if plan is not None:
        blockers = approval_blockers(plan)
        if blockers:
            raise Conflict(blockers[0])
    for member_id, choice in votes.items():
        motion.votes.append(MotionVote(member_id=member_id, choice=choice))
    motion.present = outcome.present
    motion.yes, motion.no, motion.abstain = outcome.yes, outcome.no, outcome.abstain
    motion.passed = outcome.passed
    motion.decided_at = utcnow()
    if plan is not None and outcome.passed:
        plan.status = PlanStatus.APPROVED.value
        plan.approved_at = motion.decided_at
        # The approved version is what the public reads from now on (``plans.published``).
        plan.versions[-1].approved_at = motion.decided_at
        log_action(plan, "approved", actor, f"{meeting.title}: {motion.title} "
                   f"({outcome.yes}/{outcome.present})")
    db.session.flush()
    audit.record("council.motion.decide", "motion", motion.id, actor, district_id,
                 {"passed": outcome.passed, "present": outcome.present, "yes": outcome.yes,
                  "no": outcome.no, "abstain": outcome.abstain, "plan_id": motion.plan_id})
    return motion


def record_minutes(district_id: int, meeting_id: int, minutes: str, publish: bool
                   ) -> CouncilMeeting:
    meeting = get_meeting(district_id, meeting_id)
    if meeting.minutes_published_at is not None:
        raise Conflict(_l("공개된 회의록은 고칠 수 없습니다."))
    meeting.minutes = required_text(minutes, _l("회의록을 적으세요."), 20_000)
    if publish:
        meeting.minutes_published_at = utcnow()
    db.session.flush()
    audit.record("council.meeting.minutes", "council_meeting", meeting.id,
                 district_id=district_id, detail={"published": publish})
    return meeting


def approval_motion(plan: Plan) -> Motion | None:
    return db.session.scalars(select(Motion).where(
        Motion.plan_id == plan.id, Motion.passed.is_(True)).order_by(Motion.id.desc())).first()
