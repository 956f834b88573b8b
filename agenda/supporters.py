"""Supporters (공감): residents back an item once each, and may withdraw; merging carries
them over to the fused item.

A support says that other residents share a proposal (seed 002 §5 기본구상, 전략목표: agendas
are chosen by the priorities "다수(주민의견, 정책분석)가 공감하는"). Neither the seeds nor the
ordinance say anything about backing one's own proposal, so this is the product rule: a
proposer does not support their own item, which would only count the proposal twice."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agenda.models import AgendaItem, Status, Support
from agenda.proposals import ITEM_NOT_FOUND, get_item, is_public
from core.auth import require_member
from core.db import db
from core.errors import Conflict, Forbidden, NotFound

SUPPORTABLE = frozenset({Status.PROPOSED, Status.UNDER_REVIEW, Status.SHORTLISTED})

# Why an item shows no support button, by the reason ``why_not_supportable`` gives; "merged"
# is shown with a link to the fused item, so its sentence is in the item page.
CLOSED_REASONS = {
    Status.IN_VOTE.value: _l("주민투표가 진행 중인 의제라 공감을 받지 않습니다. 투표로 뜻을 "
                             "보여 주세요."),
    Status.SELECTED.value: _l("주민투표가 끝난 의제라 공감을 더 받지 않습니다."),
    Status.NOT_SELECTED.value: _l("주민투표가 끝난 의제라 공감을 더 받지 않습니다."),
    Status.IN_PLAN.value: _l("이미 실행계획에 반영된 의제라 공감을 더 받지 않습니다."),
    Status.DECLINED.value: _l("채택하지 않기로 한 의제라 공감을 받지 않습니다."),
    Status.DISSOLVED.value: _l("통합이 취소된 의제라 공감을 받지 않습니다. 원 제안에 공감해 "
                               "주세요."),
}
OWN_PROPOSAL = _l("내가 제안한 의제에는 공감할 수 없습니다. 공감은 다른 주민이 이 제안에 "
                  "함께한다는 표시입니다.")


def support_count(item_id: int) -> int:
    return db.session.scalar(select(func.count(Support.id)).where(Support.item_id == item_id))


def supports(item_id: int, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(Support.id).where(
        Support.item_id == item_id, Support.user_id == user.id)) is not None


def why_not_supportable(item: AgendaItem, user) -> str | None:
    """Why ``user`` (signed in or not) sees no support button on a public ``item``: the
    item's status (``"merged"`` or a key of ``CLOSED_REASONS``), ``"own"`` for its proposer,
    or None when they may support it."""
    if item.status not in SUPPORTABLE:
        return item.status
    if user is not None and user.is_authenticated and item.author_id == user.id:
        return "own"
    return None


def _check_supportable(item: AgendaItem) -> None:
    if not is_public(item):
        raise NotFound(ITEM_NOT_FOUND)
    if item.status == Status.MERGED.value:
        raise Conflict(_l("이 제안은 통합 의제에 합쳐졌습니다. 통합 의제에 공감해 주세요."))
    if item.status not in SUPPORTABLE:
        raise Conflict(_l("이 단계에서는 공감을 누르거나 거둘 수 없습니다."))


def support(district_id: int, item_id: int, user) -> Support:
    """A resident's 공감; a second one is refused (the unique constraint settles races)."""
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    _check_supportable(item)
    if item.author_id == user.id:
        raise Forbidden(OWN_PROPOSAL)
    already = _l("이미 공감한 의제입니다.")
    if supports(item.id, user):
        raise Conflict(already)
    record = Support(item_id=item.id, user_id=user.id)
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(already) from exc
    return record


def withdraw_support(district_id: int, item_id: int, user) -> None:
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    _check_supportable(item)
    record = db.session.scalars(select(Support).where(
        Support.item_id == item.id, Support.user_id == user.id)).first()
    if record is None:
        raise Conflict(_l("공감하지 않은 의제입니다."))
    db.session.delete(record)
    db.session.flush()
