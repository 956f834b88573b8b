"""Comments on an item, and replies one level deep."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.models import Comment
from agenda.proposals import COMMENT_MAX, ITEM_NOT_FOUND, clean_text, get_item, is_public
from core.auth import require_member
from core.db import db
from core.errors import DomainError, NotFound


def add_comment(district_id: int, item_id: int, user, body: str,
                parent_id: int | None = None) -> Comment:
    """A comment, or a reply to a top-level comment (replies to replies are refused)."""
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    if not is_public(item):
        raise NotFound(ITEM_NOT_FOUND)
    body = clean_text(body, _l("댓글 내용을 입력하세요."), COMMENT_MAX)
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.item_id != item.id:
            raise NotFound(_l("그런 댓글이 없습니다."))
        if parent.parent_id is not None:
            raise DomainError(_l("답글에는 다시 답글을 달 수 없습니다."))
    comment = Comment(item_id=item.id, parent_id=parent_id, author_id=user.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_of(item_id: int) -> list[Comment]:
    return list(db.session.scalars(
        select(Comment).where(Comment.item_id == item_id, Comment.parent_id.is_(None))
        .order_by(Comment.id)
    ))
