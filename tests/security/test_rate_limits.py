"""What residents post is limited per client address and per person; a refused request gets
a 429 in the reader's language and changes nothing. Behind trusted proxies the address is the
resident's, never one a client wrote into a header itself."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from accounts.models import User
from agenda.models import AgendaItem, Comment, Support
from core.db import commit, db, utcnow
from core.security import limiter
from forums.models import Answer, AnswerChoice
from tests.conftest import TEST_PASSWORD, base_config, csrf_token, post_form, sign_in
from voting.models import Ballot, BallotChoice, CastRequest, Electorate

LOOSE = "100000 per minute"
INTAKE_DAY = date(2026, 10, 15)  # inside the demo cycle's intake phase


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def limits(app, monkeypatch):
    """Set ``<action>_RATE_LIMIT_PER_<kind>`` for this test."""

    def set_limit(action: str, kind: str, value: str) -> None:
        monkeypatch.setitem(app.config, f"{action}_RATE_LIMIT_PER_{kind}", value)

    return set_limit


def _count(*models) -> tuple:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def _resident(app, make_user):
    user = make_user()
    client = app.test_client()
    sign_in(client, user.email)
    return client


# --- one fixture per limited action: a way to post once more, and what a post writes ---------

@pytest.fixture
def agenda_items(ctx, district, make_user):
    from agenda import intake, proposals

    author = make_user()
    items = []
    for n in range(4):
        items.append(intake.propose(district, author, proposals.Proposal(
            title=f"의제 {n}", description="설명", field="welfare", kind="problem_solving"),
            INTAKE_DAY))
    commit()
    return items


@pytest.fixture
def make_vote(ctx, district, make_user):
    """An open vote over four shortlisted items that every account may vote in."""
    from agenda.models import AgendaItem as Item
    from voting.definition import VoteDefinition, create_vote
    from voting.rules import BallotType

    cycle = district.cycles[0]
    items = [Item(district_id=district.id, cycle_id=cycle.id, title=f"후보 {n}",
                  description="설명", field="welfare", kind="problem_solving",
                  status="shortlisted", shortlisted_for_vote=True) for n in range(4)]
    db.session.add_all(items)
    commit()
    organizer = make_user("organizer")

    def make(ballot_type: str = "approval", method: str = "approval"):
        now = utcnow()
        vote = create_vote(district.id, cycle.id, VoteDefinition(
            title="우선순위 투표", ballot_type=BallotType(ballot_type),
            agenda_item_ids=[i.id for i in items], opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3), method=method, max_choices=1,
            electorate=Electorate.ACCOUNT), organizer)
        commit()
        return vote

    return make


@pytest.fixture
def open_vote(make_vote):
    return make_vote()


@pytest.fixture
def open_poll(ctx, district, make_user):
    from forums import services
    from forums.models import PollState

    forum = services.create_forum(district.id, district.cycles[0].id, "원탁토론회",
                                  date(2027, 2, 10), "구청 대강당", 91, "chosen", 3)
    topic = services.add_topic(forum, "협치 사업")
    services.add_question(topic, "single", "가장 먼저 할 사업은?", ["가", "나", "다"])
    poll = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, poll.id, PollState.OPEN)
    commit()
    return forum, poll, make_user("organizer")


def _participant(app, forum, organizer):
    """A participant holding a seat ticket: a pre poll counts, and takes ticket holders only."""
    from tests.forums.conftest import ticket_code

    client = app.test_client()
    post_form(client, f"/j/{forum.join_code}",
              {"code": forum.join_code, "ticket": ticket_code(forum, organizer)})
    return client


def _answer(client, forum, poll, n: int):
    question = poll.questions[0]
    option = question.options[n % len(question.options)]
    return post_form(client, f"/forums/{forum.id}/me/polls/{poll.id}",
                     {f"q{question.id}": str(option.id)})


def _cast(client, vote, n: int):
    page = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    return client.post(f"/votes/{vote.id}/ballot", data={
        "csrf_token": csrf_token(client, f"/votes/{vote.id}/ballot"), "action": "cast",
        "definition": re.search(r'name="definition" value="([^"]+)"', page).group(1),
        "item": [str(vote.items[n % len(vote.items)].id)]})


def _answers_given() -> list:
    db.session.rollback()
    return sorted(db.session.execute(
        select(Answer.participant_id, AnswerChoice.option_id).join(AnswerChoice)).all())


@pytest.fixture
def action(request, app, district, make_user):
    """(config action, new person's client, post number n, what the posts wrote)."""
    kind = request.param
    if kind == "SIGNUP":
        def person():
            return app.test_client()

        def post(client, n):
            return post_form(client, "/signup", {
                "display_name": "주민", "email": f"same{n}@example.kr",
                "password": TEST_PASSWORD, "confirm": TEST_PASSWORD})

        return kind, person, post, lambda: _count(User)
    if kind == "CAST":
        vote = request.getfixturevalue("open_vote")

        def post(client, n):
            return _cast(client, vote, n)

        def written():
            db.session.rollback()
            return (_count(Ballot, CastRequest),
                    sorted(db.session.execute(select(BallotChoice.ballot_id,
                                                     BallotChoice.vote_item_id)).all()))

        return kind, lambda: _resident(app, make_user), post, written
    if kind == "PROPOSE":
        def post(client, n):
            return post_form(client, "/agenda/propose", {
                "title": f"제안 {n}", "description": "설명", "field": "welfare",
                "kind": "problem_solving", "area": "", "estimated_cost": "",
                "proposing_group": "", "save_draft": "1"})

        return kind, lambda: _resident(app, make_user), post, lambda: _count(AgendaItem)
    if kind == "COMMENT":
        item = request.getfixturevalue("agenda_items")[0]

        def post(client, n):
            return post_form(client, f"/agenda/{item.id}/comments", {"body": f"의견 {n}"})

        return kind, lambda: _resident(app, make_user), post, lambda: _count(Comment)
    if kind == "SUPPORT":
        items = request.getfixturevalue("agenda_items")

        def post(client, n):
            return post_form(client, f"/agenda/{items[n].id}/support")

        return kind, lambda: _resident(app, make_user), post, lambda: _count(Support)
    forum, poll, organizer = request.getfixturevalue("open_poll")
    return ("FORUM_ANSWER", lambda: _participant(app, forum, organizer),
            lambda client, n: _answer(client, forum, poll, n), _answers_given)


ACTIONS = ["SIGNUP", "CAST", "PROPOSE", "COMMENT", "SUPPORT", "FORUM_ANSWER"]
PERSON = {"SIGNUP": "EMAIL", "FORUM_ANSWER": "PARTICIPANT"}


def _accepted(response) -> bool:
    return response.status_code in (200, 201, 302)


@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_one_person_is_limited_and_the_refused_post_changes_nothing(action, limits):
    name, person, post, written = action
    limits(name, "ADDRESS", LOOSE)
    limits(name, PERSON.get(name, "ACCOUNT"), "2 per minute")
    someone = person()
    if name == "SIGNUP":
        # Per address signed up: the same address three times, from anywhere.
        responses = [post(someone, 0), post(someone, 0)]
        before = written()
        refused = post(someone, 0)
    else:
        responses = [post(someone, 0), post(someone, 1)]
        before = written()
        refused = post(someone, 2)
    assert all(_accepted(r) for r in responses), [r.status_code for r in responses]
    assert refused.status_code == 429
    assert "요청이 너무 많습니다" in refused.get_data(as_text=True)
    assert written() == before
    # Someone else from the same address is not held back by the first person's limit.
    other = person()
    assert _accepted(post(other, 3 if name != "SIGNUP" else 1))


@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_one_address_is_limited_across_people(action, limits):
    name, person, post, written = action
    limits(name, "ADDRESS", "2 per minute")
    limits(name, PERSON.get(name, "ACCOUNT"), LOOSE)
    first, second, third = person(), person(), person()
    assert _accepted(post(first, 0)) and _accepted(post(second, 1))
    before = written()
    refused = post(third, 2)
    assert refused.status_code == 429
    assert written() == before


def test_each_district_has_its_own_allowance_and_sign_in_has_one_for_all(
        app, ctx, client, district, other_district, agenda_items, limits, monkeypatch):
    """A venue busy in one district spends none of another's allowance (keys carry the
    district); sign-in is the deployment's, so more districts give a guesser no more tries."""
    from accounts.services import create_user
    from agenda import intake, proposals
    from core.auth import Role

    limits("COMMENT", "ADDRESS", "1 per minute")
    limits("COMMENT", "ACCOUNT", LOOSE)
    both = create_user("both@example.kr", TEST_PASSWORD, Role.RESIDENT, district)
    create_user("both@example.kr", TEST_PASSWORD, Role.RESIDENT, other_district)
    songpa_item = intake.propose(other_district, both, proposals.Proposal(
        "송파 의제", "설명", "welfare", "problem_solving"), INTAKE_DAY)
    commit()
    sign_in(client, both.email)
    here = f"/gangdong/agenda/{agenda_items[0].id}/comments"
    there = f"/songpa/agenda/{songpa_item.id}/comments"
    token = csrf_token(client, "/gangdong/")
    assert client.post(here, data={"csrf_token": token, "body": "하나"}).status_code == 302
    assert client.post(there, data={"csrf_token": token, "body": "둘"}).status_code == 302
    assert client.post(here, data={"csrf_token": token, "body": "셋"}).status_code == 429
    assert _count(Comment) == (2,)

    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "1 per minute")
    guesser = app.test_client()
    wrong = {"email": both.email, "password": "not the password"}
    assert post_form(guesser, "/gangdong/signin", wrong).status_code == 401
    assert post_form(guesser, "/songpa/signin", wrong).status_code == 429


def test_the_refusal_speaks_the_readers_language(app, client, district, limits):
    from core.i18n import LOCALE_COOKIE

    limits("SIGNUP", "ADDRESS", "1 per minute")
    client.set_cookie(LOCALE_COOKIE, "en", domain="madang.test")
    data = {"display_name": "x", "email": "a@example.kr", "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD}
    post_form(client, "/signup", data)
    refused = post_form(client, "/signup", {**data, "email": "b@example.kr"})
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)


def test_moving_items_on_the_ranking_screen_is_not_a_cast(app, make_vote, make_user, limits):
    vote = make_vote("ranked", "borda")
    limits("CAST", "ACCOUNT", "1 per minute")
    client = _resident(app, make_user)
    ranking = ",".join(str(item.id) for item in vote.items[:1])
    for _ in range(3):
        response = post_form(client, f"/votes/{vote.id}/ballot",
                             {"action": f"down:{vote.items[0].id}", "ranking": ranking})
        assert response.status_code == 200
    page = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, f"/votes/{vote.id}/ballot"), "action": "cast",
            "definition": re.search(r'name="definition" value="([^"]+)"', page).group(1),
            "ranking": ranking}
    assert _accepted(client.post(f"/votes/{vote.id}/ballot", data=form))
    assert client.post(f"/votes/{vote.id}/ballot", data=form).status_code == 429


# --- the client address behind trusted proxies ---------------------------------------------------

@pytest.fixture
def proxied_app(tmp_path, monkeypatch):
    """An app of its own (on SQLite) for each TRUSTED_PROXIES setting under test."""
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))

    def build(hops: int):
        config = {**base_config(tmp_path, f"sqlite:///{tmp_path / f'proxy{hops}.sqlite3'}"),
                  "TRUSTED_PROXIES": hops, "SIGNIN_RATE_LIMIT": "2 per minute"}
        application = create_app(config)
        with application.app_context():
            upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        return application

    yield build
    limiter.reset()


def _sign_in_from(application, forwarded_for: str):
    client = application.test_client()
    token = csrf_token(client, "/signin")
    return client.post("/signin", data={"csrf_token": token, "email": "nobody@example.kr",
                                        "password": "not the password"},
                       headers={"X-Forwarded-For": forwarded_for})


def test_x_forwarded_for_is_ignored_without_trusted_proxies_and_honoured_behind_one(
        proxied_app):
    direct = proxied_app(0)
    limiter.reset()
    # A client naming a new address each time is still one address.
    statuses = [_sign_in_from(direct, f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 429]

    proxied = proxied_app(1)
    limiter.reset()
    first = [_sign_in_from(proxied, "203.0.113.1").status_code for _ in range(3)]
    other = _sign_in_from(proxied, "203.0.113.2").status_code
    assert first == [401, 401, 429]
    assert other == 401
    # Only the hop the proxy appended counts: an address the client put before it does not.
    spoofed = _sign_in_from(proxied, "198.51.100.9, 203.0.113.1").status_code
    assert spoofed == 429
