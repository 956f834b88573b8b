"""The governance council (협치회의): its roster against the ordinance, meetings, attendance,
motions and their decision (the approval motion approves the plan), and minutes."""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from core.tenancy import seoul_today
from plans import rules
from plans.building import get_plan
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
    Seat,
)
from plans.inputs import clean_text, required_text
from plans.models import Plan
from plans.review import approved_by_council, council_blockers
from plans.settings import describe_check, roster_rules, settings_for


def _record(action: str, member: CouncilMember, actor, detail: dict) -> None:
    # Without an actor the trail names the person signed in to the request.
    who = {"actor": actor} if actor is not None else {}
    audit.record(action, "council_member", member.id, district_id=member.district_id,
                 detail=detail, **who)


def get_member(district_id: int, member_id: int) -> CouncilMember:
    member = db.session.get(CouncilMember, member_id)
    if member is None or member.district_id != district_id:
        raise NotFound(_l("그런 위원이 없습니다."))
    return member


def everyone(district_id: int) -> list[CouncilMember]:
    """Every member the council has had, seated or not, for names in minutes and votes."""
    return list(db.session.scalars(select(CouncilMember).where(
        CouncilMember.district_id == district_id).order_by(
        CouncilMember.seat, CouncilMember.member_type, CouncilMember.name)))


def roster(district_id: int, on: date | None = None) -> list[CouncilMember]:
    """The members seated on ``on`` (today in Seoul by default)."""
    day = on or seoul_today()
    return [m for m in everyone(district_id) if m.seated_on(day)]


def roster_checks(district_id: int, on: date | None = None) -> list[rules.RuleCheck]:
    members = [rules.CouncilMember(str(m.id), m.member_type, m.gender, m.seat)
               for m in roster(district_id, on)]
    return rules.check_roster(members, roster_rules(district_id))


def require_lawful_roster(district_id: int, on: date) -> list[CouncilMember]:
    """The members seated on ``on``, refused (409) with every broken rule and its numbers
    when they do not make a council the ordinance allows."""
    failed = [c for c in roster_checks(district_id, on) if not c.passed]
    if failed:
        raise Conflict(lazy_message(
            "%(day)s의 위원 구성이 조례에 맞지 않습니다: %(rules)s", day=on.isoformat(),
            rules="; ".join(str(describe_check(c)) for c in failed)))
    return roster(district_id, on)


def _term(seat: str, starts_on: date | None, ends_on: date | None) -> tuple[date, date | None]:
    if starts_on is None:
        raise DomainError(_l("임기 시작일을 적으세요."))
    if seat == Seat.EX_OFFICIO:
        # 당연직 sit for as long as they hold the office: no term to end.
        if ends_on is not None:
            raise DomainError(_l("당연직 위원은 그 직위에 있는 동안 위원이므로 임기 종료일을 "
                                 "적지 않습니다."))
        return starts_on, None
    longest = rules.term_end(starts_on)
    ends_on = ends_on or longest
    if ends_on < starts_on:
        raise DomainError(_l("임기 종료일이 시작일보다 빠를 수 없습니다."))
    if ends_on > longest:
        raise DomainError(lazy_message(
            "위촉직 위원의 임기는 %(years)d년입니다: %(start)s에 시작하면 %(end)s까지입니다.",
            years=rules.TERM_YEARS, start=starts_on.isoformat(), end=longest.isoformat()))
    return starts_on, ends_on


def add_member(district_id: int, name: str, affiliation: str, member_type: str, gender: str,
               seat: str, term_starts_on: date | None, term_ends_on: date | None = None,
               actor=None, replaces: CouncilMember | None = None) -> CouncilMember:
    """A member in a seat from ``term_starts_on``: an appointed member's term ends two years
    later unless ``term_ends_on`` is sooner; an ex officio member's has no end."""
    if member_type not in set(MemberType):
        raise DomainError(_l("위원 구분을 고르세요."))
    if gender not in set(Gender):
        raise DomainError(_l("성별을 고르세요."))
    if seat not in set(Seat):
        raise DomainError(_l("위촉직 또는 당연직을 고르세요."))
    name = required_text(name, _l("위원 이름을 적으세요."), 60)
    affiliation = clean_text(affiliation, 100)
    starts_on, ends_on = _term(seat, term_starts_on, term_ends_on)
    limit = settings_for(district_id).council_max_members
    seated = len(roster(district_id, starts_on))
    if seated >= limit:
        raise Conflict(lazy_message(
            "조례상 위원은 %(n)d명 이내입니다. %(day)s에 이미 %(seated)d명이 위원입니다.",
            n=limit, day=starts_on.isoformat(), seated=seated))
    member = CouncilMember(district_id=district_id, name=name, affiliation=affiliation,
                           member_type=member_type, gender=gender, seat=seat,
                           term_starts_on=starts_on, term_ends_on=ends_on,
                           replaces_id=replaces.id if replaces is not None else None)
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        raise Conflict(_l("이미 위원 명단에 있습니다.")) from None
    _record("council.member.add", member, actor,
            {"name": member.name, "member_type": member_type, "seat": seat,
             "term_starts_on": starts_on.isoformat(),
             "term_ends_on": ends_on.isoformat() if ends_on else None,
             "replaces_id": member.replaces_id})
    return member


def renew_member(district_id: int, member_id: int, actor=None) -> CouncilMember:
    """An appointed member's second term, two years from the day after the first ends; the
    ordinance allows one renewal (seed 000, 임기: 1회에 한하여 연임 가능)."""
    member = get_member(district_id, member_id)
    if member.seat != Seat.APPOINTED:
        raise Conflict(_l("당연직 위원은 임기가 없어 연임하지 않습니다."))
    if member.retired_on is not None:
        raise Conflict(_l("퇴임한 위원은 연임할 수 없습니다."))
    if member.renewals >= rules.MAX_RENEWALS:
        raise Conflict(lazy_message(
            "위촉직 위원은 %(n)d회에 한하여 연임할 수 있습니다. %(name)s 위원은 이미 "
            "%(done)d회 연임했습니다.", n=rules.MAX_RENEWALS, name=member.name,
            done=member.renewals))
    member.term_ends_on = rules.term_end(member.term_ends_on + timedelta(days=1))
    member.renewals += 1
    db.session.flush()
    _record("council.member.renew", member, actor,
            {"name": member.name, "term_ends_on": member.term_ends_on.isoformat()})
    return member


def retire_member(district_id: int, member_id: int, retired_on: date | None, reason: str,
                  actor=None) -> CouncilMember:
    """The member leaves the council on ``retired_on`` (no longer seated that day), for a
    reason that is kept. Refused for a day on which a decided motion counted them."""
    member = get_member(district_id, member_id)
    if member.retired_on is not None:
        raise Conflict(_l("이미 퇴임한 위원입니다."))
    if retired_on is None:
        raise DomainError(_l("퇴임일을 적으세요."))
    reason = required_text(reason, _l("퇴임 사유를 적으세요."), 500)
    if retired_on < member.term_starts_on:
        raise DomainError(_l("퇴임일이 임기 시작일보다 빠를 수 없습니다."))
    counted = _last_decision_counting(member)
    if counted is not None and retired_on <= counted:
        raise Conflict(lazy_message(
            "%(day)s 회의의 의결에 이 위원이 재적 위원으로 셈해졌습니다. 퇴임일은 그 뒤여야 "
            "합니다.", day=counted.isoformat()))
    member.retired_on = retired_on
    member.retire_reason = reason
    db.session.flush()
    _record("council.member.retire", member, actor,
            {"name": member.name, "retired_on": retired_on.isoformat(), "reason": reason})
    return member


def replace_member(district_id: int, member_id: int, retired_on: date | None, reason: str,
                   name: str, affiliation: str, member_type: str, gender: str,
                   term_ends_on: date | None = None, actor=None) -> CouncilMember:
    """Retire a member and seat their replacement from the same day, in the same kind of
    seat; the replacement names whom they replace."""
    member = retire_member(district_id, member_id, retired_on, reason, actor)
    return add_member(district_id, name, affiliation, member_type, gender, member.seat,
                      retired_on, term_ends_on, actor, replaces=member)


def _last_decision_counting(member: CouncilMember) -> date | None:
    """The day of the last meeting in the member's term with a decided motion: its quorum
    counted their seat, so they cannot have left before it."""
    query = select(func.max(CouncilMeeting.held_on)).join(Motion).where(
        CouncilMeeting.district_id == member.district_id, Motion.decided_at.is_not(None),
        CouncilMeeting.held_on >= member.term_starts_on)
    if member.term_ends_on is not None:
        query = query.where(CouncilMeeting.held_on <= member.term_ends_on)
    return db.session.scalar(query)


def get_meeting(district_id: int, meeting_id: int) -> CouncilMeeting:
    meeting = db.session.get(CouncilMeeting, meeting_id)
    if meeting is None or meeting.district_id != district_id:
        raise NotFound(_l("그런 회의가 없습니다."))
    return meeting


def meetings(district_id: int) -> list[CouncilMeeting]:
    return list(db.session.scalars(select(CouncilMeeting).where(
        CouncilMeeting.district_id == district_id).order_by(CouncilMeeting.held_on.desc())))


def open_meeting(district_id: int, title: str, held_on: date | None) -> CouncilMeeting:
    """A council meeting; only a roster that meets the ordinance on the meeting day can hold
    one (and it is checked again at every decision)."""
    if held_on is None:
        raise DomainError(_l("회의 날짜를 적으세요."))
    seated = require_lawful_roster(district_id, held_on)
    meeting = CouncilMeeting(district_id=district_id,
                             title=required_text(title, _l("회의 이름을 적으세요."), 200),
                             held_on=held_on, members=len(seated))
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
    members = {m.id for m in roster(district_id, meeting.held_on)}
    meeting.members = len(members)
    chosen = set(member_ids)
    if not chosen <= members:
        raise DomainError(lazy_message(
            "%(day)s에 위원이 아닌 사람은 출석으로 기록할 수 없습니다.",
            day=meeting.held_on.isoformat()))
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

    The roster is checked again on the meeting day, and the quorum and majorities count
    against the seats filled that day. Refused, with nothing recorded, when the roster
    breaks the ordinance (409), a member recorded present no longer holds a seat that day
    (422), the quorum is not met (409), a voter is not a present member (422), or an
    approval motion's plan is not ready (409). A passed approval motion sends the plan to the
    city's review (seed 000 §IV: 협치강동구회의 승인 → 협의조정회의), which makes it final."""
    motion = get_motion(district_id, motion_id)
    meeting = motion.meeting
    if motion.decided_at is not None:
        raise Conflict(_l("이미 의결한 안건입니다."))
    seated = {m.id for m in require_lawful_roster(district_id, meeting.held_on)}
    present = {a.member_id for a in meeting.attendance}
    if len(present) > len(seated) or not present <= seated:
        raise DomainError(lazy_message(
            "출석으로 기록된 위원 %(present)d명 중 %(gone)d명은 %(day)s에 위원이 아닙니다 "
            "(그날 재적 %(seated)d명). 출석을 다시 기록하세요.", present=len(present),
            gone=len(present - seated), day=meeting.held_on.isoformat(), seated=len(seated)))
    if not set(votes) <= present:
        raise DomainError(_l("출석한 위원만 표결할 수 있습니다."))
    if any(choice not in set(Choice) for choice in votes.values()):
        raise DomainError(_l("찬성, 반대, 기권 중에서 고르세요."))
    counts = {choice: sum(1 for v in votes.values() if v == choice) for choice in Choice}
    meeting.members = len(seated)
    outcome = rules.decide_motion(meeting.members, len(present), counts[Choice.YES],
                                  counts[Choice.NO], counts[Choice.ABSTAIN], motion.kind)
    if not outcome.quorum_met:
        raise Conflict(lazy_message("의사정족수(재적 %(members)d명의 과반, %(need)d명)에 "
                                    "못 미칩니다. 출석 %(present)d명.", members=outcome.members,
                                    need=outcome.quorum_required, present=outcome.present))
    plan = get_plan(district_id, motion.plan_id, lock=True) if motion.plan_id else None
    if plan is not None:
        blockers = council_blockers(plan)
        if blockers:
            raise Conflict(blockers[0])
    for member_id, choice in votes.items():
        motion.votes.append(MotionVote(member_id=member_id, choice=choice))
    motion.present = outcome.present
    motion.yes, motion.no, motion.abstain = outcome.yes, outcome.no, outcome.abstain
    motion.passed = outcome.passed
    motion.decided_at = utcnow()
    if plan is not None and outcome.passed:
        approved_by_council(plan, actor, f"{meeting.title}: {motion.title} "
                            f"(제{plan.version}판, {outcome.yes}/{outcome.present})")
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
