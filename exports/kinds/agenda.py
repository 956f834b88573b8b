"""Agenda items with merge provenance and status history, for one cycle."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from accounts.models import User
from agenda.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AgendaItem,
    AgendaLogEntry,
    Merge,
    MergeSource,
    Support,
)
from agenda.models import FIELD_LABELS as AGENDA_FIELD_LABELS
from core.models import Dong
from exports.kinds.common import counter, find_cycle, label, seoul, streamed
from exports.labels import ACTION_LABELS
from exports.registry import ExportContext, Kind, register
from exports.tables import Column, ColumnType, Table

T = ColumnType



def _items_query(ctx: ExportContext):
    supporters = (select(Support.item_id, func.count(Support.id).label("n"))
                  .group_by(Support.item_id).subquery())
    query = (select(AgendaItem, Dong.name, func.coalesce(supporters.c.n, 0), User.display_name,
                    User.email)
             .outerjoin(Dong, Dong.id == AgendaItem.dong_id)
             .outerjoin(supporters, supporters.c.item_id == AgendaItem.id)
             .outerjoin(User, User.id == AgendaItem.author_id)
             .where(AgendaItem.district_id == ctx.district_id,
                    AgendaItem.cycle_id == ctx.scope_id,
                    AgendaItem.is_draft.is_(False))
             .order_by(AgendaItem.id))
    if ctx.public:
        query = query.where(AgendaItem.hidden_at.is_(None))
    return query


ITEM_COLUMNS = [
    Column("id", "의제 번호", T.INTEGER),
    Column("title", "제목"),
    Column("field", "분야"),
    Column("kind", "유형"),
    Column("area", "대상 지역"),
    Column("status", "상태"),
    Column("is_fused", "통합 의제"),
    Column("merged_into", "통합된 의제 번호", T.INTEGER),
    Column("estimated_cost", "예상 비용", T.WON),
    Column("supporters", "공감 수", T.INTEGER),
    Column("channel", "접수 경로"),
    Column("proposing_group", "제안 단체"),
    Column("department", "담당 부서"),
    Column("civil_partners", "민간 파트너"),
    Column("shortlisted_for_vote", "주민투표 후보"),
    Column("hidden_reason", "숨김 사유"),
    Column("proposed_at", "제안 일시", T.DATETIME),
    Column("author_name", "제안자 이름", personal=True),
    Column("author_email", "제안자 이메일", personal=True),
]


def item_rows(ctx: ExportContext):
    for item, dong, supporters, name, email in streamed(_items_query(ctx)):
        yield (item.id, item.title, label(AGENDA_FIELD_LABELS, item.field),
               label(KIND_LABELS, item.kind), dong or str(_l("구 전체")),
               label(STATUS_LABELS, item.status), "예" if item.is_fused else "아니오",
               item.merged_into_id, item.estimated_cost, supporters,
               label(CHANNEL_LABELS, item.channel), item.proposing_group,
               item.department, item.civil_partners,
               "예" if item.shortlisted_for_vote else "아니오",
               item.hidden_reason if item.hidden_at else "", seoul(item.created_at),
               name or "", email or "")


def _merges_query(ctx: ExportContext):
    fused = aliased(AgendaItem)
    source = aliased(AgendaItem)
    query = (select(Merge, MergeSource, fused.title, source.title)
             .join(MergeSource, MergeSource.merge_id == Merge.id)
             .join(fused, fused.id == Merge.fused_item_id)
             .join(source, source.id == MergeSource.source_item_id)
             .where(fused.district_id == ctx.district_id, fused.cycle_id == ctx.scope_id)
             .order_by(Merge.id, MergeSource.id))
    if ctx.public:
        query = query.where(fused.hidden_at.is_(None), source.hidden_at.is_(None))
    return query


MERGE_COLUMNS = [
    Column("merge_id", "통합 번호", T.INTEGER),
    Column("fused_item_id", "통합 의제 번호", T.INTEGER),
    Column("fused_title", "통합 의제"),
    Column("source_item_id", "원 제안 번호", T.INTEGER),
    Column("source_title", "원 제안"),
    Column("previous_status", "통합 전 상태"),
    Column("reason", "통합 사유"),
    Column("merged_at", "통합 일시", T.DATETIME),
    Column("undone_at", "통합 취소 일시", T.DATETIME),
    Column("undo_reason", "취소 사유"),
]


def merge_rows(ctx: ExportContext):
    for merge, source, fused_title, source_title in streamed(_merges_query(ctx)):
        yield (merge.id, merge.fused_item_id, fused_title, source.source_item_id, source_title,
               label(STATUS_LABELS, source.previous_status), merge.reason,
               seoul(merge.created_at), seoul(merge.undone_at), merge.undo_reason)


def _history_query(ctx: ExportContext):
    query = (select(AgendaLogEntry, User.display_name)
             .join(AgendaItem, AgendaItem.id == AgendaLogEntry.item_id)
             .outerjoin(User, User.id == AgendaLogEntry.actor_id)
             .where(AgendaItem.district_id == ctx.district_id,
                    AgendaItem.cycle_id == ctx.scope_id, AgendaItem.is_draft.is_(False))
             .order_by(AgendaLogEntry.item_id, AgendaLogEntry.id))
    if ctx.public:
        query = query.where(AgendaItem.hidden_at.is_(None))
    return query


HISTORY_COLUMNS = [
    Column("item_id", "의제 번호", T.INTEGER),
    Column("action", "변경"),
    Column("from_status", "이전 상태"),
    Column("to_status", "이후 상태"),
    Column("related_item_id", "관련 의제 번호", T.INTEGER),
    Column("reason", "사유"),
    Column("at", "일시", T.DATETIME),
    Column("actor", "처리자", personal=True),
]


def history_rows(ctx: ExportContext):
    for entry, actor in streamed(_history_query(ctx)):
        yield (entry.item_id, label(ACTION_LABELS, entry.action),
               label(STATUS_LABELS, entry.from_status), label(STATUS_LABELS, entry.to_status),
               entry.related_item_id, entry.reason, seoul(entry.created_at), actor or "")


def tables(ctx: ExportContext) -> list[Table]:
    return [
        Table("agenda_items", "의제 목록", ITEM_COLUMNS, lambda: item_rows(ctx),
              counter(_items_query(ctx))),
        Table("agenda_merges", "의제 통합 이력", MERGE_COLUMNS, lambda: merge_rows(ctx),
              counter(_merges_query(ctx))),
        Table("agenda_history", "의제 상태 이력", HISTORY_COLUMNS, lambda: history_rows(ctx),
              counter(_history_query(ctx))),
    ]


KIND = register(Kind(
    name="agenda", label=_l("의제"), scope="cycle", formats=("csv", "xlsx", "json"),
    find=find_cycle, tables=tables, public_formats=("csv", "json"), has_personal=True,
))
