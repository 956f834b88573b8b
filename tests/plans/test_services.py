"""Plan services on SQLite and PostgreSQL: every transition, rule and refusal."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agenda.models import AgendaItem
from core.db import commit, db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from plans import building, council, evaluation, findings, progress, review, settings, what_if
from plans.models import Evaluation, PlanProject, ProgressReport
from tests.plans.conftest import (
    FOUNDATION,
    SEATED_FROM,
    approve,
    city_round,
    make_roster,
    review_round,
)


@pytest.fixture(autouse=True)
def _request(ctx):
    """Refusal messages are translated lazily for the person asking: give them a request."""
    with ctx.test_request_context():
        yield


def test_plan_from_selection_moves_items_into_the_plan(ctx, district, plan, selected):
    assert [p.title for p in plan.projects][:3] == ["공동육아 공간", "밥상모임", "골목 안전"]
    assert plan.projects[0].budget == 40_000_000 and plan.projects[0].vote_rank == 1
    assert {db.session.get(AgendaItem, i.id).status for i in selected} == {"in_plan"}
    assert building.check_plan(plan) and all(c.passed for c in building.check_plan(plan))


def test_only_selected_items_of_the_cycle_can_be_planned(ctx, district, cycle, organizer,
                                                         selected):
    from agenda import intake, proposals

    shortlisted = intake.propose(district, organizer, proposals.Proposal(
        "후보만", "설명", "welfare", "problem_solving", None, 1), date(2026, 9, 2))
    with pytest.raises(Conflict):
        building.create_plan_from_selection(district.id, cycle.id, [(shortlisted.id, 1)], "",
                                            1000, organizer)
    with pytest.raises(DomainError):
        building.create_plan_from_selection(district.id, cycle.id, [], "", 1000, organizer)


def test_negative_budgets_are_refused_by_service_and_database(ctx, district, plan, organizer):
    with pytest.raises(DomainError):
        building.add_project(district.id, plan.id, building.ProjectData(
            "음수", -1, "foundation"), organizer)
    with pytest.raises(DomainError):
        building.set_total_budget(district.id, plan.id, -5, organizer)
    db.session.rollback()
    project = db.session.get(PlanProject, plan.projects[0].id)
    project.budget = -1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_foundation_share_below_30_percent_blocks_approval(ctx, district, plan, organizer):
    foundation = plan.projects[-1]
    building.update_project(district.id, foundation.id, building.ProjectData(
        **{**FOUNDATION.__dict__, "budget": 10_000_000}), organizer)
    failed = {c.code for c in building.check_plan(plan) if not c.passed}
    assert failed == {"foundation_share"}
    review.submit_to_council(district.id, plan.id, organizer)
    assert any("예산 규칙" in str(b) for b in review.council_blockers(plan))


def test_floors_caps_and_mandatory_items_from_settings(ctx, district, plan, organizer):
    settings.set_budget_limit(district.id, "field", "welfare", None, 50_000_000)
    settings.save_settings(district.id, foundation_share_percent=30, council_max_members=30,
                           civil_share_percent=70, gender_max_percent=60,
                           low_rating_percent=60, mandatory_titles=["협치 기반조성", "없는 사업"])
    failed = {(c.code, c.subject) for c in building.check_plan(plan) if not c.passed}
    assert failed == {("field_cap", "welfare"), ("mandatory_item", "없는 사업")}
    with pytest.raises(DomainError):
        settings.set_budget_limit(district.id, "field", "welfare", 10, 5)


def test_review_versions_and_diff(ctx, district, plan, organizer):
    review_round(district, plan, organizer)
    building.update_project(district.id, plan.projects[-1].id, building.ProjectData(
        **{**FOUNDATION.__dict__, "summary": "협치적 맥락 보완"}), organizer)
    review.save_revision(district.id, plan.id, organizer, "의견 반영")
    assert plan.version == 2 and plan.status == "council"
    changes = review.version_diff(plan, 2)
    assert [(c.subject, c.attribute) for c in changes] == [("협치 기반조성", "summary")]
    assert review.version_diff(plan, 1) == []
    with pytest.raises(Conflict):
        review.save_revision(district.id, plan.id, organizer, "바뀐 것 없음")


def test_council_approves_with_quorum(ctx, district, plan, organizer, roster):
    review_round(district, plan, organizer)
    motion = approve(district, plan, organizer, roster, present=16, yes=9)
    assert motion.passed and (motion.present, motion.yes, motion.no) == (16, 9, 7)
    assert plan.status == "in_review" and plan.approved_at is None
    assert council.approval_motion(plan) == motion
    city_round(district, plan, organizer)
    assert plan.status == "approved" and plan.approved_at is not None
    with pytest.raises(Conflict):
        building.update_project(district.id, plan.projects[0].id, FOUNDATION, organizer)


def test_motion_without_quorum_is_refused_and_nothing_recorded(ctx, district, plan, organizer,
                                                               roster):
    review_round(district, plan, organizer)
    commit()
    with pytest.raises(Conflict, match="정족수"):
        approve(district, plan, organizer, roster, present=15, yes=15)
    db.session.rollback()
    assert plan.status == "council"


def test_a_failed_vote_leaves_the_plan_with_the_council(ctx, district, plan, organizer, roster):
    review_round(district, plan, organizer)
    motion = approve(district, plan, organizer, roster, present=20, yes=10)
    assert motion.decided_at and not motion.passed and plan.status == "council"


def test_votes_by_absent_members_are_refused(ctx, district, plan, organizer, roster):
    meeting = council.open_meeting(district.id, "회의", date(2027, 4, 20))
    council.record_attendance(district.id, meeting.id, [m.id for m in roster[:20]])
    motion = council.add_motion(district.id, meeting.id, "안건", "ordinary")
    with pytest.raises(DomainError):
        council.decide(district.id, motion.id, {roster[25].id: "yes"}, organizer)


def test_rules_change_needs_two_thirds(ctx, district, organizer, roster):
    meeting = council.open_meeting(district.id, "회의", date(2027, 4, 20))
    council.record_attendance(district.id, meeting.id, [m.id for m in roster[:21]])
    motion = council.add_motion(district.id, meeting.id, "운영규칙 개정", "rules_change")
    votes = {m.id: ("yes" if n < 13 else "no") for n, m in enumerate(roster[:21])}
    assert not council.decide(district.id, motion.id, votes, organizer).passed


@pytest.mark.parametrize(("civil", "official", "councillor", "women"),
                         [(21, 7, 2, 14), (25, 3, 2, 17)])
def test_a_roster_breaking_the_ordinance_cannot_hold_a_meeting(ctx, district, civil, official,
                                                               councillor, women):
    settings.save_settings(district.id, foundation_share_percent=30, council_max_members=30,
                           civil_share_percent=70, gender_max_percent=60, low_rating_percent=60)
    make_roster(district.id, civil, official, councillor, women)
    with pytest.raises(Conflict):
        council.open_meeting(district.id, "회의", date(2027, 4, 20))


def test_roster_cap_and_unique_membership(ctx, district, roster, organizer):
    with pytest.raises(Conflict):
        council.add_member(district.id, "31번째", "", "civil", "male", "appointed", SEATED_FROM)
    council.retire_member(district.id, roster[0].id, date(2027, 1, 5), "사임", organizer)
    with pytest.raises(Conflict):
        council.add_member(district.id, roster[1].name, roster[1].affiliation, "civil", "male",
                           "appointed", date(2027, 1, 5))


def test_admin_override_is_logged_and_others_are_refused(ctx, district, plan, organizer,
                                                         make_user):
    with pytest.raises(Forbidden):
        review.override_rules(district.id, plan.id, "사유", organizer)
    admin = make_user("admin")
    review.override_rules(district.id, plan.id, "시 협의로 예외", admin)
    assert plan.log[-1].action == "rules_overridden"


@pytest.fixture
def approved(ctx, district, plan, organizer, roster):
    review_round(district, plan, organizer)
    approve(district, plan, organizer, roster)
    city_round(district, plan, organizer)
    for name, points in (("협치성", 30), ("목표 달성도", 40), ("주민 참여", 30)):
        settings.add_criterion(district.id, name, points)
    commit()
    return plan


def _report(district, project, percent=50, spent=1000, status="on_track"):
    return progress.report_progress(district.id, project.id, reported_on=date(2027, 6, 30),
                                    status=status, percent=percent, spent=spent, notes="",
                                    reporter="부서")


def test_progress_reports_refuse_bad_figures(ctx, district, approved):
    project = approved.projects[0]
    for percent, spent, status in ((101, 0, "on_track"), (-1, 0, "on_track"),
                                   (50, -1, "on_track"), (90, 0, "done")):
        with pytest.raises(DomainError):
            _report(district, project, percent, spent, status)
    assert _report(district, project).percent == 50
    assert project.percent_done == 50
    db.session.add(ProgressReport(project_id=project.id, reported_on=date(2027, 7, 1),
                                  status="on_track", percent=120, spent=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_progress_needs_an_approved_plan(ctx, district, plan):
    with pytest.raises(Conflict):
        _report(district, plan.projects[0])


def _scores(district, values):
    return {c.id: v for c, v in zip(settings.rubric(district.id), values, strict=True)}


def test_one_evaluation_per_project_and_period_with_scores_in_range(ctx, district, approved):
    project = approved.projects[0]
    with pytest.raises(DomainError):
        evaluation.evaluate(district.id, project.id, period="mid", self_evaluation="",
                            evaluator="", scores=_scores(district, (31, 20, 20)),
                            satisfaction=80, respondents=10)
    with pytest.raises(DomainError):
        evaluation.evaluate(district.id, project.id, period="mid", self_evaluation="",
                            evaluator="", scores=_scores(district, (20, 20, 20)),
                            satisfaction=101, respondents=10)
    recorded = evaluation.evaluate(district.id, project.id, period="mid", self_evaluation="",
                                   evaluator="", scores=_scores(district, (25, 30, 20)),
                                   satisfaction=80, respondents=10)
    assert recorded.score_percent == 75
    with pytest.raises(Conflict):
        evaluation.evaluate(district.id, project.id, period="mid", self_evaluation="",
                            evaluator="", scores=_scores(district, (25, 30, 20)),
                            satisfaction=80, respondents=10)
    db.session.add(Evaluation(project_id=project.id, period="mid", respondents=0,
                              score_percent=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_findings_carry_into_the_next_cycle_with_a_link_back(ctx, district, cycle, approved,
                                                             organizer):
    from accounts.services import save_cycle
    from core.models import Phase

    low = approved.projects[1]
    evaluation.evaluate(district.id, low.id, period="mid", self_evaluation="", evaluator="",
                        scores=_scores(district, (10, 10, 10)), satisfaction=40, respondents=5)
    for project in approved.projects:
        _report(district, project, 100 if project.id != low.id else 30, 0,
                "done" if project.id != low.id else "delayed")
    collected = findings.collect_findings(district.id, approved.id)
    assert {(f.project_id, f.kind) for f in collected} == {(low.id, "unfinished"),
                                                           (low.id, "low_rated")}
    assert findings.collect_findings(district.id, approved.id) == []
    with pytest.raises(DomainError):
        findings.carry_finding(district.id, collected[0].id, cycle.id, organizer)
    next_cycle = save_cycle(district.id, 2028, "2028", "", {
        Phase.INTAKE: (date(2027, 9, 1), date(2027, 12, 31))})
    item = findings.carry_finding(district.id, collected[0].id, next_cycle.id, organizer)
    assert item.cycle_id == next_cycle.id and item.origin_cycle_id == cycle.id
    assert f"/cycles/{cycle.id}/plan#finding-{collected[0].id}" in item.origin
    with pytest.raises(Conflict):
        findings.carry_finding(district.id, collected[0].id, next_cycle.id, organizer)


def test_foreign_district_ids_are_not_found(ctx, district, plan):
    from core.models import District

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(NotFound):
        building.get_plan(other.id, plan.id)
    with pytest.raises(NotFound):
        building.get_project(other.id, plan.projects[0].id)


def test_what_if_compares_methods_with_rules(ctx, district, plan, selected, organizer):
    from agenda.models import Support

    residents = []
    for n in range(3):
        from accounts.services import create_user
        from core.auth import Role

        residents.append(create_user(f"r{n}@example.kr", "correct horse battery",
                                     Role.RESIDENT, district, f"주민{n}"))
    # Support given during intake, before the items moved into the plan.
    for resident in residents:
        for item in selected:
            db.session.add(Support(item_id=item.id, user_id=resident.id))
    scenarios = {s.method: s for s in what_if.what_if(district.id, plan)}
    assert set(scenarios) == {"greedy", "mes", "manual"}
    assert {i.id for i in scenarios["manual"].items} == {i.id for i in selected}
    assert all(s.spent <= plan.total_budget - 40_000_000 for s in scenarios.values())
    assert scenarios["manual"].passes
    assert db.session.scalars(select(AgendaItem)).first() is not None
