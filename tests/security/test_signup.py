"""Sign-up cannot be used to learn who has an account, nor to stuff a vote with fresh
accounts: a vote asks for a verified email address unless its organizer chose otherwise."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts.models import User
from core.db import commit, db, utcnow
from tests.conftest import TEST_PASSWORD, csrf_token, post_form, sign_in
from voting.models import Ballot, BallotChoice, CastRequest, Electorate, Vote, VoteLog

NEW_PASSWORD = "a long new password"


def _sign_up(client, email: str):
    return post_form(client, "/signup", {"display_name": "새 주민", "email": email,
                                         "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def _outbox(app) -> list:
    return app.extensions.get("madang_outbox", [])


def _body(message) -> str:
    return message.get_content()


def _link(message) -> str:
    return re.search(r"https?://\S+/verify-email/\S+", _body(message)).group(0)


def _path(link: str) -> str:
    return link.split("madang.test", 1)[1]


def test_new_and_known_addresses_get_the_same_answer(app, client, district, make_user, ctx):
    known = make_user(email="known@example.kr")
    new = _sign_up(client, "fresh@example.kr")
    again = _sign_up(app.test_client(), "Known@Example.kr")
    assert new.status_code == again.status_code == 302
    assert new.location == again.location
    # Neither answer signs anyone in: a new account waits for its owner to sign in.
    assert client.get("/me").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert db.session.get(User, known.id).password_hash == known.password_hash


def test_the_answer_pages_are_identical_but_for_the_address(app, district, make_user):
    make_user(email="known@example.kr")
    pages = []
    for email in ("fresh@example.kr", "known@example.kr"):
        client = app.test_client()
        response = _sign_up(client, email)
        html = client.get(response.location).get_data(as_text=True)
        html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
        pages.append((response.status_code, response.location, html.replace(email, "EMAIL")))
    assert pages[0] == pages[1]
    assert "메일을 보냈습니다" in pages[0][2]


def test_both_branches_hash_the_password(app, client, district, make_user, monkeypatch):
    """The answer takes as long for a known address: the costly step runs in both."""
    from accounts import services

    make_user(email="known@example.kr")
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: hashed.append(p) or real(p))
    _sign_up(client, "fresh@example.kr")
    _sign_up(app.test_client(), "known@example.kr")
    assert hashed == [NEW_PASSWORD, NEW_PASSWORD]


def test_the_mail_tells_a_new_account_from_a_known_address(app, client, district, make_user):
    make_user(email="known@example.kr")
    _sign_up(client, "fresh@example.kr")
    _sign_up(app.test_client(), "known@example.kr")
    fresh, known = _outbox(app)
    assert fresh["To"] == "fresh@example.kr" and "/verify-email/" in _body(fresh)
    assert known["To"] == "known@example.kr"
    assert "가입하려 했습니다" in _body(known) and "/password/forgot" in _body(known)
    assert "/verify-email/" not in _body(known) and "/password/reset/" not in _body(known)


def test_the_link_verifies_the_address_once_signed_up(app, client, district, ctx):
    _sign_up(client, "fresh@example.kr")
    user = db.session.scalars(select(User)).one()
    assert user.email_verified_at is None
    [mail] = _outbox(app)
    response = client.get(_path(_link(mail)))
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).email_verified_at is not None


@pytest.mark.parametrize("spoil", ["tampered", "expired", "other address"])
def test_a_bad_link_is_refused_and_verifies_nothing(app, client, district, ctx, monkeypatch,
                                                   spoil):
    _sign_up(client, "fresh@example.kr")
    [mail] = _outbox(app)
    path = _path(_link(mail))
    if spoil == "tampered":
        path = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    elif spoil == "expired":
        monkeypatch.setitem(app.config, "EMAIL_VERIFICATION_MAX_AGE", -1)
    else:
        user = db.session.scalars(select(User)).one()
        user.email = "changed@example.kr"
        commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "인증 링크가 만료되었거나" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(User)).one().email_verified_at is None


def test_a_resident_asks_for_a_new_link_from_their_page(app, client, district, ctx):
    _sign_up(client, "fresh@example.kr")
    sign_in(client, "fresh@example.kr", NEW_PASSWORD)
    page = client.get("/me").get_data(as_text=True)
    assert "인증 메일 다시 받기" in page
    response = post_form(client, "/me/verify-email")
    assert response.status_code == 302
    first, second = _outbox(app)
    assert second["To"] == "fresh@example.kr"
    client.get(_path(_link(second)))
    assert "인증 메일 다시 받기" not in client.get("/me").get_data(as_text=True)


def test_accounts_staff_create_count_as_verified(make_user):
    assert make_user().email_verified_at is not None


# --- create-user -------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["not-an-email", "two@@example.kr", "spaces in@example.kr"])
def test_create_user_refuses_an_invalid_email(app, district, ctx, email):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", email, "--password", TEST_PASSWORD, "--role", "organizer",
        "--district", district.slug])
    assert result.exit_code == 2
    assert "is not an email address" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_makes_a_verified_account(app, district, ctx):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "Staff@Example.kr", "--password", TEST_PASSWORD,
        "--district", district.slug])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert db.session.scalars(select(User)).one().email_verified_at is not None


# --- who may vote --------------------------------------------------------------------------------

@pytest.fixture
def open_vote(ctx, district, make_user):
    """Make an open approval vote over two shortlisted items for an electorate."""
    from agenda.models import AgendaItem
    from voting.definition import VoteDefinition, create_vote
    from voting.rules import BallotType

    cycle = district.cycles[0]
    items = []
    for title in ("마을 돌봄 공동체", "골목 안전 지도"):
        item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=title,
                          description="설명", field="welfare", kind="problem_solving",
                          status="shortlisted", shortlisted_for_vote=True)
        db.session.add(item)
        items.append(item)
    commit()
    organizer = make_user("organizer")

    def make(electorate: Electorate) -> Vote:
        now = utcnow()
        vote = create_vote(district.id, cycle.id, VoteDefinition(
            title=f"{electorate} 투표", ballot_type=BallotType.APPROVAL,
            agenda_item_ids=[i.id for i in items], opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3), method="approval", max_choices=1,
            electorate=electorate), organizer)
        commit()
        return vote

    return make


def _voting_state() -> dict:
    """Everything a cast may write."""
    db.session.rollback()
    return {
        model.__tablename__: sorted(tuple(sorted(row._mapping.items()))
                                    for row in db.session.execute(select(model.__table__)))
        for model in (Ballot, BallotChoice, CastRequest, VoteLog, Vote)
    }


def _cast(client, vote):
    item = vote.items[0].id
    page = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    definition = re.search(r'name="definition" value="([^"]+)"', page)
    form = {"csrf_token": csrf_token(client, f"/votes/{vote.id}/ballot"), "action": "cast",
            "item": [str(item)]}
    if definition:
        form["definition"] = definition.group(1)
    return client.post(f"/votes/{vote.id}/ballot", data=form)


@pytest.fixture
def unverified_client(client, district):
    """A resident who signed up by themselves and has not opened the mailed link."""
    _sign_up(client, "fresh@example.kr")
    sign_in(client, "fresh@example.kr", NEW_PASSWORD)
    return client


def test_a_new_vote_asks_for_a_verified_email_by_default(open_vote):
    from voting.definition import VoteDefinition

    assert VoteDefinition.__dataclass_fields__["electorate"].default == Electorate.EMAIL


@pytest.mark.parametrize(("electorate", "refusal"), [
    (Electorate.EMAIL, "이메일 인증을 마친 분만"),
    (Electorate.ROLL, "주민 확인(명부 등록)"),
])
def test_an_unverified_account_cannot_cast_and_changes_nothing(unverified_client, open_vote,
                                                               electorate, refusal):
    vote = open_vote(electorate)
    before = _voting_state()
    response = _cast(unverified_client, vote)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert refusal in html
    if electorate == Electorate.EMAIL:
        assert "내 마당에서 인증 메일을 다시 받으세요" in html
    assert _voting_state() == before


def test_an_unverified_account_casts_where_the_organizer_admits_every_account(
        unverified_client, open_vote):
    vote = open_vote(Electorate.ACCOUNT)
    assert _cast(unverified_client, vote).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_a_verified_address_casts_in_an_email_vote_but_not_a_roll_vote(app, unverified_client,
                                                                       open_vote):
    [mail] = _outbox(app)
    unverified_client.get(_path(_link(mail)))
    assert _cast(unverified_client, open_vote(Electorate.EMAIL)).status_code == 302
    roll_vote = open_vote(Electorate.ROLL)
    before = _voting_state()
    assert _cast(unverified_client, roll_vote).status_code == 403
    assert _voting_state() == before


def test_the_vote_page_says_who_may_vote(client, open_vote):
    vote = open_vote(Electorate.EMAIL)
    assert "이메일 인증을 마친 주민" in client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/votes/{vote.id}").get_json()["eligibility"]["electorate"] \
        == "email"


def test_the_migration_keeps_each_existing_vote_open_to_whom_it_was(tmp_path, monkeypatch):
    """Votes made before 0009 admit exactly whom they admitted (on a database of their own:
    the shared test schema stays at the newest revision)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app
    from tests.conftest import base_config

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    application = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    migrations = str(Path(__file__).resolve().parents[2] / "migrations")
    at = {"at": utcnow(), "closes": utcnow() + timedelta(days=1)}
    with application.app_context():
        upgrade(directory=migrations, revision="0008")
        db.session.execute(text("INSERT INTO district (id, slug, name_ko, name_en, created_at) "
                                "VALUES (1, 'g', '강동구', 'Gangdong-gu', :at)"), at)
        db.session.execute(text("INSERT INTO cycle (id, district_id, year, title, description, "
                                "created_at) VALUES (1, 1, 2027, '2027', '', :at)"), at)
        for vote_id, verified_only in ((1, True), (2, False)):
            db.session.execute(text(
                "INSERT INTO vote (id, district_id, cycle_id, title, description, ballot_type, "
                "min_choices, opens_at, closes_at, verified_only, results_live, method, "
                "compare_methods, seats, weight_vote, weight_forum, weight_review, salt, "
                "tie_seed, created_at, updated_at) VALUES (:id, 1, 1, '투표', '', 'ranked', 1, "
                ":at, :closes, :verified_only, false, 'borda', '', 1, 100, 0, 0, 'salt', "
                "'seed', :at, :at)"), {**at, "id": vote_id, "verified_only": verified_only})
        db.session.commit()
        upgrade(directory=migrations)
        assert db.session.execute(text("SELECT id, electorate FROM vote ORDER BY id")).all() \
            == [(1, "roll"), (2, "account")]
        db.session.commit()
        downgrade(directory=migrations, revision="0008")
        assert db.session.execute(text("SELECT id, verified_only FROM vote ORDER BY id")).all() \
            == [(1, True), (2, False)]
        db.session.commit()
        db.engine.dispose()
