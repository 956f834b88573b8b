"""Votes (주민투표), their items, ballots (투표지) and the records that keep them honest.

The database itself holds the invariants: one counted ballot per person per vote
(``uq_ballot_vote_id_voter_key``), one paper serial per vote, choices that can only name
items of the ballot's own vote (composite foreign keys), one stored answer per
``Idempotency-Key``.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from voting.labels import BALLOT_TYPE_LABELS, ELECTORATE_LABELS
from voting.rules import BallotRules, BallotType, Channel, Electorate, window_status


def _values(enum) -> str:
    return "(" + ", ".join(f"'{member.value}'" for member in enum) + ")"


vote_dong = Table(
    "vote_dong",
    db.metadata,
    Column("vote_id", ForeignKey("vote.id", ondelete="CASCADE"), primary_key=True),
    Column("dong_id", ForeignKey("dong.id", ondelete="CASCADE"), primary_key=True),
)


class Vote(db.Model):
    """A priority vote over shortlisted agenda items of one cycle."""

    __tablename__ = "vote"
    __table_args__ = (
        CheckConstraint(f"ballot_type IN {_values(BallotType)}", name="known_ballot_type"),
        CheckConstraint("closes_at > opens_at", name="window_in_order"),
        CheckConstraint("min_choices >= 0", name="min_choices_positive"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
        CheckConstraint("budget_limit IS NULL OR budget_limit > 0", name="budget_positive"),
        CheckConstraint("points_total IS NULL OR points_total > 0", name="points_positive"),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 0 AND 120", name="min_age_range"),
        CheckConstraint(f"electorate IN {_values(Electorate)}", name="known_electorate"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("mes_completion IN ('none', 'add1', 'greedy')",
                        name="known_mes_completion"),
        CheckConstraint(
            "weight_vote BETWEEN 0 AND 100 AND weight_forum BETWEEN 0 AND 100 AND "
            "weight_review BETWEEN 0 AND 100 AND weight_vote + weight_forum + weight_review = 100",
            name="weights_sum_to_100",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    ballot_type: Mapped[str] = mapped_column(String(20))
    min_choices: Mapped[int] = mapped_column(default=1)
    max_choices: Mapped[int | None]
    budget_limit: Mapped[int | None] = mapped_column(BigInteger)
    points_total: Mapped[int | None]
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    electorate: Mapped[str] = mapped_column(String(10), default=Electorate.EMAIL.value)
    min_age: Mapped[int | None]
    results_live: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str] = mapped_column(String(20))
    # Further methods counted side by side with the deciding one, comma-separated.
    compare_methods: Mapped[str] = mapped_column(String(200), default="")
    seats: Mapped[int] = mapped_column(default=1)
    # How MES spends what the equal shares leave (``voting.tally.COMPLETIONS``).
    mes_completion: Mapped[str] = mapped_column(String(10), default="add1",
                                                server_default="add1")
    weight_vote: Mapped[int] = mapped_column(default=100)
    weight_forum: Mapped[int] = mapped_column(default=0)
    weight_review: Mapped[int] = mapped_column(default=0)
    # Keys the voters' pseudonyms and receipt seals; never shown.
    salt: Mapped[str] = mapped_column(String(32))
    # Published with the result: anyone can redo the lot that breaks ties.
    tie_seed: Mapped[str] = mapped_column(String(32))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list["VoteItem"]] = relationship(
        back_populates="vote", order_by="VoteItem.position", cascade="all, delete-orphan"
    )
    dongs = relationship("Dong", secondary=vote_dong, order_by="Dong.position")
    cycle = relationship("Cycle")

    @property
    def type(self) -> BallotType:
        return BallotType(self.ballot_type)

    @property
    def type_label(self):
        return BALLOT_TYPE_LABELS[self.type]

    @property
    def electorate_label(self):
        return ELECTORATE_LABELS[Electorate(self.electorate)]

    @property
    def methods(self) -> list[str]:
        extra = [m for m in self.compare_methods.split(",") if m and m != self.method]
        return [self.method, *extra]

    def rules(self) -> BallotRules:
        return BallotRules(
            ballot_type=self.type,
            items=tuple(item.id for item in self.items),
            min_choices=self.min_choices,
            max_choices=self.max_choices,
            costs={item.id: item.cost for item in self.items if item.cost is not None},
            budget_limit=self.budget_limit,
            points_total=self.points_total,
        )

    @property
    def dong_names(self) -> frozenset[str]:
        """The dongs whose residents may vote; empty when the vote is open to all."""
        return frozenset(d.name for d in self.dongs)

    def status_at(self, now: datetime) -> str:
        return window_status(self.opens_at, self.closes_at, now)


class VoteItem(db.Model):
    """An agenda item on a vote's ballot, with its cost as it stood when the vote was set."""

    __tablename__ = "vote_item"
    __table_args__ = (
        UniqueConstraint("vote_id", "agenda_item_id"),
        # Lets choices reference (item, vote) together, so a choice cannot name another
        # vote's item.
        UniqueConstraint("id", "vote_id"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_positive"),
        CheckConstraint("review_score IS NULL OR review_score BETWEEN 0 AND 100",
                        name="review_score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    cost: Mapped[int | None] = mapped_column(BigInteger)
    # The committee's review score (위원회 심사), 0-100, one component of the combined score.
    review_score: Mapped[float | None]

    vote: Mapped[Vote] = relationship(back_populates="items")
    agenda_item = relationship("AgendaItem")


class VoterRoll(db.Model):
    """A resident whose identity staff have checked in person (명부 확인).

    Holds no name: ``person_key`` is a digest of name, birth date and dong, so a paper ballot
    typed in later finds the same person (and their account, when linked) without the roll
    keeping names.
    """

    __tablename__ = "voter_roll"
    __table_args__ = (
        UniqueConstraint("district_id", "person_key"),
        UniqueConstraint("district_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    birth_date: Mapped[date]
    dong_id: Mapped[int] = mapped_column(ForeignKey("dong.id", ondelete="CASCADE"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    dong = relationship("Dong")
    user = relationship("User", foreign_keys=[user_id])


class Ballot(db.Model):
    """One person's counted ballot in one vote, from whichever channel it came.

    ``voter_key`` is the person's per-vote pseudonym (see ``voting.identity``); the unique
    constraint on it is what makes a person count once across online, paper and forum.
    Demographic columns are copied only from consented profiles and only ever read in
    aggregate.
    """

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("vote_id", "voter_key"),
        UniqueConstraint("vote_id", "paper_serial"),
        UniqueConstraint("id", "vote_id"),
        CheckConstraint(f"channel IN {_values(Channel)}", name="known_channel"),
        CheckConstraint("(channel = 'paper') = (paper_serial IS NOT NULL)",
                        name="paper_has_serial"),
        Index("ix_ballot_vote_id_cast_at", "vote_id", "cast_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    receipt_lookup: Mapped[str] = mapped_column(String(64), unique=True)
    receipt_seal: Mapped[str] = mapped_column(String(64))
    paper_serial: Mapped[str | None] = mapped_column(String(40))
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    age_band: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(10))
    dong: Mapped[str | None] = mapped_column(String(40))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BallotChoice(db.Model):
    """One item chosen on a ballot: its rank, 1 (chosen) or its points."""

    __tablename__ = "ballot_choice"
    __table_args__ = (
        ForeignKeyConstraint(["ballot_id", "vote_id"], ["ballot.id", "ballot.vote_id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["vote_item_id", "vote_id"], ["vote_item.id", "vote_item.vote_id"],
                             ondelete="CASCADE"),
        CheckConstraint("value > 0", name="value_positive"),
    )

    ballot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(Integer, index=True)
    value: Mapped[int]


class CastRequest(db.Model):
    """The stored answer to a cast sent with an ``Idempotency-Key``: a retry of the same
    ballot gets it again; the key sent with another ballot is refused."""

    __tablename__ = "cast_request"
    __table_args__ = (UniqueConstraint("vote_id", "voter_key", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the ballot the key was first sent with (``voting.casting.request_digest``):
    # the key replays its answer only to that ballot. Empty for requests stored before it was
    # kept.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteLog(db.Model):
    """What staff did to a vote and when: definition changes, resets, paper entries."""

    __tablename__ = "vote_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


class VoteResult(db.Model):
    """The cached result of a vote for one state of its ballots (``fingerprint``), or the
    progress of the job computing it."""

    __tablename__ = "vote_result"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'failed')", name="known_status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"),
                                         primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    progress: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    # Times the running count was sent to the job queue; its RQ id names the send, so the
    # reconciler can tell whether Redis still holds the one the row waits for.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
