"""Voting's part of the retention purge (see ``accounts.retention``): casting or changing a
ballot and being checked on the roll in person are activity. Ballots name no one (a per-vote
pseudonym), so finding a person's ballot means computing their pseudonym in each vote that
had ballots since the cutoff. A purged person's roll entry (birth date, dong and the digest of
their name) is deleted; their ballots stay exactly as they were."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select

from accounts.retention import RetentionPart
from core.db import db
from voting.models import Ballot, Vote, VoterRoll
from voting.pseudonyms import account_identity, voter_key


def active_since(cutoff: datetime, people: Collection[int]) -> set[int]:
    active = set(db.session.scalars(select(VoterRoll.user_id).where(
        VoterRoll.user_id.in_(people), VoterRoll.verified_at >= cutoff)))
    recent = select(Ballot.vote_id).where(Ballot.updated_at >= cutoff).distinct()
    for vote_id, salt in db.session.execute(select(Vote.id, Vote.salt)
                                            .where(Vote.id.in_(recent))):
        by_key = {voter_key(salt, account_identity(person)): person
                  for person in people if person not in active}
        if not by_key:
            break
        cast = db.session.scalars(select(Ballot.voter_key).where(
            Ballot.vote_id == vote_id, Ballot.updated_at >= cutoff,
            Ballot.voter_key.in_(by_key)))
        active.update(by_key[key] for key in cast)
    return active


def erase(people: Collection[int]) -> None:
    db.session.execute(delete(VoterRoll).where(VoterRoll.user_id.in_(people)))


PART = RetentionPart("voting", active_since, erase)
