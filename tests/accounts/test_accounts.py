import re

import pytest
from sqlalchemy import select

from accounts.models import Demographics, LoginSession, Membership, User
from core.db import db
from tests.conftest import post_form, sign_in

SIGN_UP = {"display_name": "홍길동", "email": "Hong@Example.kr",
           "password": "a long password", "confirm": "a long password"}


def test_sign_up_creates_an_unverified_resident_and_mails_the_link(app, client, district, ctx):
    response = post_form(client, "/signup", SIGN_UP)
    assert response.status_code == 302
    user = db.session.scalars(select(User)).one()
    assert user.email == "hong@example.kr"
    assert user.password_hash.startswith("$argon2")
    assert [m.role for m in user.memberships] == ["resident"]
    assert user.email_verified_at is None
    [mail] = app.extensions["madang_outbox"]
    assert mail["To"] == "hong@example.kr"
    sign_in(client, "hong@example.kr", "a long password")
    assert client.get("/me").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "올바른 이메일"),
        ({"password": "short", "confirm": "short"}, "비밀번호는"),
        ({"confirm": "something else"}, "두 비밀번호가 다릅니다"),
        ({"display_name": "가" * 61}, "이름은 60자 이하"),
        ({"display_name": ""}, "이 항목을 입력하세요"),
        ({"email": "a" * 250 + "@x.kr"}, "이메일은 254자 이하"),
    ],
)
def test_sign_up_bad_input_is_refused_and_stores_nothing(client, district, ctx, changes, message):
    response = post_form(client, "/signup", {**SIGN_UP, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_a_known_email_in_any_case_gets_no_second_account(client, district, ctx, make_user):
    make_user(email="hong@example.kr")
    response = post_form(client, "/signup", SIGN_UP)
    assert response.status_code == 302
    assert db.session.query(User).count() == 1


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = post_form(client, "/signin", {"email": user.email, "password": "not the password"})
    unknown = post_form(client, "/signin", {"email": "nobody@example.kr",
                                            "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401

    def error_of(response):
        return re.search(r'class="error"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)

    assert error_of(wrong) == error_of(unknown) == "이메일 또는 비밀번호가 맞지 않습니다."


# A fresh session at sign-in and a dead cookie after sign-out: tests/security/test_held_defences.py.


def _reset_link(app) -> str:
    mail = app.extensions["madang_outbox"][-1]
    return re.search(r"http://madang\.test(/password/reset/\S+)", mail.get_content()).group(1)


def test_password_reset_by_mailed_token(app, client, make_user, ctx):
    user = make_user(email="reset@example.kr")
    sign_in(app.test_client(), user.email)
    response = post_form(client, "/password/forgot", {"email": "reset@example.kr"})
    assert response.status_code == 302
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": "brand new secret", "confirm":
                                        "brand new secret"})
    assert response.status_code == 302
    assert post_form(client, "/signin", {"email": user.email, "password":
                                         "correct horse battery"}).status_code == 401
    sign_in(client, user.email, "brand new secret")
    # The token is single-use: the password it was made for has changed.
    assert client.get(link).status_code == 400
    # Sessions opened before the reset are closed.
    revoked = db.session.scalars(select(LoginSession).where(LoginSession.revoked_at.is_not(None)))
    assert len(list(revoked)) >= 1


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(app, client, district):
    response = post_form(client, "/password/forgot", {"email": "ghost@example.kr"},
                         follow_redirects=True)
    assert "재설정 링크를 보냈습니다" in response.get_data(as_text=True)
    assert not app.extensions.get("madang_outbox")


def test_expired_or_tampered_reset_token_is_refused(app, client, make_user):
    make_user(email="late@example.kr")
    post_form(client, "/password/forgot", {"email": "late@example.kr"})
    link = _reset_link(app)
    assert client.get(link[:-3] + "abc").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        response = post_form(client, link, {"password": "another secret!", "confirm":
                                             "another secret!"})
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert response.status_code == 400
    assert "만료" in response.get_data(as_text=True)


DEMOGRAPHICS = {"birth_year": "1984", "gender": "female", "dong": "천호제1동",
                "occupation": "employee"}


def test_demographics_are_not_stored_without_consent(client, make_user, ctx):
    user = make_user()
    sign_in(client, user.email)
    response = post_form(client, "/me", DEMOGRAPHICS)
    assert response.status_code == 422
    assert "동의해야" in response.get_data(as_text=True)
    assert db.session.get(Demographics, user.id) is None


def test_demographics_with_consent_are_stored_and_deletable(client, make_user, ctx):
    user = make_user()
    sign_in(client, user.email)
    assert post_form(client, "/me", {**DEMOGRAPHICS, "consent": "y"}).status_code == 302
    stored = db.session.get(Demographics, user.id)
    assert (stored.birth_year, stored.gender, stored.dong) == (1984, "female", "천호제1동")
    assert stored.consented_at is not None
    db.session.expire_all()
    assert post_form(client, "/me/demographics/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Demographics, user.id) is None


def test_demographics_bad_input_is_refused(client, make_user, ctx):
    user = make_user()
    sign_in(client, user.email)
    for bad in ({"birth_year": "1800"}, {"gender": "robot"}, {"dong": "없는동"}):
        response = post_form(client, "/me", {**DEMOGRAPHICS, **bad, "consent": "y"})
        assert response.status_code == 422
    assert db.session.get(Demographics, user.id) is None


def test_organizer_grants_and_revokes_facilitator(client, make_user, ctx):
    organizer = make_user("organizer")
    resident = make_user(email="helper@example.kr")
    sign_in(client, organizer.email)
    response = post_form(client, "/organize/members", {"email": "helper@example.kr",
                                                       "role": "facilitator"})
    assert response.status_code == 302
    membership = db.session.scalars(
        select(Membership).where(Membership.user_id == resident.id,
                                 Membership.role == "facilitator")).one().id
    again = post_form(client, "/organize/members", {"email": "helper@example.kr",
                                                    "role": "facilitator"})
    assert again.status_code == 409
    response = post_form(client, f"/organize/members/{membership}/revoke")
    assert response.status_code == 302
    assert db.session.get(Membership, membership) is None


def test_organizer_cannot_make_admins_or_touch_unknown_memberships(client, make_user, ctx):
    organizer = make_user("organizer")
    make_user(email="someone@example.kr")
    sign_in(client, organizer.email)
    response = post_form(client, "/organize/members", {"email": "someone@example.kr",
                                                       "role": "admin"})
    assert response.status_code == 403
    assert post_form(client, "/organize/members/999999/revoke").status_code == 404
    unknown = post_form(client, "/organize/members", {"email": "ghost@example.kr",
                                                      "role": "facilitator"})
    assert unknown.status_code == 404


CYCLE = {"year": "2028", "title": "2028 강동구 지역사회혁신계획", "description": "",
         "intake_start": "2027-09-01", "intake_end": "2027-12-31",
         "vote_start": "2028-03-02", "vote_end": "2028-03-11"}


def test_organizer_creates_and_edits_a_cycle(client, make_user, ctx):
    from core.models import Cycle

    sign_in(client, make_user("organizer").email)
    assert post_form(client, "/organize/cycles/new", CYCLE).status_code == 302
    cycle = db.session.scalars(select(Cycle).where(Cycle.year == 2028)).one()
    assert {p.phase for p in cycle.phases} == {"intake", "vote"}
    edited = {**CYCLE, "vote_start": "", "vote_end": "", "plan_start": "2028-03-15",
              "plan_end": "2028-04-30"}
    assert post_form(client, f"/organize/cycles/{cycle.id}", edited).status_code == 302
    db.session.expire_all()
    assert {p.phase for p in db.session.get(Cycle, cycle.id).phases} == {"intake", "plan"}


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"vote_end": "2028-03-01"}, 422),
        ({"vote_end": ""}, 422),
        ({"year": "1999"}, 422),
        ({"title": "x" * 201}, 422),
        ({"year": "2027"}, 409),
    ],
)
def test_bad_cycle_input_changes_nothing(client, make_user, ctx, changes, status):
    from core.models import Cycle

    sign_in(client, make_user("organizer").email)
    response = post_form(client, "/organize/cycles/new", {**CYCLE, **changes})
    assert response.status_code == status
    assert db.session.query(Cycle).count() == 1


def test_each_role_sees_its_own_page(app, make_user):
    pages = {
        "resident": ("/me", "인구통계 정보"),
        "facilitator": ("/facilitate", "테이블 진행 순서"),
        "organizer": ("/organize", "역할 부여"),
    }
    for role, (path, marker) in pages.items():
        client = app.test_client()
        sign_in(client, make_user(role).email)
        response = client.get(path)
        assert response.status_code == 200
        assert marker in response.get_data(as_text=True)
        home = client.get("/").get_data(as_text=True)
        assert "지금 할 수 있는 일" in home
