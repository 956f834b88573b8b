"""Confirming a closed vote's result: the selection it makes, on which basis, and each agenda
item's new status. Refused before the close, a second time, without ballots, or when an item
was decided elsewhere; nothing changes on a refusal."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db, utcnow
from core.errors import Conflict
from core.i18n import lazy_message
from voting.definition import locked_vote
from voting.models import Vote
from voting.results import current_result
from voting.rules import BallotType
from voting.stored_ballots import ballot_count
from voting.vote_log import ALREADY_CONFIRMED, CONFIRMED, Confirmation, confirmation, record


def selection_basis(vote: Vote) -> str:
    """What decides the selection: the deciding method's own selection when the residents'
    vote is the whole score or the ballot is a budget (the method already filled the budget);
    otherwise the published combined score."""
    if vote.type == BallotType.BUDGET or vote.weight_vote == 100:
        return "method"
    return "combined"


def selection_of(vote: Vote, result: dict) -> list[tuple[int, float]]:
    """The agenda items ``result`` selects, best first, each with the score that placed it:
    the combined total, or the method's score (the items' support where it has none)."""
    if selection_basis(vote) == "combined":
        rows = result["combined"]["rows"][:vote.seats]
        return [(int(row["item"]), row["total"]) for row in rows]
    scores = result.get("scores") or result["support"]
    order = [item for group in result["ranking"] or [] for item in group]
    chosen = sorted(result["selected"],
                    key=lambda item: order.index(item) if item in order else len(order))
    return [(int(item), float(scores.get(item, 0))) for item in chosen]


def confirm_result(district_id: int, vote_id: int, actor, *, notify: bool = True
                   ) -> Confirmation:
    """Confirm a closed vote's result: each of its agenda items becomes ``selected`` or
    ``not_selected`` (with the vote's title as the reason) and the selection is logged.

    Refused (409, nothing changed) before the vote closes, a second time, without ballots,
    or when an item is no longer ``in_vote`` (another vote already decided it)."""
    from agenda.coordination import set_status
    from agenda.models import AgendaItem

    vote = locked_vote(district_id, vote_id, exclusive=True)
    if utcnow() < vote.closes_at:
        raise Conflict(_l("투표가 마감된 뒤에 결과를 확정할 수 있습니다."))
    if confirmation(vote) is not None:
        raise Conflict(ALREADY_CONFIRMED)
    if not ballot_count(vote.id):
        raise Conflict(_l("투표지가 없어 결과를 확정할 수 없습니다."))
    agenda_ids = [item.agenda_item_id for item in vote.items]
    statuses = dict(db.session.execute(select(AgendaItem.id, AgendaItem.status).where(
        AgendaItem.id.in_(agenda_ids)).with_for_update()).all())
    for item in vote.items:
        if statuses.get(item.agenda_item_id) != "in_vote":
            raise Conflict(lazy_message("‘%(title)s’은(는) 더 이상 투표 중인 의제가 아닙니다"
                                        "(다른 투표나 결정으로 상태가 바뀌었습니다). "
                                        "결과를 확정할 수 없습니다.",
                                        title=item.title))
    result, _record = current_result(vote, allow_job=False)
    selected = selection_of(vote, result)
    chosen = {item for item, _score in selected}
    for item in vote.items:
        status = "selected" if item.agenda_item_id in chosen else "not_selected"
        set_status(item.agenda_item_id, status, actor, vote.title[:200],
                   district_id=district_id, notify=notify)
    record(vote, actor, CONFIRMED, json.dumps({
        "basis": selection_basis(vote), "selected": [[item, score] for item, score in selected]}),
        audited={"basis": selection_basis(vote), "selected": sorted(chosen)})
    db.session.flush()
    return confirmation(vote)


def published(vote: Vote, result: dict) -> dict:
    """The result as the API and ``flask tally --json`` publish it: with the confirmation
    (``{"at", "basis", "selected": [{"item", "score"}, ...]}``), or ``None`` before it."""
    confirmed = confirmation(vote)
    return {**result, "confirmed": confirmed.to_dict() if confirmed else None}
