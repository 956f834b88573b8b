"""Defences that held under attack, kept as tests so they keep holding: every route's declared
access for every role, CSRF on every POST, a fresh session at sign-in and a dead cookie after
sign-out, injection in search and filters, mass assignment, the voting window to the second,
and fifty casts at once.

Held elsewhere and not repeated here: another person's export download link is refused in
tests/exports/test_jobs.py::test_organizer_exports_with_progress_and_downloads_once_logged;
fifty concurrent service-level casts in tests/voting/test_concurrency.py; an account of
another district writing here in tests/security/test_tenancy.py."""

import os
import tempfile
import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from accounts.models import LoginSession, Membership, User
from core.db import commit, db, utcnow
from core.errors import DomainError
from tests.conftest import TEST_PASSWORD, csrf_token, post_form, sign_in

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="madang-routes-"))


def _routes():
    from app import create_app

    application = create_app({"SECRET_KEY": "routes", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                              "MAIL_BACKEND": "memory"})
    found = []
    for rule in application.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = application.view_functions[rule.endpoint]
        values = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter)
                  else "x" for arg in rule.arguments}
        path = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(pytest.param(rule.endpoint, method, path, getattr(view, "access", None),
                                      id=f"{method} {rule.rule}"))
    return found


ROUTES = _routes()
PROTECTED = [p for p in ROUTES if p.values[3] != "public"]
POST_ROUTES = [p for p in ROUTES if p.values[1] == "POST"]
STAFF_ROLES = ("resident", "facilitator", "organizer", "city_reviewer", "admin", "department",
               "working_group")
OUTSIDER = "another district's organizer"
# Accounts of the city of Seoul (``core.auth.CityRole``): members of no district, each counting
# in every district as the roles named here and reaching the city's own pages (access "city").
# A reviewer is every district's city reviewer; a coordinator only reads what names it.
CITY_ACCOUNTS = {"the city's reviewer": ("reviewer", ("city_reviewer",)),
                 "the city's coordinator": ("coordinator", ("coordinator",))}


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), ROUTES)
def test_every_route_declares_its_access(endpoint, method, path, access):
    assert access is not None, (f"{endpoint} has no @public, @signed_in, @member_required or "
                                "@role_required")


# --- shared builders (also used by test_tenancy) ----------------------------------------------


def make_account(email: str, role: str, district) -> User:
    from accounts.services import create_user
    from core.auth import Role

    user = create_user(email, TEST_PASSWORD, Role(role), district, display_name="송파 주민")
    commit()
    return user


def make_city_account(city_role: str) -> User:
    from accounts.services import give_city_role

    user = give_city_role(f"{city_role}@seoul.example.kr", TEST_PASSWORD, city_role,
                          display_name="서울시")
    commit()
    return user


@pytest.fixture
def home(ctx, district, make_user):
    """This district's public proposal, forum and open approval vote, for the routes' ids."""
    from agenda import intake, proposals
    from agenda.models import AgendaItem
    from forums import services as forums
    from plans import participation
    from tests.agenda.conftest import INTAKE_DAY
    from tests.voting.conftest import definition
    from voting.definition import create_vote

    with ctx.test_request_context():
        proposal = intake.propose(district, make_user("resident"), proposals.Proposal(
            "우리 동네 의제", "설명", "welfare", "problem_solving", None, None), INTAKE_DAY)
        cycle = district.cycles[0]
        forum = forums.create_forum(district.id, cycle.id, "원탁토론회", date(2027, 2, 1),
                                    "구청", 20, "chosen", 2)
        candidates = [AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"후보 {n}",
                                 description="설명", field="welfare", kind="problem_solving",
                                 status="shortlisted", shortlisted_for_vote=True,
                                 estimated_cost=10_000_000) for n in range(3)]
        db.session.add_all(candidates)
        db.session.flush()
        vote = create_vote(district.id, cycle.id, definition("approval", candidates),
                           make_user("organizer"))
        recorded = participation.save_recorded(district.id, 2020, {"voters": 10}, "출처 §2")
        commit()
    return {"item_id": proposal.id, "forum_id": forum.id, "vote_id": vote.id,
            "code": forum.join_code, "cycle_id": cycle.id, "record_id": recorded.id,
            "vote_items": [item.id for item in vote.items]}


# Fields the resident forms ask for, so a refusal is never just a form error.
PAYLOAD = {"title": "다른 곳에서 온 제안", "description": "설명", "field": "welfare",
           "kind": "problem_solving", "body": "다른 곳에서 단 댓글", "reason": "다른 곳의 신고",
           "consent": "y", "number": "1", "item": "1", "ranking": "1"}


def path_for(app, endpoint: str, ids: dict) -> str:
    """The route's path with the ids of real objects where ``ids`` has them."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return rule.build({arg: ids.get(arg, 1) for arg in rule.arguments})[1]


def row_counts() -> dict[str, int]:
    """Rows in every table: a refusal leaves each count as it was."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


# --- access: every route, every role ----------------------------------------------------------


def _request(client, method: str, path: str):
    return client.get(path) if method == "GET" else post_form(client, path, {})


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/signin" in response.location


def _may_use(access, role: str) -> bool:
    if access == "signed_in":
        return True
    if role in CITY_ACCOUNTS:
        _city_role, counts_as = CITY_ACCOUNTS[role]
        return access == "city" or (access != "member" and any(r in access for r in counts_as))
    if access == "city":
        return False
    if access == "member":
        return role != OUTSIDER
    return role == "admin" or role in access


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), PROTECTED)
def test_each_role_gets_the_declared_access(app, make_user, other_district, endpoint, method,
                                            path, access):
    """Anonymous people are sent to sign in; each role, an organizer of another district and
    the city's accounts are let in or refused (403) exactly as the route declares."""
    assert _sent_to_sign_in(_request(app.test_client(), method, path))
    accounts = {role: make_user(role) for role in STAFF_ROLES}
    accounts[OUTSIDER] = make_account("organizer@songpa.example.kr", "organizer",
                                      other_district)
    for name, (city_role, _counts_as) in CITY_ACCOUNTS.items():
        accounts[name] = make_city_account(city_role)
    for role, user in accounts.items():
        client = app.test_client()
        sign_in(client, user.email)
        response = _request(client, method, path)
        assert response.status_code < 500, f"{role} broke {endpoint}"
        if _may_use(access, role):
            assert response.status_code != 403 and not _sent_to_sign_in(response), \
                f"{role} was refused {endpoint}"
        else:
            assert response.status_code == 403, f"{role} reached {endpoint}"


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), POST_ROUTES)
def test_every_post_without_a_token_is_refused_and_changes_nothing(
        app, client, district, home, make_user, endpoint, method, path, access):
    sign_in(client, make_user("admin").email)
    db.session.rollback()
    before = row_counts()
    response = client.post(path_for(app, endpoint, home), data=PAYLOAD)
    assert response.status_code == 400, endpoint
    assert "보안 토큰" in response.get_data(as_text=True)
    db.session.rollback()
    assert row_counts() == before


def test_post_with_forged_csrf_token_is_refused(client, district):
    csrf_token(client)
    response = client.post("/signin", data={"csrf_token": "forged", "email": "a@b.kr",
                                            "password": "whatever123"})
    assert response.status_code == 400


# --- sessions ---------------------------------------------------------------------------------


def test_sign_in_starts_a_fresh_session(client, make_user, ctx):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["_user_id"]
    post_form(client, "/signout")
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token
    assert db.session.query(LoginSession).count() == 2


def test_sign_out_revokes_the_session_so_a_replayed_cookie_is_refused(app, client, make_user):
    user = make_user()
    sign_in(client, user.email)
    stolen = client.get_cookie("session", domain="madang.test").value
    assert client.get("/me").status_code == 200
    assert post_form(client, "/signout").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", stolen, domain="madang.test")
    response = replay.get("/me")
    assert response.status_code == 302 and "/signin" in response.location


# --- injection in search and filters ----------------------------------------------------------

INJECTIONS = ["' OR '1'='1", "1' OR 1=1 --", "x'); DROP TABLE agenda_item; --",
              "%' UNION SELECT email, password_hash FROM user_account --", "1)) OR ((1=1",
              "\\' OR \"\"=\"", "%", "_", "*"]
FILTERS = ("q", "field", "kind", "area", "status", "sort", "page", "cycle", "per_page")


def test_injection_in_search_and_filters_finds_nothing_extra(client, district, home, make_user):
    from agenda import intake, proposals
    from tests.agenda.conftest import INTAKE_DAY

    # A draft: in the table, never in a public listing.
    intake.propose(district, make_user("resident"), proposals.Proposal(
        "비공개 임시 저장", "설명", "welfare", "problem_solving", None, None), INTAKE_DAY,
        draft=True)
    commit()
    listing = f"/api/v1/cycles/{home['cycle_id']}/agenda"
    public_ids = {item["id"] for item in client.get(listing).get_json()["items"]}
    before = row_counts()
    for payload in INJECTIONS:
        for name in FILTERS:
            found = client.get(listing, query_string={name: payload})
            assert found.status_code < 500, (name, payload)
            if found.status_code == 200:
                ids = {item["id"] for item in found.get_json()["items"]}
                assert ids <= public_ids, (name, payload)
            page = client.get("/agenda", query_string={name: payload})
            assert page.status_code < 500, (name, payload)
            assert "비공개 임시 저장" not in page.get_data(as_text=True)
        similar = client.get("/api/v1/agenda/similar",
                             query_string={"title": payload, "description": payload})
        assert similar.status_code < 500, payload
        assert {i["id"] for i in similar.get_json()["items"]} <= public_ids
    db.session.rollback()
    assert row_counts() == before


# --- mass assignment --------------------------------------------------------------------------

FOREIGN_FIELDS = {"role": "admin", "status": "selected", "is_draft": "", "author_id": "1",
                  "user_id": "1", "district_id": "999", "shortlisted_for_vote": "y",
                  "hidden_at": "2027-01-01", "is_fused": "y", "approved": "y"}


def test_extra_fields_on_sign_up_give_no_role_and_no_other_district(app, client, district,
                                                                   other_district):
    response = post_form(client, "/signup", {
        **FOREIGN_FIELDS, "district_id": str(other_district.id), "display_name": "새 주민",
        "email": "new@example.kr", "password": "long enough password",
        "confirm": "long enough password"})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "new@example.kr")).one()
    assert [(m.district_id, m.role) for m in db.session.scalars(
        select(Membership).where(Membership.user_id == user.id))] == [(district.id, "resident")]


def test_extra_fields_on_a_proposal_and_a_comment_change_nothing_they_should_not(
        client, district, other_district, home, make_user):
    from agenda.models import AgendaItem, Comment

    someone = make_user("organizer")
    resident = make_user("resident")
    sign_in(client, resident.email)
    with_extras = {**FOREIGN_FIELDS, "author_id": str(someone.id), "user_id": str(someone.id),
                   "district_id": str(other_district.id)}
    response = post_form(client, "/agenda/propose", {
        **with_extras, "title": "골목 화단 가꾸기", "description": "화단을 함께 가꿉니다.",
        "field": "environment", "kind": "problem_solving"})
    assert response.status_code == 302
    item = db.session.scalars(select(AgendaItem).where(
        AgendaItem.title == "골목 화단 가꾸기")).one()
    assert (item.district_id, item.author_id, item.status, item.is_draft,
            item.shortlisted_for_vote, item.hidden_at) == (
        district.id, resident.id, "proposed", False, False, None)
    response = post_form(client, f"/agenda/{home['item_id']}/comments", {
        **with_extras, "body": "좋은 의제입니다", "item_id": str(item.id)})
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment).where(Comment.body == "좋은 의제입니다")).one()
    assert (comment.item_id, comment.author_id) == (home["item_id"], resident.id)
    assert [m.role for m in db.session.scalars(
        select(Membership).where(Membership.user_id == resident.id))] == ["resident"]


# --- the voting window, to the second ---------------------------------------------------------


def _set_window(vote_id: int, opens_at, closes_at) -> None:
    from voting.models import Vote

    vote = db.session.get(Vote, vote_id)
    vote.opens_at, vote.closes_at = opens_at, closes_at
    commit()


def test_a_cast_one_second_outside_the_window_is_refused(ctx, district, home, make_user):
    """Days-wide windows are tested in tests/voting/test_services.py::test_outside_the_window;
    this holds the edges to the second, from the vote's own opens_at and closes_at."""
    from voting.casting import cast_online
    from voting.models import Ballot

    voter = make_user()
    entries = [(home["vote_items"][0], 1)]

    def cast():
        with ctx.test_request_context():
            answer = cast_online(district.id, home["vote_id"], voter, entries)
            commit()
            return answer

    now = utcnow()
    _set_window(home["vote_id"], now + timedelta(seconds=1), now + timedelta(days=1))
    with pytest.raises(DomainError) as early:
        cast()
    db.session.rollback()
    assert early.value.status == 403
    now = utcnow()
    _set_window(home["vote_id"], now - timedelta(days=1), now - timedelta(seconds=1))
    with pytest.raises(DomainError) as late:
        cast()
    db.session.rollback()
    assert late.value.status == 403
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    now = utcnow()
    _set_window(home["vote_id"], now - timedelta(seconds=1), now + timedelta(seconds=30))
    assert cast()["status"] == "created"


# --- fifty casts at once ----------------------------------------------------------------------

CASTS = 50


def test_fifty_concurrent_casts_through_separate_clients_leave_one_ballot(app, district, home,
                                                                          make_user):
    from voting.models import Ballot

    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL's row locks")
    voter = make_user()
    path = f"/votes/{home['vote_id']}/ballot"
    clients = []
    for _n in range(CASTS):
        client = app.test_client()
        sign_in(client, voter.email)
        clients.append((client, csrf_token(client, path)))
    db.session.rollback()
    start = threading.Barrier(CASTS)
    statuses = []

    def cast(n: int) -> None:
        client, token = clients[n]
        start.wait(timeout=60)
        response = client.post(path, headers={"Accept": "application/json"}, data={
            "csrf_token": token, "idempotency_key": uuid.uuid4().hex,
            "item": [str(home["vote_items"][n % 3])]})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=cast, args=(n,)) for n in range(CASTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == CASTS and all(status in (200, 201) for status in statuses), statuses
    assert statuses.count(201) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.vote_id == home["vote_id"])) == 1
