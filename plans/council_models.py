"""The governance council (협치회의): its members in their seats and terms, meetings,
attendance and motions, the approval motion naming the plan it approves."""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db
from plans import rules
from plans.models import Plan, sql_values


class MemberType(StrEnum):
    CIVIL = "civil"
    OFFICIAL = "official"
    COUNCILLOR = "councillor"


MEMBER_TYPE_LABELS = {
    MemberType.CIVIL: _l("민간위원"),
    MemberType.OFFICIAL: _l("공무원"),
    MemberType.COUNCILLOR: _l("구의원"),
}


class Seat(StrEnum):
    """How a member holds their seat (seed 000, 기본조례 제9조): appointed by the district head
    for a term (위촉직) or by office, for as long as they hold it (당연직)."""

    APPOINTED = "appointed"
    EX_OFFICIO = "ex_officio"


SEAT_LABELS = {Seat.APPOINTED: _l("위촉직"), Seat.EX_OFFICIO: _l("당연직")}


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


GENDER_LABELS = {Gender.FEMALE: _l("여성"), Gender.MALE: _l("남성")}


class MotionKind(StrEnum):
    ORDINARY = "ordinary"
    RULES_CHANGE = "rules_change"


MOTION_KIND_LABELS = {
    MotionKind.ORDINARY: _l("일반 안건 (출석 과반)"),
    MotionKind.RULES_CHANGE: _l("규칙 개정 (출석 3분의 2)"),
}


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


CHOICE_LABELS = {Choice.YES: _l("찬성"), Choice.NO: _l("반대"), Choice.ABSTAIN: _l("기권")}


class CouncilMember(db.Model):
    """A member of the district's governance council (협치회의 위원) in one seat: appointed
    members serve a term of two years, renewable once; ex officio members sit while in
    office. A member leaves by retiring, with a reason; a replacement names whom they
    replace."""

    __tablename__ = "council_member"
    __table_args__ = (
        UniqueConstraint("district_id", "name", "affiliation"),
        CheckConstraint(f"member_type IN {sql_values(MemberType)}", name="known_type"),
        CheckConstraint(f"gender IN {sql_values(Gender)}", name="known_gender"),
        CheckConstraint(f"seat IN {sql_values(Seat)}", name="known_seat"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("seat = 'ex_officio' OR term_ends_on IS NOT NULL",
                        name="appointed_term_ends"),
        CheckConstraint("term_ends_on IS NULL OR term_ends_on >= term_starts_on",
                        name="term_in_order"),
        CheckConstraint("renewals BETWEEN 0 AND 1", name="renewed_once_at_most"),
        CheckConstraint("retired_on IS NULL OR retire_reason <> ''", name="retired_has_reason"),
        CheckConstraint("retired_on IS NULL OR retired_on >= term_starts_on",
                        name="retired_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(60))
    affiliation: Mapped[str] = mapped_column(String(100), default="")
    member_type: Mapped[str] = mapped_column(String(20))
    gender: Mapped[str] = mapped_column(String(10))
    seat: Mapped[str] = mapped_column(String(20), default=Seat.APPOINTED.value)
    term_starts_on: Mapped[date]
    # None for an ex officio member: the seat is held for as long as the office is.
    term_ends_on: Mapped[date | None]
    renewals: Mapped[int] = mapped_column(default=0)
    retired_on: Mapped[date | None]
    retire_reason: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_member.id", ondelete="SET NULL"))

    replaces: Mapped["CouncilMember | None"] = relationship(remote_side=[id])

    def seated_on(self, day: date) -> bool:
        return rules.seated_on(day, self.term_starts_on, self.term_ends_on, self.retired_on)

    @property
    def type_label(self):
        return MEMBER_TYPE_LABELS[MemberType(self.member_type)]

    @property
    def seat_label(self):
        return SEAT_LABELS[Seat(self.seat)]

    @property
    def gender_label(self):
        return GENDER_LABELS[Gender(self.gender)]


class CouncilMeeting(db.Model):
    """A council meeting (협치강동구회의 전체회의) with its attendance and minutes."""

    __tablename__ = "council_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    # Seats filled on the meeting day, counted again at every decision: the quorum and the
    # majorities count against it.
    members: Mapped[int]
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan")
    motions: Mapped[list["Motion"]] = relationship(
        back_populates="meeting", order_by="Motion.id", cascade="all, delete-orphan")


class Attendance(db.Model):
    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("council_member.id", ondelete="CASCADE"))

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="attendance")
    member: Mapped[CouncilMember] = relationship()


class Motion(db.Model):
    """A motion put to a meeting; the approval motion names the plan it approves."""

    __tablename__ = "council_motion"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_values(MotionKind)}", name="known_kind"),
        CheckConstraint("yes >= 0 AND no >= 0 AND abstain >= 0 AND present >= 0",
                        name="counts_not_negative"),
        CheckConstraint("yes + no + abstain <= present", name="votes_within_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"),
                                            index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default=MotionKind.ORDINARY.value)
    title: Mapped[str] = mapped_column(String(200))
    present: Mapped[int] = mapped_column(default=0)
    yes: Mapped[int] = mapped_column(default=0)
    no: Mapped[int] = mapped_column(default=0)
    abstain: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="motions")
    plan = relationship(Plan)
    votes: Mapped[list["MotionVote"]] = relationship(
        back_populates="motion", cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return MOTION_KIND_LABELS[MotionKind(self.kind)]


class MotionVote(db.Model):
    __tablename__ = "council_motion_vote"
    __table_args__ = (
        UniqueConstraint("motion_id", "member_id"),
        CheckConstraint(f"choice IN {sql_values(Choice)}", name="known_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("council_motion.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("council_member.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(10))

    motion: Mapped[Motion] = relationship(back_populates="votes")
