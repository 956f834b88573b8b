from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.rules import (
    APPOINTED,
    CIVIL,
    COUNCILLOR,
    EX_OFFICIO,
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
    seated_on,
    term_end,
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


def test_seed_001_foundation_share_is_of_the_total_budget_not_of_the_allocated():
    # Seed 001 (협의·조정 결과): "총 예산의 30%(3억) 이상을 기반구축사업으로". 40M of a 160M plan
    # is 25% of the total, though it is 30.1% of the 133M allocated so far.
    projects = [ProjectLine("기반", 40_000_000, FOUNDATION), ProjectLine("사업", 93_000_000)]
    check = by_code(check_budget(projects, BudgetRules(160_000_000)))[("foundation_share", "")]
    assert not check.passed and check.actual == Fraction(1, 4)
    projects = [ProjectLine("기반", 48_000_000, FOUNDATION), ProjectLine("사업", 93_000_000)]
    assert by_code(check_budget(projects, BudgetRules(160_000_000)))[
        ("foundation_share", "")].passed


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


def roster(civil, official, councillor, women, men, ex_officio=0, ex_officio_women=0):
    """Seats in order: officials, councillors, civil members; the first ``ex_officio`` of
    them sit by office (``ex_officio_women`` of those women), the rest are appointed, the
    first ``women`` appointed being women."""
    types = [OFFICIAL] * official + [COUNCILLOR] * councillor + [CIVIL] * civil
    assert len(types) == ex_officio + women + men
    members = []
    for n, kind in enumerate(types):
        if n < ex_officio:
            members.append(CouncilMember(str(n), kind, "female" if n < ex_officio_women
                                         else "male", EX_OFFICIO))
        else:
            members.append(CouncilMember(str(n), kind, "female" if n - ex_officio < women
                                         else "male", APPOINTED))
    return members


def test_a_lawful_council_roster():
    checks = check_roster(roster(25, 3, 2, 14, 13, ex_officio=3), RosterRules(max_members=30))
    assert all_pass(checks)


@pytest.mark.parametrize(
    ("members", "rules", "failing"),
    [
        (roster(25, 3, 3, 15, 16), RosterRules(max_members=30), "roster_size"),
        (roster(21, 7, 2, 14, 13, ex_officio=3), RosterRules(max_members=30), "civil_share"),
        (roster(25, 3, 2, 17, 10, ex_officio=3), RosterRules(max_members=30), "gender_share"),
    ],
)
def test_roster_rule_breaches(members, rules, failing):
    failed = {c.code for c in check_roster(members, rules) if not c.passed}
    assert failed == {failing}


def test_seed_000_article_9_1_civil_members_must_exceed_70_percent():
    # 기본조례 제9조①: "민간의 비율이 70%를 넘어야 한다" — exactly 70% is not enough.
    exactly = by_code(check_roster(roster(21, 7, 2, 14, 13, ex_officio=3), RosterRules()))
    assert exactly[("civil_share", "")].actual == Fraction(7, 10)
    assert not exactly[("civil_share", "")].passed
    above = by_code(check_roster(roster(22, 6, 2, 14, 13, ex_officio=3), RosterRules()))
    assert above[("civil_share", "")].passed


def test_seed_000_article_9_5_gender_rule_counts_appointed_members_only():
    # 기본조례 제9조⑤: the 6/10 limit applies "위촉직 위원을 위촉할 때": three women sitting by
    # office do not count. 16 of 27 appointed women (59%) pass though the whole council of 30
    # has 19 women (63%).
    members = roster(25, 3, 2, 16, 11, ex_officio=3, ex_officio_women=3)
    checks = by_code(check_roster(members, RosterRules()))
    assert checks[("gender_share", "female")].actual == Fraction(16, 27)
    assert all_pass(checks.values())
    members = roster(25, 3, 2, 17, 10, ex_officio=3)
    assert not by_code(check_roster(members, RosterRules()))[("gender_share", "female")].passed


def test_seed_000_terms_are_two_years_and_seats_end_on_retirement():
    # 협치강동구회의 구성, 임기: 위촉직 2년 (2018. 7. 16. 임기 시작).
    assert term_end(date(2018, 7, 16)) == date(2020, 7, 15)
    assert term_end(date(2024, 2, 29)) == date(2026, 2, 28)
    start, end = date(2018, 7, 16), date(2020, 7, 15)
    assert not seated_on(date(2018, 7, 15), start, end, None)
    assert seated_on(start, start, end, None) and seated_on(end, start, end, None)
    assert not seated_on(date(2020, 7, 16), start, end, None)
    assert seated_on(date(2030, 1, 1), start, None, None)
    assert seated_on(date(2019, 3, 1), start, end, date(2019, 3, 2))
    assert not seated_on(date(2019, 3, 2), start, end, date(2019, 3, 2))


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
