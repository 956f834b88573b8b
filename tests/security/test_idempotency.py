"""An ``Idempotency-Key`` replays its stored answer only to the ballot it came with: the same
key with other choices is refused (422) and changes nothing, on both databases' paths."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import commit, db, utcnow
from core.errors import DomainError
from tests.conftest import csrf_token, sign_in
from tests.voting import conftest as vote_fixtures
from tests.voting.conftest import item_ids
from voting.casting import cast_online
from voting.definition import definition_tag
from voting.models import Ballot, BallotChoice, CastRequest, Vote

# The voting package's fixtures.
ctx, shortlist, make_vote = vote_fixtures.ctx, vote_fixtures.shortlist, vote_fixtures.make_vote


def _rows():
    """Every ballot, choice and stored answer, to compare before and after a refusal."""
    db.session.rollback()
    return (
        db.session.execute(select(Ballot.id, Ballot.voter_key, Ballot.channel,
                                  Ballot.receipt_lookup, Ballot.receipt_seal,
                                  Ballot.updated_at).order_by(Ballot.id)).all(),
        db.session.execute(select(BallotChoice.ballot_id, BallotChoice.vote_item_id,
                                  BallotChoice.value)
                           .order_by(BallotChoice.ballot_id, BallotChoice.vote_item_id)).all(),
        db.session.execute(select(CastRequest.id, CastRequest.key, CastRequest.request_digest,
                                  CastRequest.response).order_by(CastRequest.id)).all(),
    )


def test_same_key_other_choices_is_422_and_changes_nothing(make_vote, make_user, district):
    vote = make_vote("approval")
    voter = make_user()
    ids = item_ids(vote)
    first = cast_online(district.id, vote.id, voter, [(ids[0], 1), (ids[1], 1)],
                        idempotency_key="k-1")
    commit()
    before = _rows()
    assert before[2][0].request_digest is not None
    with pytest.raises(DomainError) as refused:
        cast_online(district.id, vote.id, voter, [(ids[2], 1)], idempotency_key="k-1")
    assert refused.value.status == 422
    assert "Idempotency-Key" in str(refused.value.message)
    assert _rows() == before
    # The same choices, in another order, are the same request: the stored answer again.
    again = cast_online(district.id, vote.id, voter, [(ids[1], 1), (ids[0], 1)],
                        idempotency_key="k-1")
    commit()
    assert again == first
    assert _rows() == before


def test_same_key_other_choices_after_the_close_is_still_422(make_vote, make_user, district):
    vote = make_vote("ranked")
    voter = make_user()
    ids = item_ids(vote)
    first = cast_online(district.id, vote.id, voter, [(ids[0], 1), (ids[1], 2)],
                        idempotency_key="before-close")
    commit()
    db.session.execute(Vote.__table__.update().where(Vote.id == vote.id)
                       .values(closes_at=utcnow() - timedelta(seconds=1)))
    commit()
    before = _rows()
    # The ranks swapped: another ballot, whatever the window says.
    with pytest.raises(DomainError) as refused:
        cast_online(district.id, vote.id, voter, [(ids[1], 1), (ids[0], 2)],
                    idempotency_key="before-close")
    assert refused.value.status == 422
    assert _rows() == before
    assert cast_online(district.id, vote.id, voter, [(ids[0], 1), (ids[1], 2)],
                       idempotency_key="before-close") == first


def test_the_header_reused_with_another_ballot_is_422_over_http(client, make_vote, make_user):
    vote = make_vote("approval")
    ids = item_ids(vote)
    voter = make_user()
    sign_in(client, voter.email)
    form = {"csrf_token": csrf_token(client, f"/votes/{vote.id}/ballot"), "action": "cast",
            "definition": definition_tag(vote), "item": [str(ids[0])]}
    headers = {"Idempotency-Key": "retry-me", "Accept": "application/json"}
    first = client.post(f"/votes/{vote.id}/ballot", data=form, headers=headers)
    assert first.status_code == 201
    before = _rows()
    other = client.post(f"/votes/{vote.id}/ballot", data={**form, "item": [str(ids[1])]},
                        headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["error"]
    assert _rows() == before
    same = client.post(f"/votes/{vote.id}/ballot", data=form, headers=headers)
    assert same.status_code == 201 and same.get_json() == first.get_json()
    assert _rows() == before
