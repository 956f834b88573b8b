"""Paper and forum ballots: staff enter the ballot of a person they identified in the room,
by the email of their account or by name, birth date and dong. A person counts once
whatever the channel (``voting.pseudonyms``): one who already voted online or at another
desk is refused, and the refusal names the channel that came first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import User, user_by_email
from core.auth import is_member
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.identity import fold_name
from core.models import Dong
from voting.casting import (
    dialect_insert,
    freeze_definition,
    participation_snapshot,
    store_choices,
    validated,
)
from voting.definition import locked_vote
from voting.eligibility import Voter, account_voter, check_open, eligibility_problem
from voting.labels import channel_label
from voting.models import Ballot, Vote, VoterRoll
from voting.pseudonyms import account_identity, person_identity, voter_key
from voting.receipts import new_receipt_code, receipt_lookup, receipt_seal
from voting.rules import Channel, Entries
from voting.vote_log import record
from voting.voter_roll import person_digest


@dataclass
class PersonOnPaper:
    """How staff identify the person whose paper or forum ballot they enter: by the email of
    their account, or by name, birth date and dong as checked in person."""

    email: str | None = None
    name: str | None = None
    birth_date: date | None = None
    dong_id: int | None = None
    consented: bool = False
    gender: str | None = None


def _paper_voter(district_id: int, person: PersonOnPaper) -> Voter:
    if person.email:
        user = user_by_email(person.email)
        if user is None or not is_member(user, district_id):
            raise NotFound(_l("그 이메일로 가입한 이 자치구 주민이 없습니다."), field="email")
        found = account_voter(district_id, user)
        # Staff checked the person's identity in the room: as good as the roll for this ballot.
        return Voter(identity=found.identity, registered=True, verified=True,
                     birth_year=found.birth_year, dong=found.dong,
                     gender=found.gender if person.consented else None,
                     consented=person.consented)
    if not (person.name and fold_name(person.name) and person.birth_date and person.dong_id):
        raise DomainError(_l("이메일, 또는 이름·생년월일·동을 모두 입력하세요."))
    dong = db.session.get(Dong, person.dong_id)
    if dong is None or dong.district_id != district_id:
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."))
    identity = person_identity(person.name, person.birth_date, dong.id)
    roll = db.session.scalars(select(VoterRoll).where(
        VoterRoll.district_id == district_id,
        VoterRoll.person_key == person_digest(identity))).first()
    if roll is not None and roll.user_id is not None:
        identity = account_identity(roll.user_id)
    return Voter(identity=identity, registered=True, verified=True,
                 birth_year=person.birth_date.year, dong=dong.name,
                 gender=person.gender if person.consented else None,
                 consented=person.consented)


def enter_ballot(district_id: int, vote_id: int, actor: User, channel: Channel,
                 person: PersonOnPaper, entries, paper_serial: str | None = None) -> dict:
    """Staff enter a paper ballot (with its serial) or a vote collected at a forum.

    Refused when the person already has a ballot in this vote by any channel, or when the
    paper serial was entered before; the unique constraints decide both.
    """
    if channel == Channel.ONLINE:
        raise DomainError(_l("온라인 투표는 직접 입력할 수 없습니다."), status=400)
    serial = (paper_serial or "").strip() or None
    if channel == Channel.PAPER and not serial:
        raise DomainError(_l("종이 투표지의 일련번호를 입력하세요."))
    if serial is not None and (channel != Channel.PAPER or len(serial) > 40):
        raise DomainError(_l("일련번호는 종이 투표지에만, 40자 이내로 입력하세요."))
    vote = locked_vote(district_id, vote_id, exclusive=False)
    now = utcnow()
    check_open(vote, now)
    voter = _paper_voter(district_id, person)
    problem = eligibility_problem(vote, voter)
    if problem is not None:
        raise Forbidden(problem)
    canonical = validated(vote, entries)
    key = voter_key(vote.salt, voter.identity)
    code = new_receipt_code()
    extra = {**participation_snapshot(voter), "paper_serial": serial, "entered_by_id": actor.id}
    ballot_id = _insert_ballot(vote, key, channel, canonical, code, now, extra)
    if ballot_id is None:
        taken = db.session.scalar(select(Ballot.channel).where(
            Ballot.vote_id == vote.id, Ballot.voter_key == key))
        if taken is not None:
            raise Conflict(lazy_message("이 사람은 이미 이 투표에 참여했습니다(%(channel)s). "
                                        "한 사람은 한 번만 집계됩니다.",
                                        channel=channel_label(taken)))
        raise Conflict(lazy_message("일련번호 %(serial)s 종이 투표지는 이미 입력되었습니다.",
                                    serial=serial or ""))
    store_choices(ballot_id, vote.id, canonical)
    freeze_definition(vote, now)
    record(vote, actor, f"entered_{channel.value}", serial or "",
         audited={"channel": channel.value, "paper_serial": serial})
    return {"vote": vote.id, "receipt": code, "status": "created",
            "choices": [list(e) for e in canonical]}


def _insert_ballot(vote: Vote, key: str, channel: Channel, entries: Entries, code: str,
                   now: datetime, extra: dict) -> int | None:
    """Insert a new ballot; None when the person (or the paper serial) already has one."""
    table = Ballot.__table__
    row = db.session.execute(
        dialect_insert(table).values(
            vote_id=vote.id, voter_key=key, channel=channel.value,
            receipt_lookup=receipt_lookup(code),
            receipt_seal=receipt_seal(vote.salt, code, entries), cast_at=now, updated_at=now,
            **extra,
        ).on_conflict_do_nothing().returning(table.c.id)
    ).first()
    return None if row is None else row[0]
