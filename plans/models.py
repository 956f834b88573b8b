"""The annual plan (실행계획) and everything that happens to it through the year: the
district's rules, projects, versions and city review (협의조정), progress reports,
evaluations (성과평가) and findings fed into next year (환류). The council that approves it
is in ``plans.council_models``."""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from plans import rules


def sql_values(enum) -> str:
    return "(" + ", ".join(f"'{member.value}'" for member in enum) + ")"


class PlanStatus(StrEnum):
    """Where the plan (or its amendment) stands on the approval path of seed 000 §IV
    (수립체계): the council approves (협치강동구회의: 지역사회혁신계획 승인), then the city
    reviews and decides (협의조정회의 서울시 ↔ 강동구), and the decided version is final."""

    DRAFT = "draft"
    COUNCIL = "council"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("작성 중"),
    PlanStatus.COUNCIL: _l("협치회의 심의 중"),
    PlanStatus.IN_REVIEW: _l("협의조정 중"),
    PlanStatus.APPROVED: _l("승인됨"),
}


class FundingSource(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    OTHER = "other"


FUNDING_LABELS = {
    FundingSource.CITY: _l("시비"),
    FundingSource.DISTRICT: _l("구비"),
    FundingSource.OTHER: _l("기타"),
}


class Category(StrEnum):
    FOUNDATION = "foundation"
    PROBLEM_SOLVING = "problem_solving"
    POLICY_EXECUTION = "policy_execution"


CATEGORY_LABELS = {
    Category.FOUNDATION: _l("기반구축"),
    Category.PROBLEM_SOLVING: _l("문제해결형"),
    Category.POLICY_EXECUTION: _l("정책실행형"),
}


class Severity(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"


SEVERITY_LABELS = {Severity.REQUIRED: _l("필수"), Severity.RECOMMENDED: _l("권고")}


class Outcome(StrEnum):
    """What the city's decision (협의조정 결정서, seed 001 붙임 2) decides."""

    APPROVED = "approved"
    RETURNED = "returned"


OUTCOME_LABELS = {Outcome.APPROVED: _l("승인"), Outcome.RETURNED: _l("재협의 요청")}


class ProgressStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DELAYED = "delayed"
    DONE = "done"


PROGRESS_LABELS = {
    ProgressStatus.NOT_STARTED: _l("착수 전"),
    ProgressStatus.ON_TRACK: _l("정상 추진"),
    ProgressStatus.DELAYED: _l("지연"),
    ProgressStatus.DONE: _l("완료"),
}


class Period(StrEnum):
    MID = "mid"
    FINAL = "final"


PERIOD_LABELS = {Period.MID: _l("중간평가"), Period.FINAL: _l("최종평가")}


class FindingKind(StrEnum):
    FINDING = "finding"
    UNFINISHED = "unfinished"
    LOW_RATED = "low_rated"


FINDING_LABELS = {
    FindingKind.FINDING: _l("평가 의견"),
    FindingKind.UNFINISHED: _l("미완료 사업"),
    FindingKind.LOW_RATED: _l("낮은 평가 사업"),
}


# The ordinance's thresholds (see ``plans.rules``): every district starts from them, and
# only an administrator, with a reason, sets its own.
ORDINANCE_THRESHOLDS = {
    "foundation_share_percent": rules.ORDINANCE_FOUNDATION_PERCENT,
    "council_max_members": rules.ORDINANCE_COUNCIL_MAX,
    "civil_share_percent": rules.ORDINANCE_CIVIL_PERCENT,
    "gender_max_percent": rules.ORDINANCE_GENDER_PERCENT,
}

THRESHOLD_LABELS = {
    "foundation_share_percent": _l("기반구축 사업 최소 비율(%)"),
    "council_max_members": _l("협치회의 정원(명)"),
    "civil_share_percent": _l("민간위원 비율 기준(%)"),
    "gender_max_percent": _l("위촉직 위원의 특정 성별 최대 비율(%)"),
}


class PlanSettings(db.Model):
    """A district's published rules for plans and its council (from its ordinances)."""

    __tablename__ = "plan_settings"
    __table_args__ = (
        CheckConstraint("foundation_share_percent BETWEEN 0 AND 100", name="foundation_range"),
        CheckConstraint("council_max_members IN (30, 50)", name="council_size"),
        CheckConstraint("civil_share_percent BETWEEN 0 AND 100", name="civil_range"),
        CheckConstraint("gender_max_percent BETWEEN 0 AND 100", name="gender_range"),
        CheckConstraint("low_rating_percent BETWEEN 0 AND 100", name="low_rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             unique=True)
    foundation_share_percent: Mapped[int] = mapped_column(
        default=rules.ORDINANCE_FOUNDATION_PERCENT)
    council_max_members: Mapped[int] = mapped_column(default=rules.ORDINANCE_COUNCIL_MAX)
    # Civil members must make up MORE than this share of the seats filled.
    civil_share_percent: Mapped[int] = mapped_column(default=rules.ORDINANCE_CIVIL_PERCENT)
    gender_max_percent: Mapped[int] = mapped_column(default=rules.ORDINANCE_GENDER_PERCENT)
    # Evaluations scoring below this share of the rubric's maximum feed next year's intake.
    low_rating_percent: Mapped[int] = mapped_column(default=60)
    # Project titles every plan must contain (e.g. the council's own running costs).
    mandatory_titles: Mapped[list] = mapped_column(JSON, default=list)
    # Why an administrator set thresholds other than the ordinance's; shown beside them.
    thresholds_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def own_thresholds(self) -> dict[str, int]:
        """The thresholds where the district departs from the ordinance, by name."""
        return {name: getattr(self, name) for name, value in ORDINANCE_THRESHOLDS.items()
                if getattr(self, name) != value}

    @property
    def thresholds_source(self):
        return _l("구 자체 기준") if self.own_thresholds else _l("조례")


class BudgetLimit(db.Model):
    """A floor or cap on the money one field (분야) or dong receives in a plan."""

    __tablename__ = "budget_limit"
    __table_args__ = (
        UniqueConstraint("district_id", "scope", "name"),
        CheckConstraint("scope IN ('field', 'dong')", name="known_scope"),
        CheckConstraint("floor IS NULL OR floor >= 0", name="floor_not_negative"),
        CheckConstraint("cap IS NULL OR cap >= 0", name="cap_not_negative"),
        CheckConstraint("floor IS NOT NULL OR cap IS NOT NULL", name="floor_or_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40))
    floor: Mapped[int | None] = mapped_column(BigInteger)
    cap: Mapped[int | None] = mapped_column(BigInteger)


class RubricCriterion(db.Model):
    """One line of the district's evaluation rubric, scored 0..max_score by evaluators."""

    __tablename__ = "rubric_criterion"
    __table_args__ = (
        UniqueConstraint("district_id", "name"),
        CheckConstraint("max_score BETWEEN 1 AND 100", name="max_score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    max_score: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class Plan(db.Model):
    """One cycle's community innovation plan (지역사회혁신계획 실행계획)."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_values(PlanStatus)}", name="known_status"),
        CheckConstraint("total_budget >= 0", name="budget_not_negative"),
        CheckConstraint("version >= 0", name="version_not_negative"),
        CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL",
                        name="approved_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          unique=True)
    title: Mapped[str] = mapped_column(String(200))
    total_budget: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT.value)
    # The number of the last saved version (0 before the first submission for review).
    version: Mapped[int] = mapped_column(default=0)
    source_label: Mapped[str] = mapped_column(String(200), default="")
    rules_override_reason: Mapped[str] = mapped_column(Text, default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_shared_on: Mapped[date | None]
    results_summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle = relationship("Cycle")
    projects: Mapped[list["PlanProject"]] = relationship(
        back_populates="plan", order_by="PlanProject.position, PlanProject.id",
        cascade="all, delete-orphan")
    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan")
    comments: Mapped[list["ReviewComment"]] = relationship(
        back_populates="plan", order_by="ReviewComment.id", cascade="all, delete-orphan")
    decisions: Mapped[list["CityDecision"]] = relationship(
        back_populates="plan", order_by="CityDecision.id", cascade="all, delete-orphan")
    log: Mapped[list["PlanLogEntry"]] = relationship(
        back_populates="plan", order_by="PlanLogEntry.id", cascade="all, delete-orphan")
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="plan", order_by="Finding.id", cascade="all, delete-orphan")

    @property
    def status_label(self):
        return PLAN_STATUS_LABELS[PlanStatus(self.status)]

    @property
    def allocated(self) -> int:
        return sum(p.budget for p in self.projects)


class ProjectFacts:
    """What a project page shows beyond its stored fields, for the organizers' draft
    (``PlanProject``) and the version the public reads (``plans.published``) alike: both
    have ``fusion_tags``, ``category``, ``funding_source`` and ``reports``."""

    @property
    def tags(self) -> list[str]:
        return [t.strip() for t in self.fusion_tags.split(",") if t.strip()]

    @property
    def category_label(self):
        return CATEGORY_LABELS[Category(self.category)]

    @property
    def funding_label(self):
        return FUNDING_LABELS[FundingSource(self.funding_source)]

    @property
    def latest_report(self) -> "ProgressReport | None":
        return self.reports[-1] if self.reports else None

    @property
    def percent_done(self) -> int:
        return self.latest_report.percent if self.reports else 0

    @property
    def spent(self) -> int:
        return self.latest_report.spent if self.reports else 0


class PlanProject(ProjectFacts, db.Model):
    """A funded project of the plan (실행사업), usually grown from a selected agenda item."""

    __tablename__ = "plan_project"
    __table_args__ = (
        UniqueConstraint("plan_id", "title"),
        UniqueConstraint("plan_id", "agenda_item_id"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint(f"funding_source IN {sql_values(FundingSource)}", name="known_funding"),
        CheckConstraint(f"category IN {sql_values(Category)}", name="known_category"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="dates_in_order"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[int] = mapped_column(BigInteger)
    funding_source: Mapped[str] = mapped_column(String(20), default=FundingSource.CITY.value)
    category: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(20), default="")
    dong: Mapped[str] = mapped_column(String(40), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    civil_partners: Mapped[str] = mapped_column(String(300), default="")
    # The department or working group that runs the project: its accounts report progress
    # on it, and on no other project.
    responsible_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    fusion_tags: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    vote_rank: Mapped[int | None]
    vote_score: Mapped[str] = mapped_column(String(40), default="")

    plan: Mapped[Plan] = relationship(back_populates="projects")
    agenda_item = relationship("AgendaItem")
    responsible_unit = relationship("OrgUnit")
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="project", order_by="Milestone.due_on", cascade="all, delete-orphan")
    reports: Mapped[list["ProgressReport"]] = relationship(
        back_populates="project", order_by="ProgressReport.reported_on, ProgressReport.id",
        cascade="all, delete-orphan")
    evaluations: Mapped[list["Evaluation"]] = relationship(
        back_populates="project", order_by="Evaluation.period.desc()",
        cascade="all, delete-orphan")


class Milestone(db.Model):
    __tablename__ = "plan_milestone"
    __table_args__ = (UniqueConstraint("project_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]

    project: Mapped[PlanProject] = relationship(back_populates="milestones")


class PlanVersion(db.Model):
    """A saved state of the plan sent to review (제1차안, 수정안...): the diff reads these."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),
                      CheckConstraint("number >= 1", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    number: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(JSON)
    # When the city's decision made this version final (the council approved it before);
    # the version in force for execution and the one the public reads is the last such one.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")


class ReviewComment(db.Model):
    """A city reviewer's item (협의조정 의견, seed 001 Ⅱ): the district answers each one; a
    required (필수) item must be answered with a new version and resolved by the city, a
    recommended (권고) one answered, before the city can approve the plan."""

    __tablename__ = "review_comment"
    __table_args__ = (
        CheckConstraint(f"severity IN {sql_values(Severity)}", name="known_severity"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        CheckConstraint("resolved_at IS NULL OR resolution <> ''", name="resolved_has_reply"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]
    severity: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # The district's answer, and the version it points to (the one carrying the change).
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_in_version: Mapped[int | None]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # When the city accepted the answer: the item no longer blocks its decision.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="comments")

    @property
    def severity_label(self):
        return SEVERITY_LABELS[Severity(self.severity)]


class CityDecision(db.Model):
    """The city's decision record (협의조정 결정서, seed 001 붙임 2): who decided, when, on
    which version, the outcome, and the review items with the district's answers as they
    stood (kept as written, so later edits cannot change what was decided)."""

    __tablename__ = "city_decision"
    __table_args__ = (
        CheckConstraint(f"outcome IN {sql_values(Outcome)}", name="known_outcome"),
        CheckConstraint("length(decided_by) > 0", name="decider_named"),
        CheckConstraint("outcome = 'approved' OR note <> ''", name="returned_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # [{"id", "severity", "title", "body", "answer", "version", "resolved"}], in order.
    items: Mapped[list] = mapped_column(JSON, default=list)
    # The decider's name as it was, and the account when it still exists.
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="decisions")

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[Outcome(self.outcome)]


class PlanLogEntry(db.Model):
    """Who did what to the plan and why (rule overrides and approvals carry their reason)."""

    __tablename__ = "plan_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="log")
    actor = relationship("User")


class ProgressReport(db.Model):
    """A department's progress report on one project (추진 실적)."""

    __tablename__ = "progress_report"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_values(ProgressStatus)}", name="known_status"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
        # A photo is shown to people who cannot see it too: it always comes with its text.
        CheckConstraint("photo IS NULL OR photo_alt <> ''", name="photo_has_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"),
                                            index=True)
    reported_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int]
    spent: Mapped[int] = mapped_column(BigInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str] = mapped_column(String(100), default="")
    # The account that filed it: an organizer, or the project's department or working group.
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # The stored file (see ``plans.photos``) and what it shows, in words.
    photo: Mapped[str | None] = mapped_column(String(40), unique=True)
    photo_alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[PlanProject] = relationship(back_populates="reports")

    @property
    def status_label(self):
        return PROGRESS_LABELS[ProgressStatus(self.status)]


class Evaluation(db.Model):
    """A half-yearly evaluation of a project: self-evaluation, rubric scores, satisfaction."""

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("project_id", "period"),
        CheckConstraint(f"period IN {sql_values(Period)}", name="known_period"),
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 0 AND 100",
                        name="satisfaction_range"),
        CheckConstraint("respondents >= 0", name="respondents_not_negative"),
        CheckConstraint("score_percent BETWEEN 0 AND 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    self_evaluation: Mapped[str] = mapped_column(Text, default="")
    evaluator: Mapped[str] = mapped_column(String(100), default="")
    # Share of respondents satisfied or very satisfied in the residents' survey.
    satisfaction: Mapped[int | None]
    respondents: Mapped[int] = mapped_column(default=0)
    score_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[PlanProject] = relationship(back_populates="evaluations")
    scores: Mapped[list["EvaluationScore"]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan")

    @property
    def period_label(self):
        return PERIOD_LABELS[Period(self.period)]


class EvaluationScore(db.Model):
    __tablename__ = "evaluation_score"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "criterion_id"),
        CheckConstraint("score >= 0", name="score_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criterion.id", ondelete="CASCADE"))
    score: Mapped[int]

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class Finding(db.Model):
    """An evaluation finding (환류 과제); once carried, it links to next year's agenda item."""

    __tablename__ = "plan_finding"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_values(FindingKind)}", name="known_kind"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        UniqueConstraint("carried_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_project.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    carried_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="findings")
    project = relationship("PlanProject")
    carried_item = relationship("AgendaItem")

    @property
    def kind_label(self):
        return FINDING_LABELS[FindingKind(self.kind)]
