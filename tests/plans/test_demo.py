"""The demo as the issue's "done when" reads it: the 2027 plan meets the 30% rule against its
total budget (seed 001) and the council has ex officio and appointed members with terms and
one replacement (seed 000, 협치강동구회의 구성); the plan goes council → city review with one
required item resolved by a new version → final (seed 000 §IV, seed 001 Ⅱ), and progress
continues through an amendment."""

from datetime import date
from fractions import Fraction

from sqlalchemy import select

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
