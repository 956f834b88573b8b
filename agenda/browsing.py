"""Browsing the agenda: public items of a cycle with filters, search, sorting and pages;
a person's own items."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from agenda.models import AgendaItem, Channel, Field, Kind, Status, Support
from core.db import db
from core.inputs import record_id

SORTS = ("newest", "supported")
PAGE_SIZE = 20


def _support_counts():
    return (select(Support.item_id, func.count(Support.id).label("supporters"))
            .group_by(Support.item_id).subquery())


@dataclass
class Browse:
    items: list
    counts: dict[int, int]
    total: int
    page: int
    pages: int


def browse(district_id: int, cycle_id: int | None, *, field: str | None = None,
           kind: str | None = None, area: str | None = None, status: str | None = None,
           channel: str | None = None, query: str | None = None, sort: str = "newest",
           page: int = 1, page_size: int = PAGE_SIZE) -> Browse:
    """Public items (no drafts, nothing hidden) of a cycle with filters, search and paging.

    ``area`` is a dong id or ``"district"`` for district-wide items; ``channel`` the intake
    channel (``Channel``); ``query`` matches title,
    description and proposing group (Korean substrings, case-insensitive).
    """
    counts = _support_counts()
    supporters = func.coalesce(counts.c.supporters, 0)
    stmt = (select(AgendaItem, supporters)
            .outerjoin(counts, counts.c.item_id == AgendaItem.id)
            .where(AgendaItem.district_id == district_id, AgendaItem.is_draft.is_(False),
                   AgendaItem.hidden_at.is_(None)))
    stmt = stmt.where(AgendaItem.cycle_id.is_(None) if cycle_id is None
                      else AgendaItem.cycle_id == cycle_id)
    if field in {f.value for f in Field}:
        stmt = stmt.where(AgendaItem.field == field)
    if kind in {k.value for k in Kind}:
        stmt = stmt.where(AgendaItem.kind == kind)
    if status in {s.value for s in Status}:
        stmt = stmt.where(AgendaItem.status == status)
    if channel in {c.value for c in Channel}:
        stmt = stmt.where(AgendaItem.channel == channel)
    if area == "district":
        stmt = stmt.where(AgendaItem.dong_id.is_(None))
    elif (dong_id := record_id(area)) is not None:
        stmt = stmt.where(AgendaItem.dong_id == dong_id)
    if query and query.strip():
        pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        stmt = stmt.where(or_(AgendaItem.title.ilike(pattern, escape="\\"),
                              AgendaItem.description.ilike(pattern, escape="\\"),
                              AgendaItem.proposing_group.ilike(pattern, escape="\\")))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if sort == "supported":
        stmt = stmt.order_by(supporters.desc(), AgendaItem.id.desc())
    else:
        stmt = stmt.order_by(AgendaItem.created_at.desc(), AgendaItem.id.desc())
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return Browse([row[0] for row in rows], {row[0].id: row[1] for row in rows}, total, page,
                  pages)


def my_items(district_id: int, user) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.district_id == district_id,
                                 AgendaItem.author_id == user.id)
        .order_by(AgendaItem.id.desc())
    ))
