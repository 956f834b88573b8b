"""The council's roster as people in seats (seed 000, 협치강동구회의 구성 and 기본조례 제9조):
appointed members' two-year terms renewed once, ex officio members by office, retirement and
replacement with a reason, and the roster checked again at every decision against the seats
filled on the meeting day. Each refusal names the rule and its numbers and changes nothing."""

from datetime import date

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.db import commit, db
from core.errors import Conflict, DomainError
from plans import council
from plans.council_models import CouncilMeeting, CouncilMember, Motion
from tests.conftest import post_form, sign_in
from tests.plans.conftest import SEATED_FROM

MEETING_DAY = date(2027, 4, 20)


def _member(district, name="새 위원", seat="appointed", starts=SEATED_FROM, ends=None,
            member_type="civil", gender="female"):
    return council.add_member(district.id, name, "강동구", member_type, gender, seat, starts,
                              ends)


def test_seed_000_appointed_terms_last_two_years_and_renew_once(ctx, district, organizer):
    member = _member(district)
    assert member.term_ends_on == date(2028, 7, 15) and member.renewals == 0
    council.renew_member(district.id, member.id, organizer)
    assert member.term_ends_on == date(2030, 7, 15) and member.renewals == 1
    with pytest.raises(Conflict, match="1회에 한하여") as refused:
        council.renew_member(district.id, member.id, organizer)
    assert "이미 1회" in str(refused.value.message)
    assert member.term_ends_on == date(2030, 7, 15) and member.renewals == 1


def test_seed_000_an_appointed_term_longer_than_two_years_is_refused(ctx, district):
    with pytest.raises(DomainError, match="2년") as refused:
        _member(district, ends=date(2028, 7, 16))
    assert refused.value.status == 422 and "2028-07-15" in str(refused.value.message)
    assert db.session.scalars(select(CouncilMember)).all() == []


def test_seed_000_ex_officio_members_sit_by_office_without_a_term(ctx, district):
    chair = _member(district, "구청장", seat="ex_officio", member_type="official",
                    gender="male")
    assert chair.term_ends_on is None and chair.seated_on(date(2040, 1, 1))
    with pytest.raises(Conflict, match="당연직"):
        council.renew_member(district.id, chair.id)
    with pytest.raises(DomainError, match="당연직"):
        _member(district, "국장", seat="ex_officio", ends=date(2027, 1, 1))


def test_retiring_needs_a_date_and_a_reason_and_frees_the_seat(ctx, district, roster,
                                                             organizer):
    member = roster[10]
    for day, reason in ((None, "사임"), (date(2027, 3, 2), " ")):
        with pytest.raises(DomainError):
            council.retire_member(district.id, member.id, day, reason, organizer)
        assert member.retired_on is None
    council.retire_member(district.id, member.id, date(2027, 3, 2), "전출로 사임", organizer)
    commit()
    assert member in council.roster(district.id, date(2027, 3, 1))
    assert member not in council.roster(district.id, date(2027, 3, 2))
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "council.member.retire")).one()
    assert entry.detail["reason"] == "전출로 사임" and entry.actor_id == organizer.id
    with pytest.raises(Conflict, match="이미 퇴임"):
        council.retire_member(district.id, member.id, date(2027, 3, 3), "다시", organizer)


def test_a_replacement_takes_the_same_kind_of_seat_the_same_day(ctx, district, roster,
                                                               organizer):
    leaving = roster[12]
    newcomer = council.replace_member(district.id, leaving.id, date(2027, 3, 2), "전출로 사임",
                                      "후임 위원", "강동구", "civil", leaving.gender,
                                      actor=organizer)
    assert newcomer.replaces == leaving and newcomer.seat == leaving.seat == "appointed"
    assert newcomer.term_starts_on == date(2027, 3, 2)
    assert newcomer.term_ends_on == date(2029, 3, 1)
    assert len(council.roster(district.id, date(2027, 3, 2))) == 30


def test_adding_beyond_the_ordinance_cap_names_the_numbers(ctx, district, roster):
    with pytest.raises(Conflict) as refused:
        _member(district, "31번째", starts=date(2027, 1, 1))
    assert "30명" in str(refused.value.message)
    assert len(council.everyone(district.id)) == 30


def _meeting(district, roster, present):
    meeting = council.open_meeting(district.id, "전체회의", MEETING_DAY)
    council.record_attendance(district.id, meeting.id, [m.id for m in present])
    return meeting, council.add_motion(district.id, meeting.id, "안건", "ordinary")


def _unchanged(motion):
    db.session.rollback()
    motion = db.session.get(Motion, motion.id)
    return motion.decided_at is None and motion.votes == [] and motion.passed is None


def test_the_roster_is_checked_again_at_every_decision(ctx, district, roster, organizer):
    # 14 women and 13 men appointed; five men leave before the meeting day, after it opened:
    # 14 of 22 appointed members are women (63.6%), above the ordinance's 60%.
    present = roster[:16]
    meeting, motion = _meeting(district, roster, present)
    leaving = [m for m in roster[16:] if m.gender == "male" and m.seat == "appointed"][:5]
    for member in leaving:
        council.retire_member(district.id, member.id, date(2027, 4, 1), "사임", organizer)
    commit()
    with pytest.raises(Conflict) as refused:
        council.decide(district.id, motion.id, {m.id: "yes" for m in present}, organizer)
    message = str(refused.value.message)
    assert "위촉직 위원의 특정 성별 비율 상한" in message and "63.6%" in message
    assert "60%" in message
    assert _unchanged(motion)


def test_quorum_and_majority_count_the_seats_filled_on_the_day(ctx, district, roster,
                                                                organizer):
    # Four appointed civil members (two women, two men) leave before the meeting: 26 seats are
    # filled that day, so 14 present make a quorum that 30 seats would not.
    gone = ([m for m in roster if m.member_type == "civil" and m.gender == "female"][:2]
            + [m for m in roster if m.member_type == "civil" and m.gender == "male"][:2])
    for member in gone:
        council.retire_member(district.id, member.id, date(2027, 2, 1), "임기 중 사임", organizer)
    present = [m for m in roster if m not in gone][:14]
    meeting, motion = _meeting(district, roster, present)
    votes = {m.id: ("yes" if n < 8 else "no") for n, m in enumerate(present)}
    decided = council.decide(district.id, motion.id, votes, organizer)
    assert meeting.members == 26 and decided.present == 14 and decided.passed


def test_present_members_without_a_seat_that_day_are_a_422(ctx, district, roster, organizer):
    present = roster[:20]
    meeting, motion = _meeting(district, roster, present)
    council.retire_member(district.id, present[5].id, MEETING_DAY, "당일 사임", organizer)
    commit()
    with pytest.raises(DomainError) as refused:
        council.decide(district.id, motion.id, {m.id: "yes" for m in present}, organizer)
    message = str(refused.value.message)
    assert refused.value.status == 422
    assert "20명 중 1명" in message and "재적 29명" in message and "2027-04-20" in message
    assert _unchanged(motion)


def test_retiring_before_a_decided_meeting_is_refused(ctx, district, roster, organizer):
    present = roster[:16]
    meeting, motion = _meeting(district, roster, present)
    council.decide(district.id, motion.id, {m.id: "yes" for m in present}, organizer)
    commit()
    with pytest.raises(Conflict, match="2027-04-20"):
        council.retire_member(district.id, present[0].id, MEETING_DAY, "소급 사임", organizer)
    db.session.rollback()
    assert db.session.get(CouncilMember, present[0].id).retired_on is None


def test_the_council_page_answers_422_not_500_for_present_members_without_a_seat(
        client, ctx, district, roster, organizer):
    with ctx.test_request_context():
        present = roster[:20]
        meeting, motion = _meeting(district, roster, present)
        council.retire_member(district.id, present[0].id, MEETING_DAY, "당일 사임", organizer)
        commit()
        ids = [m.id for m in present]
    sign_in(client, organizer.email)
    response = post_form(client, f"/plans/council/motions/{motion.id}/decide",
                         {f"vote-{i}": "yes" for i in ids})
    assert response.status_code == 422
    assert "재적 29명" in response.get_data(as_text=True)
    assert _unchanged(motion)
    assert db.session.get(CouncilMeeting, meeting.id).attendance


def test_the_council_page_renews_retires_and_replaces(client, ctx, district, roster,
                                                      organizer):
    sign_in(client, organizer.email)
    page = client.get("/plans/council").get_data(as_text=True)
    assert "위촉직" in page and "당연직" in page and "70% 초과" in page
    member, leaving = roster[10], roster[11]
    assert post_form(client, f"/plans/council/members/{member.id}/renew",
                     {}).status_code == 302
    refused = post_form(client, f"/plans/council/members/{member.id}/renew", {})
    assert refused.status_code == 409 and "1회에 한하여" in refused.get_data(as_text=True)
    unconfirmed = post_form(client, "/plans/council/members/retire", {
        "retire-member_id": str(leaving.id), "retire-retired_on": "2027-03-02",
        "retire-reason": "사임"})
    assert unconfirmed.status_code == 422
    assert post_form(client, "/plans/council/members/replace", {
        "replace-member_id": str(leaving.id), "replace-retired_on": "2027-03-02",
        "replace-reason": "전출", "replace-name": "후임", "replace-member_type": "civil",
        "replace-gender": "male", "replace-confirm": "y"}).status_code == 302
    db.session.rollback()
    assert db.session.get(CouncilMember, leaving.id).retire_reason == "전출"
    newcomer = db.session.scalars(select(CouncilMember).where(
        CouncilMember.name == "후임")).one()
    assert newcomer.replaces_id == leaving.id
