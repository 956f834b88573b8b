"""Forums' part of the retention purge (see ``accounts.retention``): joining a forum and
answering its polls are activity. A purged person's participant rows lose their link to the
account and the browser token; their answers, and the age band, gender and dong they consented
to give (as anonymous as a ballot's once unlinked), stay, so every report reads the same."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, union, update

from accounts.retention import RetentionPart
from core.db import db
from forums.models import Answer, Participant


def active_since(cutoff: datetime, people: Collection[int]) -> set[int]:
    acts = union(
        select(Participant.user_id).where(Participant.user_id.in_(people),
                                          Participant.created_at >= cutoff),
        select(Participant.user_id).join(Answer, Answer.participant_id == Participant.id)
        .where(Participant.user_id.in_(people), Answer.answered_at >= cutoff),
    )
    return set(db.session.scalars(acts))


def erase(people: Collection[int]) -> None:
    db.session.execute(update(Participant).where(Participant.user_id.in_(people))
                       .values(user_id=None, token_hash=None))


PART = RetentionPart("forums", active_since, erase)
