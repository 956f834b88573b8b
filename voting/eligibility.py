"""Who may vote: what a vote asks of a person (membership, email or roll verification, age,
dong) and whether its window is open. Read for an online cast in the same query as the vote
(``voting.casting``), for paper and forum ballots from what staff checked in the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from accounts.models import Demographics, User
from core.auth import is_member
from core.db import db
from core.errors import DomainError
from core.i18n import lazy_message
from core.models import Dong
from core.tenancy import seoul_today
from voting.age_bands import age_in_year
from voting.models import Vote, VoterRoll, vote_dong
from voting.pseudonyms import account_identity
from voting.rules import Electorate

if TYPE_CHECKING:
    from voting.casting import CastingVote


@dataclass(frozen=True)
class Voter:
    """What eligibility and participation statistics need to know about one person."""

    identity: str
    registered: bool
    verified: bool  # on the voter roll, or checked in person by staff
    birth_year: int | None
    dong: str | None
    gender: str | None = None
    consented: bool = False
    email_verified: bool = False


def with_voter_facts(query, district_id):
    """``query`` (over a FROM that names the person as ``:user``) with the person's roll entry
    in ``district_id`` (with its dong) and consented profile, both optional, as columns."""
    roll, roll_dong, profile = VoterRoll.__table__, _ROLL_DONG, Demographics.__table__
    return (query.add_columns(roll.c.id.label("roll"), roll.c.birth_date,
                              roll_dong.c.name.label("roll_dong"),
                              profile.c.user_id.label("profile"), profile.c.birth_year,
                              profile.c.dong, profile.c.gender)
            .outerjoin(roll, (roll.c.user_id == bindparam("user"))
                       & (roll.c.district_id == district_id))
            .outerjoin(roll_dong, roll_dong.c.id == roll.c.dong_id)
            .outerjoin(profile, profile.c.user_id == bindparam("user")))


# The roll entry's dong, apart from any other use of the dong table in the same query.
_ROLL_DONG = Dong.__table__.alias("roll_dong")
_VOTER_FACTS = with_voter_facts(
    select().select_from(User.__table__).where(User.__table__.c.id == bindparam("user")),
    bindparam("district"))


def voter_from_facts(user: User, district_id: int, facts) -> Voter:
    rolled = facts.roll is not None
    # The account came with the request (its row is read with the session): its verified
    # address costs the cast no query.
    return Voter(identity=account_identity(user.id), registered=is_member(user, district_id),
                 verified=rolled, email_verified=user.email_verified_at is not None,
                 birth_year=facts.birth_date.year if rolled else facts.birth_year,
                 dong=facts.roll_dong if rolled else facts.dong,
                 gender=facts.gender, consented=facts.profile is not None)


def account_voter(district_id: int, user: User) -> Voter:
    facts = db.session.connection().execute(
        _VOTER_FACTS, {"district": district_id, "user": user.id}).one()
    return voter_from_facts(user, district_id, facts)


def eligibility_problem(vote: Vote | CastingVote, voter: Voter):
    """Why ``voter`` may not vote in ``vote``, or None. Age is the age reached this year
    (연 나이), from the roll's birth date or the consented birth year."""
    if not voter.registered:
        return _l("이 자치구에 가입한 주민만 투표할 수 있습니다.")
    if vote.electorate == Electorate.ROLL and not voter.verified:
        return _l("이 투표는 주민 확인(명부 등록)을 마친 분만 참여할 수 있습니다. 동 주민센터나 "
                  "공론장 안내 데스크에서 확인을 받으세요.")
    if vote.electorate == Electorate.EMAIL and not (voter.email_verified or voter.verified):
        return _l("이 투표는 이메일 인증을 마친 분만 참여할 수 있습니다. 가입할 때 받은 메일의 "
                  "링크를 누르거나, 내 마당에서 인증 메일을 다시 받으세요.")
    if vote.min_age is not None:
        if voter.birth_year is None:
            return lazy_message("이 투표는 만 %(age)d세 이상(연 나이 기준) 참여할 수 있습니다. "
                                "내 마당에서 출생 연도를 등록하세요.", age=vote.min_age)
        if age_in_year(voter.birth_year, seoul_today().year) < vote.min_age:
            return lazy_message("이 투표는 %(age)d세 이상(연 나이 기준)만 참여할 수 있습니다.",
                                age=vote.min_age)
    if vote.dong_names:
        if voter.dong is None:
            return _l("이 투표는 일부 동 주민만 참여할 수 있습니다. 내 마당에서 사는 동을 "
                      "등록하세요.")
        if voter.dong not in vote.dong_names:
            # Plain text, escaped by ``lazy_message`` where it is shown as HTML: dong names
            # are data an organizer typed.
            return lazy_message("이 투표는 %(dongs)s 주민만 참여할 수 있습니다.",
                                dongs=", ".join(sorted(dong_labels(vote.id))))
    return None


def dong_labels(vote_id: int) -> list[str]:
    """The names of the dongs a vote is limited to, in the reader's language (``Dong.label``:
    romanized in English where the district recorded an English name)."""
    dongs = db.session.scalars(select(Dong).join(vote_dong, vote_dong.c.dong_id == Dong.id)
                               .where(vote_dong.c.vote_id == vote_id))
    return [dong.label for dong in dongs]


def check_open(vote: Vote | CastingVote, now: datetime) -> None:
    status = vote.status_at(now)
    if status == "upcoming":
        raise DomainError(_l("아직 투표 기간이 아닙니다."), status=403)
    if status == "closed":
        raise DomainError(_l("투표가 마감되었습니다."), status=403)
