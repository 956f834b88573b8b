"""What the public sees of a plan (정보공개): the version the council last approved, or, before
any approval, the last version sent to the city's review. Never the organizers' working copy:
edits to a reopened plan stay theirs until a version carrying them is saved, and the public
keeps reading the approved plan until the council approves the amendment.

The public page, the JSON API and open data all read ``published_plan``; organizers' pages
and staff exports read the working ``Plan`` itself."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db
from plans.building import in_force, plan_for_cycle
from plans.models import (
    PLAN_STATUS_LABELS,
    Evaluation,
    Plan,
    PlanProject,
    PlanStatus,
    PlanVersion,
    ProgressReport,
    ProjectFacts,
)


def published_version(plan: Plan) -> PlanVersion | None:
    """The version the public reads: the last approved one, else the last submitted one;
    None while the plan was never submitted."""
    approved = in_force(plan)
    if approved is not None:
        return approved
    return plan.versions[-1] if plan.versions else None


@dataclass(frozen=True)
class PublishedMilestone:
    title: str
    due_on: date


@dataclass(frozen=True)
class PublishedProject(ProjectFacts):
    """A project as the published version states it. Progress reports and evaluations are
    recorded on the approved plan's projects and are public as they come."""

    id: int
    position: int
    title: str
    summary: str
    budget: int
    funding_source: str
    category: str
    field: str
    dong: str
    department: str
    team: str
    civil_partners: str
    fusion_tags: str
    starts_on: date | None
    ends_on: date | None
    milestones: list[PublishedMilestone]
    # Where the project came from never changes with a version: read from the project row.
    agenda_item_id: int | None
    agenda_item: object
    vote_rank: int | None
    vote_score: str
    reports: list[ProgressReport]
    evaluations: list[Evaluation]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _milestone(line: str) -> PublishedMilestone:
    due_on, title = line.split(" ", 1)
    return PublishedMilestone(title, date.fromisoformat(due_on))


def _project(position: int, stated: dict, row: PlanProject | None) -> PublishedProject:
    return PublishedProject(
        id=stated["id"], position=position, title=stated["title"],
        summary=stated.get("summary", ""), budget=stated["budget"],
        funding_source=stated["funding_source"], category=stated["category"],
        field=stated.get("field", ""), dong=stated.get("dong", ""),
        department=stated.get("department", ""), team=stated.get("team", ""),
        civil_partners=stated.get("civil_partners", ""),
        fusion_tags=stated.get("fusion_tags", ""), starts_on=_day(stated.get("starts_on")),
        ends_on=_day(stated.get("ends_on")),
        milestones=[_milestone(line) for line in stated.get("milestones", [])],
        agenda_item_id=row.agenda_item_id if row else None,
        agenda_item=row.agenda_item if row else None,
        vote_rank=row.vote_rank if row else None, vote_score=row.vote_score if row else "",
        reports=list(row.reports) if row else [], evaluations=list(row.evaluations) if row else [])


@dataclass(frozen=True)
class PublishedPlan:
    """The published version of ``plan`` with the plan's public record around it (review
    comments, versions, findings, results), in the attribute names of ``Plan``."""

    plan: Plan
    published: PlanVersion
    projects: list[PublishedProject]

    @property
    def id(self) -> int:
        return self.plan.id

    @property
    def district_id(self) -> int:
        return self.plan.district_id

    @property
    def cycle_id(self) -> int:
        return self.plan.cycle_id

    @property
    def title(self) -> str:
        return self.published.snapshot["title"]

    @property
    def total_budget(self) -> int:
        return self.published.snapshot["total_budget"]

    @property
    def version(self) -> int:
        return self.published.number

    @property
    def status(self) -> str:
        if self.published.approved_at is not None:
            return PlanStatus.APPROVED.value
        # Never approved: where the plan stands on its way (a returned plan is a draft).
        return self.plan.status

    @property
    def status_label(self):
        return PLAN_STATUS_LABELS[PlanStatus(self.status)]

    @property
    def approved_at(self) -> datetime | None:
        return self.published.approved_at

    @property
    def amendment_in_review(self) -> bool:
        """The approved plan was reopened for a change (변경계획) not yet approved by the
        council and the city."""
        return self.published.approved_at is not None and self.plan.status != self.status

    @property
    def allocated(self) -> int:
        return sum(p.budget for p in self.projects)

    @property
    def source_label(self) -> str:
        return self.plan.source_label

    @property
    def rules_override_reason(self) -> str:
        return self.plan.rules_override_reason

    @property
    def versions(self) -> list[PlanVersion]:
        return self.plan.versions

    @property
    def comments(self):
        return self.plan.comments

    @property
    def decisions(self):
        return self.plan.decisions

    @property
    def findings(self):
        return self.plan.findings

    @property
    def results_shared_on(self) -> date | None:
        return self.plan.results_shared_on

    @property
    def results_summary(self) -> str:
        return self.plan.results_summary


def published(plan: Plan) -> PublishedPlan | None:
    """``plan`` as the public sees it, or None while nothing of it is public."""
    version = published_version(plan)
    if version is None:
        return None
    rows = {p.id: p for p in plan.projects}
    return PublishedPlan(plan, version, [
        _project(position, stated, rows.get(stated["id"]))
        for position, stated in enumerate(version.snapshot["projects"], start=1)])


def published_plan(district_id: int, cycle_id: int) -> PublishedPlan | None:
    """The cycle's plan as the public sees it; None without a plan or before it is public."""
    plan = plan_for_cycle(district_id, cycle_id)
    return None if plan is None else published(plan)


def published_plans(district_ids: Sequence[int]) -> list[PublishedPlan]:
    """Every plan of the districts as the public sees it (``published``; a plan with nothing
    public yet is left out), by district and year. What ``published`` reads is loaded with
    the plans, so any number of districts and plans costs the same few queries."""
    plans = db.session.scalars(
        select(Plan).where(Plan.district_id.in_(district_ids))
        .options(selectinload(Plan.cycle), selectinload(Plan.versions),
                 selectinload(Plan.projects).selectinload(PlanProject.agenda_item),
                 selectinload(Plan.projects).selectinload(PlanProject.reports),
                 selectinload(Plan.projects).selectinload(PlanProject.evaluations)))
    shown = [public for plan in plans if (public := published(plan)) is not None]
    return sorted(shown, key=lambda public: (public.district_id, public.plan.cycle.year))
