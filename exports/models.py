"""Export jobs and the log of their downloads.

A job row is the record a person's download link points at: who asked, for what, how far
the work has got, and where the finished file lies. The token in the link is random; the
link also checks the requester, so a forwarded link is useless to anyone else.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from exports.labels import STATE_LABELS


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"




class ExportJob(db.Model):
    __tablename__ = "export_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="known_state"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="rows_not_negative"),
        CheckConstraint("state <> 'done' OR file_name IS NOT NULL", name="done_has_file"),
        Index("ix_export_job_requester_created", "requester_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    scope_id: Mapped[int]
    include_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    # How many times the work was started: a re-run after a failure counts up.
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Touched while the work runs; a running job whose heartbeat stops has lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester = relationship("User")
    downloads: Mapped[list["ExportDownload"]] = relationship(
        back_populates="job", order_by="ExportDownload.id", cascade="all, delete-orphan")

    @property
    def state_label(self):
        return STATE_LABELS[JobState(self.state)]


class ExportDownload(db.Model):
    """One download of a finished export: who fetched it and when."""

    __tablename__ = "export_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("export_job.id", ondelete="CASCADE"),
                                        index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    job: Mapped[ExportJob] = relationship(back_populates="downloads")
