"""Notices to proposers: an in-app notice when their item is merged, unmerged, moved or
hidden, and a mail after commit."""

from flask import has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from agenda.models import AgendaItem, Notice, NoticeKind
from core.db import db, utcnow
from core.i18n import lazy_message
from core.mail import send_mail


def notify_proposer(user, item: AgendaItem, kind: NoticeKind, related: AgendaItem | None = None,
                    status: str | None = None, reason: str = "", mail: bool = True) -> None:
    """An in-app notice to a proposer, and a mail after commit."""
    if user is None:
        return
    db.session.add(Notice(user_id=user.id, item_id=item.id, kind=kind.value, status=status,
                          related_item_id=related.id if related is not None else None,
                          reason=reason))
    if not mail:
        return
    # Korean, the district's language: the platform does not know a recipient's UI language.
    with force_locale("ko"):
        subject = {
            NoticeKind.MERGED: _("[마당] 제안하신 의제가 통합 의제에 합쳐졌습니다"),
            NoticeKind.MERGE_UNDONE: _("[마당] 제안하신 의제의 통합이 취소되었습니다"),
            NoticeKind.STATUS: _("[마당] 제안하신 의제의 상태가 바뀌었습니다"),
            NoticeKind.HIDDEN: _("[마당] 제안하신 의제가 숨김 처리되었습니다"),
        }[kind]
        # A mail is plain text, read in the language forced here: str() renders it now.
        body = str(lazy_message("의제: %(title)s", title=item.title))
        if related is not None:
            body += "\n" + str(lazy_message("통합 의제: %(title)s", title=related.title))
        if reason:
            body += "\n" + str(lazy_message("사유: %(reason)s", reason=reason))
    if has_request_context():
        body += "\n\n" + url_for("agenda.item_page", item_id=item.id, _external=True)
    send_mail(user.email, subject, body)


def notices_for(user, limit: int = 20) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.user_id == user.id).order_by(Notice.id.desc()).limit(limit)
    ))


def mark_notices_read(user) -> None:
    for notice in db.session.scalars(select(Notice).where(
            Notice.user_id == user.id, Notice.read_at.is_(None))):
        notice.read_at = utcnow()
    db.session.flush()
