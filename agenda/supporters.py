"""Supporters (공감): residents back an item once each, and may withdraw; merging carries
them over to the fused item."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agenda.models import AgendaItem, Status, Support
from agenda.proposals import ITEM_NOT_FOUND, get_item, is_public
from core.auth import require_member
from core.db import db
from core.errors import Conflict, NotFound

SUPPORTABLE = frozenset({Status.PROPOSED, Status.UNDER_REVIEW, Status.SHORTLISTED})


def support_count(item_id: int) -> int:
    return db.session.scalar(select(func.count(Support.id)).where(Support.item_id == item_id))


def supports(item_id: int, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(Support.id).where(
        Support.item_id == item_id, Support.user_id == user.id)) is not None


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
