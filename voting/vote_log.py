"""A vote's own history, shown to staff and, once the result is confirmed, to residents; the
district's audit trail is written beside it. The confirmation of a result is one entry of
this history, so it is read from here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from voting.models import Vote, VoteLog

CONFIRMED = "confirmed"
ALREADY_CONFIRMED = _l("이 투표의 결과는 이미 확정되었습니다. 확정된 결과는 바꿀 수 없습니다.")

_AUDIT_CODES = {"created": "create", "updated": "edit", "confirmed": "confirm",
                "opened": "open", "closed": "close"}


def record(vote: Vote, actor, action: str, detail: str = "", *, audited: dict) -> None:
    """One entry in the vote's history and the matching audit record. ``audited`` is what
    the trail keeps, chosen per action: never a ballot's choices, for a paper entry only who
    entered which serial."""
    db.session.add(VoteLog(vote_id=vote.id, actor_id=actor.id if actor else None,
                           action=action, detail=detail))
    code = "ballot_entry" if action.startswith("entered_") else _AUDIT_CODES.get(action, action)
    audit.record(f"vote.{code}", "vote", vote.id, actor, vote.district_id, audited)


def log_of(vote: Vote) -> list[VoteLog]:
    return list(db.session.scalars(
        select(VoteLog).where(VoteLog.vote_id == vote.id).order_by(VoteLog.id.desc())))


@dataclass(frozen=True)
class Confirmation:
    """A vote's confirmed result: when, by whom, on what basis, and the selected agenda items
    with their scores, best first."""

    at: datetime
    actor_id: int | None
    basis: str
    selected: list[tuple[int, float]]

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "basis": self.basis,
                "selected": [{"item": str(item), "score": score}
                             for item, score in self.selected]}


def confirmation(vote: Vote) -> Confirmation | None:
    """The vote's confirmation, or None while its result is not confirmed."""
    entry = db.session.scalars(select(VoteLog).where(
        VoteLog.vote_id == vote.id, VoteLog.action == CONFIRMED)
        .order_by(VoteLog.id).limit(1)).first()
    if entry is None:
        return None
    detail = json.loads(entry.detail)
    return Confirmation(at=entry.created_at, actor_id=entry.actor_id, basis=detail["basis"],
                        selected=[(int(item), score) for item, score in detail["selected"]])
