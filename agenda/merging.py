"""Merging (의제융합): similar items fused into one, every source kept with its earlier
status, and the merge undone."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.models import (
    VOTE_STATUSES,
    AgendaItem,
    LogAction,
    Merge,
    MergeSource,
    NoticeKind,
    Status,
    Support,
)
from agenda.notices import notify_proposer
from agenda.proposals import (
    ITEM_NOT_FOUND,
    Proposal,
    active_merge,
    clean_proposal,
    clean_reason,
    fill_item,
    locked_item,
    log_step,
)
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message


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
    reason = clean_reason(reason)
    sources = [locked_item(district_id, item_id) for item_id in item_ids]
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
    fused_data = clean_proposal(district_id, fused)
    item = AgendaItem(district_id=district_id, cycle_id=sources[0].cycle_id, is_fused=True,
                      status=Status.UNDER_REVIEW.value, author_id=None)
    fill_item(item, fused_data)
    db.session.add(item)
    db.session.flush()
    record = Merge(fused_item_id=item.id, merged_by_id=actor.id, reason=reason)
    db.session.add(record)
    log_step(item, LogAction.FUSED, actor, reason=reason, to_status=Status.UNDER_REVIEW.value)
    for source in sources:
        record.sources.append(MergeSource(source_item_id=source.id,
                                          previous_status=source.status))
        log_step(source, LogAction.MERGED_INTO, actor, reason=reason, from_status=source.status,
                 to_status=Status.MERGED.value, related=item)
        source.status = Status.MERGED.value
        source.merged_into_id = item.id
    supporters = set(db.session.scalars(
        select(Support.user_id).where(Support.item_id.in_([s.id for s in sources]))))
    for user_id in sorted(supporters):
        db.session.add(Support(item_id=item.id, user_id=user_id, carried_over=True))
    for author in {source.author for source in sources if source.author is not None}:
        for source in (s for s in sources if s.author_id == author.id):
            notify_proposer(author, source, NoticeKind.MERGED, related=item, reason=reason,
                            mail=notify)
    db.session.flush()
    return item


def undo_merge(district_id: int, fused_item_id: int, actor, reason: str,
               notify: bool = True) -> AgendaItem:
    """Undo a merge: sources return to their earlier status; the fused item is kept, marked
    ``dissolved``. Refused (409) once the fused item entered a vote or was merged further."""
    reason = clean_reason(reason)
    item = locked_item(district_id, fused_item_id)
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
        log_step(source, LogAction.MERGE_UNDONE, actor, reason=reason, from_status=source.status,
                 to_status=link.previous_status, related=item)
        source.merged_into_id = None
        source.status = link.previous_status
        notify_proposer(source.author, source, NoticeKind.MERGE_UNDONE, related=item, reason=reason,
                        mail=notify)
    log_step(item, LogAction.MERGE_UNDONE, actor, reason=reason, from_status=item.status,
             to_status=Status.DISSOLVED.value)
    item.status = Status.DISSOLVED.value
    item.shortlisted_for_forum = item.shortlisted_for_vote = False
    db.session.flush()
    return item
