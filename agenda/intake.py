"""Intake (의제 발굴): proposing, drafts, editing until coordination starts, year-round
proposals (연중 수시 제안) and their pool, similar items while writing, and items carried over
from an evaluation.

For other packages: ``create_carry_over(...)``, with which plans turns an evaluation finding
into next cycle's item.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from agenda import similarity
from agenda.markup import contains_markup
from agenda.models import TITLE_MAX, VOTE_STATUSES, AgendaItem, LogAction, Status
from agenda.proposals import (
    Proposal,
    clean_proposal,
    fill_item,
    get_cycle,
    get_item,
    is_coordinator,
    log_step,
)
from core.auth import require_member
from core.db import db, on_postgresql, utcnow
from core.errors import Conflict, DomainError, Forbidden
from core.models import Cycle, Phase


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


def propose(district, author, data: Proposal, today: date, draft: bool = False) -> AgendaItem:
    """A resident's new proposal (or draft) in the cycle open for intake (see ``intake_cycle``)."""
    require_member(author, district.id)
    data = clean_proposal(district.id, data)
    cycle, year_round = intake_cycle(district, today)
    item = AgendaItem(district_id=district.id, cycle_id=cycle.id if cycle else None,
                      author_id=author.id, is_draft=draft, year_round=year_round,
                      status=Status.PROPOSED.value)
    fill_item(item, data)
    db.session.add(item)
    if not draft:
        log_step(item, LogAction.PROPOSED, author, to_status=Status.PROPOSED.value)
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
    data = clean_proposal(district_id, data)
    was_draft = item.is_draft
    fill_item(item, data)
    if was_draft and not draft:
        item.is_draft = False
        item.created_at = utcnow()
        log_step(item, LogAction.PROPOSED, user, to_status=Status.PROPOSED.value)
    elif not was_draft:
        log_step(item, LogAction.EDITED, user)
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
    data = clean_proposal(district_id, data)
    origin = (origin or "").strip()
    if not origin or contains_markup(origin):
        raise DomainError(_l("이어받은 평가 결과를 적으세요."))
    item = AgendaItem(district_id=district_id, cycle_id=cycle.id,
                      author_id=getattr(actor, "id", None), origin=origin,
                      origin_cycle_id=origin_cycle_id, status=Status.PROPOSED.value)
    fill_item(item, data)
    db.session.add(item)
    log_step(item, LogAction.PROPOSED, actor, to_status=Status.PROPOSED.value, reason=origin)
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
        log_step(item, LogAction.ADOPTED, actor, reason=cycle.title)
        moved += 1
    db.session.flush()
    return moved


def has_pg_trgm() -> bool:
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
    if has_pg_trgm():
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
