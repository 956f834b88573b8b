"""Many submissions by one voter at the same moment leave exactly one ballot (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import func, select

from core.db import commit, db
from core.errors import DomainError
from tests.voting.conftest import item_ids
from voting.casting import cast_online
from voting.models import Ballot, BallotChoice, CastRequest

pytestmark = pytest.mark.postgres

SUBMISSIONS = 50


def _race(app, district_id, vote_id, user_id, entries_for, key_for):
    from accounts.models import User

    start = threading.Barrier(SUBMISSIONS)
    answers, errors = [], []

    def submit(n):
        with app.test_request_context():
            user = db.session.get(User, user_id)
            # Hand the connection back: the pool has fewer connections than submitters.
            db.session.rollback()
            start.wait(timeout=60)
            try:
                answers.append(cast_online(district_id, vote_id, user, entries_for(n),
                                           idempotency_key=key_for(n)))
                commit()
            except DomainError as error:
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers, errors


@pytest.fixture
def postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks and ON CONFLICT waits are PostgreSQL's")


def test_fifty_concurrent_changes_leave_one_whole_ballot(postgres_only, app, make_vote,
                                                         make_user, district):
    vote = make_vote("budget")
    voter = make_user()
    ids = item_ids(vote)
    # Each submission is a different valid ballot of one or two items.
    options = [[(ids[0], 1)], [(ids[1], 1), (ids[2], 1)], [(ids[3], 1), (ids[4], 1)]]
    answers, errors = _race(app, district.id, vote.id, voter.id,
                            lambda n: options[n % 3], lambda n: None)
    assert errors == [] and len(answers) == SUBMISSIONS
    assert sum(a["status"] == "created" for a in answers) == 1
    db.session.rollback()
    rows = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert len(rows) == 1
    stored = db.session.execute(select(BallotChoice.vote_item_id, BallotChoice.value).where(
        BallotChoice.ballot_id == rows[0].id).order_by(BallotChoice.vote_item_id)).all()
    # The choices are one submitted ballot, never a mix of two (which could break the budget).
    assert [tuple(r) for r in stored] in [sorted(o) for o in options]


def test_fifty_retries_with_one_idempotency_key_store_once(postgres_only, app, make_vote,
                                                           make_user, district):
    vote = make_vote("approval")
    voter = make_user()
    ids = item_ids(vote)
    answers, errors = _race(app, district.id, vote.id, voter.id,
                            lambda n: [(ids[0], 1), (ids[1], 1)], lambda n: "same-key")
    assert errors == []
    assert len({a["receipt"] for a in answers}) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert db.session.scalar(select(func.count()).select_from(CastRequest)) == 1
