"""The tenant and the year: every domain package hangs its data off these two.

They live in core (not accounts) because agenda, forums, voting and plans all need
them and core is the one package every other may import.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dongs: Mapped[list["Dong"]] = relationship(
        back_populates="district", order_by="Dong.position", cascade="all, delete-orphan"
    )
    cycles: Mapped[list["Cycle"]] = relationship(
        back_populates="district", order_by="Cycle.year.desc()", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en


class Dong(db.Model):
    """An administrative neighbourhood (행정동) of a district."""

    __tablename__ = "dong"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    # The official English name (Revised Romanization), empty where none is recorded.
    name_en: Mapped[str] = mapped_column(String(80), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)

    district: Mapped[District] = relationship(back_populates="dongs")

    @property
    def label(self) -> str:
        """The dong's name in the reader's language: its English name in English where one is
        recorded, the Korean name otherwise (and outside a request)."""
        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name


class Phase(StrEnum):
    INTAKE = "intake"
    COORDINATION = "coordination"
    DELIBERATION = "deliberation"
    VOTE = "vote"
    PLAN = "plan"
    EVALUATION = "evaluation"


PHASE_LABELS = {
    Phase.INTAKE: _l("의제발굴"),
    Phase.COORDINATION: _l("의제융합·조정"),
    Phase.DELIBERATION: _l("숙의·공론장"),
    Phase.VOTE: _l("우선순위 주민투표"),
    Phase.PLAN: _l("계획 수립·승인"),
    Phase.EVALUATION: _l("성과평가 및 환류"),
}

PHASE_ORDER = list(Phase)


class Cycle(db.Model):
    """One year's community innovation plan process (연차 계획 주기)."""

    __tablename__ = "cycle"
    __table_args__ = (
        UniqueConstraint("district_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship(back_populates="cycles")
    phases: Mapped[list["CyclePhase"]] = relationship(
        back_populates="cycle", order_by="CyclePhase.starts_on", cascade="all, delete-orphan"
    )

    def phase_on(self, day: date) -> "CyclePhase | None":
        """The phase running on ``day``; where phases overlap, the later one in the cycle."""
        running = [p for p in self.phases if p.starts_on <= day <= p.ends_on]
        if not running:
            return None
        return max(running, key=lambda p: PHASE_ORDER.index(Phase(p.phase)))

    def timeline(self, day: date) -> list[dict]:
        """Every phase in cycle order with its state on ``day``: done, current or upcoming."""
        current = self.phase_on(day)
        by_phase = {Phase(p.phase): p for p in self.phases}
        rows = []
        for phase in PHASE_ORDER:
            scheduled = by_phase.get(phase)
            if scheduled is None:
                state = "unscheduled"
            elif current is not None and scheduled.phase == current.phase:
                state = "current"
            elif scheduled.ends_on < day:
                state = "done"
            else:
                state = "upcoming"
            rows.append(
                {"phase": phase, "label": PHASE_LABELS[phase], "scheduled": scheduled,
                 "state": state}
            )
        return rows


class CyclePhase(db.Model):
    __tablename__ = "cycle_phase"
    __table_args__ = (
        UniqueConstraint("cycle_id", "phase"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint(
            "phase IN ('intake', 'coordination', 'deliberation', 'vote', 'plan', 'evaluation')",
            name="known_phase",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    cycle: Mapped[Cycle] = relationship(back_populates="phases")

    @property
    def label(self):
        return PHASE_LABELS[Phase(self.phase)]

# What a resident can do while each phase runs, shown on their page.
PHASE_GUIDES = {
    Phase.INTAKE: _l("우리 동네에 필요한 의제를 제안하고, 다른 주민의 제안에 공감을 눌러 주세요."),
    Phase.COORDINATION: _l("비슷한 제안을 하나로 모으는 의제융합·조정 회의가 열립니다. "
                           "내 제안이 어디에 합쳐졌는지 의제 페이지에서 볼 수 있습니다."),
    Phase.DELIBERATION: _l("원탁토론회에 참여해 이웃과 함께 의제를 숙의하세요."),
    Phase.VOTE: _l("최종 후보 의제의 우선순위를 정하는 주민투표에 참여하세요."),
    Phase.PLAN: _l("선정된 의제가 실행계획으로 만들어지고 협치회의에서 승인됩니다."),
    Phase.EVALUATION: _l("실행사업의 진행 상황과 성과평가 결과를 확인하세요."),
}
