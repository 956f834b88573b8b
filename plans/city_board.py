"""The city's board (서울시 현황판): every district of the deployment with its current plan
where the city's review (협의조정, seed 001) stands, read in a fixed number of queries
whatever the number of districts.

A district's current plan is the plan of its latest cycle that has one: the plan the city
is reviewing or last reviewed (a new year's cycle shows no plan until one is built). Its
stage is said in the city's terms: 작성 중, 협치회의 심의, 협의조정 중, 보완 중 (the district
saved a new version after the city's required items of this round) and 확정."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.db import db
from core.models import Cycle, District
from core.tenancy import SEOUL
from plans import review
from plans.models import Plan, PlanLogEntry, PlanStatus, Severity


class Stage(StrEnum):
    NO_PLAN = "no_plan"
    DRAFTING = "drafting"
    COUNCIL = "council"
    IN_REVIEW = "in_review"
    REVISED = "revised"
    FINAL = "final"


STAGE_LABELS = {
    Stage.NO_PLAN: _l("계획 없음"),
    Stage.DRAFTING: _l("작성 중"),
    Stage.COUNCIL: _l("협치회의 심의"),
    Stage.IN_REVIEW: _l("협의조정 중"),
    Stage.REVISED: _l("보완 중"),
    Stage.FINAL: _l("확정"),
}


@dataclass
class BoardRow:
    """One district on the board."""

    district: District
    plan: Plan | None
    stage: Stage
    open_required: int
    open_recommended: int
    last_activity: datetime | None

    @property
    def stage_label(self):
        return STAGE_LABELS[self.stage]

    @property
    def last_active_on(self) -> date | None:
        """The day of the last activity in Seoul."""
        return self.last_activity.astimezone(SEOUL).date() if self.last_activity else None

    @property
    def amendment(self) -> bool:
        """An amendment (변경안) of a plan the city already made final, still on its way."""
        return (self.plan is not None and self.plan.approved_at is not None
                and self.plan.status != PlanStatus.APPROVED.value)


def stage_of(plan: Plan | None) -> Stage:
    if plan is None:
        return Stage.NO_PLAN
    if plan.status == PlanStatus.APPROVED.value:
        return Stage.FINAL
    if plan.status == PlanStatus.COUNCIL.value:
        return Stage.COUNCIL
    if plan.status == PlanStatus.DRAFT.value:
        return Stage.DRAFTING
    revised = any(c.severity == Severity.REQUIRED.value and plan.version > c.version_number
                  for c in review.round_items(plan))
    return Stage.REVISED if revised else Stage.IN_REVIEW


def _current_plans() -> dict[int, Plan]:
    """Each district's current plan with its review items and decisions, in three queries."""
    latest = (select(Plan.district_id, func.max(Cycle.year).label("year"))
              .join(Cycle, Cycle.id == Plan.cycle_id)
              .group_by(Plan.district_id).subquery())
    plans = db.session.scalars(
        select(Plan).join(Cycle, Cycle.id == Plan.cycle_id)
        .join(latest, (latest.c.district_id == Plan.district_id) & (latest.c.year == Cycle.year))
        .options(selectinload(Plan.comments), selectinload(Plan.decisions)))
    return {plan.district_id: plan for plan in plans}


def _last_activity(plan_ids: list[int]) -> dict[int, datetime]:
    """When each plan's log last moved: every step of the approval path is logged."""
    if not plan_ids:
        return {}
    return dict(db.session.execute(
        select(PlanLogEntry.plan_id, func.max(PlanLogEntry.created_at))
        .where(PlanLogEntry.plan_id.in_(plan_ids)).group_by(PlanLogEntry.plan_id)).all())


def board() -> list[BoardRow]:
    """Every district, in the order they were added, with its current plan's stage, the
    review items still open (the required ones the city has not resolved, the recommended
    ones the district has not answered: what keeps the city from deciding) and the date of
    the plan's last activity."""
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    plans = _current_plans()
    activity = _last_activity([plan.id for plan in plans.values()])
    rows = []
    for district in districts:
        plan = plans.get(district.id)
        rows.append(BoardRow(
            district=district, plan=plan, stage=stage_of(plan),
            open_required=len(review.unresolved_required(plan)) if plan else 0,
            open_recommended=len(review.unanswered_recommended(plan)) if plan else 0,
            last_activity=activity.get(plan.id) if plan else None))
    return rows
