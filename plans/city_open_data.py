"""Every district of the deployment side by side, for the city-wide open data: each district's
participation over the years, its plans as the public reads them, and one plain sentence.

Nothing here is counted or judged anew. The years are ``plans.participation``'s, as each
district's own participation page shows them (counted from the records where the cycle ran
here, read with their source where the district recorded them). A plan is the version
``plans.published`` makes public, never a draft the district has not sent on. Its
foundation-building (기반구축) share is the share of the plan's *total* budget that
``plans.rules.foundation_check`` measures through ``building.check_plan``, against the
district's published minimum (seed 001, 협의·조정 결과, 협치기반 조성 사업의 강화 필요: "총
예산의 30%(3억)이상을 기반구축사업으로 배치"; 30% unless the district set its own).

Every district is read at once, in the same number of queries whatever their number. The one
figure of a vote shown is its turnout, which ``voting.secrecy`` leaves readable while a
vote's results are hidden; its channels travel with the results and are not shown.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.i18n import format_won, lazy_message
from core.models import District
from plans import building, participation, settings
from plans.models import Category
from plans.participation import YearParticipation
from plans.published import PublishedPlan, published_plans

FOUNDATION_RULE = "foundation_share"


@dataclass(frozen=True)
class PlanFigures:
    """One published plan in figures: amounts in won, shares as percentages of the plan's
    total budget to one decimal place."""

    cycle_id: int
    year: int
    title: str
    status: str
    status_label: object
    amendment_in_review: bool
    version: int
    total_budget: int
    allocated: int
    foundation_budget: int
    foundation_percent: Decimal
    foundation_min_percent: Decimal
    foundation_met: bool


@dataclass(frozen=True)
class DistrictFigures:
    district: District
    years: list[YearParticipation]
    plans: list[PlanFigures]

    @property
    def sources(self) -> list[str]:
        """The documents the recorded years come from, each once, in the years' order."""
        found: list[str] = []
        for year in self.years:
            if year.recorded and year.source not in found:
                found.append(year.source)
        return found

    @property
    def bars(self) -> dict[int, float]:
        return participation.bar_percents(self.years)

    @property
    def participation_sentence(self):
        return participation.summary(self.years)

    @property
    def plan_sentence(self):
        return plan_sentence(self.plans[-1] if self.plans else None)


def percent(share: Fraction) -> Decimal:
    """``share`` as a percentage to one decimal place, half up: 13/40 gives 32.5."""
    exact = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent_text(value: Decimal) -> str:
    """A percentage as people write it, in the reader's language: 32.5, 30 (not 30.0)."""
    return format_decimal(value, format="#,##0.#")


def plan_figures(plan: PublishedPlan, district_rules) -> PlanFigures:
    """The published ``plan`` in figures, its foundation share checked by ``district_rules``
    (``settings.districts_rules``' pair for the plan's district)."""
    checks = building.check_plan(plan, settings.rules_from(*district_rules, plan.total_budget))
    foundation = next(check for check in checks if check.code == FOUNDATION_RULE)
    return PlanFigures(
        cycle_id=plan.cycle_id, year=plan.plan.cycle.year, title=plan.title,
        status=plan.status, status_label=plan.status_label,
        amendment_in_review=plan.amendment_in_review, version=plan.version,
        total_budget=plan.total_budget, allocated=plan.allocated,
        foundation_budget=sum(p.budget for p in plan.projects
                              if p.category == Category.FOUNDATION),
        foundation_percent=percent(foundation.actual),
        foundation_min_percent=percent(foundation.required),
        foundation_met=foundation.passed)


def city_figures() -> list[DistrictFigures]:
    """Every district of the deployment, in the order they were added."""
    districts = list(db.session.scalars(select(District).order_by(District.id)))
    ids = [district.id for district in districts]
    years = participation.histories(ids)
    district_rules = settings.districts_rules(ids)
    plans: dict[int, list[PlanFigures]] = {district_id: [] for district_id in ids}
    for plan in published_plans(ids):
        plans[plan.district_id].append(plan_figures(plan, district_rules[plan.district_id]))
    return [DistrictFigures(district, years[district.id], plans[district.id])
            for district in districts]


def plan_sentence(plan: PlanFigures | None):
    """One plain sentence on a district's latest published plan: its budget, what it has
    allocated, and its foundation-building share against the minimum."""
    if plan is None:
        return _l("아직 공개된 실행계획이 없습니다.")
    params = {"year": plan.year, "status": plan.status_label,
              "total": format_won(plan.total_budget), "allocated": format_won(plan.allocated),
              "share": percent_text(plan.foundation_percent),
              "minimum": percent_text(plan.foundation_min_percent)}
    if plan.foundation_met:
        return lazy_message("%(year)s년 실행계획(%(status)s)은 총 예산 %(total)s 가운데 "
                            "%(allocated)s을 편성했고, 기반구축 사업에 총 예산의 %(share)s%%를 "
                            "배정해 기준(%(minimum)s%% 이상)을 충족합니다.", **params)
    return lazy_message("%(year)s년 실행계획(%(status)s)은 총 예산 %(total)s 가운데 "
                        "%(allocated)s을 편성했고, 기반구축 사업에 총 예산의 %(share)s%%를 "
                        "배정해 기준(%(minimum)s%% 이상)에 미치지 못합니다.", **params)
