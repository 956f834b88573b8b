"""The plan built from a vote's confirmed result, and the what-if over the vote's ballots."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from agenda import coordination, intake, proposals
from core.db import commit, db, utcnow
from core.errors import Conflict, DomainError, NotFound
from plans import building, what_if
from plans.models import Plan
from tests.conftest import post_form, sign_in
from voting.casting import cast_online
from voting.confirmation import confirm_result
from voting.definition import VoteDefinition, create_vote
from voting.models import Vote
from voting.rules import BallotType

COSTS = (("공동육아 공간", 40_000_000), ("밥상모임", 15_000_000), ("골목 안전", 20_000_000),
         ("마을 기록관", 30_000_000))


@pytest.fixture
def candidates(ctx, district, cycle, organizer):
    items = []
    for title, cost in COSTS:
        item = intake.propose(district, organizer, proposals.Proposal(
            title, f"{title} 설명", "welfare", "problem_solving", None, cost), date(2026, 9, 2))
        coordination.shortlist(district.id, item.id, organizer, False, True, "후보")
        items.append(item)
    commit()
    return items


def _vote(district, cycle, organizer, items, make_user, ballots, seats=2, weights=(100, 0, 0)):
    """An approval vote over ``items`` with ``ballots`` (lists of item positions), closed."""
    now = utcnow()
    vote = create_vote(district.id, cycle.id, VoteDefinition(
        title="2027 찬성 투표", ballot_type=BallotType.APPROVAL,
        agenda_item_ids=[i.id for i in items], opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1), method="approval", min_choices=1,
        max_choices=len(items), seats=seats, weight_vote=weights[0], weight_forum=weights[1],
        weight_review=weights[2]), organizer)
    for chosen in ballots:
        cast_online(district.id, vote.id, make_user(),
                    [(vote.items[n].id, 1) for n in chosen])
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(
        closes_at=utcnow() - timedelta(seconds=1)))
    commit()
    db.session.expire_all()
    return vote


def test_plan_from_a_confirmed_vote_in_priority_order(district, cycle, organizer, candidates,
                                                      make_user):
    vote = _vote(district, cycle, organizer, candidates, make_user,
                 [[2, 1], [2], [2, 1], [0]])
    with pytest.raises(Conflict, match="확정되지 않은"):
        building.create_plan_from_vote(district.id, cycle.id, vote.id, 100_000_000, organizer)
    db.session.rollback()
    assert what_if.source_votes(district.id, cycle.id) == []
    confirm_result(district.id, vote.id, organizer)
    commit()
    assert what_if.source_votes(district.id, cycle.id) == [vote]
    plan = building.create_plan_from_vote(district.id, cycle.id, vote.id, 100_000_000,
                                          organizer)
    commit()
    assert [(p.title, p.vote_rank, p.vote_score) for p in plan.projects] == [
        ("골목 안전", 1, "3.0"), ("밥상모임", 2, "2.0")]
    assert vote.title in plan.source_label
    assert {i.status for i in candidates} == {"in_plan", "not_selected"}


def test_plan_from_a_vote_of_another_cycle_or_district_is_refused(
        district, cycle, organizer, candidates, make_user):
    from accounts.services import save_cycle
    from core.models import Phase

    vote = _vote(district, cycle, organizer, candidates, make_user, [[0], [1]])
    confirm_result(district.id, vote.id, organizer)
    later = save_cycle(district.id, 2028, "2028 계획", "",
                       {Phase.INTAKE: (date(2027, 9, 1), date(2027, 12, 31))})
    commit()
    with pytest.raises(DomainError, match="다른 주기"):
        building.create_plan_from_vote(district.id, later.id, vote.id, 100_000_000, organizer)
    with pytest.raises(NotFound):
        building.create_plan_from_vote(district.id + 100, cycle.id, vote.id, 100_000_000,
                                       organizer)
    db.session.rollback()
    assert db.session.query(Plan).count() == 0


def test_what_if_counts_the_votes_ballots(district, cycle, organizer, candidates, make_user):
    from agenda.models import Support

    vote = _vote(district, cycle, organizer, candidates, make_user,
                 [[3], [3], [3], [0], [1]], seats=2)
    # Support from intake points the other way: the what-if must not use it.
    for _ in range(5):
        db.session.add(Support(item_id=candidates[2].id, user_id=make_user().id))
    confirm_result(district.id, vote.id, organizer)
    plan = building.create_plan_from_vote(district.id, cycle.id, vote.id, 50_000_000, organizer)
    commit()
    assert what_if.what_if_vote(district.id, plan) == vote
    scenarios = {s.method: s for s in what_if.what_if(district.id, plan)}
    # 기록관 (30M, 3 ballots) first, then only 밥상모임 (15M) of the rest fits in 50M.
    assert [i.title for i in scenarios["greedy"].items] == ["마을 기록관", "밥상모임"]
    assert {i.title for i in scenarios["mes"].items} <= {"마을 기록관", "공동육아 공간",
                                                         "밥상모임"}
    assert "골목 안전" not in {i.title for i in scenarios["mes"].items}


def test_what_if_falls_back_to_support_without_a_confirmed_vote(ctx, district, plan, selected):
    from accounts.services import create_user
    from agenda.models import Support
    from core.auth import Role

    for n in range(2):
        resident = create_user(f"s{n}@example.kr", "correct horse battery", Role.RESIDENT,
                               district, f"주민{n}")
        db.session.add(Support(item_id=selected[1].id, user_id=resident.id))
    assert what_if.what_if_vote(district.id, plan) is None
    scenarios = {s.method: s for s in what_if.what_if(district.id, plan)}
    assert scenarios["greedy"].items[0].id == selected[1].id
    # MES funds only supported items: the one with 공감.
    assert [i.id for i in scenarios["mes"].items] == [selected[1].id]


def test_console_offers_confirmed_votes_and_builds_the_plan(client, district, cycle, organizer,
                                                            candidates, make_user):
    vote = _vote(district, cycle, organizer, candidates, make_user, [[0, 1], [1]])
    sign_in(client, organizer.email)
    page = client.get(f"/plans/manage?cycle={cycle.id}").get_data(as_text=True)
    assert "결과가 확정된 투표가 아직 없습니다" in page
    refused = post_form(client, f"/plans/build-from-vote?cycle={cycle.id}",
                        {"vote_id": str(vote.id), "total_budget": "100000000"})
    assert refused.status_code == 422
    confirm_result(district.id, vote.id, organizer)
    commit()
    page = client.get(f"/plans/manage?cycle={cycle.id}").get_data(as_text=True)
    assert f'value="{vote.id}"' in page and vote.title in page
    bad = post_form(client, f"/plans/build-from-vote?cycle={cycle.id}",
                    {"vote_id": str(vote.id), "total_budget": "-5"})
    assert bad.status_code == 422
    db.session.rollback()
    assert db.session.query(Plan).count() == 0
    built = post_form(client, f"/plans/build-from-vote?cycle={cycle.id}",
                      {"vote_id": str(vote.id), "total_budget": "100000000"})
    assert built.status_code == 302
    db.session.rollback()
    plan = building.plan_for_cycle(district.id, cycle.id)
    assert [p.title for p in plan.projects] == ["밥상모임", "공동육아 공간"]
    what_if = client.get(f"/cycles/{cycle.id}/plan/what-if").get_data(as_text=True)
    assert vote.title in what_if


def _candidates(district, organizer, titles):
    items = []
    for title, cost in titles:
        item = intake.propose(district, organizer, proposals.Proposal(
            title, f"{title} 설명", "welfare", "problem_solving", None, cost), date(2026, 9, 3))
        coordination.shortlist(district.id, item.id, organizer, False, True, "후보")
        items.append(item)
    commit()
    return items


def test_a_confirmed_vote_amends_the_approved_plan_without_retyping(
        district, cycle, organizer, candidates, make_user):
    """Issue 18: a later confirmed vote's selection joins the approved plan as an amendment
    that goes the approval path of seed 000 §IV, while the approved version stays in force."""
    from plans import progress, review
    from plans.published import published
    from tests.plans.conftest import FOUNDATION, approve, city_round, make_roster, review_round

    first = _vote(district, cycle, organizer, candidates, make_user, [[2, 1], [2], [2, 1]])
    confirm_result(district.id, first.id, organizer)
    plan = building.create_plan_from_vote(district.id, cycle.id, first.id, 100_000_000,
                                          organizer)
    building.add_project(district.id, plan.id, FOUNDATION, organizer)
    members = make_roster(district.id)
    with cycle_request(district):
        review_round(district, plan, organizer)
        approve(district, plan, organizer, members)
        city_round(district, plan, organizer)
    commit()
    later = _candidates(district, organizer, (("마을 도서관", 10_000_000),
                                              ("청소년 쉼터", 12_000_000)))
    second = _vote(district, cycle, organizer, later, make_user, [[1], [1, 0]])
    with cycle_request(district):
        with pytest.raises(Conflict, match="확정되지 않은"):
            review.amend_from_vote(district.id, plan.id, second.id, organizer)
        db.session.rollback()
        assert db.session.get(Plan, plan.id).status == "approved"
        confirm_result(district.id, second.id, organizer)
        added = review.amend_from_vote(district.id, plan.id, second.id, organizer)
        assert [(p.title, p.vote_rank, p.agenda_item_id) for p in added] == [
            ("청소년 쉼터", 1, later[1].id), ("마을 도서관", 2, later[0].id)]
        assert plan.status == "draft" and building.in_force(plan).number == 2
        assert {i.status for i in later} == {"in_plan"}
        assert "청소년 쉼터" not in {p.title for p in published(plan).projects}
        progress.report_progress(district.id, plan.projects[0].id,
                                 reported_on=date(2027, 9, 30), status="on_track", percent=40,
                                 spent=0, notes="", reporter="부서")
        commit()
        with pytest.raises(Conflict, match="모두 이미"):
            review.amend_from_vote(district.id, plan.id, second.id, organizer)
        db.session.rollback()
        assert len(db.session.get(Plan, plan.id).projects) == 5


def cycle_request(district):
    """Refusal messages are translated lazily for the person asking: give them a request."""
    from flask import current_app

    return current_app.test_request_context()


def test_the_console_adds_a_vote_to_the_plan_and_refuses_a_foreign_vote(
        client, district, cycle, organizer, candidates, make_user):
    vote = _vote(district, cycle, organizer, candidates, make_user, [[0], [0, 3]], seats=1)
    confirm_result(district.id, vote.id, organizer)
    first = _candidates(district, organizer, (("먼저 정한 의제", 5_000_000),
                                              ("뽑히지 않은 의제", 5_000_000)))
    earlier = _vote(district, cycle, organizer, first, make_user, [[0]], seats=1)
    confirm_result(district.id, earlier.id, organizer)
    plan = building.create_plan_from_vote(district.id, cycle.id, earlier.id, 100_000_000,
                                          organizer)
    commit()
    sign_in(client, organizer.email)
    refused = post_form(client, f"/plans/{plan.id}/from-vote", {"vote_id": "999999"})
    assert refused.status_code == 422
    assert len(db.session.get(Plan, plan.id).projects) == 1
    response = post_form(client, f"/plans/{plan.id}/from-vote", {"vote_id": str(vote.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.title for p in db.session.get(Plan, plan.id).projects] == [
        "먼저 정한 의제", "공동육아 공간"]
