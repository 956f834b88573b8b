"""The approval path of seed 000 §IV (협치강동구회의 승인 → 협의조정회의 서울시 ↔ 강동구 → final
plan) and the city's review of seed 001 Ⅱ (필수/권고 items) with its decision record
(결정서, seed 001 붙임 2), on SQLite and PostgreSQL: every step in order, every step out of
order refused with nothing changed, and amendments that leave the approved version in force."""

from datetime import date

import pytest

from core.db import commit, db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from plans import building, evaluation, findings, progress, review
from plans.models import CityDecision, Plan, ReviewComment
from plans.published import published
from tests.plans.conftest import FOUNDATION, approve, city_reviewer, city_round, review_round


@pytest.fixture(autouse=True)
def _request(ctx):
    """Refusal messages are translated lazily for the person asking: give them a request."""
    with ctx.test_request_context():
        yield


@pytest.fixture
def city(district):
    reviewer = city_reviewer(district)
    commit()
    return reviewer


def _revise_foundation(district, plan, organizer, summary: str) -> None:
    project = next(p for p in plan.projects if p.title == FOUNDATION.title)
    building.update_project(district.id, project.id, building.ProjectData(
        **{**FOUNDATION.__dict__, "summary": summary}), organizer)
    review.save_revision(district.id, plan.id, organizer, summary)


def _state(plan_id: int) -> tuple:
    """What a refusal must leave as it was."""
    db.session.rollback()
    plan = db.session.get(Plan, plan_id)
    return (plan.status, plan.version, plan.approved_at,
            [(c.id, c.resolution, c.answered_at, c.resolved_at) for c in plan.comments],
            db.session.query(CityDecision).count(), len(plan.log))


def _refused(error, plan_id: int, call, match: str | None = None):
    before = _state(plan_id)
    with pytest.raises(error, match=match):
        call()
    assert _state(plan_id) == before


def test_seed_000_iv_the_council_comes_before_the_city(district, plan, organizer, roster, city):
    review_round(district, plan, organizer)
    commit()
    assert plan.status == "council"
    _refused(Conflict, plan.id, lambda: review.add_review_comment(
        district.id, plan.id, "required", "보완", "본문", city))
    _refused(Conflict, plan.id, lambda: review.record_decision(
        district.id, plan.id, "approved", "", city))
    approve(district, plan, organizer, roster)
    assert plan.status == "in_review" and plan.approved_at is None
    assert plan.log[-1].action == "council_approved"
    assert [v.approved_at for v in plan.versions] == [None]


def test_seed_000_iv_the_council_cannot_approve_a_plan_already_with_the_city(
        district, in_review, organizer, roster):
    with pytest.raises(Conflict, match="협치회의에 올린 계획만"):
        approve(district, in_review, organizer, roster)
    db.session.rollback()
    assert db.session.get(Plan, in_review.id).status == "in_review"


def test_seed_001_required_item_is_answered_by_a_new_version_and_resolved_by_the_city(
        district, in_review, organizer, city):
    plan = in_review
    required = review.add_review_comment(district.id, plan.id, "required",
                                         "기반조성사업을 구체화하여 서술", "목적과 일정", city)
    commit()
    _refused(Conflict, plan.id, lambda: review.answer_comment(
        district.id, plan.id, required.id, "반영했습니다", organizer), match="새 판으로")
    _refused(Conflict, plan.id, lambda: review.resolve_comment(
        district.id, plan.id, required.id, city), match="답하지 않은")
    _revise_foundation(district, plan, organizer, "기반조성사업 목적·일정 구체화")
    review.answer_comment(district.id, plan.id, required.id, "제2판에 반영", organizer)
    assert required.resolved_in_version == 2 and required.resolved_at is None
    assert review.unresolved_required(plan) == [required]
    review.resolve_comment(district.id, plan.id, required.id, city)
    assert review.unresolved_required(plan) == [] and required.resolved_by_id == city.id
    commit()
    _refused(Conflict, plan.id, lambda: review.answer_comment(
        district.id, plan.id, required.id, "다시 답함", organizer), match="이미 해소")


def test_seed_001_recommended_item_needs_an_answer_before_the_decision(
        district, in_review, organizer, city):
    plan = in_review
    recommended = review.add_review_comment(district.id, plan.id, "recommended",
                                            "예산산출내역의 구체화", "산출내역", city)
    commit()
    _refused(Conflict, plan.id, lambda: review.record_decision(
        district.id, plan.id, "approved", "", city), match="권고 의견이 1건")
    review.answer_comment(district.id, plan.id, recommended.id, "하반기에 보고", organizer)
    decision = review.record_decision(district.id, plan.id, "approved", "", city)
    assert decision.items[0]["answer"] == "하반기에 보고"
    assert plan.status == "approved"


def test_the_decision_is_refused_while_a_required_item_is_unresolved(
        district, in_review, organizer, city):
    plan = in_review
    required = review.add_review_comment(district.id, plan.id, "required", "보완", "본문", city)
    _revise_foundation(district, plan, organizer, "보완")
    review.answer_comment(district.id, plan.id, required.id, "반영", organizer)
    commit()
    _refused(Conflict, plan.id, lambda: review.record_decision(
        district.id, plan.id, "approved", "", city), match="필수 의견이 1건")


def test_the_decision_record_names_who_when_outcome_items_and_answers(
        district, in_review, organizer):
    decision = city_round(district, in_review, organizer)
    plan = in_review
    assert (decision.decided_by, decision.outcome, decision.version_number) == (
        "서울시 검토자", "approved", 2)
    assert decision.decided_at is not None and decision.decided_at == plan.approved_at
    assert decision.items == [{
        "id": plan.comments[0].id, "severity": "required", "title": "협치적 맥락 보완",
        "body": "사업별로 서술하세요.", "answer": "반영했습니다", "version": 2,
        "resolved": True}]
    assert plan.status == "approved" and building.in_force(plan).number == 2
    assert published(plan).version == 2 and published(plan).status == "approved"


def test_a_returned_plan_needs_a_reason_and_goes_back_through_the_council(
        district, in_review, organizer, roster, city):
    plan = in_review
    _refused(DomainError, plan.id, lambda: review.record_decision(
        district.id, plan.id, "returned", "  ", city), match="까닭")
    _refused(DomainError, plan.id, lambda: review.record_decision(
        district.id, plan.id, "maybe", "", city))
    decision = review.record_decision(district.id, plan.id, "returned",
                                      "기반구축 사업을 다시 숙의하세요", city)
    assert decision.outcome == "returned" and plan.status == "draft"
    assert building.in_force(plan) is None
    foundation = next(p for p in plan.projects if p.title == FOUNDATION.title)
    building.update_project(district.id, foundation.id, building.ProjectData(
        **{**FOUNDATION.__dict__, "summary": "다시 숙의"}), organizer)
    version = review.submit_to_council(district.id, plan.id, organizer)
    assert version.number == 2 and plan.status == "council"


@pytest.mark.parametrize("who", ["organizer", "resident", "facilitator"])
def test_only_the_city_reviewer_writes_the_review(district, in_review, make_user, organizer,
                                                  city, who):
    person = organizer if who == "organizer" else make_user(who)
    plan = in_review
    required = review.add_review_comment(district.id, plan.id, "required", "보완", "본문", city)
    _revise_foundation(district, plan, organizer, "보완")
    review.answer_comment(district.id, plan.id, required.id, "반영", organizer)
    commit()
    for call in (
        lambda: review.add_review_comment(district.id, plan.id, "required", "x", "y", person),
        lambda: review.resolve_comment(district.id, plan.id, required.id, person),
        lambda: review.record_decision(district.id, plan.id, "approved", "", person),
    ):
        _refused(Forbidden, plan.id, call)


def test_the_city_reviewer_does_not_answer_for_the_district(district, in_review, city):
    comment = review.add_review_comment(district.id, in_review.id, "recommended", "권고", "본문",
                                        city)
    commit()
    _refused(Forbidden, in_review.id, lambda: review.answer_comment(
        district.id, in_review.id, comment.id, "스스로 답함", city))


def test_a_city_reviewer_of_another_district_is_refused_and_ids_stay_in_their_plan(
        district, other_district, in_review, organizer, city):
    from accounts.services import create_user
    from core.auth import Role
    from tests.conftest import TEST_PASSWORD

    elsewhere = create_user("city@songpa.example.kr", TEST_PASSWORD, Role.CITY_REVIEWER,
                            other_district, "송파 검토자")
    commit()
    _refused(Forbidden, in_review.id, lambda: review.add_review_comment(
        district.id, in_review.id, "required", "보완", "본문", elsewhere))
    comment = review.add_review_comment(district.id, in_review.id, "required", "보완", "본문",
                                        city)
    commit()
    with pytest.raises(NotFound):
        review.resolve_comment(other_district.id, in_review.id, comment.id, elsewhere)
    with pytest.raises(NotFound):
        review.resolve_comment(district.id, in_review.id + 1000, comment.id, city)
    assert db.session.get(ReviewComment, comment.id).resolved_at is None


@pytest.fixture
def approved(district, in_review, organizer):
    city_round(district, in_review, organizer)
    commit()
    return in_review


def _report(district, project, day=date(2027, 9, 30), percent=60):
    return progress.report_progress(district.id, project.id, reported_on=day,
                                    status="on_track", percent=percent, spent=1000, notes="",
                                    reporter="부서")


def test_an_amendment_leaves_the_approved_version_in_force(district, approved, organizer,
                                                           roster, city):
    plan = approved
    review.reopen_for_amendment(district.id, plan.id, "축제 방식 변경", organizer)
    first = plan.projects[0]
    building.update_project(district.id, first.id, building.ProjectData(
        "바뀐 사업명", first.budget, first.category, first.funding_source), organizer)
    added = building.add_project(district.id, plan.id, building.ProjectData(
        "변경안에 새 사업", 1_000_000, "problem_solving"), organizer)
    for step in ("draft", "council", "in_review"):
        if step == "council":
            review.submit_to_council(district.id, plan.id, organizer, "변경안")
        if step == "in_review":
            approve(district, plan, organizer, roster, held_on=date(2027, 8, 24))
        assert plan.status == step
        assert building.in_force(plan).number == 2
        public = published(plan)
        assert public.status == "approved" and public.amendment_in_review
        assert first.id in {p.id for p in public.projects}
        assert "바뀐 사업명" not in {p.title for p in public.projects}
        assert _report(district, first, percent=50 + len(first.reports)).project_id == first.id
        with pytest.raises(Conflict, match="승인된 계획의 사업만"):
            _report(district, added)
    review.record_decision(district.id, plan.id, "approved", "변경 승인", city)
    assert building.in_force(plan).number == 3 and not published(plan).amendment_in_review
    assert "바뀐 사업명" in {p.title for p in published(plan).projects}
    assert _report(district, added).project_id == added.id


def test_feedback_goes_on_over_the_version_in_force_while_an_amendment_is_under_way(
        district, approved, organizer):
    """Findings and the results meeting belong to the year's approved plan; an amendment's
    unapproved project (0% done) is no unfinished project of the year."""
    plan = approved
    review.reopen_for_amendment(district.id, plan.id, "축제 방식 변경", organizer)
    building.add_project(district.id, plan.id, building.ProjectData(
        "변경안에 새 사업", 1_000_000, "problem_solving"), organizer)
    in_force_ids = {p["id"] for p in building.in_force(plan).snapshot["projects"]}
    collected = findings.collect_findings(district.id, plan.id)
    assert collected and {f.project_id for f in collected} == in_force_ids
    shared = evaluation.share_results(district.id, plan.id, date(2027, 12, 10),
                                      "성과공유회에서 한 해의 사업을 나눴습니다.", organizer)
    assert shared.results_shared_on == date(2027, 12, 10)


def test_an_amendment_that_changes_nothing_is_refused(district, approved, organizer):
    review.reopen_for_amendment(district.id, approved.id, "변경", organizer)
    commit()
    _refused(Conflict, approved.id, lambda: review.submit_to_council(
        district.id, approved.id, organizer), match="다르지 않습니다")


def test_out_of_order_steps_are_refused(district, plan, organizer, city):
    """Each step of the path only in its place: nothing is changed by a refused one."""
    _refused(Conflict, plan.id, lambda: review.save_revision(
        district.id, plan.id, organizer, "수정"))
    _refused(Conflict, plan.id, lambda: review.reopen_for_amendment(
        district.id, plan.id, "변경", organizer))
    review_round(district, plan, organizer)
    commit()
    _refused(Conflict, plan.id, lambda: review.submit_to_council(
        district.id, plan.id, organizer))
    _refused(Conflict, plan.id, lambda: review.record_decision(
        district.id, plan.id, "returned", "까닭", city))
