"""A district's participation over the years: per year the priority vote's voters, the days
it ran and the channels they came by, the forums and their participants, the proposals.

Seed 002 §2 (2기 추진 성과, 지역사회 정책결정 과정의 주민참여 기회 확대) tracks 성동구's
priority vote this way: '19년 294명 → '20년 2,441명(10일) → '21년 1,420명(3일) → '22년
1,577명(5일). A year the district ran its cycle here is counted from the platform's records;
a year before (or without) one is read from the figures the district recorded, each with the
document it comes from (``RecordedParticipation``), entered by staff and kept in the audit
trail. A year never mixes the two.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from agenda.models import AgendaItem
from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from core.models import Cycle
from core.tenancy import SEOUL, seoul_today
from forums.models import Forum, Participant
from plans.participation_models import (
    FIRST_RECORDED_YEAR,
    LAST_RECORDED_YEAR,
    RecordedParticipation,
)
from voting.labels import CHANNEL_LABELS
from voting.models import Ballot, Vote
from voting.rules import Channel
from voting.secrecy import results_visible

# The counts a recorded year may give, in the order the form and the table show them.
FIGURES = ("voters", "voting_days", "online_voters", "paper_voters", "forum_voters", "forums",
           "forum_participants", "proposals")
CHANNEL_FIGURES = {Channel.ONLINE: "online_voters", Channel.PAPER: "paper_voters",
                   Channel.FORUM: "forum_voters"}
SOURCE_MAX = 300
NOTE_MAX = 1000
# Above any district's population (Seoul as a whole has under ten million residents), and
# inside the database's integer column.
COUNT_MAX = 10_000_000


@dataclass(frozen=True)
class YearParticipation:
    """One year's row. ``recorded`` rows come from a district's document (``source``);
    the others were counted from the cycle of that year. ``None`` means not known."""

    year: int
    recorded: bool
    voters: int | None = None
    voting_days: int | None = None
    channels: dict = field(default_factory=dict)
    forums: int | None = None
    forum_participants: int | None = None
    proposals: int | None = None
    source: str = ""
    note: str = ""
    cycle_id: int | None = None
    record_id: int | None = None

    def channel_list(self) -> list[tuple[str, object, int]]:
        """(channel, label, voters) for the channels known, in the channels' own order."""
        return [(c.value, CHANNEL_LABELS[c], self.channels[c.value]) for c in Channel
                if c.value in self.channels]


def voting_days(opens_at: datetime, closes_at: datetime) -> int:
    """The calendar days in Seoul a vote window touches: a vote from 00:00 on the 1st to 00:00
    on the 11th ran ten days, like the seed's "2,441명(10일)"."""
    last_moment = closes_at - timedelta(microseconds=1)
    return (last_moment.astimezone(SEOUL).date() - opens_at.astimezone(SEOUL).date()).days + 1


def counted_year(cycle: Cycle) -> YearParticipation:
    """A cycle's year from its records. A cycle may hold several votes and a person's ballots
    in two votes cannot be matched (each vote keys its voters apart), so the year's voters are
    those of its priority vote: the vote with the most ballots."""
    return counted_years([cycle])[cycle.id]


def _per_cycle(query, cycle_ids: list[int]) -> dict[int, int]:
    """``query`` (cycle id, count) grouped by cycle, for the cycles ``cycle_ids``."""
    return dict(db.session.execute(query.where(Cycle.id.in_(cycle_ids)).group_by(Cycle.id)).all())


def counted_years(cycles: Sequence[Cycle]) -> dict[int, YearParticipation]:
    """Each cycle's year from its records (``counted_year``), by cycle id, in the same five
    queries however many cycles and districts: a city-wide page counts them all at once. A
    vote, forum or proposal counts only in a cycle of its own district."""
    cycle_ids = [cycle.id for cycle in cycles]
    if not cycle_ids:
        return {}
    votes: dict[int, list[Vote]] = {cycle_id: [] for cycle_id in cycle_ids}
    for vote in db.session.scalars(
            select(Vote).join(Cycle, (Cycle.id == Vote.cycle_id)
                              & (Cycle.district_id == Vote.district_id))
            .where(Cycle.id.in_(cycle_ids)).order_by(Vote.opens_at, Vote.id)):
        votes[vote.cycle_id].append(vote)
    counts: dict[int, dict[str, int]] = {vote.id: {} for found in votes.values()
                                         for vote in found}
    for vote_id, channel, n in db.session.execute(
            select(Ballot.vote_id, Ballot.channel, func.count(Ballot.id))
            .where(Ballot.vote_id.in_(counts)).group_by(Ballot.vote_id, Ballot.channel)):
        counts[vote_id][channel] = n
    in_cycle = {model: (Cycle.id == model.cycle_id) & (Cycle.district_id == model.district_id)
                for model in (Forum, AgendaItem)}
    forums = _per_cycle(select(Cycle.id, func.count(Forum.id)).join(Forum, in_cycle[Forum]),
                        cycle_ids)
    participants = _per_cycle(
        select(Cycle.id, func.count(Participant.id)).join(Forum, in_cycle[Forum])
        .join(Participant, Participant.forum_id == Forum.id), cycle_ids)
    proposals = _per_cycle(
        select(Cycle.id, func.count(AgendaItem.id)).join(AgendaItem, in_cycle[AgendaItem])
        .where(AgendaItem.is_draft.is_(False), AgendaItem.is_fused.is_(False),
               AgendaItem.hidden_at.is_(None)), cycle_ids)
    years = {}
    for cycle in cycles:
        main = max(votes[cycle.id], key=lambda v: sum(counts[v.id].values()), default=None)
        years[cycle.id] = YearParticipation(
            year=cycle.year, recorded=False, cycle_id=cycle.id,
            voters=sum(counts[main.id].values()) if main else None,
            voting_days=voting_days(main.opens_at, main.closes_at) if main else None,
            # By channel the turnout travels with the result (voting.secrecy): hidden with it.
            channels=dict(counts[main.id]) if main and results_visible(main) else {},
            forums=forums.get(cycle.id, 0), forum_participants=participants.get(cycle.id, 0),
            proposals=proposals.get(cycle.id, 0))
    return years


def _recorded_year(row: RecordedParticipation) -> YearParticipation:
    channels = {channel.value: getattr(row, name) for channel, name in CHANNEL_FIGURES.items()
                if getattr(row, name) is not None}
    return YearParticipation(
        year=row.year, recorded=True, voters=row.voters, voting_days=row.voting_days,
        channels=channels, forums=row.forums, forum_participants=row.forum_participants,
        proposals=row.proposals, source=row.source, note=row.note, record_id=row.id)


def recorded_figures(district_id: int) -> list[RecordedParticipation]:
    return list(db.session.scalars(select(RecordedParticipation).where(
        RecordedParticipation.district_id == district_id).order_by(RecordedParticipation.year)))


def history(district_id: int) -> list[YearParticipation]:
    """Every year of the district, oldest first: its cycles that have begun counted from the
    records (a cycle scheduled for later has no participation yet), and the recorded figures
    of the years without a cycle."""
    return histories([district_id])[district_id]


def histories(district_ids: Sequence[int]) -> dict[int, list[YearParticipation]]:
    """``history`` of each district, by district id, in the same number of queries however
    many districts (the city-wide open data reads every district's)."""
    today = seoul_today()
    cycles = [cycle for cycle in db.session.scalars(
        select(Cycle).where(Cycle.district_id.in_(district_ids))
        .options(selectinload(Cycle.phases)))
        if not cycle.phases or cycle.phases[0].starts_on <= today]
    counted = counted_years(cycles)
    rows: dict[int, dict[int, YearParticipation]] = {district_id: {}
                                                     for district_id in district_ids}
    for cycle in cycles:
        rows[cycle.district_id][cycle.year] = counted[cycle.id]
    for row in db.session.scalars(select(RecordedParticipation).where(
            RecordedParticipation.district_id.in_(district_ids))):
        rows[row.district_id].setdefault(row.year, _recorded_year(row))
    return {district_id: [years[year] for year in sorted(years)]
            for district_id, years in rows.items()}


def bar_percents(rows: list[YearParticipation]) -> dict[int, float]:
    """Each year's voters as a share of the largest year's, for the chart's bars."""
    largest = max((row.voters for row in rows if row.voters), default=0)
    return {row.year: (100 * row.voters / largest if largest and row.voters else 0.0)
            for row in rows}


def summary(rows: list[YearParticipation]):
    """One plain sentence on the latest year's voters and the change from the year before
    that had a vote."""
    voted = [row for row in rows if row.voters is not None]
    if not voted:
        return _l("아직 주민투표 참여 기록이 없습니다.")
    latest = voted[-1]
    if len(voted) == 1:
        return lazy_message("%(year)s년 주민투표에는 %(voters)s명이 참여했습니다.",
                            year=latest.year, voters=format_decimal(latest.voters))
    before = voted[-2]
    change = latest.voters - before.voters
    if change == 0:
        return lazy_message("%(year)s년 주민투표 참여자는 %(voters)s명으로 %(before_year)s년과 "
                            "같습니다.", year=latest.year, voters=format_decimal(latest.voters),
                            before_year=before.year)
    params = {"year": latest.year, "voters": format_decimal(latest.voters),
              "before_year": before.year, "before": format_decimal(before.voters),
              "change": format_decimal(abs(change))}
    if before.voters:
        params["percent"] = format_decimal(round(100 * abs(change) / before.voters, 1))
        if change > 0:
            return lazy_message("%(year)s년 주민투표 참여자는 %(voters)s명으로 %(before_year)s년"
                                "(%(before)s명)보다 %(change)s명(%(percent)s%%) 늘었습니다.",
                                **params)
        return lazy_message("%(year)s년 주민투표 참여자는 %(voters)s명으로 %(before_year)s년"
                            "(%(before)s명)보다 %(change)s명(%(percent)s%%) 줄었습니다.",
                            **params)
    return lazy_message("%(year)s년 주민투표 참여자는 %(voters)s명으로 %(before_year)s년"
                        "(%(before)s명)보다 %(change)s명 늘었습니다.", **params)


def _count(figures: dict, name: str, problem) -> int | None:
    value = figures.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(problem, field=name)
    if value > COUNT_MAX:
        raise DomainError(lazy_message("%(max)s 이하의 수로 입력하세요.",
                                       max=format_decimal(COUNT_MAX)), field=name)
    return value


def _checked_figures(figures: dict) -> dict:
    counts = {name: _count(figures, name, _l("0 이상의 정수로 입력하세요."))
              for name in FIGURES}
    if all(value is None for value in counts.values()):
        raise DomainError(_l("적어도 한 가지 수치를 입력하세요."), field="voters")
    days = counts["voting_days"]
    if days is not None and not 1 <= days <= 366:
        raise DomainError(_l("투표 기간은 1일에서 366일 사이여야 합니다."), field="voting_days")
    by_channel = [counts[name] for name in CHANNEL_FIGURES.values() if counts[name] is not None]
    if by_channel and counts["voters"] is not None and sum(by_channel) > counts["voters"]:
        raise DomainError(lazy_message(
            "참여 경로별 인원의 합(%(channels)s명)이 투표 참여자(%(voters)s명)보다 많습니다.",
            channels=format_decimal(sum(by_channel)), voters=format_decimal(counts["voters"])),
            field="online_voters")
    if counts["forums"] == 0 and counts["forum_participants"]:
        raise DomainError(_l("공론장이 0회인 해에는 공론장 참가자가 있을 수 없습니다."),
                          field="forum_participants")
    return counts


def save_recorded(district_id: int, year, figures: dict, source: str, note: str = "",
                  actor=None) -> RecordedParticipation:
    """Record (or correct) a past year's figures with their source; the change, with the
    figures before and after, goes into the audit trail. Refused (nothing changed): a year
    outside 2000..this year, a year the district ran a cycle here (its figures come from the
    records), a negative count, voting days outside 1..366, channels adding up to more than
    the voters, participants without forums, no figure at all, or no source."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise DomainError(_l("0 이상의 정수로 입력하세요."), field="year")
    # A year the column cannot hold is not looked up: PostgreSQL would refuse the query.
    if FIRST_RECORDED_YEAR <= year <= LAST_RECORDED_YEAR and db.session.scalar(
            select(Cycle.id).where(Cycle.district_id == district_id,
                                   Cycle.year == year)) is not None:
        raise Conflict(lazy_message(
            "%(year)s년은 이 자치구가 마당에서 운영한 주기가 있어 참여 현황을 기록에서 "
            "셉니다. 기록된 수치는 주기가 없는 해에만 입력할 수 있습니다.", year=year),
            field="year")
    this_year = seoul_today().year
    if not FIRST_RECORDED_YEAR <= year <= this_year:
        raise DomainError(lazy_message("연도는 %(first)s년부터 %(last)s년 사이로 입력하세요.",
                                       first=FIRST_RECORDED_YEAR, last=this_year), field="year")
    counts = _checked_figures(figures)
    source = (source or "").strip()
    if not source:
        raise DomainError(_l("수치의 출처(문서와 절)를 적으세요."), field="source")
    if len(source) > SOURCE_MAX:
        raise DomainError(lazy_message("출처는 %(max)s자 이내로 적으세요.", max=SOURCE_MAX),
                          field="source")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(lazy_message("메모는 %(max)s자 이내로 적으세요.", max=NOTE_MAX),
                          field="note")
    row = db.session.scalars(select(RecordedParticipation).where(
        RecordedParticipation.district_id == district_id,
        RecordedParticipation.year == year)).first()
    before = None if row is None else {name: getattr(row, name) for name in FIGURES}
    if row is None:
        row = RecordedParticipation(district_id=district_id, year=year)
        db.session.add(row)
    for name, value in counts.items():
        setattr(row, name, value)
    row.source, row.note = source, note
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("participation.record" if before is None else "participation.correct",
                 "recorded_participation", row.id, actor=actor, district_id=district_id,
                 detail={"year": year, "source": source, "before": _figures_text(before),
                         "after": _figures_text(counts)})
    return row


def recorded_of(district_id: int, record_id: int) -> RecordedParticipation:
    """The district's recorded year ``record_id``; another district's is not found."""
    row = db.session.get(RecordedParticipation, record_id)
    if row is None or row.district_id != district_id:
        raise NotFound(_l("그런 기록된 참여 수치가 없습니다."))
    return row


def remove_recorded(district_id: int, record_id: int, actor=None) -> None:
    """Remove a recorded year (a year entered by mistake); the trail keeps its figures."""
    row = recorded_of(district_id, record_id)
    kept = {name: getattr(row, name) for name in FIGURES}
    audit.record("participation.remove", "recorded_participation", row.id, actor=actor,
                 district_id=district_id,
                 detail={"year": row.year, "source": row.source, "before": _figures_text(kept)})
    db.session.delete(row)
    db.session.flush()


def _figures_text(counts: dict | None) -> str:
    if counts is None:
        return ""
    return ", ".join(f"{name}={counts[name]}" for name in FIGURES if counts[name] is not None)
