"""Agenda operations: propose, support, discuss, merge with provenance, shortlist, moderate.

Services take ids and values, check every rule, change the session and flush; the caller
commits once. A refused request raises a ``DomainError`` before anything is changed.

Public functions other packages rely on:

- ``shortlisted_items(cycle_id, for_vote=True)`` — the candidates a vote or forum works on.
- ``set_status(item_id, status, actor, reason)`` — voting moves items to ``in_vote``,
  ``selected`` or ``not_selected``; plans moves them to ``in_plan``.
- ``create_carry_over(...)`` — plans turns an evaluation finding into next cycle's item.
- ``get_item(district_id, item_id)`` — an item of a district, or ``NotFound``.
"""

from dataclasses import dataclass
from datetime import date

from flask import has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from agenda import similarity
from agenda.markup import contains_markup
from agenda.models import (
    DESCRIPTION_MAX,
    MAX_ESTIMATED_COST,
    STATUS_LABELS,
    TITLE_MAX,
    VOTE_STATUSES,
    AgendaItem,
    AgendaLogEntry,
    Comment,
    Field,
    Kind,
    LogAction,
    Merge,
    MergeSource,
    Notice,
    NoticeKind,
    Report,
    Status,
    Support,
)
from core import audit
from core.auth import Role, require_member
from core.db import db, on_postgresql, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.inputs import record_id
from core.mail import send_mail
from core.models import Cycle, Dong, Phase

COMMENT_MAX = 5_000
REASON_MAX = 2_000
NO_MARKUP = _l("HTML 태그는 쓸 수 없습니다. 서식이 필요하면 마크다운(**굵게**, - 목록)을 쓰세요.")
ITEM_NOT_FOUND = _l("그런 의제가 없습니다.")

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
SUPPORTABLE = frozenset({Status.PROPOSED, Status.UNDER_REVIEW, Status.SHORTLISTED})
SHORTLISTABLE = frozenset({Status.PROPOSED, Status.UNDER_REVIEW, Status.SHORTLISTED})


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


# --- loading ---------------------------------------------------------------------------


def get_item(district_id: int, item_id: int) -> AgendaItem:
    """The item ``item_id`` if it belongs to ``district_id``; ``NotFound`` otherwise."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.district_id != district_id:
        raise NotFound(ITEM_NOT_FOUND)
    return item


def _locked_item(district_id: int, item_id: int) -> AgendaItem:
    # Row lock on PostgreSQL so two organizers cannot merge or move the same item at once.
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


# --- intake ----------------------------------------------------------------------------


def intake_cycle(district, today: date) -> tuple[Cycle | None, bool]:
    """Where a proposal made ``today`` lands, and whether it came in outside the open call.

    During a cycle's intake phase: that cycle. Otherwise (연중 수시 제안) the next cycle whose
    intake has not begun; with none scheduled yet, the district's pool (``None``), which an
    organizer brings into the next cycle once it exists.
    """
    upcoming = []
    for cycle in district.cycles:
        intake = next((p for p in cycle.phases if p.phase == Phase.INTAKE.value), None)
        if intake is None:
            continue
        if intake.starts_on <= today <= intake.ends_on:
            return cycle, False
        if intake.starts_on > today:
            upcoming.append((intake.starts_on, cycle))
    if upcoming:
        return min(upcoming, key=lambda pair: pair[0])[1], True
    return None, True


def coordination_started(cycle: Cycle | None, today: date) -> bool:
    if cycle is None:
        return False
    phase = next((p for p in cycle.phases if p.phase == Phase.COORDINATION.value), None)
    return phase is not None and phase.starts_on <= today


def _clean_proposal(district_id: int, data: Proposal) -> Proposal:
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


def _apply(item: AgendaItem, data: Proposal) -> None:
    item.title = data.title
    item.description = data.description
    item.field = data.field
    item.kind = data.kind
    item.dong_id = data.dong_id
    item.estimated_cost = data.estimated_cost
    item.proposing_group = data.proposing_group


def _log(item: AgendaItem, action: LogAction, actor=None, reason: str = "",
         from_status: str | None = None, to_status: str | None = None,
         related: AgendaItem | None = None) -> None:
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


def propose(district, author, data: Proposal, today: date, draft: bool = False) -> AgendaItem:
    """A resident's new proposal (or draft) in the cycle open for intake (see ``intake_cycle``)."""
    require_member(author, district.id)
    data = _clean_proposal(district.id, data)
    cycle, year_round = intake_cycle(district, today)
    item = AgendaItem(district_id=district.id, cycle_id=cycle.id if cycle else None,
                      author_id=author.id, is_draft=draft, year_round=year_round,
                      status=Status.PROPOSED.value)
    _apply(item, data)
    db.session.add(item)
    if not draft:
        _log(item, LogAction.PROPOSED, author, to_status=Status.PROPOSED.value)
    db.session.flush()
    return item


def check_editable(item: AgendaItem, user, today: date) -> None:
    """Authors edit their proposals until coordination starts; coordinators edit the fused
    items they made until the item enters a vote or is merged again or dissolved."""
    if item.is_fused:
        if user is None or not is_coordinator(user, item.district_id):
            raise Forbidden(_l("통합 의제는 의제 조정 담당자만 고칠 수 있습니다."))
        if item.status in VOTE_STATUSES or item.status in (Status.MERGED.value,
                                                           Status.DISSOLVED.value):
            raise Conflict(_l("주민투표에 올랐거나, 다시 통합되었거나, 통합이 취소된 통합 "
                              "의제는 고칠 수 없습니다."))
        return
    if user is None or item.author_id != user.id:
        raise Forbidden(_l("다른 사람의 의제는 고칠 수 없습니다."))
    if item.status != Status.PROPOSED.value or coordination_started(item.cycle, today):
        raise Conflict(_l("의제융합·조정이 시작되어 더 이상 고칠 수 없습니다."))


def is_editable(item: AgendaItem, user, today: date) -> bool:
    """Whether ``check_editable`` lets ``user`` edit ``item``: the item page offers the edit
    link only then."""
    try:
        check_editable(item, user, today)
    except DomainError:
        return False
    return True


def edit(district_id: int, item_id: int, user, data: Proposal, today: date,
         draft: bool = False) -> AgendaItem:
    """The author's edit, allowed until coordination starts; a draft is published by passing
    ``draft=False``. A published item cannot go back to being a draft."""
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    check_editable(item, user, today)
    data = _clean_proposal(district_id, data)
    was_draft = item.is_draft
    _apply(item, data)
    if was_draft and not draft:
        item.is_draft = False
        item.created_at = utcnow()
        _log(item, LogAction.PROPOSED, user, to_status=Status.PROPOSED.value)
    elif not was_draft:
        _log(item, LogAction.EDITED, user)
    db.session.flush()
    return item


def create_carry_over(district_id: int, cycle_id: int, data: Proposal, origin: str,
                      origin_cycle_id: int | None, actor=None) -> AgendaItem:
    """An item for ``cycle_id`` grown from an earlier cycle's evaluation finding (성과평가 환류).

    ``origin`` is the finding itself or a link to it; the item page shows it with the cycle
    it came from. Used by the plans package when evaluations feed the next year's intake.
    """
    cycle = get_cycle(district_id, cycle_id)
    if origin_cycle_id is not None:
        get_cycle(district_id, origin_cycle_id)
    data = _clean_proposal(district_id, data)
    origin = (origin or "").strip()
    if not origin or contains_markup(origin):
        raise DomainError(_l("이어받은 평가 결과를 적으세요."))
    item = AgendaItem(district_id=district_id, cycle_id=cycle.id,
                      author_id=getattr(actor, "id", None), origin=origin,
                      origin_cycle_id=origin_cycle_id, status=Status.PROPOSED.value)
    _apply(item, data)
    db.session.add(item)
    _log(item, LogAction.PROPOSED, actor, to_status=Status.PROPOSED.value, reason=origin)
    db.session.flush()
    return item


def year_round_pool(district_id: int) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.district_id == district_id,
                                 AgendaItem.cycle_id.is_(None), AgendaItem.is_draft.is_(False))
        .order_by(AgendaItem.id)
    ))


def adopt_pool(district_id: int, cycle_id: int, actor) -> int:
    """Bring every pooled year-round proposal into ``cycle_id``; returns how many moved."""
    cycle = get_cycle(district_id, cycle_id)
    moved = 0
    for item in year_round_pool(district_id):
        item.cycle_id = cycle.id
        _log(item, LogAction.ADOPTED, actor, reason=cycle.title)
        moved += 1
    db.session.flush()
    return moved


# --- browsing --------------------------------------------------------------------------

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
           query: str | None = None, sort: str = "newest", page: int = 1,
           page_size: int = PAGE_SIZE) -> Browse:
    """Public items (no drafts, nothing hidden) of a cycle with filters, search and paging.

    ``area`` is a dong id or ``"district"`` for district-wide items; ``query`` matches title,
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


def support_count(item_id: int) -> int:
    return db.session.scalar(select(func.count(Support.id)).where(Support.item_id == item_id))


def supports(item_id: int, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(Support.id).where(
        Support.item_id == item_id, Support.user_id == user.id)) is not None


def active_merge(item: AgendaItem) -> Merge | None:
    """The merge that made ``item`` (a fused item), undone or not."""
    if not item.is_fused:
        return None
    return db.session.scalars(select(Merge).where(Merge.fused_item_id == item.id)).first()


def sources_of(item: AgendaItem) -> list[AgendaItem]:
    merge = active_merge(item)
    return [source.source_item for source in merge.sources] if merge else []


def my_items(district_id: int, user) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.district_id == district_id,
                                 AgendaItem.author_id == user.id)
        .order_by(AgendaItem.id.desc())
    ))


# --- support ---------------------------------------------------------------------------


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


# --- comments and moderation -----------------------------------------------------------


def _clean_text(text: str | None, empty_message, max_length: int) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(empty_message)
    if len(text) > max_length:
        raise DomainError(lazy_message("%(max)d자 이하로 입력하세요.", max=max_length))
    if contains_markup(text):
        raise DomainError(NO_MARKUP)
    return text


def _reason(reason: str | None) -> str:
    return _clean_text(reason, _l("사유를 적으세요."), REASON_MAX)


def add_comment(district_id: int, item_id: int, user, body: str,
                parent_id: int | None = None) -> Comment:
    """A comment, or a reply to a top-level comment (replies to replies are refused)."""
    require_member(user, district_id)
    item = get_item(district_id, item_id)
    if not is_public(item):
        raise NotFound(ITEM_NOT_FOUND)
    body = _clean_text(body, _l("댓글 내용을 입력하세요."), COMMENT_MAX)
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
    reason = _reason(reason)
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
    reason = _reason(reason)
    if item.is_hidden:
        raise Conflict(_l("이미 숨겨진 의제입니다."))
    item.hidden_at = utcnow()
    item.hidden_reason = reason
    _log(item, LogAction.HIDDEN, actor, reason=reason)
    _resolve_reports(item.id, None, actor)
    _notify(item.author, item, NoticeKind.HIDDEN, reason=reason)
    db.session.flush()
    return item


def unhide_item(district_id: int, item_id: int, actor, reason: str) -> AgendaItem:
    item = get_item(district_id, item_id)
    reason = _reason(reason)
    if not item.is_hidden:
        raise Conflict(_l("숨겨진 의제가 아닙니다."))
    item.hidden_at = None
    item.hidden_reason = ""
    _log(item, LogAction.UNHIDDEN, actor, reason=reason)
    db.session.flush()
    return item


def hide_comment(district_id: int, comment_id: int, actor, reason: str) -> Comment:
    comment = _comment_in(district_id, comment_id)
    reason = _reason(reason)
    if comment.is_hidden:
        raise Conflict(_l("이미 숨겨진 댓글입니다."))
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    _resolve_reports(comment.item_id, comment.id, actor)
    db.session.flush()
    audit.record("agenda.comment.hide", "comment", comment.id, actor, district_id,
                 {"item_id": comment.item_id, "reason": reason})
    return comment


# --- notices ---------------------------------------------------------------------------


def _notify(user, item: AgendaItem, kind: NoticeKind, related: AgendaItem | None = None,
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


# --- coordination ----------------------------------------------------------------------


def merge(district_id: int, item_ids: list[int], actor, fused: Proposal, reason: str,
          notify: bool = True) -> AgendaItem:
    """Fuse two or more items of one cycle into a new fused item, keeping every source.

    Sources become ``merged`` and point at the fused item; their supporters carry over once
    each; each proposer gets a notice (and a mail after commit). Refused, with nothing
    changed: fewer than two distinct items, an item listed twice, foreign or draft items,
    items of different cycles, items already merged, and items that entered a vote.
    """
    if len(item_ids) != len(set(item_ids)):
        raise DomainError(_l("같은 의제를 두 번 고를 수 없습니다. 서로 다른 의제를 고르세요."))
    if len(item_ids) < 2:
        raise DomainError(_l("통합하려면 서로 다른 의제를 두 개 이상 고르세요."))
    reason = _reason(reason)
    sources = [_locked_item(district_id, item_id) for item_id in item_ids]
    for source in sources:
        if source.is_draft:
            raise NotFound(ITEM_NOT_FOUND)
        if source.status == Status.MERGED.value:
            raise Conflict(lazy_message("‘%(title)s’은(는) 이미 다른 의제에 통합되었습니다.",
                                        title=source.title))
        if source.status in VOTE_STATUSES:
            raise Conflict(lazy_message("‘%(title)s’은(는) 주민투표에 올라 통합할 수 없습니다.",
                                        title=source.title))
        if source.status == Status.DISSOLVED.value:
            raise Conflict(_l("통합이 취소된 의제는 다시 통합할 수 없습니다. 원 제안을 고르세요."))
    cycles = {source.cycle_id for source in sources}
    if len(cycles) != 1 or None in cycles:
        raise DomainError(_l("같은 연차 계획 주기의 의제끼리만 통합할 수 있습니다."))
    fused_data = _clean_proposal(district_id, fused)
    item = AgendaItem(district_id=district_id, cycle_id=sources[0].cycle_id, is_fused=True,
                      status=Status.UNDER_REVIEW.value, author_id=None)
    _apply(item, fused_data)
    db.session.add(item)
    db.session.flush()
    record = Merge(fused_item_id=item.id, merged_by_id=actor.id, reason=reason)
    db.session.add(record)
    _log(item, LogAction.FUSED, actor, reason=reason, to_status=Status.UNDER_REVIEW.value)
    for source in sources:
        record.sources.append(MergeSource(source_item_id=source.id,
                                          previous_status=source.status))
        _log(source, LogAction.MERGED_INTO, actor, reason=reason, from_status=source.status,
             to_status=Status.MERGED.value, related=item)
        source.status = Status.MERGED.value
        source.merged_into_id = item.id
    supporters = set(db.session.scalars(
        select(Support.user_id).where(Support.item_id.in_([s.id for s in sources]))))
    for user_id in sorted(supporters):
        db.session.add(Support(item_id=item.id, user_id=user_id, carried_over=True))
    for author in {source.author for source in sources if source.author is not None}:
        for source in (s for s in sources if s.author_id == author.id):
            _notify(author, source, NoticeKind.MERGED, related=item, reason=reason,
                    mail=notify)
    db.session.flush()
    return item


def undo_merge(district_id: int, fused_item_id: int, actor, reason: str,
               notify: bool = True) -> AgendaItem:
    """Undo a merge: sources return to their earlier status; the fused item is kept, marked
    ``dissolved``. Refused (409) once the fused item entered a vote or was merged further."""
    reason = _reason(reason)
    item = _locked_item(district_id, fused_item_id)
    record = active_merge(item)
    if record is None:
        raise DomainError(_l("통합 의제가 아닙니다."))
    if record.undone_at is not None:
        raise Conflict(_l("이미 통합이 취소되었습니다."))
    if item.status in VOTE_STATUSES:
        raise Conflict(_l("주민투표에 오른 통합 의제는 통합을 취소할 수 없습니다."))
    if item.status == Status.MERGED.value:
        raise Conflict(_l("다른 통합 의제에 합쳐진 의제입니다. 그 통합부터 취소하세요."))
    record.undone_at = utcnow()
    record.undone_by_id = actor.id
    record.undo_reason = reason
    for link in record.sources:
        source = link.source_item
        _log(source, LogAction.MERGE_UNDONE, actor, reason=reason, from_status=source.status,
             to_status=link.previous_status, related=item)
        source.merged_into_id = None
        source.status = link.previous_status
        _notify(source.author, source, NoticeKind.MERGE_UNDONE, related=item, reason=reason,
                mail=notify)
    _log(item, LogAction.MERGE_UNDONE, actor, reason=reason, from_status=item.status,
         to_status=Status.DISSOLVED.value)
    item.status = Status.DISSOLVED.value
    item.shortlisted_for_forum = item.shortlisted_for_vote = False
    db.session.flush()
    return item


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
        reason = _reason(reason)
        item.decline_reason = reason
    elif reason:
        reason = _reason(reason)
    _log(item, LogAction.STATUS, actor, reason=reason, from_status=current.value,
         to_status=target.value)
    item.status = target.value
    _notify(item.author, item, NoticeKind.STATUS, status=target.value, reason=reason,
            mail=notify)
    db.session.flush()
    return item


def shortlist(district_id: int, item_id: int, actor, for_forum: bool, for_vote: bool,
              reason: str) -> AgendaItem:
    """Put an item on the shortlist for a forum and/or the vote, with a public reason."""
    item = _locked_item(district_id, item_id)
    if not for_forum and not for_vote:
        raise DomainError(_l("공론장과 주민투표 중 하나 이상을 고르세요."))
    reason = _reason(reason)
    if not is_public(item):
        raise Conflict(_l("숨겨졌거나 임시 저장된 의제는 최종 후보가 될 수 없습니다."))
    if item.status not in SHORTLISTABLE:
        raise Conflict(lazy_message("‘%(status)s’ 상태의 의제는 최종 후보로 정할 수 없습니다.",
                                    status=item.status_label))
    _log(item, LogAction.SHORTLISTED, actor, reason=reason, from_status=item.status,
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
    _log(item, LogAction.ASSIGNED, actor,
         reason=" / ".join(part for part in (department, civil_partners, reason.strip()) if part))
    db.session.flush()
    return item


def mark_duplicate(district_id: int, item_id: int, actor, project: str,
                   reason: str) -> AgendaItem:
    """Note that an item repeats an existing district project (기존 사업과 중복)."""
    item = get_item(district_id, item_id)
    project = _clean_text(project, _l("중복되는 기존 사업의 이름을 적으세요."), 300)
    reason = _reason(reason)
    item.duplicate_of_project = project
    _log(item, LogAction.DUPLICATE, actor, reason=f"{project} — {reason}")
    db.session.flush()
    return item


# --- similar items ---------------------------------------------------------------------


def _has_pg_trgm() -> bool:
    """Whether the trigram extension is installed (the migration adds it where permitted)."""
    if not on_postgresql():
        return False
    found = db.session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


def similar_items(district_id: int, cycle_id: int | None, title: str, description: str = "",
                  exclude_id: int | None = None, limit: int = 5) -> list[tuple[AgendaItem, float]]:
    """Public items of the cycle most like a draft, best first, with a 0–1 score.

    On PostgreSQL with ``pg_trgm`` the database shortlists candidates by trigram similarity;
    elsewhere the newest items are scanned. Either way the final score is the same
    character n-gram measure (``agenda.similarity``), so results agree across databases.
    """
    title = (title or "").strip()[:TITLE_MAX]
    description = (description or "").strip()[:2000]
    if len(title) < 2:
        return []
    stmt = select(AgendaItem.id, AgendaItem.title, AgendaItem.description).where(
        AgendaItem.district_id == district_id, AgendaItem.is_draft.is_(False),
        AgendaItem.hidden_at.is_(None), AgendaItem.status != Status.DISSOLVED.value)
    stmt = stmt.where(AgendaItem.cycle_id.is_(None) if cycle_id is None
                      else AgendaItem.cycle_id == cycle_id)
    if exclude_id is not None:
        stmt = stmt.where(AgendaItem.id != exclude_id)
    if _has_pg_trgm():
        trigram = func.greatest(func.similarity(AgendaItem.title, title),
                                func.word_similarity(title, AgendaItem.description))
        stmt = stmt.order_by(trigram.desc()).limit(200)
    else:
        stmt = stmt.order_by(AgendaItem.id.desc()).limit(2000)
    candidates = [(row.id, row.title, row.description) for row in db.session.execute(stmt)]
    ranked = similarity.rank(title, description, candidates, limit=limit)
    items = {item.id: item for item in db.session.scalars(
        select(AgendaItem).where(AgendaItem.id.in_([item_id for item_id, _ in ranked])))}
    return [(items[item_id], score) for item_id, score in ranked]
