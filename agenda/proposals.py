"""Proposals and the agenda items they become, as every agenda operation meets them: what a
proposer writes (``Proposal``) and how it is checked, loading an item of a district, who may
see it, cleaning what people type, the merge an item came from, and the item's log.

Services in this package take ids and values, check every rule, change the session and flush;
the request commits once. A refused request raises a ``DomainError`` before anything changes.
For other packages: ``get_item(district_id, item_id)``, an item of a district or ``NotFound``.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.markup import contains_markup
from agenda.models import (
    DESCRIPTION_MAX,
    MAX_ESTIMATED_COST,
    TITLE_MAX,
    AgendaItem,
    AgendaLogEntry,
    Field,
    Kind,
    LogAction,
    Merge,
)
from core import audit
from core.auth import Role
from core.db import db
from core.errors import DomainError, NotFound
from core.i18n import lazy_message
from core.models import Cycle, Dong

COMMENT_MAX = 5_000
REASON_MAX = 2_000
NO_MARKUP = _l("HTML 태그는 쓸 수 없습니다. 서식이 필요하면 마크다운(**굵게**, - 목록)을 쓰세요.")
ITEM_NOT_FOUND = _l("그런 의제가 없습니다.")


@dataclass
class Proposal:
    """What a proposer writes; the same shape serves a new item, an edit and a fused item."""

    title: str
    description: str
    field: str
    kind: str
    dong_id: int | None = None
    estimated_cost: int | None = None
    proposing_group: str = ""


def get_item(district_id: int, item_id: int) -> AgendaItem:
    """The item ``item_id`` if it belongs to ``district_id``; ``NotFound`` otherwise."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.district_id != district_id:
        raise NotFound(ITEM_NOT_FOUND)
    return item


def locked_item(district_id: int, item_id: int) -> AgendaItem:
    """``get_item`` with the row locked until commit (on PostgreSQL), so two organizers cannot
    merge or move the same item at once."""
    item = db.session.scalars(
        select(AgendaItem).where(AgendaItem.id == item_id).with_for_update()
    ).first()
    if item is None or item.district_id != district_id:
        raise NotFound(ITEM_NOT_FOUND)
    return item


def get_cycle(district_id: int, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("그런 연차 계획 주기가 없습니다."))
    return cycle


def is_public(item: AgendaItem) -> bool:
    return not item.is_draft and not item.is_hidden


def can_view(item: AgendaItem, user) -> bool:
    """Drafts only to their author. Hidden items stay reachable so the page can say they were
    hidden; how much of them to show is the page's decision (author and organizers see all)."""
    if not item.is_draft:
        return True
    return user is not None and user.is_authenticated and item.author_id == user.id


def is_coordinator(user, district_id: int) -> bool:
    return bool(user is not None and user.is_authenticated
                and user.has_role(district_id, Role.ORGANIZER))


def clean_text(text: str | None, empty_message, max_length: int) -> str:
    """``text`` stripped, or a ``DomainError``: empty (``empty_message``), too long, or markup."""
    text = (text or "").strip()
    if not text:
        raise DomainError(empty_message)
    if len(text) > max_length:
        raise DomainError(lazy_message("%(max)d자 이하로 입력하세요.", max=max_length))
    if contains_markup(text):
        raise DomainError(NO_MARKUP)
    return text


def clean_reason(reason: str | None) -> str:
    """A staff action's reason, which the public or the proposer reads."""
    return clean_text(reason, _l("사유를 적으세요."), REASON_MAX)


def clean_proposal(district_id: int, data: Proposal) -> Proposal:
    """``data`` checked and stripped, for a new item, an edit or a fused item; a
    ``DomainError`` names the first thing wrong."""
    title = (data.title or "").strip()
    description = (data.description or "").strip()
    group = (data.proposing_group or "").strip()
    if not title:
        raise DomainError(_l("제목을 입력하세요."))
    if len(title) > TITLE_MAX:
        raise DomainError(lazy_message("제목은 %(max)d자 이하로 입력하세요.", max=TITLE_MAX))
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(lazy_message("설명은 %(max)d자 이하로 입력하세요.", max=DESCRIPTION_MAX))
    if len(group) > 100:
        raise DomainError(lazy_message("제안 단체 이름은 %(max)d자 이하로 입력하세요.", max=100))
    if any(contains_markup(value) for value in (title, description, group)):
        raise DomainError(NO_MARKUP)
    if data.field not in {f.value for f in Field}:
        raise DomainError(_l("분야를 고르세요."))
    if data.kind not in {k.value for k in Kind}:
        raise DomainError(_l("의제 유형을 고르세요."))
    if data.dong_id is not None:
        dong = db.session.get(Dong, data.dong_id)
        if dong is None or dong.district_id != district_id:
            raise DomainError(_l("이 자치구의 동을 고르세요."))
    cost = data.estimated_cost
    if cost is not None and not 0 <= cost <= MAX_ESTIMATED_COST:
        raise DomainError(
            lazy_message("예상 비용은 0원 이상 %(max)s원 이하로 입력하세요.",
                         max=f"{MAX_ESTIMATED_COST:,}")
        )
    return Proposal(title, description, data.field, data.kind, data.dong_id, cost, group)


def fill_item(item: AgendaItem, data: Proposal) -> None:
    """Write a cleaned proposal onto ``item``."""
    item.title = data.title
    item.description = data.description
    item.field = data.field
    item.kind = data.kind
    item.dong_id = data.dong_id
    item.estimated_cost = data.estimated_cost
    item.proposing_group = data.proposing_group


def log_step(item: AgendaItem, action: LogAction, actor=None, reason: str = "",
             from_status: str | None = None, to_status: str | None = None,
             related: AgendaItem | None = None) -> None:
    """Add a step to the item's public log (and, for staff actions, the audit trail)."""
    item.log.append(AgendaLogEntry(
        action=action.value, actor_id=getattr(actor, "id", None), reason=reason,
        from_status=from_status, to_status=to_status,
        related_item_id=related.id if related is not None else None,
    ))
    # A resident proposing or editing their own item is not a staff action; everything else
    # logged here (merging, statuses, hiding, shortlisting...) also goes to the audit trail.
    if action is LogAction.PROPOSED or (action is LogAction.EDITED and not item.is_fused):
        return
    if item.id is None:
        db.session.flush()
    audit.record(f"agenda.{action.value}", "agenda_item", item.id, actor, item.district_id,
                 {"reason": reason, "from": from_status, "to": to_status,
                  "related_id": related.id if related is not None else None})


def active_merge(item: AgendaItem) -> Merge | None:
    """The merge that made ``item`` (a fused item), undone or not."""
    if not item.is_fused:
        return None
    return db.session.scalars(select(Merge).where(Merge.fused_item_id == item.id)).first()


def sources_of(item: AgendaItem) -> list[AgendaItem]:
    merge = active_merge(item)
    return [source.source_item for source in merge.sources] if merge else []
