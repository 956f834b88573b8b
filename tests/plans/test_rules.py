from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.rules import (
    CIVIL,
    COUNCILLOR,
    FOUNDATION,
    OFFICIAL,
    RULES_CHANGE,
    BudgetRules,
    CouncilMember,
    ProjectLine,
    RosterRules,
    all_pass,
    check_budget,
    check_roster,
    decide_motion,
)

WON = 10_000


def by_code(checks):
    return {(c.code, c.subject): c for c in checks}


def test_a_plan_within_budget_with_30_percent_foundation_passes():
    projects = [
        ProjectLine("협치 기반 조성", 30 * WON * 100, FOUNDATION, "주민자치"),
        ProjectLine("마을 돌봄", 40 * WON * 100, "problem_solving", "복지"),
        ProjectLine("골목 안전", 30 * WON * 100, "problem_solving", "도시안전"),
    ]
    checks = by_code(check_budget(projects, BudgetRules(total_budget=100 * WON * 100)))
    assert checks[("foundation_share", "")].actual == Fraction(3, 10)
    assert all_pass(checks.values())


def test_foundation_share_just_below_30_percent_fails():
    projects = [ProjectLine("a", 299, FOUNDATION), ProjectLine("b", 701)]
    checks = by_code(check_budget(projects, BudgetRules(total_budget=1000)))
    assert not checks[("foundation_share", "")].passed
    assert checks[("total_within_budget", "")].passed


def test_over_budget_fails():
    projects = [ProjectLine("a", 600, FOUNDATION), ProjectLine("b", 401)]
    checks = by_code(check_budget(projects, BudgetRules(1000)))
    assert not checks[("total_within_budget", "")].passed


def test_empty_selection_fails_the_foundation_rule():
    assert not by_code(check_budget([], BudgetRules(1000)))[("foundation_share", "")].passed


def test_floors_caps_and_mandatory_items():
    rules = BudgetRules(
        total_budget=1000,
        field_floors={"복지": 300}, field_caps={"문화예술": 100},
        dong_floors={"길동": 100}, dong_caps={"천호제1동": 200},
        mandatory=frozenset({"must", "missing"}),
    )
    projects = [
        ProjectLine("must", 300, FOUNDATION, "복지", "길동"),
        ProjectLine("art", 150, "", "문화예술", "천호제1동"),
        ProjectLine("safe", 250, "", "도시안전", "천호제1동"),
    ]
    checks = by_code(check_budget(projects, rules))
    assert checks[("field_floor", "복지")].passed
    assert not checks[("field_cap", "문화예술")].passed
    assert checks[("dong_floor", "길동")].passed
    assert not checks[("dong_cap", "천호제1동")].passed
    assert checks[("mandatory_item", "must")].passed
    assert not checks[("mandatory_item", "missing")].passed


def roster(civil, official, councillor, women, men):
    types = [CIVIL] * civil + [OFFICIAL] * official + [COUNCILLOR] * councillor
    genders = ["female"] * women + ["male"] * men
    assert len(types) == len(genders)
    pairs = zip(types, genders, strict=True)
    return [CouncilMember(str(i), kind, gender) for i, (kind, gender) in enumerate(pairs)]


def test_a_lawful_council_roster():
    checks = check_roster(roster(21, 7, 2, 15, 15), RosterRules(max_members=30))
    assert all_pass(checks)


@pytest.mark.parametrize(
    ("members", "rules", "failing"),
    [
        (roster(20, 8, 2, 15, 15), RosterRules(max_members=30), "civil_share"),
        (roster(22, 7, 2, 13, 18), RosterRules(max_members=30), "roster_size"),
        (roster(21, 7, 2, 19, 11), RosterRules(max_members=30), "gender_share"),
    ],
)
def test_roster_rule_breaches(members, rules, failing):
    failed = {c.code for c in check_roster(members, rules) if not c.passed}
    assert failed == {failing}


def test_motion_passes_by_majority_of_those_present_with_quorum():
    outcome = decide_motion(members=30, present=16, yes=9, no=5, abstain=2)
    assert outcome.quorum_met and outcome.passed
    assert (outcome.quorum_required, outcome.yes_required) == (16, 9)


def test_motion_without_quorum_fails_whatever_the_vote():
    outcome = decide_motion(members=30, present=15, yes=15, no=0, abstain=0)
    assert not outcome.quorum_met and not outcome.passed


def test_abstentions_count_against_a_majority_of_those_present():
    assert not decide_motion(members=30, present=20, yes=10, no=4, abstain=6).passed


def test_rules_change_needs_two_thirds():
    assert not decide_motion(30, 21, 13, 8, 0, RULES_CHANGE).passed
    assert decide_motion(30, 21, 14, 7, 0, RULES_CHANGE).passed


@pytest.mark.parametrize("counts", [(30, 31, 0, 0, 0), (30, 10, 6, 5, 0), (30, 10, -1, 0, 0)])
def test_impossible_counts_are_refused(counts):
    with pytest.raises(ValueError):
        decide_motion(*counts)


@given(st.integers(1, 60).flatmap(lambda m: st.tuples(st.just(m), st.integers(0, m))),
       st.data())
def test_motion_thresholds_match_their_definitions(members_present, data):
    members, present = members_present
    yes = data.draw(st.integers(0, present))
    no = data.draw(st.integers(0, present - yes))
    ordinary = decide_motion(members, present, yes, no, present - yes - no)
    assert ordinary.quorum_met == (2 * present > members)
    assert ordinary.passed == (2 * present > members and 2 * yes > present)
    change = decide_motion(members, present, yes, no, present - yes - no, RULES_CHANGE)
    assert change.passed == (2 * present > members and 3 * yes >= 2 * present)
