"""The voter roll: residents whose identity staff checked in person, linked to their account
when they have one. The link makes a person one identity on every channel: a paper or forum
ballot of a rolled person with an account is stored under the account, and linking moves the
ballots already cast under the name to it (``_adopt_ballots``)."""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from accounts.models import User, user_by_email
from core import audit
from core.auth import is_member
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from core.identity import fold_name
from core.models import Dong
from voting.models import Ballot, Vote, VoterRoll
from voting.pseudonyms import account_identity, person_identity, voter_key


def person_digest(identity: str) -> str:
    """What the roll stores of a person known by name (``person_identity``, whose name is
    already folded by ``core.identity``): a digest, never the name."""
    return hashlib.sha256(identity.encode()).hexdigest()


def verify_resident(district_id: int, actor: User, name: str, birth_date: date, dong_id: int,
                    email: str | None = None) -> VoterRoll:
    """Put a resident whose identity staff checked on the roll, linked to their account.

    A resident already on the roll without an account gets it linked (the ballots cast under
    their name move to it); anyone else already on the roll is refused (409)."""
    dong = db.session.get(Dong, dong_id)
    if dong is None or dong.district_id != district_id:
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."))
    if not name or not fold_name(name):
        raise DomainError(_l("이름을 입력하세요."))
    user = None
    if email:
        user = user_by_email(email)
        if user is None or not is_member(user, district_id):
            raise NotFound(_l("그 이메일로 가입한 이 자치구 주민이 없습니다."), field="email")
    identity = person_identity(name, birth_date, dong.id)
    entry = db.session.scalars(select(VoterRoll).where(
        VoterRoll.district_id == district_id,
        VoterRoll.person_key == person_digest(identity)).with_for_update()).first()
    if entry is not None and (user is None or entry.user_id is not None):
        raise Conflict(ALREADY_ROLLED)
    if entry is None:
        entry = VoterRoll(district_id=district_id, person_key=person_digest(identity),
                          birth_date=birth_date, dong_id=dong.id)
        db.session.add(entry)
    entry.user_id = user.id if user else None
    entry.verified_by_id, entry.verified_at = (actor.id if actor else None), utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_ROLLED) from None
    if user is not None:
        _adopt_ballots(district_id, identity, account_identity(user.id))
    audit.record("roll.verify", "voter_roll", entry.id, actor, district_id,
                 {"dong_id": dong.id, "linked_account": user is not None})
    return entry


ALREADY_ROLLED = _l("이미 명부에 있는 주민이거나, 그 계정이 다른 주민과 연결되어 있습니다.")


def _adopt_ballots(district_id: int, identity: str, account: str) -> None:
    """Move the ballots cast under a person's name (paper, forum) to their account's
    identity, now that the roll links the two: from here on every channel finds one ballot
    per vote, and the unique (vote, voter_key) constraint keeps it one.

    Refused (409, nothing changed) when the person already has a ballot under each identity
    in one vote: both came in before anyone could know they were one person, and staff must
    decide which one stands (an admin reset of that vote) before linking them."""
    votes = db.session.execute(select(Vote.id, Vote.title, Vote.salt).where(
        Vote.district_id == district_id)).all()
    moves = {(vote.id, voter_key(vote.salt, identity)): voter_key(vote.salt, account)
             for vote in votes}
    if not moves:
        return
    keys = {key for _vote, key in moves} | set(moves.values())
    found = db.session.execute(select(Ballot.id, Ballot.vote_id, Ballot.voter_key).where(
        Ballot.vote_id.in_([vote.id for vote in votes]), Ballot.voter_key.in_(keys))
        .with_for_update()).all()
    taken = {(row.vote_id, row.voter_key) for row in found}
    titles = {vote.id: vote.title for vote in votes}
    for row in found:
        target = moves.get((row.vote_id, row.voter_key))
        if target is None:
            continue
        if (row.vote_id, target) in taken:
            raise Conflict(lazy_message(
                "이 주민은 ‘%(title)s’ 투표에 이름으로(종이·현장) 한 번, 계정으로 한 번 "
                "참여했습니다. 어느 쪽을 집계할지 정한 뒤(관리자 초기화) 계정을 연결하세요.",
                title=titles[row.vote_id]))
        db.session.execute(update(Ballot).where(Ballot.id == row.id).values(voter_key=target))


def roll_size(district_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(VoterRoll).where(
        VoterRoll.district_id == district_id)) or 0
