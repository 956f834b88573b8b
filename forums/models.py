"""Round-table forums (원탁토론회): topics, tables, participants, seat tickets, polls and
their answers.

The database holds the invariants: one answer per participant, question and poll; a
number appears once per forum; one participant per seat ticket; demographics exist only
next to a recorded consent.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow


class Seating(StrEnum):
    ASSIGNED = "assigned"
    BALANCED = "balanced"
    CHOSEN = "chosen"


SEATING_LABELS = {
    Seating.ASSIGNED: _l("운영자가 테이블 배정"),
    Seating.BALANCED: _l("인구통계 균형에 맞춰 자동 배정"),
    Seating.CHOSEN: _l("참가자가 테이블 카드 번호 입력"),
}


class PollPhase(StrEnum):
    PRE = "pre"
    POST = "post"
    LIVE = "live"


PHASE_LABELS = {
    PollPhase.PRE: _l("사전 설문"),
    PollPhase.POST: _l("사후 설문"),
    PollPhase.LIVE: _l("실시간 투표"),
}


class PollState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


POLL_STATE_LABELS = {
    PollState.DRAFT: _l("시작 전"),
    PollState.OPEN: _l("진행 중"),
    PollState.CLOSED: _l("마감됨"),
}


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    LIKERT = "likert"
    RANKING = "ranking"


KIND_LABELS = {
    QuestionKind.SINGLE: _l("하나 고르기"),
    QuestionKind.MULTIPLE: _l("여러 개 고르기"),
    QuestionKind.LIKERT: _l("척도(리커트)"),
    QuestionKind.RANKING: _l("순위 매기기"),
}

AGE_BANDS = ("10s", "20s", "30s", "40s", "50s", "60s", "70+")
AGE_BAND_LABELS = {
    "10s": _l("10대"), "20s": _l("20대"), "30s": _l("30대"), "40s": _l("40대"),
    "50s": _l("50대"), "60s": _l("60대"), "70+": _l("70세 이상"),
}
GENDER_LABELS = {"female": _l("여성"), "male": _l("남성"), "other": _l("기타")}

KEYWORD_MAX = 40
SUMMARY_MAX = 2000


class Forum(db.Model):
    __tablename__ = "forum"
    __table_args__ = (
        CheckConstraint("expected_participants >= 0", name="expected_not_negative"),
        CheckConstraint("seating IN ('assigned', 'balanced', 'chosen')", name="known_seating"),
        CheckConstraint("screen_slide >= 0", name="screen_slide_not_negative"),
        CheckConstraint("screen_version >= 0", name="screen_version_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    venue: Mapped[str] = mapped_column(String(200), default="")
    expected_participants: Mapped[int] = mapped_column(default=0)
    seating: Mapped[str] = mapped_column(String(20), default=Seating.CHOSEN)
    # Short, typed on a phone from the screen; letters that cannot be confused (no O/0, I/1).
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The projection in the hall, as the organizer drives it: which slide, whether the
    # results show, whether the picture is held still. Kept here, not in a browser, so the
    # organizer's phone and the screen's keyboard steer the same projection and a screen
    # that reconnects finds its place; the version lets a control made from an old view be
    # refused instead of skipping a slide.
    screen_slide: Mapped[int] = mapped_column(default=0, server_default="0")
    screen_results_shown: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    screen_frozen: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    screen_slide_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screen_version: Mapped[int] = mapped_column(default=0, server_default="0")

    cycle = relationship("Cycle")
    topics: Mapped[list["Topic"]] = relationship(
        back_populates="forum", order_by="Topic.position", cascade="all, delete-orphan"
    )
    tables: Mapped[list["ForumTable"]] = relationship(
        back_populates="forum", order_by="ForumTable.number", cascade="all, delete-orphan"
    )
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="forum", order_by="Participant.number", cascade="all, delete-orphan"
    )
    polls: Mapped[list["Poll"]] = relationship(
        back_populates="forum", order_by="Poll.id", cascade="all, delete-orphan"
    )


class Topic(db.Model):
    """A discussion topic (토론 주제); its questions are asked before and after discussion."""

    __tablename__ = "forum_topic"
    __table_args__ = (UniqueConstraint("forum_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The agenda item this topic deliberates, when it is one (optional).
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )

    forum: Mapped[Forum] = relationship(back_populates="topics")
    agenda_item = relationship("AgendaItem")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="topic", order_by="Question.position", cascade="all, delete-orphan",
        foreign_keys="Question.topic_id",
    )


class ForumTable(db.Model):
    """A numbered table with one facilitator; it reports keywords and a summary."""

    __tablename__ = "forum_table"
    __table_args__ = (
        UniqueConstraint("forum_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 200", name="number_range"),
        CheckConstraint("current_step >= 0", name="step_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    number: Mapped[int]
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    current_step: Mapped[int] = mapped_column(default=0)
    obstacle_keyword: Mapped[str | None] = mapped_column(String(KEYWORD_MAX))
    stepping_stone_keyword: Mapped[str | None] = mapped_column(String(KEYWORD_MAX))
    summary: Mapped[str] = mapped_column(Text, default="")
    outputs_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    forum: Mapped[Forum] = relationship(back_populates="tables")
    facilitator = relationship("User")
    members: Mapped[list["Participant"]] = relationship(
        back_populates="table", order_by="Participant.number"
    )


class Participant(db.Model):
    """A person in the room, known by a token in their browser (or entered on paper).

    Demographics are kept only with consent: the check constraint refuses them otherwise.
    """

    __tablename__ = "forum_participant"
    __table_args__ = (
        UniqueConstraint("forum_id", "number"),
        UniqueConstraint("forum_id", "user_id"),
        CheckConstraint(
            "consented_at IS NOT NULL OR (age_band IS NULL AND gender IS NULL AND dong IS NULL)",
            name="demographics_need_consent",
        ),
        CheckConstraint(
            "age_band IS NULL OR age_band IN ('10s', '20s', '30s', '40s', '50s', '60s', '70+')",
            name="known_age_band",
        ),
        CheckConstraint("gender IS NULL OR gender IN ('female', 'male', 'other')",
                        name="known_gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    # Shown on the person's screen and used by facilitators to enter paper answers.
    number: Mapped[int]
    # SHA-256 of the token in the participant's cookie; paper participants have none.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_table.id", ondelete="SET NULL"), index=True
    )
    demographics_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    age_band: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(10))
    dong: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="participants")
    table: Mapped[ForumTable | None] = relationship(back_populates="members")


class SeatTicket(db.Model):
    """A seat ticket (좌석표): a short code printed on a card or shown by a facilitator and
    handed to one person, who enters or scans it when joining. The ticket, not the browser,
    is the participant: joining again with it (another phone, cleared cookies) returns the
    same participant, and counted polls (``Poll.counted``) take answers only from
    participants holding a ticket, so one seat answers once."""

    __tablename__ = "forum_ticket"
    __table_args__ = (UniqueConstraint("forum_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    # XXXX-XXXX from an alphabet without look-alikes; kept in the clear so organizers can
    # print the list again.
    code: Mapped[str] = mapped_column(String(12))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_participant.id", ondelete="SET NULL"), unique=True
    )
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped["Participant | None"] = relationship()


class Poll(db.Model):
    """Questions asked in one phase: a topic's pre or post poll, or a live poll for the
    room (no table) or one table. ``version`` grows with every answer, so a screen can
    tell a newer snapshot from an older one."""

    __tablename__ = "forum_poll"
    __table_args__ = (
        UniqueConstraint("topic_id", "phase"),
        CheckConstraint("phase IN ('pre', 'post', 'live')", name="known_phase"),
        CheckConstraint("state IN ('draft', 'open', 'closed')", name="known_state"),
        CheckConstraint("(phase = 'live') = (topic_id IS NULL)", name="topic_polls_have_topic"),
        CheckConstraint("table_id IS NULL OR phase = 'live'", name="only_live_polls_at_tables"),
        CheckConstraint("version >= 0", name="version_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topic.id", ondelete="CASCADE"))
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_table.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8), default=PollState.DRAFT)
    version: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    forum: Mapped[Forum] = relationship(back_populates="polls")
    topic: Mapped[Topic | None] = relationship()
    table: Mapped[ForumTable | None] = relationship()
    live_questions: Mapped[list["Question"]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan",
        foreign_keys="Question.live_poll_id",
    )

    @property
    def counted(self) -> bool:
        """Whether the answers count towards a result: a topic's pre and post polls feed the
        opinion-shift report and (post rankings) the vote's forum score, so they take one
        answer per seat ticket. Live polls are a show of hands for the room or a table and
        stay open to every participant."""
        return self.phase != PollPhase.LIVE

    @property
    def questions(self) -> list["Question"]:
        return self.topic.questions if self.topic is not None else self.live_questions


class Question(db.Model):
    """A question of a topic (asked identically before and after) or of one live poll."""

    __tablename__ = "forum_question"
    __table_args__ = (
        CheckConstraint("kind IN ('single', 'multiple', 'likert', 'ranking')",
                        name="known_kind"),
        CheckConstraint("(topic_id IS NULL) <> (live_poll_id IS NULL)", name="one_owner"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), index=True
    )
    live_poll_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_poll.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(300))
    max_choices: Mapped[int | None]

    topic: Mapped[Topic | None] = relationship(back_populates="questions",
                                               foreign_keys=[topic_id])
    options: Mapped[list["Option"]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )


class Option(db.Model):
    __tablename__ = "forum_option"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    # In a ranking of agenda items, the item this option stands for.
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )

    question: Mapped[Question] = relationship(back_populates="options")


class Answer(db.Model):
    """One participant's answer to one question in one poll; changed answers replace it."""

    __tablename__ = "forum_answer"
    __table_args__ = (UniqueConstraint("poll_id", "question_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("forum_poll.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("forum_question.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("forum_participant.id", ondelete="CASCADE"), index=True
    )
    # The facilitator who typed in a paper answer; empty when the participant answered.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    choices: Mapped[list["AnswerChoice"]] = relationship(
        back_populates="answer", order_by="AnswerChoice.rank", cascade="all, delete-orphan"
    )


class AnswerChoice(db.Model):
    """An option picked in an answer; ``rank`` orders a ranking answer (1 = first)."""

    __tablename__ = "forum_answer_choice"
    __table_args__ = (
        UniqueConstraint("answer_id", "option_id"),
        UniqueConstraint("answer_id", "rank"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        Index("ix_forum_answer_choice_option_id", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("forum_answer.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("forum_option.id", ondelete="CASCADE"))
    rank: Mapped[int]

    answer: Mapped[Answer] = relationship(back_populates="choices")
    option: Mapped[Option] = relationship()


POPULATION_DIMENSIONS = ("age_band", "gender", "dong")


class PopulationCount(db.Model):
    """Residents of a district in one demographic group, from the resident registration
    statistics, entered by organizers. Forum participants are compared against these to
    show how representative a room was."""

    __tablename__ = "population_count"
    __table_args__ = (
        UniqueConstraint("district_id", "dimension", "category"),
        CheckConstraint("residents >= 0", name="residents_not_negative"),
        CheckConstraint("dimension IN ('age_band', 'gender', 'dong')", name="known_dimension"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    residents: Mapped[int]
