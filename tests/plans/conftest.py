"""Builders for plan tests: a cycle's vote candidates moved to selected, a plan built from
them, a lawful council roster and a rubric."""

from datetime import date

import pytest

from agenda import coordination, intake, proposals
from core.db import commit
from plans import building, council, review, settings
from plans.models import Category


@pytest.fixture
def selected(district, cycle, organizer):
    """Three agenda items of the 2027 cycle that the vote selected."""
    items = []
    for title, cost in (("공동육아 공간", 40_000_000), ("밥상모임", 15_000_000),
                        ("골목 안전", 20_000_000)):
        item = intake.propose(district, organizer, proposals.Proposal(
            title, f"{title} 설명", "welfare", "problem_solving", None, cost), date(2026, 9, 2))
        coordination.shortlist(district.id, item.id, organizer, False, True, "후보")
        coordination.set_status(item.id, "in_vote", organizer, notify=False)
        coordination.set_status(item.id, "selected", organizer, notify=False)
        items.append(item)
    commit()
    return items


FOUNDATION = building.ProjectData("협치 기반조성", 40_000_000, Category.FOUNDATION.value,
                                  department="기획예산과", team="협치팀")


@pytest.fixture
def plan(district, cycle, selected, organizer):
    """A draft plan: three selected items plus a foundation project (40M of 115M = 35%)."""
    built = building.create_plan_from_selection(
        district.id, cycle.id, [(i.id, n) for n, i in enumerate(selected)], "주민투표",
        120_000_000, organizer)
    building.add_project(district.id, built.id, FOUNDATION, organizer)
    commit()
    return built


# The day the test council's members took their seats; appointed terms run two years.
SEATED_FROM = date(2026, 7, 16)


def make_roster(district_id: int, civil=25, official=3, councillor=2, women=14, ex_officio=3):
    """A council seated from ``SEATED_FROM``: the first ``ex_officio`` officials sit by office
    (당연직, men), everyone else is appointed (위촉직) and the first ``women`` of them are
    women. The default is lawful: 25 of 30 civil (83%), 14 of 27 appointed women (52%)."""
    types = ["official"] * official + ["councillor"] * councillor + ["civil"] * civil
    members = []
    for n, member_type in enumerate(types):
        seat = "ex_officio" if n < ex_officio else "appointed"
        woman = seat == "appointed" and n - ex_officio < women
        members.append(council.add_member(district_id, f"위원 {n:02d}", "강동구", member_type,
                                          "female" if woman else "male", seat, SEATED_FROM))
    return members


@pytest.fixture
def roster(district):
    settings.save_settings(district.id, foundation_share_percent=30, council_max_members=30,
                           civil_share_percent=70, gender_max_percent=60, low_rating_percent=60)
    members = make_roster(district.id)
    commit()
    return members


def review_round(district, plan, organizer):
    """Send the draft to the council (seed 000 §IV: the council comes first)."""
    return review.submit_to_council(district.id, plan.id, organizer)


def city_reviewer(district):
    """The city's reviewer seated in the district (seed 001: 서울시 협의조정)."""
    from accounts.services import create_user
    from core.auth import Role
    from tests.conftest import TEST_PASSWORD

    return create_user("city@seoul.example.kr", TEST_PASSWORD, Role.CITY_REVIEWER, district,
                       "서울시 검토자")


def city_round(district, plan, organizer):
    """After the council's approval, the city's review of seed 001 Ⅱ: a required item, a
    revision answering it, the city resolving it and recording its approval. Returns the
    decision record."""
    city = city_reviewer(district)
    comment = review.add_review_comment(district.id, plan.id, "required", "협치적 맥락 보완",
                                        "사업별로 서술하세요.", city)
    project = next(p for p in plan.projects if p.title == FOUNDATION.title)
    building.update_project(district.id, project.id, building.ProjectData(
        **{**FOUNDATION.__dict__, "summary": f"협치적 맥락 보완 (제{plan.version + 1}판)"}),
        organizer)
    review.save_revision(district.id, plan.id, organizer, "의견 반영")
    review.answer_comment(district.id, plan.id, comment.id, "반영했습니다", organizer)
    review.resolve_comment(district.id, plan.id, comment.id, city)
    return review.record_decision(district.id, plan.id, "approved", "", city)


@pytest.fixture
def in_review(app, district, plan, organizer, roster):
    """The plan the council approved (version 1), now with the city."""
    with app.test_request_context():
        review_round(district, plan, organizer)
        approve(district, plan, organizer, roster)
        commit()
    return plan


def approve(district, plan, organizer, members, present=16, yes=9, held_on=date(2027, 4, 20)):
    """The council's approval motion on the plan (the city reviews it next)."""
    meeting = council.open_meeting(district.id, "전체회의", held_on)
    council.record_attendance(district.id, meeting.id, [m.id for m in members[:present]])
    motion = council.add_motion(district.id, meeting.id, "계획 승인의 건", "ordinary", plan.id)
    votes = {m.id: ("yes" if n < yes else "no") for n, m in enumerate(members[:present])}
    return council.decide(district.id, motion.id, votes, organizer)
