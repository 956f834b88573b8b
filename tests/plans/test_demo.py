"""The demo as the issue's "done when" reads it: the 2027 plan meets the 30% rule against its
total budget (seed 001) and the council has ex officio and appointed members with terms and
one replacement (seed 000, 협치강동구회의 구성); the plan goes council → city review with one
required item resolved by a new version → final (seed 000 §IV, seed 001 Ⅱ), and progress
continues through an amendment."""

from datetime import date
from fractions import Fraction

from sqlalchemy import func, select

from core.db import db
from core.models import Cycle, District
from plans import building, council
from plans.demo import FOUNDATION_BUDGET, TOTAL_BUDGET
from plans.published import published


def test_the_demo_plan_and_council_follow_the_ordinance(app, ctx):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.district_id == district.id,
                                                   Cycle.year == 2027)).one()
    plan = building.plan_for_cycle(district.id, cycle.id)
    foundation = {c.code: c for c in building.check_plan(plan)}["foundation_share"]
    assert plan.total_budget == TOTAL_BUDGET
    assert foundation.passed and foundation.actual == Fraction(FOUNDATION_BUDGET, TOTAL_BUDGET)
    members = council.everyone(district.id)
    seats = {m.seat for m in members}
    assert seats == {"appointed", "ex_officio"}
    assert all(m.term_ends_on is None for m in members if m.seat == "ex_officio")
    assert all(m.term_ends_on for m in members if m.seat == "appointed")
    replaced = [m for m in members if m.replaces is not None]
    assert len(replaced) == 1 and replaced[0].replaces.retire_reason
    meeting_day = date(2027, 4, 20)
    assert all(c.passed for c in council.roster_checks(district.id, meeting_day))
    assert len(council.roster(district.id, meeting_day)) == 30


def test_the_demo_plan_went_council_then_city_then_final_and_reports_through_an_amendment(
        app, ctx):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.year == 2027,
                                                   Cycle.district_id == district.id)).one()
    plan = building.plan_for_cycle(district.id, cycle.id)
    actions = [entry.action for entry in plan.log]
    order = [actions.index(a) for a in ("submitted", "council_approved", "commented",
                                        "revised", "answered", "resolved", "city_approved")]
    assert order == sorted(order)
    first = plan.decisions[0]
    assert (first.outcome, first.version_number) == ("approved", 2)
    required = [item for item in first.items if item["severity"] == "required"]
    assert len(required) == 1 and required[0]["version"] == 2 and required[0]["resolved"]
    assert all(item["answer"] for item in first.items)
    assert building.in_force(plan).number == 2
    assert plan.status == "in_review" and plan.version == 3
    assert published(plan).amendment_in_review
    amended_on = plan.versions[-1].created_at
    later = [r for p in plan.projects for r in p.reports if r.created_at > amended_on]
    assert len(later) == len(plan.projects)


def test_the_city_reviewer_reviews_both_demo_districts_from_the_board(app, ctx):
    """성동구's 2023 plan is built from its confirmed vote's selection and the foundation
    project of seed 002 §6.3, funded by the district (§8), passed by its council and waits in
    the city's review with a required item open; the demo's city account, a city reviewer of
    every district, finds both districts' plans on its board. A second run changes nothing."""
    from accounts.demo import CITY_ACCOUNT
    from accounts.models import user_by_email
    from agenda.models import AgendaItem
    from core.audit import AuditEntry
    from plans.city_board import Stage, board
    from plans.models import Plan
    from plans.seongdong_plan import FOUNDATION as SEONGDONG_FOUNDATION
    from plans.seongdong_plan import TOTAL_BUDGET as SEONGDONG_BUDGET
    from tests.conftest import sign_in
    from voting.confirmed import confirmed_selection
    from voting.models import Vote

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    tables = [t for t in db.metadata.sorted_tables if t.name != "audit_entry"]
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    audited = db.session.scalar(select(func.max(AuditEntry.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    assert {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in tables} == counts
    again = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > audited)).all()
    assert not [a for a in again if a.split(".")[0] in ("plan", "role", "council", "vote")]

    email, password, _role, _name = CITY_ACCOUNT
    city = user_by_email(email)
    assert city.city_role == "reviewer" and city.memberships == []
    seongdong = db.session.scalars(select(District).where(District.slug == "seongdong")).one()
    plan = db.session.scalars(select(Plan).where(Plan.district_id == seongdong.id)).one()
    vote = db.session.scalars(select(Vote).where(Vote.district_id == seongdong.id)).one()
    selected = [item for item, _score in confirmed_selection(seongdong.id, vote.id)]
    assert [p.agenda_item_id for p in plan.projects] == [*selected, None]
    assert plan.projects[-1].title == SEONGDONG_FOUNDATION.title
    assert {db.session.get(AgendaItem, i).status for i in selected} == {"in_plan"}
    assert {p.funding_source for p in plan.projects} == {"district"}
    assert plan.total_budget == SEONGDONG_BUDGET and plan.allocated <= plan.total_budget
    assert all(check.passed for check in building.check_plan(plan))
    actions = [entry.action for entry in plan.log]
    assert actions.index("submitted") < actions.index("council_approved") < actions.index(
        "commented")
    assert council.approval_motion(plan).passed
    assert {c.author_id for c in plan.comments} == {city.id}

    with app.test_request_context():
        rows = {row.district.slug: row for row in board()}
    assert (rows["seongdong"].stage, rows["seongdong"].open_required,
            rows["seongdong"].open_recommended) == (Stage.IN_REVIEW, 1, 1)
    assert rows["gangdong"].stage == Stage.IN_REVIEW and rows["gangdong"].amendment
    client = app.test_client()
    sign_in(client, email, password)
    page = client.get("/city").get_data(as_text=True)
    link = f"/seongdong/plans/city-review?cycle={plan.cycle_id}"
    assert f'href="{link}"' in page and 'href="/gangdong/plans/city-review' in page
    review_page = client.get(link).get_data(as_text=True)
    assert "기반조성사업을 구체화하여 서술" in review_page and "결정서 기록" in review_page
