"""The votes open today, for the home page and 내 마당 (see ``core.now``)."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db, utcnow
from core.now import OpenNow
from voting.models import Ballot, Vote
from voting.pseudonyms import account_identity, voter_key


def open_votes(district, cycle, user, today) -> list[OpenNow]:
    if cycle is None:
        return []
    now = utcnow()
    votes = db.session.scalars(
        select(Vote).where(Vote.district_id == district.id, Vote.cycle_id == cycle.id,
                           Vote.opens_at <= now, Vote.closes_at > now)
        .order_by(Vote.closes_at, Vote.id)).all()
    found = []
    for vote in votes:
        cast = user is not None and db.session.scalar(
            select(Ballot.id).where(Ballot.vote_id == vote.id, Ballot.voter_key == voter_key(
                vote.salt, account_identity(user.id)))) is not None
        found.append(OpenNow(
            kind="vote", title=vote.title,
            action=str(_l("내 투표 확인하기") if cast else _l("투표하기")),
            url=url_for("voting.ballot" if user is not None else "voting.vote_page",
                        vote_id=vote.id),
            until=vote.closes_at,
            done=str(_l("투표했습니다. 마감 전까지 바꿀 수 있습니다.")) if cast else None))
    return found
