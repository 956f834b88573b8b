"""An account of another district is not a member here: it proposes, supports, comments,
reports, joins forums and votes nowhere but in its own district. The one rule is
``core.auth.is_member``; these tests sweep every POST route and every resident service.

Both districts are served by one deployment, each at its own path (``/gangdong/...``,
``/songpa/...``; the root is the first district's): an account of the other district is
refused here at either address, and at its own district's path this district's objects do
not exist, whatever route and ids it tries."""


import pytest

from agenda import comments, intake, moderation, proposals, supporters
from core.auth import is_member, require_member
from core.db import db
from core.errors import Forbidden
from forums import services as forums
from tests.agenda.conftest import INTAKE_DAY
from tests.conftest import csrf_token, sign_in
from tests.security import test_held_defences as defences
from tests.security.test_held_defences import (
    PAYLOAD,
    POST_ROUTES,
    ROUTES,
    make_account,
    path_for,
    row_counts,
)
from voting.eligibility import account_voter

# Routes about the account itself or open to anyone without an account; none of them writes
# a district's data for a signed-in person. Sign-out ends the account's own session.
ACCOUNT_ROUTES = {"core.set_language", "core.set_text_size", "accounts.sign_up",
                  "accounts.sign_in", "accounts.sign_out", "accounts.forgot_password",
                  "accounts.reset_password", "accounts.my_page", "accounts.delete_demographics",
                  "accounts.resend_verification", "accounts.verify_email", "voting.verify"}

# The builders of the defences module, offered to this module's tests as fixtures.
home = defences.home


@pytest.fixture(params=["resident", "organizer"])
def outsider(request, other_district):
    """An account whose only role, resident or organizer, is in the other district."""
    return make_account(f"{request.param}@songpa.example.kr", request.param, other_district)


def _refused_and_unchanged(send, routes) -> list:
    """Sends every route of ``routes`` (endpoint, method, path) with ``send`` and returns those
    that were not refused with 403 or 404, or that changed a row. One sweep per account, so
    the district's data is built once, not once per route."""
    wrong = []
    for endpoint, method, path in routes:
        db.session.rollback()
        before = row_counts()
        status = send(endpoint, method, path)
        db.session.rollback()
        if status not in (403, 404):
            wrong.append((endpoint, status))
        elif row_counts() != before:
            wrong.append((endpoint, "changed rows"))
    return wrong


@pytest.mark.parametrize("served_at", ["", "/gangdong"], ids=["root", "path"])
def test_another_districts_account_writes_nothing_here(app, client, district, home, outsider,
                                                       served_at):
    sign_in(client, outsider.email)
    token = csrf_token(client, f"{served_at}/")
    routes = [(p.values[0], p.values[1], p.values[2]) for p in POST_ROUTES
              if p.values[0] not in ACCOUNT_ROUTES]
    assert len(routes) > 50

    def send(endpoint, method, path):
        return client.post(served_at + path_for(app, endpoint, home),
                           data={"csrf_token": token, **PAYLOAD, "code": home["code"]}).status_code

    assert _refused_and_unchanged(send, routes) == []


# The one thing an account of the city writes in a district, and only a reviewer: the city's
# review of the district's plan (seed 001, 협의조정), which a city reviewer writes in every
# district (``core.auth.CITY_ROLE_HOLDS``). tests/plans/test_city_desk.py has it written.
CITY_REVIEW_WRITES = {"plans.add_comment", "plans.resolve_comment", "plans.record_decision"}


@pytest.mark.parametrize("city_role", ["reviewer", "coordinator"])
@pytest.mark.parametrize("served_at", ["", "/gangdong"], ids=["root", "path"])
def test_a_city_account_writes_nothing_here_but_the_citys_review(app, client, district, home,
                                                                 city_role, served_at):
    """A city account reads every district (the board, the plan in review) and is a member
    of none: it proposes, votes, joins and organizes nowhere. A coordinator writes nothing
    at all; a reviewer writes the city's review only."""
    account = defences.make_city_account(city_role)
    assert not is_member(account, district.id)
    sign_in(client, account.email)
    token = csrf_token(client, f"{served_at}/")
    allowed = CITY_REVIEW_WRITES if city_role == "reviewer" else set()
    routes = [(p.values[0], p.values[1], p.values[2]) for p in POST_ROUTES
              if p.values[0] not in ACCOUNT_ROUTES | allowed]
    assert len(routes) > 50

    def send(endpoint, method, path):
        return client.post(served_at + path_for(app, endpoint, home),
                           data={"csrf_token": token, **PAYLOAD, "code": home["code"]}).status_code

    assert _refused_and_unchanged(send, routes) == []


# Routes whose path names this district's data by id or code.
WITH_IDS = [p for p in ROUTES if p.values[0] not in ACCOUNT_ROUTES and "<" in p.id]


def test_this_districts_objects_do_not_exist_at_the_other_districts_path(
        app, client, district, home, outsider):
    """The outsider is a member at ``/songpa/``; this district's proposal, forum, vote,
    cycle and their parts named there are not found (or refused), read or written."""
    sign_in(client, outsider.email)
    token = csrf_token(client, "/songpa/")
    routes = [(p.values[0], p.values[1], p.values[2]) for p in WITH_IDS]
    assert len(routes) > 100

    def send(endpoint, method, path):
        target = "/songpa" + path_for(app, endpoint, home)
        if method == "GET":
            return client.get(target).status_code
        return client.post(target, data={"csrf_token": token, **PAYLOAD,
                                         "code": home["code"]}).status_code

    assert _refused_and_unchanged(send, routes) == []


def test_the_same_routes_serve_a_member(app, client, district, home, make_user):
    """The sweep above refuses the outsider, not every account: a resident of this district
    supports, comments and joins the forum."""
    resident = make_user("resident")
    sign_in(client, resident.email)
    token = csrf_token(client)
    item = home["item_id"]
    assert client.post(f"/agenda/{item}/support", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/agenda/{item}/comments",
                       data={"csrf_token": token, "body": "좋아요"}).status_code == 302
    assert client.post(f"/j/{home['code']}",
                       data={"csrf_token": token, "code": home["code"]}).status_code == 302


def test_every_resident_service_refuses_an_outsider(ctx, district, home, outsider):
    """The services refuse too, whoever calls them (a view, a job, a command)."""
    from forums.models import Forum

    item = home["item_id"]
    proposal = proposals.Proposal("다른 구의 제안", "설명", "welfare", "problem_solving")
    forum = db.session.get(Forum, home["forum_id"])
    before = row_counts()
    with ctx.test_request_context():
        for attempt in (
            lambda: intake.propose(district, outsider, proposal, INTAKE_DAY),
            lambda: intake.edit(district.id, item, outsider, proposal, INTAKE_DAY),
            lambda: supporters.support(district.id, item, outsider),
            lambda: supporters.withdraw_support(district.id, item, outsider),
            lambda: comments.add_comment(district.id, item, outsider, "댓글"),
            lambda: moderation.report(district.id, outsider, item, "사유"),
            lambda: forums.join_forum(forum, outsider),
        ):
            with pytest.raises(Forbidden):
                attempt()
            db.session.rollback()
        forum = db.session.get(Forum, home["forum_id"])
        anonymous, _token = forums.join_forum(forum)
        with pytest.raises(Forbidden):
            forums.link_account(anonymous, outsider)
        db.session.rollback()
        voter = account_voter(district.id, outsider)
        assert not voter.registered
    assert row_counts() == before


def test_membership_is_a_role_in_this_district(ctx, district, other_district, outsider,
                                               make_user):
    assert not is_member(outsider, district.id)
    assert is_member(outsider, other_district.id)
    assert is_member(make_user("facilitator"), district.id)
    assert not is_member(None, district.id)
    with pytest.raises(Forbidden):
        require_member(outsider, district.id)
