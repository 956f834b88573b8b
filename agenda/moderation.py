"""Moderation: residents report abusive items and comments; organizers hide them with a
reason the author sees, or dismiss the report. Nothing is deleted."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.models import AgendaItem, Comment, LogAction, NoticeKind, Report
from agenda.notices import notify_proposer
from agenda.proposals import ITEM_NOT_FOUND, clean_reason, get_item, log_step
from core import audit
from core.auth import require_member
from core.db import db, utcnow
from core.errors import Conflict, NotFound


def _comment_in(district_id: int, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or db.session.get(AgendaItem, comment.item_id).district_id != district_id:
        raise NotFound(_l("그런 댓글이 없습니다."))
    return comment


def report(district_id: int, user, item_id: int, reason: str,
           comment_id: int | None = None) -> Report:
    """A resident flags abusive content for the organizers; one open report per person."""
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    if item.is_draft:
        raise NotFound(ITEM_NOT_FOUND)
    if comment_id is not None:
        comment = _comment_in(district_id, comment_id)
        if comment.item_id != item.id:
            raise NotFound(_l("그런 댓글이 없습니다."))
    reason = clean_reason(reason)
    open_report = db.session.scalars(select(Report.id).where(
        Report.reporter_id == user.id, Report.item_id == item.id,
        Report.comment_id.is_(None) if comment_id is None else Report.comment_id == comment_id,
        Report.resolved_at.is_(None))).first()
    if open_report is not None:
        raise Conflict(_l("이미 신고했습니다. 운영자가 확인하고 있습니다."))
    record = Report(item_id=item.id, comment_id=comment_id, reporter_id=user.id, reason=reason)
    db.session.add(record)
    db.session.flush()
    return record


def open_reports(district_id: int) -> list[Report]:
    return list(db.session.scalars(
        select(Report).join(AgendaItem, Report.item_id == AgendaItem.id)
        .where(AgendaItem.district_id == district_id, Report.resolved_at.is_(None))
        .order_by(Report.id)
    ))


def _resolve_reports(item_id: int, comment_id: int | None, actor) -> None:
    for record in db.session.scalars(select(Report).where(
            Report.item_id == item_id, Report.resolved_at.is_(None),
            Report.comment_id.is_(None) if comment_id is None
            else Report.comment_id == comment_id)):
        record.resolved_at = utcnow()
        record.resolved_by_id = actor.id


def dismiss_report(district_id: int, report_id: int, actor) -> None:
    record = db.session.get(Report, report_id)
    if record is None or record.item.district_id != district_id:
        raise NotFound(_l("그런 신고가 없습니다."))
    if record.resolved_at is not None:
        raise Conflict(_l("이미 처리된 신고입니다."))
    record.resolved_at = utcnow()
    record.resolved_by_id = actor.id
    db.session.flush()
    audit.record("agenda.report.dismiss", "report", record.id, actor, district_id,
                 {"item_id": record.item_id, "comment_id": record.comment_id})


def hide_item(district_id: int, item_id: int, actor, reason: str) -> AgendaItem:
    """Hide an item from the public with a reason the author sees; nothing is deleted."""
    item = get_item(district_id, item_id)
    reason = clean_reason(reason)
    if item.is_hidden:
        raise Conflict(_l("이미 숨겨진 의제입니다."))
    item.hidden_at = utcnow()
    item.hidden_reason = reason
    log_step(item, LogAction.HIDDEN, actor, reason=reason)
    _resolve_reports(item.id, None, actor)
    notify_proposer(item.author, item, NoticeKind.HIDDEN, reason=reason)
    db.session.flush()
    return item


def unhide_item(district_id: int, item_id: int, actor, reason: str) -> AgendaItem:
    item = get_item(district_id, item_id)
    reason = clean_reason(reason)
    if not item.is_hidden:
        raise Conflict(_l("숨겨진 의제가 아닙니다."))
    item.hidden_at = None
    item.hidden_reason = ""
    log_step(item, LogAction.UNHIDDEN, actor, reason=reason)
    db.session.flush()
    return item


def hide_comment(district_id: int, comment_id: int, actor, reason: str) -> Comment:
    comment = _comment_in(district_id, comment_id)
    reason = clean_reason(reason)
    if comment.is_hidden:
        raise Conflict(_l("이미 숨겨진 댓글입니다."))
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    _resolve_reports(comment.item_id, comment.id, actor)
    db.session.flush()
    audit.record("agenda.comment.hide", "comment", comment.id, actor, district_id,
                 {"item_id": comment.item_id, "reason": reason})
    return comment
