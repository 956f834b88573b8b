"""Budget and council rules for the annual plan. Pure: plain values in, verdicts out.

The rules come from the district ordinances and the city's review of community innovation
plans (seed documents cited at each rule): a plan stays within its budget and gives at least
30% of its total budget to foundation-building (기반구축) projects; the governance council
(협치회의) has 30 members at most, more than 70% of them from civil society, no gender above 60%
of the appointed members; appointed members serve two years, renewable once; it decides with
a quorum of a majority of the seats filled on the day, by a majority of those present, and
changes its rules by two thirds.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

FOUNDATION = "foundation"

# The ordinance's thresholds, the defaults every district starts from: seed 000 (강동구
# 민관협치 활성화를 위한 기본조례 제9조: 30명 이내, 민간 70% 초과, 위촉직 한 성 10분의 6 이하)
# and seed 001 (협의·조정 결과: 총 예산의 30% 이상 기반구축사업).
ORDINANCE_FOUNDATION_PERCENT = 30
ORDINANCE_COUNCIL_MAX = 30
ORDINANCE_CIVIL_PERCENT = 70
ORDINANCE_GENDER_PERCENT = 60


@dataclass(frozen=True)
class ProjectLine:
    """One project as the budget rules see it."""

    key: str
    budget: int
    category: str = ""
    field: str = ""
    dong: str = ""


@dataclass(frozen=True)
class BudgetRules:
    """A district's published budget rules; amounts in won, shares as fractions of the plan's
    total budget."""

    total_budget: int
    foundation_share_min: Fraction = Fraction(3, 10)
    field_floors: Mapping[str, int] = field(default_factory=dict)
    field_caps: Mapping[str, int] = field(default_factory=dict)
    dong_floors: Mapping[str, int] = field(default_factory=dict)
    dong_caps: Mapping[str, int] = field(default_factory=dict)
    mandatory: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleCheck:
    """The outcome of one rule: its code, whether it holds, and the figures behind it."""

    code: str
    passed: bool
    actual: int | Fraction | tuple | None = None
    required: int | Fraction | tuple | None = None
    subject: str = ""


def check_budget(projects: Sequence[ProjectLine], rules: BudgetRules) -> list[RuleCheck]:
    """Every budget rule applied to a selection of projects, passed or not, in a fixed order."""
    spent = sum(p.budget for p in projects)
    checks = [RuleCheck("total_within_budget", spent <= rules.total_budget, spent,
                        rules.total_budget)]
    checks.append(foundation_check(projects, rules))
    checks += _bounds("field", _sum_by(projects, "field"), rules.field_floors, rules.field_caps)
    checks += _bounds("dong", _sum_by(projects, "dong"), rules.dong_floors, rules.dong_caps)
    chosen = {p.key for p in projects}
    for key in sorted(rules.mandatory):
        checks.append(RuleCheck("mandatory_item", key in chosen, subject=key))
    return checks


def foundation_check(projects: Sequence[ProjectLine], rules: BudgetRules) -> RuleCheck:
    """Foundation-building projects' share of the plan's *total* budget, not of the money
    allocated so far: seed 001 (협의·조정 결과, 협치기반 조성 사업의 강화 필요) asks for "총 예산의
    30%(3억) 이상" — 40M of a 160M plan is 25% however little else is allocated."""
    foundation = sum(p.budget for p in projects if p.category == FOUNDATION)
    share = Fraction(foundation, rules.total_budget) if rules.total_budget > 0 else Fraction(0)
    return RuleCheck("foundation_share",
                     rules.total_budget > 0 and share >= rules.foundation_share_min,
                     share, rules.foundation_share_min)


def _sum_by(projects: Iterable[ProjectLine], attribute: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for project in projects:
        name = getattr(project, attribute)
        totals[name] = totals.get(name, 0) + project.budget
    return totals


def _bounds(kind: str, totals: Mapping[str, int], floors: Mapping[str, int],
            caps: Mapping[str, int]) -> list[RuleCheck]:
    checks = []
    for name in sorted(floors):
        amount = totals.get(name, 0)
        checks.append(RuleCheck(f"{kind}_floor", amount >= floors[name], amount, floors[name],
                                name))
    for name in sorted(caps):
        amount = totals.get(name, 0)
        checks.append(RuleCheck(f"{kind}_cap", amount <= caps[name], amount, caps[name], name))
    return checks


def all_pass(checks: Iterable[RuleCheck]) -> bool:
    return all(check.passed for check in checks)


CIVIL = "civil"
OFFICIAL = "official"
COUNCILLOR = "councillor"
APPOINTED = "appointed"
EX_OFFICIO = "ex_officio"

# Seed 000 (협치강동구회의 구성, 임기): 위촉직 2년, 1회에 한하여 연임 가능; 당연직은 그 직위에
# 재직하는 기간.
TERM_YEARS = 2
MAX_RENEWALS = 1


@dataclass(frozen=True)
class CouncilMember:
    key: str
    member_type: str
    gender: str
    seat: str = APPOINTED


@dataclass(frozen=True)
class RosterRules:
    max_members: int = ORDINANCE_COUNCIL_MAX
    civil_share_min: Fraction = Fraction(ORDINANCE_CIVIL_PERCENT, 100)
    gender_share_max: Fraction = Fraction(ORDINANCE_GENDER_PERCENT, 100)


def check_roster(members: Sequence[CouncilMember], rules: RosterRules) -> list[RuleCheck]:
    """The ordinance's checks on the seats filled (seed 000, 기본조례 제9조): at most
    ``max_members`` (①), civil members *more than* ``civil_share_min`` of them (① "민간의 비율이
    70%를 넘어야 한다"), and among the appointed members (위촉직) no gender above
    ``gender_share_max`` (⑤ "위촉직 위원을 위촉할 때에는 어느 한 성이 10분의 6을 넘지 않도록");
    ex officio members (당연직) hold their seat by office and are not counted there."""
    size = len(members)
    checks = [RuleCheck("roster_size", 0 < size <= rules.max_members, size, rules.max_members)]
    civil = sum(1 for m in members if m.member_type == CIVIL)
    civil_share = Fraction(civil, size) if size else Fraction(0)
    checks.append(RuleCheck("civil_share", size > 0 and civil_share > rules.civil_share_min,
                            civil_share, rules.civil_share_min))
    appointed = [m for m in members if m.seat == APPOINTED]
    for gender in sorted({m.gender for m in appointed}):
        count = sum(1 for m in appointed if m.gender == gender)
        share = Fraction(count, len(appointed))
        checks.append(RuleCheck("gender_share", share <= rules.gender_share_max, share,
                                rules.gender_share_max, gender))
    return checks


def term_end(starts_on: date, years: int = TERM_YEARS) -> date:
    """The last day of a term of ``years`` starting on ``starts_on`` (a term from 16 July 2018
    ends on 15 July 2020); a start on 29 February counts from 1 March."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + years)
    except ValueError:
        anniversary = date(starts_on.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def seated_on(day: date, starts_on: date, ends_on: date | None, retired_on: date | None) -> bool:
    """Whether a member holds a seat on ``day``: their term has begun and not ended, and they
    have not retired (a member retiring on a day no longer sits that day)."""
    return (starts_on <= day and (ends_on is None or day <= ends_on)
            and (retired_on is None or day < retired_on))


ORDINARY = "ordinary"
RULES_CHANGE = "rules_change"


@dataclass(frozen=True)
class MotionOutcome:
    """How a council motion was decided, with the numbers that decided it."""

    quorum_met: bool
    passed: bool
    members: int
    present: int
    yes: int
    no: int
    abstain: int
    quorum_required: int
    yes_required: int


def decide_motion(members: int, present: int, yes: int, no: int, abstain: int,
                  kind: str = ORDINARY) -> MotionOutcome:
    """Decide a motion: a quorum is a majority of the seats filled (``members``); an ordinary
    motion needs a majority of those present, a rules change two thirds of those present
    (seed 003, 운영규정 제7조; seed 004, 의결정족수)."""
    if min(members, present, yes, no, abstain) < 0:
        raise ValueError("counts cannot be negative")
    if present > members:
        raise ValueError("more members present than the council has")
    if yes + no + abstain > present:
        raise ValueError("more votes than members present")
    if kind not in (ORDINARY, RULES_CHANGE):
        raise ValueError(f"unknown motion kind {kind!r}")
    quorum_required = members // 2 + 1
    quorum_met = present >= quorum_required
    # Ceiling of two thirds, without floating point.
    yes_required = -(-2 * present // 3) if kind == RULES_CHANGE else present // 2 + 1
    passed = quorum_met and yes >= yes_required
    return MotionOutcome(quorum_met, passed, members, present, yes, no, abstain,
                         quorum_required, yes_required)


def rubric_percent(scores: Mapping[str, int], maxima: Mapping[str, int]) -> int:
    """An evaluator's rubric scores as a whole percentage of the rubric's maximum (rounded
    half up). Every criterion must be scored, each between 0 and its maximum."""
    if set(scores) != set(maxima):
        raise ValueError("score every criterion of the rubric, and nothing else")
    for name, score in scores.items():
        if not 0 <= score <= maxima[name]:
            raise ValueError(f"score for {name!r} outside 0..{maxima[name]}")
    possible = sum(maxima.values())
    if possible <= 0:
        raise ValueError("the rubric has no points to give")
    return int(Fraction(100 * sum(scores.values()), possible) + Fraction(1, 2))


def is_low_rated(score_percent: int, satisfaction: int | None, threshold: int) -> bool:
    """A project the evaluation found weak: its rubric score or its residents' satisfaction
    below the district's threshold."""
    return score_percent < threshold or (satisfaction is not None and satisfaction < threshold)
