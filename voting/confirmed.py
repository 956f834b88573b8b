"""Confirmed votes as plans read them: which votes of a cycle are confirmed, what each
selected, and its ballots as approvals for the plan's what-if. Plans call voting only
through these (voting never imports plans)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.db import db
from core.errors import Conflict
from voting.definition import get_vote
from voting.models import Vote, VoteLog
from voting.secrecy import check_results_readable
from voting.stored_ballots import approval_rows
from voting.vote_log import CONFIRMED, confirmation


def confirmed_selection(district_id: int, vote_id: int) -> list[tuple[int, float]]:
    """For plans: the confirmed vote's selected agenda items with their scores, in priority
    order. Raises ``Conflict`` when the vote's result is not confirmed. (A result is
    confirmed only after its vote closes, and a closed vote cannot reopen: what this gives is
    never secret.)"""
    found = confirmation(get_vote(district_id, vote_id))
    if found is None:
        raise Conflict(_l("결과가 확정되지 않은 투표입니다. 먼저 투표 결과를 확정하세요."))
    return list(found.selected)


def approval_ballots(district_id: int, vote_id: int) -> tuple[list[int], list[list[bool]],
                                                                list[int]]:
    """For plans' what-if: the vote's ballots as approval ballots over its agenda items,
    identical ballots folded: ``(agenda item ids, rows, counts)``. Nothing links a row to a
    person. Refused while the vote's results are hidden (plans read confirmed votes only,
    which have closed)."""
    vote = get_vote(district_id, vote_id)
    check_results_readable(vote)
    agenda_ids, rows, counts = approval_rows(vote)
    return agenda_ids, rows.tolist(), [int(n) for n in counts]


def confirmed_votes(district_id: int, cycle_id: int) -> list[Vote]:
    """The cycle's votes whose result is confirmed, most recently confirmed first."""
    confirmed = (select(VoteLog.vote_id, func.max(VoteLog.id).label("entry"))
                 .where(VoteLog.action == CONFIRMED).group_by(VoteLog.vote_id).subquery())
    return list(db.session.scalars(
        select(Vote).join(confirmed, confirmed.c.vote_id == Vote.id)
        .where(Vote.district_id == district_id, Vote.cycle_id == cycle_id)
        .order_by(confirmed.c.entry.desc())))
