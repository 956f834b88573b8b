"""Agenda items (의제), their supporters, discussion, history and merge provenance.

A fused agenda (통합 의제) is an ordinary ``AgendaItem`` with ``is_fused`` set and one
``Merge`` record naming its sources; the sources stay in place, marked ``merged`` and pointing
at the fused item, so every original proposal stays readable and citable.
"""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow

# Above this an estimate is not a local agenda item but a typing slip: a whole district's
# yearly community innovation budget is a few billion won.
MAX_ESTIMATED_COST = 5_000_000_000
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000


class Field(StrEnum):
    WELFARE = "welfare"
    EDUCATION = "education"
    CULTURE = "culture"
    ENVIRONMENT = "environment"
    PARTICIPATION = "participation"
    SAFETY = "safety"
    JOBS = "jobs"
    OTHER = "other"


FIELD_LABELS = {
    Field.WELFARE: _l("복지"),
    Field.EDUCATION: _l("교육"),
    Field.CULTURE: _l("문화예술"),
    Field.ENVIRONMENT: _l("생태환경"),
    Field.PARTICIPATION: _l("주민자치"),
    Field.SAFETY: _l("도시안전"),
    Field.JOBS: _l("일자리"),
    Field.OTHER: _l("기타"),
}


class Kind(StrEnum):
    PROBLEM_SOLVING = "problem_solving"
    POLICY_EXECUTION = "policy_execution"


KIND_LABELS = {
    Kind.PROBLEM_SOLVING: _l("문제해결형"),
    Kind.POLICY_EXECUTION: _l("정책실행형"),
}


class Status(StrEnum):
    PROPOSED = "proposed"
    UNDER_REVIEW = "under_review"
    MERGED = "merged"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"
    IN_VOTE = "in_vote"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    IN_PLAN = "in_plan"
    # A fused item whose merge was undone: kept (never deleted) so its log and links survive.
    DISSOLVED = "dissolved"


STATUS_LABELS = {
    Status.PROPOSED: _l("제안됨"),
    Status.UNDER_REVIEW: _l("검토 중"),
    Status.MERGED: _l("통합됨"),
    Status.SHORTLISTED: _l("최종 후보"),
    Status.DECLINED: _l("채택 안 됨"),
    Status.IN_VOTE: _l("주민투표 중"),
    Status.SELECTED: _l("선정"),
    Status.NOT_SELECTED: _l("미선정"),
    Status.IN_PLAN: _l("실행계획 반영"),
    Status.DISSOLVED: _l("통합 취소됨"),
}

class Channel(StrEnum):
    """How an item came in (의제 발굴 채널). Residents propose online themselves; staff enter
    the others on behalf of their source: the participatory budget's proposals (seed 002 §6.2
    전략 2 참여예산 업무의 단일화), a dong's plan through the 지역협력분과 (§6.1 전략 3),
    a department's idea (§6.2 실행계획 2 전략 1 부서별 주민아이디어 공모전 연계) and the
    departments' resident proposal schemes (§6.1 전략 2 주민의제 제안제 연계)."""

    RESIDENT = "resident"
    PARTICIPATORY_BUDGET = "participatory_budget"
    DONG_PLAN = "dong_plan"
    DEPARTMENT = "department"
    PROPOSAL_SCHEME = "proposal_scheme"


CHANNEL_LABELS = {
    Channel.RESIDENT: _l("주민제안"),
    Channel.PARTICIPATORY_BUDGET: _l("참여예산"),
    Channel.DONG_PLAN: _l("동 계획"),
    Channel.DEPARTMENT: _l("부서 제안"),
    Channel.PROPOSAL_SCHEME: _l("주민제안제"),
}


# Once a vote has begun the electorate has seen the item: its identity must not change.
VOTE_STATUSES = frozenset({Status.IN_VOTE, Status.SELECTED, Status.NOT_SELECTED, Status.IN_PLAN})


def _values(enum) -> str:
    return "(" + ", ".join(f"'{member.value}'" for member in enum) + ")"


class AgendaItem(db.Model):
    """A proposal or a fused agenda in one district's cycle (or its year-round pool)."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        CheckConstraint(f"field IN {_values(Field)}", name="known_field"),
        CheckConstraint(f"kind IN {_values(Kind)}", name="known_kind"),
        CheckConstraint(f"status IN {_values(Status)}", name="known_status"),
        CheckConstraint(f"channel IN {_values(Channel)}", name="known_channel"),
        CheckConstraint(
            f"estimated_cost IS NULL OR estimated_cost BETWEEN 0 AND {MAX_ESTIMATED_COST}",
            name="cost_range",
        ),
        CheckConstraint(
            "(status = 'merged' AND merged_into_id IS NOT NULL) OR "
            "(status <> 'merged' AND merged_into_id IS NULL)",
            name="merged_has_target",
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id",
                        name="not_merged_into_self"),
        CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined_has_reason"),
        CheckConstraint("NOT is_draft OR status = 'proposed'", name="draft_is_proposed"),
        CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name="hidden_has_reason"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        Index("ix_agenda_item_district_cycle_status", "district_id", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    # NULL while waiting in the district's year-round pool for the next cycle to open.
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    proposing_group: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(30), default=Channel.RESIDENT.value,
                                         server_default=Channel.RESIDENT.value)
    # The staff member who entered an item on behalf of its channel; NULL for items their
    # authors wrote themselves.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    # NULL means district-wide (구 전체).
    dong_id: Mapped[int | None] = mapped_column(ForeignKey("dong.id", ondelete="SET NULL"))
    estimated_cost: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=Status.PROPOSED.value)
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    is_fused: Mapped[bool] = mapped_column(Boolean, default=False)
    year_round: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    shortlisted_for_forum: Mapped[bool] = mapped_column(Boolean, default=False)
    shortlisted_for_vote: Mapped[bool] = mapped_column(Boolean, default=False)
    shortlist_reason: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    civil_partners: Mapped[str] = mapped_column(String(300), default="")
    duplicate_of_project: Mapped[str] = mapped_column(String(300), default="")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Carry-over: the evaluation finding (text or URL) this item grew out of.
    origin: Mapped[str | None] = mapped_column(Text)
    origin_cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycle.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    dong = relationship("Dong")
    cycle = relationship("Cycle", foreign_keys=[cycle_id])
    origin_cycle = relationship("Cycle", foreign_keys=[origin_cycle_id])
    merged_into: Mapped["AgendaItem | None"] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    log: Mapped[list["AgendaLogEntry"]] = relationship(
        back_populates="item", order_by="AgendaLogEntry.id", cascade="all, delete-orphan",
        foreign_keys="AgendaLogEntry.item_id",
    )

    @property
    def field_label(self):
        return FIELD_LABELS[Field(self.field)]

    @property
    def kind_label(self):
        return KIND_LABELS[Kind(self.kind)]

    @property
    def status_label(self):
        return STATUS_LABELS[Status(self.status)]

    @property
    def channel_label(self):
        return CHANNEL_LABELS[Channel(self.channel)]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ExistingProject(db.Model):
    """The register of the district's current projects (기존 사업 등록부), read by the
    duplicate check at intake: departments repeating one another's projects tire residents,
    so duplicates are caught before new projects are found (seed 002 §4, 행정혁신: 기존사업
    중복을 예방하고 조정)."""

    __tablename__ = "existing_project"
    __table_args__ = (
        UniqueConstraint("district_id", "title"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org_unit = relationship("OrgUnit")


class Support(db.Model):
    """A resident's 공감 for an item: at most one per person per item, by the database."""

    __tablename__ = "agenda_support"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Set when the support came over from a source item in a merge, not given directly.
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment on an item, or a reply to one (one level deep)."""

    __tablename__ = "agenda_comment"
    __table_args__ = (
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name="hidden_has_reason"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_comment.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
    replies: Mapped[list["Comment"]] = relationship(order_by="Comment.id")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class LogAction(StrEnum):
    PROPOSED = "proposed"
    EDITED = "edited"
    STATUS = "status"
    MERGED_INTO = "merged_into"
    FUSED = "fused"
    MERGE_UNDONE = "merge_undone"
    ASSIGNED = "assigned"
    DUPLICATE = "duplicate"
    SHORTLISTED = "shortlisted"
    HIDDEN = "hidden"
    UNHIDDEN = "unhidden"
    ADOPTED = "adopted"


class AgendaLogEntry(db.Model):
    """One step in an item's public history: who did what, when, and why."""

    __tablename__ = "agenda_log_entry"
    __table_args__ = (CheckConstraint(f"action IN {_values(LogAction)}", name="known_action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    # The other item involved (the fused item, or a source), when there is one.
    related_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="log", foreign_keys=[item_id])
    actor = relationship("User")
    related_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[related_item_id])


class Merge(db.Model):
    """A fusion of source items into one fused item, kept after an undo as provenance."""

    __tablename__ = "agenda_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    fused_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), unique=True
    )
    merged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    undo_reason: Mapped[str] = mapped_column(Text, default="")

    fused_item: Mapped[AgendaItem] = relationship(foreign_keys=[fused_item_id])
    sources: Mapped[list["MergeSource"]] = relationship(
        back_populates="merge", order_by="MergeSource.id", cascade="all, delete-orphan"
    )


class MergeSource(db.Model):
    __tablename__ = "agenda_merge_source"
    __table_args__ = (UniqueConstraint("merge_id", "source_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("agenda_merge.id", ondelete="CASCADE"))
    source_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    # What the source was before the merge, restored by an undo.
    previous_status: Mapped[str] = mapped_column(String(20))

    merge: Mapped[Merge] = relationship(back_populates="sources")
    source_item: Mapped[AgendaItem] = relationship(foreign_keys=[source_item_id])


class Report(db.Model):
    """A resident's report of abusive content in an item or a comment."""

    __tablename__ = "agenda_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_comment.id", ondelete="CASCADE")
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    item: Mapped[AgendaItem] = relationship()
    comment: Mapped[Comment | None] = relationship()
    reporter = relationship("User", foreign_keys=[reporter_id])


class NoticeKind(StrEnum):
    MERGED = "merged"
    MERGE_UNDONE = "merge_undone"
    STATUS = "status"
    HIDDEN = "hidden"


class Notice(db.Model):
    """An in-app message to a proposer about their item (shown on My page)."""

    __tablename__ = "agenda_notice"
    __table_args__ = (CheckConstraint(f"kind IN {_values(NoticeKind)}", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    related_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[AgendaItem] = relationship(foreign_keys=[item_id])
    related_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[related_item_id])
