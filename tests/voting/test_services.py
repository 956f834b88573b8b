"""Casting, changing, withdrawing, freezing and cross-channel rules, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import commit, db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from tests.voting.conftest import definition, item_ids
from voting.casting import cast_online, withdraw
from voting.definition import reset_vote, update_vote
from voting.models import Ballot, BallotChoice, CastRequest, Channel, Electorate, VoteLog
from voting.paper_entry import PersonOnPaper, enter_ballot
from voting.receipts import check_receipt
from voting.voter_roll import verify_resident


def ballots(vote_id):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.vote_id == vote_id))


def choices(vote_id):
    return db.session.scalar(select(func.count()).select_from(BallotChoice).where(
        BallotChoice.vote_id == vote_id))


def test_cast_change_and_withdraw(make_vote, make_user, district):
    vote = make_vote("ranked")
    voter = make_user()
    a, b, c, *_ = item_ids(vote)
    first = cast_online(district.id, vote.id, voter, [(a, 1), (b, 2)])
    commit()
    assert first["status"] == "created" and len(first["receipt"]) == 14
    second = cast_online(district.id, vote.id, voter, [(c, 1)])
    commit()
    assert second["status"] == "changed"
    assert ballots(vote.id) == 1 and choices(vote.id) == 1
    assert check_receipt(first["receipt"]) is None
    check = check_receipt(second["receipt"])
    assert check.intact and [(i.id, v) for i, v in check.choices] == [(c, 1)]
    withdraw(district.id, vote.id, voter)
    commit()
    assert ballots(vote.id) == 0


@pytest.mark.parametrize("changes", [
    # Ranks swapped (every choice kept, values changed); one item kept, one dropped, one new;
    # fewer items; all new items.
    [[(0, 1), (1, 2)], [(1, 1), (0, 2)]],
    [[(0, 1), (1, 2)], [(1, 1), (2, 2)], [(2, 1)]],
    [[(0, 1), (1, 2), (2, 3)], [(3, 1), (4, 2)]],
])
def test_a_change_stores_exactly_the_new_choices(make_vote, make_user, district, changes):
    vote = make_vote("ranked")
    voter = make_user()
    ids = item_ids(vote)
    for change in changes:
        entries = [(ids[index], rank) for index, rank in change]
        cast_online(district.id, vote.id, voter, entries)
        commit()
        stored = db.session.execute(select(BallotChoice.vote_item_id, BallotChoice.value).where(
            BallotChoice.vote_id == vote.id)).all()
        assert sorted(stored) == sorted(entries)


@pytest.mark.parametrize(("ballot_type", "entries", "message"), [
    ("ranked", lambda ids: [(ids[0], 1), (ids[1], 1)], "같은 순위"),
    ("ranked", lambda ids: [(ids[0], 1), (ids[0], 2)], "두 번"),
    ("ranked", lambda ids: [(ids[i], i + 1) for i in range(4)], "최대 3개"),
    ("ranked", lambda ids: [(999_999, 1)], "없는 의제"),
    ("approval", lambda ids: [], "최소 1개"),
    ("approval", lambda ids: [(i, 1) for i in ids[:4]], "최대 3개"),
    ("budget", lambda ids: [(ids[0], 1), (ids[1], 1), (ids[2], 1)], "한도"),
    ("points", lambda ids: [(ids[0], 6), (ids[1], 3)], "10점"),
])
def test_bad_ballots_are_refused_and_nothing_is_stored(make_vote, make_user, district,
                                                       ballot_type, entries, message):
    vote = make_vote(ballot_type)
    with pytest.raises(DomainError) as caught:
        cast_online(district.id, vote.id, make_user(), entries(item_ids(vote)))
    assert caught.value.status == 422 and message in str(caught.value.message)
    db.session.rollback()
    assert ballots(vote.id) == 0


def test_foreign_item_of_another_vote_is_refused(make_vote, make_user, district):
    ranked, other = make_vote("ranked"), make_vote("approval")
    foreign = item_ids(other)[0]
    with pytest.raises(DomainError, match="없는 의제"):
        cast_online(district.id, ranked.id, make_user(), [(foreign, 1)])


def test_outside_the_window(make_vote, make_user, district):
    later = make_vote("ranked", opens_at=utcnow() + timedelta(days=1),
                      closes_at=utcnow() + timedelta(days=2))
    closed = make_vote("ranked", opens_at=utcnow() - timedelta(days=2),
                       closes_at=utcnow() - timedelta(days=1))
    voter = make_user()
    for vote, text in ((later, "아직"), (closed, "마감")):
        with pytest.raises(DomainError) as caught:
            cast_online(district.id, vote.id, voter, [(item_ids(vote)[0], 1)])
        assert caught.value.status == 403 and text in str(caught.value.message)


def test_eligibility_verified_age_and_dong(make_vote, make_user, district, organizer):
    from accounts.services import save_demographics

    dong = district.dongs[0]
    vote = make_vote("ranked", electorate=Electorate.ROLL, min_age=19, dong_ids=[dong.id])
    voter = make_user()
    entries = [(item_ids(vote)[0], 1)]
    with pytest.raises(Forbidden, match="주민 확인"):
        cast_online(district.id, vote.id, voter, entries)
    db.session.rollback()
    verify_resident(district.id, organizer, "박주민", date(2015, 1, 1),
                    district.dongs[1].id, email=voter.email)
    commit()
    with pytest.raises(Forbidden, match="19세"):
        cast_online(district.id, vote.id, voter, entries)
    db.session.rollback()
    adult = make_user()
    verify_resident(district.id, organizer, "김어른", date(1980, 1, 1),
                    district.dongs[1].id, email=adult.email)
    commit()
    with pytest.raises(Forbidden, match=dong.name):
        cast_online(district.id, vote.id, adult, entries)
    db.session.rollback()
    local = make_user()
    save_demographics(local, True, 1985, "female", dong.name, None)
    verify_resident(district.id, organizer, "이동네", date(1985, 3, 3), dong.id,
                    email=local.email)
    commit()
    assert cast_online(district.id, vote.id, local, entries)["status"] == "created"


def test_a_dong_refusal_names_the_dongs_in_the_readers_language_as_text(
        make_vote, make_user, district, organizer):
    from flask_babel import force_locale
    from markupsafe import escape

    first, second = district.dongs[0], district.dongs[1]
    assert first.name_en and second.name_en
    # An English name an organizer typed with markup in it stays text on the page.
    second.name_en = "<b>Gil</b>-dong"
    vote = make_vote("ranked", dong_ids=[first.id, second.id])
    outsider = make_user()
    verify_resident(district.id, organizer, "김바깥", date(1980, 1, 1),
                    district.dongs[2].id, email=outsider.email)
    commit()
    entries = [(item_ids(vote)[0], 1)]
    with pytest.raises(Forbidden) as refused:
        cast_online(district.id, vote.id, outsider, entries)
    db.session.rollback()
    korean = str(refused.value.message)
    assert first.name in korean and second.name in korean and first.name_en not in korean
    with force_locale("en"), pytest.raises(Forbidden) as refused:
        cast_online(district.id, vote.id, outsider, entries)
    db.session.rollback()
    with force_locale("en"):
        english = str(refused.value.message)
        html = str(escape(refused.value.message))
    listed = ", ".join(sorted([first.name_en, "<b>Gil</b>-dong"]))
    assert listed in english and first.name not in english
    assert "&lt;b&gt;Gil&lt;/b&gt;-dong" in html and "<b>" not in html


def test_foreign_district_vote_is_not_found(make_vote, make_user, district):
    vote = make_vote("ranked")
    with pytest.raises(NotFound):
        cast_online(district.id + 1, vote.id, make_user(), [(item_ids(vote)[0], 1)])


def test_frozen_after_first_ballot_and_admin_reset(make_vote, make_user, district, shortlist,
                                                   organizer):
    vote = make_vote("ranked")
    changed = definition("ranked", shortlist, title="바뀐 제목")
    update_vote(district.id, vote.id, changed, organizer)
    commit()
    cast_online(district.id, vote.id, make_user(), [(item_ids(vote)[0], 1)])
    commit()
    for frozen in (definition("approval", shortlist), definition("ranked", shortlist[:3]),
                   definition("ranked", shortlist, electorate=Electorate.ROLL),
                   definition("ranked", shortlist, method="irv")):
        with pytest.raises(Conflict) as caught:
            update_vote(district.id, vote.id, frozen, organizer)
        assert caught.value.status == 409
        db.session.rollback()
    update_vote(district.id, vote.id, definition("ranked", shortlist, title="제목만"),
                organizer)
    commit()
    with pytest.raises(Forbidden):
        reset_vote(district.id, vote.id, organizer, "잘못 만든 투표")
    db.session.rollback()
    admin = make_user("admin")
    assert reset_vote(district.id, vote.id, admin, "항목 구성 오류") == 1
    commit()
    assert ballots(vote.id) == 0
    logged = db.session.scalars(select(VoteLog.action).where(VoteLog.vote_id == vote.id)).all()
    assert "reset" in logged
    update_vote(district.id, vote.id, definition("approval", shortlist), organizer)
    commit()


def test_idempotency_key_returns_the_same_answer(make_vote, make_user, district):
    vote = make_vote("approval")
    voter = make_user()
    ids = item_ids(vote)
    first = cast_online(district.id, vote.id, voter, [(ids[0], 1)],
                        idempotency_key="key-1")
    commit()
    again = cast_online(district.id, vote.id, voter, [(ids[0], 1)],
                        idempotency_key="key-1")
    commit()
    assert again == first
    check = check_receipt(first["receipt"])
    assert [(i.id, v) for i, v in check.choices] == [(ids[0], 1)]


def test_a_retry_after_the_close_gets_the_stored_answer(make_vote, make_user, district):
    vote = make_vote("approval")
    voter = make_user()
    ids = item_ids(vote)
    first = cast_online(district.id, vote.id, voter, [(ids[0], 1)],
                        idempotency_key="sent-before-close")
    commit()
    vote.closes_at = utcnow() - timedelta(seconds=1)
    commit()
    again = cast_online(district.id, vote.id, voter, [(ids[0], 1)],
                        idempotency_key="sent-before-close")
    assert again == first
    with pytest.raises(DomainError, match="마감"):
        cast_online(district.id, vote.id, voter, [(ids[1], 1)],
                    idempotency_key="a-new-request")


def test_a_refused_cast_keeps_no_claim_on_its_key(make_vote, make_user, district):
    vote = make_vote("approval")
    voter = make_user()
    ids = item_ids(vote)
    with pytest.raises(DomainError, match="최대"):
        cast_online(district.id, vote.id, voter, [(i, 1) for i in ids[:4]],
                    idempotency_key="fixed-and-sent-again")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CastRequest)) == 0
    answer = cast_online(district.id, vote.id, voter, [(ids[0], 1)],
                         idempotency_key="fixed-and-sent-again")
    commit()
    assert answer["status"] == "created" and ballots(vote.id) == 1


def test_paper_serial_and_cross_channel_identity(make_vote, make_user, district, organizer):
    vote = make_vote("approval")
    ids = item_ids(vote)
    dong = district.dongs[2]
    resident = make_user()
    verify_resident(district.id, organizer, "최종이", date(1970, 7, 7), dong.id,
                    email=resident.email)
    commit()
    person = PersonOnPaper(name="최 종이", birth_date=date(1970, 7, 7), dong_id=dong.id)
    enter_ballot(district.id, vote.id, organizer, Channel.PAPER, person, [(ids[0], 1)],
                 paper_serial="A-0001")
    commit()
    # The paper ballot belongs to the resident's account: no online ballot on top of it.
    with pytest.raises(Conflict, match="종이 투표"):
        cast_online(district.id, vote.id, resident, [(ids[1], 1)])
    db.session.rollback()
    # The same serial twice is refused.
    stranger = PersonOnPaper(name="한낯선", birth_date=date(1990, 1, 1), dong_id=dong.id)
    with pytest.raises(Conflict, match="A-0001"):
        enter_ballot(district.id, vote.id, organizer, Channel.PAPER, stranger,
                     [(ids[1], 1)], paper_serial="A-0001")
    db.session.rollback()
    # Someone who voted online cannot be entered at a forum by email.
    online = make_user()
    cast_online(district.id, vote.id, online, [(ids[2], 1)])
    commit()
    with pytest.raises(Conflict, match="이미"):
        enter_ballot(district.id, vote.id, organizer, Channel.FORUM,
                              PersonOnPaper(email=online.email), [(ids[1], 1)])
    db.session.rollback()
    # The same unrolled person typed twice (spacing differs) counts once.
    enter_ballot(district.id, vote.id, organizer, Channel.FORUM, stranger,
                 [(ids[3], 1)])
    commit()
    twin = PersonOnPaper(name="한 낯선", birth_date=date(1990, 1, 1), dong_id=dong.id)
    with pytest.raises(Conflict):
        enter_ballot(district.id, vote.id, organizer, Channel.PAPER, twin,
                     [(ids[1], 1)], paper_serial="A-0002")
    db.session.rollback()
    assert ballots(vote.id) == 3
