"""`flask purge-personal-data`: people inactive past the retention period lose their email,
name, demographics, roll entry and forum links; everything counted from what they gave
anonymously (ballots, forum answers) reads exactly as before, and active people keep all."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select, update

from accounts.models import Demographics, LoginSession, User
from accounts.services import authenticate, open_session
from agenda.demo import NEIGHBOURS
from agenda.models import AgendaItem, Comment, Report, Support
from core.db import commit, db, utcnow
from core.models import Dong
from core.tenancy import current_district_id
from forums.models import Answer, Forum, Participant
from tests.conftest import post_form
from tests.exports.conftest import close_hidden_votes
from voting.models import Ballot, Vote, VoterRoll
from voting.pseudonyms import account_identity, voter_key

YEARS_AGO = timedelta(days=4 * 365)

# Every timestamp that can show a person acting, set back to make everyone inactive.
ACTIVITY = [
    (User, ("created_at", "password_changed_at")), (LoginSession, ("created_at",)),
    (AgendaItem, ("created_at",)), (Comment, ("created_at",)), (Support, ("created_at",)),
    (Report, ("created_at",)), (Participant, ("created_at",)), (Answer, ("answered_at",)),
    (Ballot, ("cast_at", "updated_at")), (VoterRoll, ("verified_at",)),
]


def _cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _give_personal_data(people: list[User]) -> None:
    """Demographics, a roll entry and a seat at the demo forum (with its answers) for each."""
    dongs = list(db.session.scalars(select(Dong).order_by(Dong.id)))
    seats = db.session.scalars(select(Participant).where(Participant.user_id.is_(None))
                               .join(Answer).distinct().order_by(Participant.id)).all()
    for number, person in enumerate(people):
        dong = dongs[number % len(dongs)]
        db.session.add(Demographics(user_id=person.id, consented_at=utcnow(),
                                    birth_year=1960 + number, gender="female", dong=dong.name,
                                    occupation="자영업"))
        db.session.add(VoterRoll(district_id=dong.district_id, user_id=person.id,
                                 person_key=hashlib.sha256(person.email.encode()).hexdigest(),
                                 birth_date=date(1960 + number, 3, 1), dong_id=dong.id))
        seats[number].user_id = person.id
        open_session(person)
    db.session.flush()


def _make_everyone_old() -> None:
    old = utcnow() - YEARS_AGO
    for model, columns in ACTIVITY:
        db.session.execute(update(model).values(**dict.fromkeys(columns, old)))


def _act_now(active: dict[str, User]) -> None:
    """One recent act of each kind, each by a different person."""
    now = utcnow()
    open_session(active["signs in"])
    voted = active["votes"]
    for vote in db.session.scalars(select(Vote)):
        db.session.execute(update(Ballot).where(
            Ballot.vote_id == vote.id,
            Ballot.voter_key == voter_key(vote.salt, account_identity(voted.id)))
            .values(updated_at=now))
    seat = db.session.scalars(select(Participant).where(
        Participant.user_id == active["answers"].id)).one()
    db.session.execute(update(Answer).where(Answer.participant_id == seat.id)
                       .values(answered_at=now))
    db.session.execute(update(Support).where(Support.user_id == active["supports"].id)
                       .values(created_at=now))
    db.session.execute(update(VoterRoll).where(VoterRoll.user_id == active["is checked"].id)
                       .values(verified_at=now))


def _counted(app, tmp_path) -> dict:
    """Every vote's result, the results and ballots exports of every vote, every forum's
    report, in the district ``flask export`` serves (the demo's second district has no
    accounts to purge)."""
    served = current_district_id()
    votes = list(db.session.scalars(select(Vote.id).where(Vote.district_id == served)
                                    .order_by(Vote.id)))
    forums = list(db.session.scalars(select(Forum.id).where(Forum.district_id == served)
                                     .order_by(Forum.id)))
    counted = {}
    for vote_id in votes:
        counted[f"tally {vote_id}"] = json.loads(_cli(app, "tally", str(vote_id), "--json"))
        for kind in ("results", "ballots"):
            out = tmp_path / f"{kind}-{vote_id}.csv"
            _cli(app, "export", kind, "--format", "csv", "--vote", str(vote_id), "--out", str(out))
            counted[f"{kind} {vote_id}"] = out.read_bytes()
    for forum_id in forums:
        counted[f"forum {forum_id}"] = json.loads(_cli(app, "forum-report", str(forum_id),
                                                       "--json"))
    return counted


def _people() -> dict[int, tuple]:
    db.session.expire_all()
    return {user.id: (user.email, user.display_name, user.password_hash, user.purged_at)
            for user in db.session.scalars(select(User))}


def _text_values() -> list[str]:
    """Every string stored in any text or JSON column of any table."""
    values = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if columns:
            for row in db.session.execute(select(*columns)):
                values += [json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                           for v in row if v is not None]
    return values


@pytest.fixture
def aged_demo(app, ctx):
    _cli(app, "seed-demo")
    people = [_user(email) for email, _name in NEIGHBOURS[:8]]
    _give_personal_data(people)
    _make_everyone_old()
    active = dict(zip(("signs in", "votes", "answers", "supports", "is checked"), people,
                      strict=False))
    _act_now(active)
    commit()
    # Votes that hide their results while open are closed, so every tally can be compared.
    for cycle_id in db.session.scalars(select(Vote.cycle_id).distinct()).all():
        close_hidden_votes(cycle_id)
    return people, active


def test_purge_erases_the_inactive_and_leaves_every_count_as_it_was(app, ctx, client, tmp_path,
                                                                      aged_demo):
    people, active = aged_demo
    active_ids = {person.id for person in active.values()}
    before = _counted(app, tmp_path)
    everyone = _people()
    purged = {uid: row for uid, row in everyone.items() if uid not in active_ids}
    assert len(purged) > len(active_ids)

    dry = _cli(app, "purge-personal-data", "--dry-run")
    assert f"{len(purged)} people" in dry and "would be purged" in dry
    assert _people() == everyone

    assert f"{len(purged)} people" in _cli(app, "purge-personal-data")

    db.session.expire_all()
    assert _counted(app, tmp_path) == before
    after = _people()
    assert {uid: after[uid] for uid in active_ids} == {uid: everyone[uid] for uid in active_ids}
    stored = "\n".join(_text_values())
    for uid, (email, _name, _hash, _purged_at) in purged.items():
        assert email not in stored
        assert after[uid][0].endswith(".invalid") and after[uid][3] is not None
        assert authenticate(after[uid][0], "anything") is None
    post_form(client, "/password/forgot", {"email": after[max(purged)][0]})
    assert not app.extensions.get("madang_outbox")
    purged_ids = list(purged)
    for model, column in ((Demographics, Demographics.user_id),
                          (VoterRoll, VoterRoll.user_id), (Participant, Participant.user_id),
                          (LoginSession, LoginSession.user_id)):
        assert not db.session.scalars(select(model).where(column.in_(purged_ids))).all()
        assert len(set(db.session.scalars(select(column).where(column.in_(active_ids))))) >= 1
    kept = {person.id for person in people if person.id in active_ids}
    assert set(db.session.scalars(select(Demographics.user_id))) == kept
    assert set(db.session.scalars(select(VoterRoll.user_id))) == kept
    assert {p for p in db.session.scalars(select(Participant.user_id)) if p} == kept


def test_purging_twice_changes_nothing_the_second_time(app, ctx, tmp_path, aged_demo):
    _cli(app, "purge-personal-data")
    once = _people()
    stored = _text_values()
    assert "0 people" in _cli(app, "purge-personal-data")
    assert _people() == once
    assert _text_values() == stored


def test_the_retention_period_comes_from_the_option_or_the_config(app, ctx, aged_demo):
    nobody = _cli(app, "purge-personal-data", "--older-than", str(10 * 365), "--dry-run")
    assert nobody.startswith("0 people inactive for 3650 days")
    default = _cli(app, "purge-personal-data", "--dry-run")
    assert f"inactive for {app.config['PERSONAL_DATA_RETENTION_DAYS']} days" in default
    assert not default.startswith("0 people")
