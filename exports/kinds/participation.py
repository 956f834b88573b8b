"""Participation statistics of one cycle: how many took part at each stage, who came to the
forums (only from consented answers, with small groups suppressed), and the district's
participation over the years (``plans.participation``; seed 002 §2 tracks it per year)."""

from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from agenda.models import AgendaItem, Support
from core.db import db
from core.i18n import lazy_message
from exports.kinds.common import find_cycle, label
from exports.registry import ExportContext, Kind, register
from exports.tables import Column, ColumnType, Table
from forums.models import AGE_BAND_LABELS, AGE_BANDS, GENDER_LABELS, Forum, Participant
from plans import participation
from plans.participation import CHANNEL_FIGURES
from voting.labels import CHANNEL_LABELS
from voting.rules import Channel

T = ColumnType
# Groups smaller than this are shown empty: a count of 1 or 2 can point at a person.
SMALL_GROUP = 5

STAGE_COLUMNS = [Column("stage", "단계"), Column("measure", "항목"),
                 Column("value", "값", T.INTEGER)]
HISTORY_COLUMNS = [
    Column("year", "연도", T.INTEGER), Column("basis", "근거"),
    Column("voters", "주민투표 참여자", T.INTEGER),
    Column("voting_days", "투표 기간(일)", T.INTEGER),
    Column("online_voters", "온라인 참여자", T.INTEGER),
    Column("paper_voters", "종이 투표 참여자", T.INTEGER),
    Column("forum_voters", "공론장 현장 투표 참여자", T.INTEGER),
    Column("forums", "공론장 수", T.INTEGER),
    Column("forum_participants", "공론장 참가자 수", T.INTEGER),
    Column("proposals", "제안 수", T.INTEGER), Column("source", "출처"),
]
MAKEUP_COLUMNS = [Column("forum", "공론장"), Column("dimension", "구분"), Column("group", "집단"),
                  Column("count", "인원", T.INTEGER), Column("share", "비율", T.PERCENT)]

# Further stages (votes, plans) add their own rows: (ctx) -> iterable of (stage, measure, n).
STAGE_PARTS: list = []


def _agenda_rows(ctx: ExportContext):
    items = (select(AgendaItem.id).where(AgendaItem.district_id == ctx.district_id,
                                         AgendaItem.cycle_id == ctx.scope_id,
                                         AgendaItem.is_draft.is_(False)))
    proposals = db.session.scalar(select(func.count()).select_from(items.subquery()))
    proposers = db.session.scalar(
        select(func.count(distinct(AgendaItem.author_id)))
        .where(AgendaItem.id.in_(items), AgendaItem.is_fused.is_(False)))
    supports = db.session.scalar(select(func.count(Support.id))
                                 .where(Support.item_id.in_(items)))
    supporters = db.session.scalar(select(func.count(distinct(Support.user_id)))
                                   .where(Support.item_id.in_(items)))
    stage = str(_l("의제 발굴"))
    yield stage, str(_l("제안·통합 의제 수")), proposals
    yield stage, str(_l("제안한 주민 수")), proposers
    yield stage, str(_l("공감 수")), supports
    yield stage, str(_l("공감한 주민 수")), supporters


def forums_of_cycle(ctx: ExportContext) -> list[Forum]:
    return list(db.session.scalars(select(Forum).where(
        Forum.district_id == ctx.district_id, Forum.cycle_id == ctx.scope_id)
        .order_by(Forum.held_on, Forum.id)))


def _forum_rows(ctx: ExportContext):
    stage = str(_l("숙의·공론장"))
    forums = forums_of_cycle(ctx)
    ids = [f.id for f in forums]
    yield stage, str(_l("공론장 수")), len(forums)
    yield stage, str(_l("참가자 수")), db.session.scalar(
        select(func.count(Participant.id)).where(Participant.forum_id.in_(ids)))
    yield stage, str(_l("인구통계 제공에 동의한 참가자 수")), db.session.scalar(
        select(func.count(Participant.id)).where(Participant.forum_id.in_(ids),
                                                 Participant.consented_at.is_not(None)))


def _vote_rows(ctx: ExportContext):
    """The cycle's priority vote as the participation history counts it (the vote with the
    most ballots): its voters, days and channels."""
    year = participation.counted_year(find_cycle(ctx.district_id, ctx.scope_id))
    stage = str(_l("우선순위 주민투표"))
    yield stage, str(_l("투표 참여자 수")), year.voters or 0
    yield stage, str(_l("투표 기간(일)")), year.voting_days or 0
    if not year.channels:  # none, or hidden with the results while the vote is open
        return
    for channel in Channel:
        yield (stage, str(lazy_message("%(channel)s 참여자 수", channel=CHANNEL_LABELS[channel])),
               year.channels.get(channel.value, 0))


def stage_rows(ctx: ExportContext):
    yield from _agenda_rows(ctx)
    yield from _forum_rows(ctx)
    yield from _vote_rows(ctx)
    for part in STAGE_PARTS:
        yield from part(ctx)


def makeup_rows(ctx: ExportContext):
    for forum in forums_of_cycle(ctx):
        consented = [p for p in forum.participants if p.consented_at is not None]
        dimensions = (
            (str(_l("연령대")), AGE_BANDS, AGE_BAND_LABELS, Counter(p.age_band for p in consented)),
            (str(_l("성별")), tuple(GENDER_LABELS), GENDER_LABELS,
             Counter(p.gender for p in consented)),
        )
        for dimension, groups, labels, counts in dimensions:
            total = sum(counts[g] for g in groups)
            for group in groups:
                n = counts[group]
                if 0 < n < SMALL_GROUP:
                    yield forum.title, dimension, label(labels, group), None, None
                else:
                    yield (forum.title, dimension, label(labels, group), n,
                           n / total if total else 0.0)


def history_rows(ctx: ExportContext):
    for year in participation.history(ctx.district_id):
        yield (year.year, str(_l("기록된 수치") if year.recorded else _l("마당 기록에서 계산")),
               year.voters, year.voting_days,
               *(year.channels.get(channel.value) for channel in CHANNEL_FIGURES),
               year.forums, year.forum_participants, year.proposals, year.source)


def tables(ctx: ExportContext) -> list[Table]:
    return [
        # Counted by making them: a dozen rows, and the vote's by channel only when shown.
        Table("participation", "단계별 참여 현황", STAGE_COLUMNS, lambda: stage_rows(ctx),
              lambda: sum(1 for _row in stage_rows(ctx))),
        Table("forum_makeup", "공론장 참가자 구성", MAKEUP_COLUMNS, lambda: makeup_rows(ctx),
              lambda: 10 * len(forums_of_cycle(ctx))),
        Table("participation_history", "연도별 참여 현황", HISTORY_COLUMNS,
              lambda: history_rows(ctx), lambda: len(participation.history(ctx.district_id))),
    ]


KIND = register(Kind(
    name="participation", label=_l("참여 통계"), scope="cycle", formats=("csv", "xlsx", "json"),
    find=find_cycle, tables=tables, public_formats=("csv", "json"),
))
