"""An account of another district is not a member here: it proposes, supports, comments,
reports, joins forums and votes nowhere but in its own district. The one rule is
``core.auth.is_member``; these tests sweep every POST route and every resident service."""

from datetime import date

import pytest
from sqlalchemy import func, select

from accounts.services import create_user
from agenda import services as agenda
from core.auth import Role, is_member, require_member
from core.db import commit, db
from core.errors import Forbidden
from forums import services as forums
from tests.agenda.conftest import INTAKE_DAY
from tests.conftest import TEST_PASSWORD, csrf_token, sign_in
from tests.core.test_access import ROUTES
from tests.voting.conftest import definition
from voting import services as voting

# Routes about the account itself or open to anyone without an account; none of them writes
# a district's data for a signed-in person. Sign-out ends the account's own session.
ACCOUNT_ROUTES = {"core.set_language", "accounts.sign_up", "accounts.sign_in",
                  "accounts.sign_out", "accounts.forgot_password", "accounts.reset_password",
                  "accounts.my_page", "accounts.delete_demographics", "voting.verify"}
POST_ROUTES = [p for p in ROUTES if p.values[1] == "POST"]

# Fields the resident forms ask for, so a refusal is never just a form error.
PAYLOAD = {"title": "다른 구에서 온 제안", "description": "설명", "field": "welfare",
           "kind": "problem_solving", "body": "다른 구에서 단 댓글", "reason": "다른 구의 신고",
           "consent": "y", "number": "1", "item": "1", "ranking": "1"}


@pytest.fixture
def other_district(ctx):
    from accounts.services import save_cycle
    from core.models import District, Dong, Phase

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    other.dongs.append(Dong(name="잠실본동", position=0))
    db.session.add(other)
    db.session.flush()
    save_cycle(other.id, 2027, "2027 송파구 지역사회혁신계획", "",
               {Phase.INTAKE: (date(2026, 9, 1), date(2026, 12, 31))})
    commit()
    return other


@pytest.fixture(params=["resident", "organizer"])
def outsider(request, other_district):
    """An account whose only role, resident or organizer, is in the other district."""
    user = create_user(f"{request.param}@songpa.example.kr", TEST_PASSWORD,
                       Role(request.param), other_district, display_name="송파 주민")
    commit()
    return user


@pytest.fixture
def home(ctx, district, make_user):
    """This district's public proposal, forum and open vote, for the routes' ids."""
    from agenda.models import AgendaItem

    with ctx.test_request_context():
        proposal = agenda.propose(district, make_user("resident"), agenda.Proposal(
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
        vote = voting.create_vote(district.id, cycle.id, definition("approval", candidates),
                                  make_user("organizer"))
        commit()
    return {"item_id": proposal.id, "forum_id": forum.id, "vote_id": vote.id,
            "code": forum.join_code}


def row_counts() -> dict[str, int]:
    """Rows in every table: a refusal leaves each count as it was."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _path(app, endpoint: str, ids: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return rule.build({arg: ids.get(arg, 1) if arg != "code" else ids["code"]
                       for arg in rule.arguments})[1]


@pytest.mark.parametrize(("endpoint", "method", "path", "access"), POST_ROUTES)
def test_another_districts_account_writes_nothing_here(app, client, district, home, outsider,
                                                       endpoint, method, path, access):
    if endpoint in ACCOUNT_ROUTES:
        pytest.skip("the account's own business, not the district's data")
    sign_in(client, outsider.email)
    db.session.rollback()
    before = row_counts()
    response = client.post(_path(app, endpoint, home),
                           data={"csrf_token": csrf_token(client), **PAYLOAD,
                                 "code": home["code"]})
    assert response.status_code in (403, 404), (endpoint, response.status_code)
    db.session.rollback()
    assert row_counts() == before


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
    proposal = agenda.Proposal("다른 구의 제안", "설명", "welfare", "problem_solving", None, None)
    forum = db.session.get(Forum, home["forum_id"])
    before = row_counts()
    with ctx.test_request_context():
        for attempt in (
            lambda: agenda.propose(district, outsider, proposal, INTAKE_DAY),
            lambda: agenda.edit(district.id, item, outsider, proposal, INTAKE_DAY),
            lambda: agenda.support(district.id, item, outsider),
            lambda: agenda.withdraw_support(district.id, item, outsider),
            lambda: agenda.add_comment(district.id, item, outsider, "댓글"),
            lambda: agenda.report(district.id, outsider, item, "사유"),
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
        voter = voting.account_voter(district.id, outsider)
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
