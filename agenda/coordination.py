"""Coordination (의제 조정) besides merging: moving an item along its statuses, the
shortlist for forums and the vote, the responsible department and partners, duplicates of
existing projects.

For other packages: ``shortlisted_items(cycle_id, for_vote=True)``, the candidates a vote or
forum works on; ``set_status(item_id, status, actor, reason)``, with which voting moves items
to ``in_vote``, ``selected`` or ``not_selected`` and plans to ``in_plan``.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.markup import contains_markup
from agenda.models import STATUS_LABELS, AgendaItem, LogAction, NoticeKind, Status
from agenda.notices import notify_proposer
from agenda.proposals import (
    ITEM_NOT_FOUND,
    NO_MARKUP,
    clean_reason,
    clean_text,
    get_item,
    is_public,
    locked_item,
    log_step,
)
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message

# Statuses an organizer (or another package) may move an item between. Merging and undoing
# have their own operations because they touch several items and keep provenance.
TRANSITIONS: dict[Status, set[Status]] = {
    Status.PROPOSED: {Status.UNDER_REVIEW, Status.DECLINED},
    Status.UNDER_REVIEW: {Status.PROPOSED, Status.DECLINED},
    Status.SHORTLISTED: {Status.UNDER_REVIEW, Status.DECLINED, Status.IN_VOTE},
    Status.DECLINED: {Status.UNDER_REVIEW},
    # Back to the shortlist when a vote is cancelled before it counts.
    Status.IN_VOTE: {Status.SELECTED, Status.NOT_SELECTED, Status.SHORTLISTED},
    Status.SELECTED: {Status.IN_PLAN},
    Status.NOT_SELECTED: set(),
    Status.IN_PLAN: set(),
    Status.MERGED: set(),
    Status.DISSOLVED: set(),
}
SHORTLISTABLE = frozenset({Status.PROPOSED, Status.UNDER_REVIEW, Status.SHORTLISTED})


def set_status(item_id: int, status: str, actor=None, reason: str = "",
               district_id: int | None = None, notify: bool = True) -> AgendaItem:
    """Move an item along its life (see ``TRANSITIONS``) and log who, when and why.

    For other packages: voting calls ``set_status(id, "in_vote", actor)`` when a vote opens
    and ``"selected"`` / ``"not_selected"`` when it is counted; plans calls ``"in_plan"``.
    ``actor`` may be ``None`` for automatic steps. ``declined`` needs a ``reason`` (public).
    With ``district_id`` the item must belong to it. Raises ``Conflict`` (409) for a move the
    item's current status does not allow, ``NotFound`` for an unknown item.
    """
    item = db.session.scalars(
        select(AgendaItem).where(AgendaItem.id == item_id).with_for_update()
    ).first()
    if item is None or (district_id is not None and item.district_id != district_id):
        raise NotFound(ITEM_NOT_FOUND)
    try:
        target = Status(status)
    except ValueError:
        raise DomainError(_l("알 수 없는 상태입니다.")) from None
    current = Status(item.status)
    if item.is_draft:
        raise Conflict(_l("임시 저장된 의제는 상태를 바꿀 수 없습니다."))
    if target not in TRANSITIONS[current]:
        raise Conflict(lazy_message("‘%(current)s’ 상태에서 ‘%(target)s’(으)로 바꿀 수 없습니다.",
                                    current=item.status_label,
                                    target=STATUS_LABELS[target]))
    reason = (reason or "").strip()
    if target == Status.DECLINED:
        reason = clean_reason(reason)
        item.decline_reason = reason
    elif reason:
        reason = clean_reason(reason)
    log_step(item, LogAction.STATUS, actor, reason=reason, from_status=current.value,
             to_status=target.value)
    item.status = target.value
    notify_proposer(item.author, item, NoticeKind.STATUS, status=target.value, reason=reason,
                    mail=notify)
    db.session.flush()
    return item


def shortlist(district_id: int, item_id: int, actor, for_forum: bool, for_vote: bool,
              reason: str) -> AgendaItem:
    """Put an item on the shortlist for a forum and/or the vote, with a public reason."""
    item = locked_item(district_id, item_id)
    if not for_forum and not for_vote:
        raise DomainError(_l("공론장과 주민투표 중 하나 이상을 고르세요."))
    reason = clean_reason(reason)
    if not is_public(item):
        raise Conflict(_l("숨겨졌거나 임시 저장된 의제는 최종 후보가 될 수 없습니다."))
    if item.status not in SHORTLISTABLE:
        raise Conflict(lazy_message("‘%(status)s’ 상태의 의제는 최종 후보로 정할 수 없습니다.",
                                    status=item.status_label))
    log_step(item, LogAction.SHORTLISTED, actor, reason=reason, from_status=item.status,
             to_status=Status.SHORTLISTED.value)
    item.status = Status.SHORTLISTED.value
    item.shortlisted_for_forum = for_forum
    item.shortlisted_for_vote = for_vote
    item.shortlist_reason = reason
    db.session.flush()
    return item


def shortlisted_items(cycle_id: int, for_vote: bool = True,
                      for_forum: bool = False) -> list[AgendaItem]:
    """The cycle's shortlisted candidates (status ``shortlisted`` or already ``in_vote``),
    visible to the public, for the vote (``for_vote``) and/or a forum (``for_forum``).

    Used by voting to build a ballot (each item's ``estimated_cost`` in won feeds budget
    ballots) and by forums to pick topics. Ordered by id for a stable ballot order.
    """
    stmt = select(AgendaItem).where(
        AgendaItem.cycle_id == cycle_id, AgendaItem.hidden_at.is_(None),
        AgendaItem.is_draft.is_(False),
        AgendaItem.status.in_([Status.SHORTLISTED.value, Status.IN_VOTE.value]))
    if for_vote:
        stmt = stmt.where(AgendaItem.shortlisted_for_vote.is_(True))
    if for_forum:
        stmt = stmt.where(AgendaItem.shortlisted_for_forum.is_(True))
    return list(db.session.scalars(stmt.order_by(AgendaItem.id)))


def assign(district_id: int, item_id: int, actor, department: str, civil_partners: str,
           reason: str = "") -> AgendaItem:
    """Name the responsible department and civil partners (민관 실행 주체)."""
    item = get_item(district_id, item_id)
    department = (department or "").strip()
    civil_partners = (civil_partners or "").strip()
    if len(department) > 100 or len(civil_partners) > 300:
        raise DomainError(_l("담당 부서는 100자, 민간 파트너는 300자 이하로 입력하세요."))
    if contains_markup(department) or contains_markup(civil_partners) or contains_markup(reason):
        raise DomainError(NO_MARKUP)
    if not department and not civil_partners:
        raise DomainError(_l("담당 부서나 민간 파트너를 입력하세요."))
    item.department = department
    item.civil_partners = civil_partners
    parts = (department, civil_partners, reason.strip())
    log_step(item, LogAction.ASSIGNED, actor, reason=" / ".join(part for part in parts if part))
    db.session.flush()
    return item


def mark_duplicate(district_id: int, item_id: int, actor, project: str,
                   reason: str) -> AgendaItem:
    """Note that an item repeats an existing district project (기존 사업과 중복)."""
    item = get_item(district_id, item_id)
    project = clean_text(project, _l("중복되는 기존 사업의 이름을 적으세요."), 300)
    reason = clean_reason(reason)
    item.duplicate_of_project = project
    log_step(item, LogAction.DUPLICATE, actor, reason=f"{project} — {reason}")
    db.session.flush()
    return item
