"""One person, one counted ballot (and one forum seat), whichever channel or spelling they
come by: online, on paper, at a forum table, with invisible characters or Unicode variants
in their name, or with their cookies cleared."""

from datetime import date

import pytest
from sqlalchemy import func, select

from accounts.models import User, user_by_email
from core.db import commit, db
from core.errors import Conflict, DomainError
from core.identity import fold_email, fold_identity, fold_name
from forums import services as forums
from forums.models import Answer, Participant, PollState
from tests.conftest import post_form, sign_in
from tests.forums import conftest as forum_fixtures
from tests.voting import conftest as vote_fixtures
from tests.voting.conftest import item_ids
from voting.casting import cast_online
from voting.models import Ballot, BallotChoice, Channel, VoterRoll
from voting.paper_entry import PersonOnPaper, enter_ballot
from voting.voter_roll import verify_resident

# The voting and forum packages' fixtures, for attacks that cross both.
ctx, shortlist, make_vote = vote_fixtures.ctx, vote_fixtures.shortlist, vote_fixtures.make_vote
forum, facilitators = forum_fixtures.forum, forum_fixtures.facilitators

BIRTH = date(1988, 4, 5)

# The same name as a person reads it, as another desk might type it.
NAME = "김민지"
VARIANTS = [
    "김\u200b민지",  # zero-width space
    "\ufeff김민지\u200d",  # byte-order mark, zero-width joiner
    "김\u00ad민\u2060지",  # soft hyphen, word joiner
    "김\ufe0f민지",  # variation selector
    "김\u3164민지",  # Hangul filler, blank on screen
    "김\u3000민지 ",  # ideographic space, trailing space
    "\u1100\u1175\u11b7민지",  # the first syllable as decomposed jamo
    "\u200e김민지\u202c",  # direction marks
]
LATIN = "Kim Minji"
LATIN_VARIANTS = ["ＫＩＭ　ＭＩＮＪＩ", "kim\u200bminji", "  KIM   minji\t"]


def _rows():
    """Every ballot and choice, to compare the database before and after a refusal."""
    db.session.rollback()
    ballots = db.session.execute(select(Ballot.vote_id, Ballot.voter_key, Ballot.channel,
                                        Ballot.receipt_seal).order_by(Ballot.id)).all()
    choices = db.session.execute(select(BallotChoice.ballot_id, BallotChoice.vote_item_id,
                                        BallotChoice.value)
                                 .order_by(BallotChoice.ballot_id, BallotChoice.vote_item_id)).all()
    roll = db.session.execute(select(VoterRoll.person_key, VoterRoll.user_id)
                              .order_by(VoterRoll.id)).all()
    return ballots, choices, roll


def _paper(name, dong, serial):
    return dict(channel=Channel.PAPER, paper_serial=serial,
                person=PersonOnPaper(name=name, birth_date=BIRTH, dong_id=dong.id))


def test_folding_is_one_spelling_for_every_variant():
    for variant in VARIANTS:
        assert fold_name(variant) == fold_name(NAME), repr(variant)
    for variant in LATIN_VARIANTS:
        assert fold_name(variant) == fold_name(LATIN), repr(variant)
    assert fold_identity("  Kim\u200b \u00a0 Minji ") == "kim minji"
    assert fold_email(" Resident\u200b@Example.KR ") == "resident@example.kr"
    assert fold_name("\u200b\u3164 ") == ""


@pytest.mark.parametrize("variant", VARIANTS + LATIN_VARIANTS)
def test_a_variant_of_a_rolled_name_is_the_same_person_on_the_roll(make_vote, district,
                                                                   organizer, variant):
    dong = district.dongs[0]
    canonical = LATIN if variant in LATIN_VARIANTS else NAME
    verify_resident(district.id, organizer, canonical, BIRTH, dong.id)
    commit()
    before = _rows()
    with pytest.raises(Conflict):
        verify_resident(district.id, organizer, variant, BIRTH, dong.id)
    assert _rows() == before


@pytest.mark.parametrize("variant", VARIANTS[:4])
def test_a_variant_typed_on_paper_is_the_person_who_voted_online(make_vote, make_user, district,
                                                                 organizer, variant):
    vote = make_vote("approval")
    ids = item_ids(vote)
    dong = district.dongs[0]
    resident = make_user()
    cast_online(district.id, vote.id, resident, [(ids[0], 1)])
    verify_resident(district.id, organizer, NAME, BIRTH, dong.id, email=resident.email)
    commit()
    before = _rows()
    with pytest.raises(Conflict) as refused:
        enter_ballot(district.id, vote.id, organizer, entries=[(ids[1], 1)],
                     **_paper(variant, dong, "P-1"))
    assert refused.value.status == 409
    assert "온라인" in str(refused.value.message)
    assert _rows() == before


def test_online_then_paper_by_name_over_http_is_409_naming_online(client, make_vote, make_user,
                                                                  district, organizer):
    vote = make_vote("approval")
    ids = item_ids(vote)
    dong = district.dongs[1]
    resident = make_user()
    cast_online(district.id, vote.id, resident, [(ids[0], 1)])
    commit()
    sign_in(client, organizer.email)
    rolled = post_form(client, "/organize/roll", {"name": "최 종 이", "birth_date": "1970-07-07",
                                                  "dong": str(dong.id), "email": resident.email})
    assert rolled.status_code == 302
    before = _rows()
    entered = post_form(client, f"/organize/votes/{vote.id}/entry", {
        "channel": "paper", "paper_serial": "P-9", "name": "최\u200b종이\ufe0f",
        "birth_date": "1970-07-07", "dong": str(dong.id), "item": [str(ids[1])]})
    assert entered.status_code == 409
    assert "온라인" in entered.get_data(as_text=True)
    assert _rows() == before


def test_paper_then_online_is_refused_naming_paper(make_vote, make_user, district, organizer):
    vote = make_vote("approval")
    ids = item_ids(vote)
    dong = district.dongs[2]
    verify_resident(district.id, organizer, "박서연", BIRTH, dong.id)
    enter_ballot(district.id, vote.id, organizer, entries=[(ids[0], 1)],
                 **_paper("박서연", dong, "P-2"))
    commit()
    # Later the resident shows up with an account; staff link it to the roll entry (the name
    # typed with different spacing and a stray zero-width space).
    resident = make_user()
    verify_resident(district.id, organizer, "박 서연\u200b", BIRTH, dong.id,
                    email=resident.email)
    commit()
    before = _rows()
    with pytest.raises(Conflict) as refused:
        cast_online(district.id, vote.id, resident, [(ids[1], 1)])
    assert refused.value.status == 409
    assert "종이 투표" in str(refused.value.message)
    assert _rows() == before
    # And by email at a forum desk: the same person, refused.
    with pytest.raises(Conflict, match="종이 투표"):
        enter_ballot(district.id, vote.id, organizer, Channel.FORUM,
                              PersonOnPaper(email=resident.email), [(ids[1], 1)])
    assert _rows() == before


def test_linking_a_person_with_a_ballot_on_each_side_is_refused(make_vote, make_user, district,
                                                                organizer):
    vote = make_vote("approval")
    ids = item_ids(vote)
    dong = district.dongs[0]
    resident = make_user()
    enter_ballot(district.id, vote.id, organizer, entries=[(ids[0], 1)],
                 **_paper("이하나", dong, "P-3"))
    cast_online(district.id, vote.id, resident, [(ids[1], 1)])
    commit()
    before = _rows()
    with pytest.raises(Conflict) as refused:
        verify_resident(district.id, organizer, "이하나", BIRTH, dong.id,
                        email=resident.email)
    assert vote.title in str(refused.value.message)
    assert _rows() == before


def test_email_variants_are_one_account(make_user):
    from accounts.services import create_account, sign_up

    user = make_user(email="minji.kim@example.kr")
    district_id = user.memberships[0].district_id
    for variant in ("MINJI.KIM@EXAMPLE.KR", "minji.kim\u200b@example.kr",
                    "ｍｉｎｊｉ.ｋｉｍ@example.kr", " minji.kim@example.kr\ufeff"):
        assert user_by_email(variant).id == user.id, repr(variant)
        with pytest.raises(Conflict):
            create_account(variant, "a long enough password", "민지", district_id)
        db.session.rollback()
        # Signing up with a variant is answered as for a known address: no second account.
        sign_up(variant, "a long enough password", "민지", district_id, "ko")
        commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


# --- forums: one seat ticket, one counted answer -------------------------------------------

def _counted_poll(forum):
    poll = next(p for p in forum.polls if p.phase == "pre")
    forums.set_poll_state(forum, poll.id, PollState.OPEN)
    commit()
    return poll


def _answer(phone, forum, poll, option_index):
    question = poll.questions[0]
    return post_form(phone, f"/forums/{forum.id}/me/polls/{poll.id}",
                     {f"q{question.id}": str(question.options[option_index].id)})


def _answers(poll_id):
    db.session.rollback()
    return db.session.scalar(select(func.count(Answer.id)).where(Answer.poll_id == poll_id))


# A ticket as three people might type it.
TYPED = [
    lambda code: code,
    lambda code: code.lower().replace("-", " "),
    lambda code: "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in code),
]


def test_a_ticket_rejoined_three_times_answers_once(app, forum, facilitators):
    poll = _counted_poll(forum)
    ticket = forums.issue_tickets(forum, facilitators[0], 1)[0].code
    commit()
    for attempt in range(3):
        phone = app.test_client()  # a fresh browser: cookies cleared
        joined = post_form(phone, f"/j/{forum.join_code}",
                           {"code": forum.join_code, "ticket": TYPED[attempt](ticket)})
        assert joined.status_code == 302
        assert _answer(phone, forum, poll, attempt).status_code == 302
    assert _answers(poll.id) == 1
    assert db.session.scalar(select(func.count(Participant.id))) == 1
    snapshot = forums.poll_snapshot(poll.id)
    counts = [option["count"] for option in snapshot["questions"][0]["options"]]
    assert counts == [0, 0, 1]  # the last answer replaced the earlier ones


def test_without_a_ticket_a_counted_poll_refuses_and_a_live_poll_accepts(
        app, forum, facilitators, organizer):
    poll = _counted_poll(forum)
    live = forums.launch_live_poll(forum, organizer, None, "single", "지금 기분은?",
                                   ["좋다", "보통"])
    commit()
    for _browser in range(3):
        phone = app.test_client()
        joined = post_form(phone, f"/j/{forum.join_code}", {"code": forum.join_code})
        assert joined.status_code == 302
        refused = _answer(phone, forum, poll, 0)
        assert refused.status_code == 403
        assert "좌석표" in refused.get_data(as_text=True)
        assert _answer(phone, forum, live, 0).status_code == 302
    assert _answers(poll.id) == 0
    assert _answers(live.id) == 3


def test_a_ticket_entered_after_joining_makes_the_browser_its_participant(
        app, forum, facilitators):
    poll = _counted_poll(forum)
    ticket = forums.issue_tickets(forum, facilitators[0], 1)[0].code
    commit()
    first = app.test_client()
    post_form(first, f"/j/{forum.join_code}", {"code": forum.join_code, "ticket": ticket})
    assert _answer(first, forum, poll, 0).status_code == 302
    # Cookies cleared, joined by the forum code alone, then the ticket typed in: the same seat.
    second = app.test_client()
    post_form(second, f"/j/{forum.join_code}", {"code": forum.join_code})
    assert _answer(second, forum, poll, 1).status_code == 403
    entered = post_form(second, f"/forums/{forum.id}/me/ticket", {"ticket": ticket})
    assert entered.status_code == 302
    assert _answer(second, forum, poll, 1).status_code == 302
    assert _answers(poll.id) == 1
    # The first browser's cookie no longer stands for the seat.
    assert _answer(first, forum, poll, 2).status_code == 400
    assert _answers(poll.id) == 1


def test_a_wrong_ticket_is_refused_and_changes_nothing(app, forum):
    phone = app.test_client()
    refused = post_form(phone, f"/j/{forum.join_code}",
                        {"code": forum.join_code, "ticket": "ZZZZ-ZZZZ"})
    assert refused.status_code == 404
    assert "좌석표" in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Participant.id))) == 0
    with pytest.raises(DomainError):
        forums.enter_with_ticket(forum, "not a ticket")


def test_organizers_print_tickets_and_facilitators_hand_them_out(client, forum, organizer,
                                                                 facilitators):
    sign_in(client, organizer.email)
    issued = post_form(client, f"/forums/{forum.id}/tickets", {"count": "5"})
    assert issued.status_code == 302
    page = client.get(f"/forums/{forum.id}/tickets")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    codes = [t.code for t in forums.tickets_of(forum)]
    assert len(codes) == 5 and all(code in html for code in codes)
    assert html.count('class="ticket__qr"') == 5
    assert post_form(client, f"/forums/{forum.id}/tickets", {"count": "0"}).status_code == 422
    assert len(forums.tickets_of(forum)) == 5
    desk = client.application.test_client()
    sign_in(desk, facilitators[0].email)
    table = forum.tables[0]
    handed = post_form(desk, f"/forums/{forum.id}/tables/{table.id}/tickets")
    assert handed.status_code == 302
    console = desk.get(f"/forums/{forum.id}/tables/{table.id}").get_data(as_text=True)
    mine = forums.tickets_of(forum, issued_by=facilitators[0].id)
    assert len(mine) == 1 and mine[0].code in console
    resident = client.application.test_client()
    assert resident.get(f"/forums/{forum.id}/tickets").status_code in (302, 401, 403)
