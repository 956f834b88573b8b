"""Participation in the years before the district ran its cycle here: the figures a district
recorded then (seed 002 §2 lists 성동구's priority-vote voters for 2019–2022), entered as data
with the document they come from. Years the platform ran are counted from its own records
(``plans.participation``), never from this table."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

# The earliest year a figure may name: Seoul's district governance plans began in the late
# 2010s (seed 002's first figure is 2019), so anything far earlier is a typing mistake.
FIRST_RECORDED_YEAR = 2000
# The bound the table's check holds; a plan year past it is not a real year either.
LAST_RECORDED_YEAR = 2100


class RecordedParticipation(db.Model):
    """One past year's participation as a district recorded it. Every figure is optional
    (a source may give the voters and not the forums); what is given is a count."""

    __tablename__ = "recorded_participation"
    __table_args__ = (
        UniqueConstraint("district_id", "year"),
        CheckConstraint(f"year BETWEEN {FIRST_RECORDED_YEAR} AND {LAST_RECORDED_YEAR}",
                        name="year_range"),
        CheckConstraint("voters IS NULL OR voters >= 0", name="voters_not_negative"),
        CheckConstraint("voting_days IS NULL OR voting_days BETWEEN 1 AND 366",
                        name="voting_days_range"),
        CheckConstraint("online_voters IS NULL OR online_voters >= 0", name="online_not_negative"),
        CheckConstraint("paper_voters IS NULL OR paper_voters >= 0", name="paper_not_negative"),
        CheckConstraint("forum_voters IS NULL OR forum_voters >= 0", name="forum_not_negative"),
        CheckConstraint("forums IS NULL OR forums >= 0", name="forums_not_negative"),
        CheckConstraint("forum_participants IS NULL OR forum_participants >= 0",
                        name="participants_not_negative"),
        CheckConstraint("proposals IS NULL OR proposals >= 0", name="proposals_not_negative"),
        CheckConstraint("length(source) > 0", name="source_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    year: Mapped[int]
    voters: Mapped[int | None]
    voting_days: Mapped[int | None]
    online_voters: Mapped[int | None]
    paper_voters: Mapped[int | None]
    forum_voters: Mapped[int | None]
    forums: Mapped[int | None]
    forum_participants: Mapped[int | None]
    proposals: Mapped[int | None]
    # The document and section the figures come from, shown beside them.
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
