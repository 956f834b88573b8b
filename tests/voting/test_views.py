"""Casting and staff screens through HTTP: refusals are 4xx with a message and store nothing."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import commit, db, utcnow
from tests.conftest import csrf_token, post_form, sign_in
from tests.voting.conftest import item_ids
from voting.models import Ballot, Electorate, Vote


def count_ballots(vote_id=None):
    db.session.rollback()
    query = select(func.count()).select_from(Ballot)
    if vote_id is not None:
        query = query.where(Ballot.vote_id == vote_id)
    return db.session.scalar(query)


def ballot_form(client, vote):
    """The fields a ballot page posts besides the choices (no definition tag when the page
    offers no ballot, e.g. to an ineligible voter: the server decides either way)."""
    page = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, f"/votes/{vote.id}/ballot"), "action": "cast"}
    found = re.search(r'name="definition" value="([^"]+)"', page)
    if found:
        form["definition"] = found.group(1)
    return form


@pytest.fixture
def voter_client(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    client.user = user
    return client


def test_vote_pages_are_public_and_in_the_nav(client, make_vote):
    vote = make_vote("ranked")
    listing = client.get("/votes").get_data(as_text=True)
    assert vote.title in listing and 'href="/votes"' in listing
    page = client.get(f"/votes/{vote.id}")
    assert page.status_code == 200 and "로그인하고 투표하기" in page.get_data(as_text=True)
    data = client.get(f"/api/v1/votes/{vote.id}").get_json()
    assert data["ballot_type"] == "ranked" and len(data["items"]) == 5
    assert client.get("/votes/99999").status_code == 404


def test_ranked_ballot_by_taps_without_javascript(voter_client, make_vote):
    vote = make_vote("ranked")
    a, b, *_ = item_ids(vote)
    form = ballot_form(voter_client, vote)
    page = voter_client.post(f"/votes/{vote.id}/ballot",
                             data={**form, "ranking": f"{a}", "action": f"add:{b}"})
    assert page.status_code == 200
    assert f'name="ranking" value="{a},{b}"' in page.get_data(as_text=True)
    page = voter_client.post(f"/votes/{vote.id}/ballot",
                             data={**form, "ranking": f"{a},{b}", "action": f"up:{b}"})
    assert f'value="{b},{a}"' in page.get_data(as_text=True)
    assert count_ballots(vote.id) == 0
    done = voter_client.post(f"/votes/{vote.id}/ballot", data={**form, "ranking": f"{b},{a}"})
    assert done.status_code == 302 and done.location.endswith(f"/votes/{vote.id}/receipt")
    receipt = voter_client.get(f"/votes/{vote.id}/receipt").get_data(as_text=True)
    code = re.search(r"data-receipt>([A-Z0-9-]{14})<", receipt).group(1)
    verified = post_form(voter_client, "/votes/verify", {"code": code.lower()})
    text = verified.get_data(as_text=True)
    assert verified.status_code == 200 and "기록되어 있습니다" in text
    assert voter_client.user.display_name not in text
    assert post_form(voter_client, "/votes/verify", {"code": "AAAA-BBBB-CCCC"}).status_code == 404


def test_receipt_code_is_shown_once_then_the_page_says_how_to_check_or_renew(voter_client,
                                                                              make_vote):
    vote = make_vote("approval")
    a, *_ = item_ids(vote)
    voter_client.post(f"/votes/{vote.id}/ballot", data={**ballot_form(voter_client, vote),
                                                        "item": [str(a)]})
    first = voter_client.get(f"/votes/{vote.id}/receipt").get_data(as_text=True)
    code = re.search(r"data-receipt>([A-Z0-9-]{14})<", first).group(1)
    again = voter_client.get(f"/votes/{vote.id}/receipt").get_data(as_text=True)
    assert code not in again and "data-receipt>" not in again
    assert "한 번만 보여 드렸습니다" in again and 'href="/votes/verify"' in again
    assert "다시 내면 새 코드를 받습니다" in again
    english = voter_client.get(f"/votes/{vote.id}/receipt",
                               headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert code not in english and "shown only once" in english
    # The code still checks out: only the page stopped showing it.
    verified = post_form(voter_client, "/votes/verify", {"code": code})
    assert verified.status_code == 200 and "기록되어 있습니다" in verified.get_data(as_text=True)


def test_receipt_revisit_after_the_close_offers_no_new_code(voter_client, make_vote):
    vote = make_vote("approval")
    a, *_ = item_ids(vote)
    voter_client.post(f"/votes/{vote.id}/ballot", data={**ballot_form(voter_client, vote),
                                                        "item": [str(a)]})
    voter_client.get(f"/votes/{vote.id}/receipt")
    stored = db.session.get(Vote, vote.id)
    stored.opens_at, stored.closes_at = utcnow() - timedelta(days=3), utcnow() - timedelta(days=1)
    commit()
    page = voter_client.get(f"/votes/{vote.id}/receipt").get_data(as_text=True)
    assert "마감되어 새 코드를 받을 수 없습니다" in page and "새 코드를 받습니다" not in page


@pytest.mark.parametrize(("ballot_type", "fields", "status", "message"), [
    ("ranked", lambda ids: {"ranking": f"{ids[0]},{ids[0]}"}, 422, "두 번"),
    ("ranked", lambda ids: {"ranking": ",".join(map(str, ids[:4]))}, 422, "최대 3개"),
    ("ranked", lambda ids: {"ranking": "1,x"}, 422, "읽을 수 없습니다"),
    ("approval", lambda ids: {}, 422, "최소 1개"),
    ("approval", lambda ids: {"item": [str(i) for i in ids[:4]]}, 422, "최대 3개"),
    ("approval", lambda ids: {"item": ["424242"]}, 422, "없는 의제"),
    ("budget", lambda ids: {"item": [str(i) for i in ids[:3]]}, 422, "한도"),
    ("points", lambda ids: {f"points-{ids[0]}": "4", f"points-{ids[1]}": "4"}, 422, "10점"),
    ("points", lambda ids: {f"points-{ids[0]}": "12", f"points-{ids[1]}": "-2"}, 422, "0 이상"),
    ("ranked", lambda ids: {"ranking": f"{ids[0]}", "definition": "tampered"}, 409, "바뀌었습니다"),
])
def test_bad_ballots_over_http(voter_client, make_vote, ballot_type, fields, status, message):
    vote = make_vote(ballot_type)
    form = {**ballot_form(voter_client, vote), **fields(item_ids(vote))}
    response = voter_client.post(f"/votes/{vote.id}/ballot", data=form)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count_ballots(vote.id) == 0


def test_messages_follow_the_readers_language(voter_client, make_vote):
    vote = make_vote("approval")
    post_form(voter_client, "/language", {"language": "en"})
    response = voter_client.post(f"/votes/{vote.id}/ballot", data=ballot_form(voter_client, vote))
    assert response.status_code == 422
    assert "Choose at least 1" in response.get_data(as_text=True)


def test_closed_vote_and_ineligible_voter_are_refused(voter_client, make_vote, district):
    closed = make_vote("approval", opens_at=utcnow() - timedelta(days=3),
                       closes_at=utcnow() - timedelta(days=1))
    form = ballot_form(voter_client, closed)
    response = voter_client.post(f"/votes/{closed.id}/ballot",
                                 data={**form, "item": [str(item_ids(closed)[0])]})
    assert response.status_code == 403 and "마감" in response.get_data(as_text=True)
    verified = make_vote("approval", electorate=Electorate.ROLL)
    form = ballot_form(voter_client, verified)
    response = voter_client.post(f"/votes/{verified.id}/ballot",
                                 data={**form, "item": [str(item_ids(verified)[0])]})
    assert response.status_code == 403 and "주민 확인" in response.get_data(as_text=True)
    assert count_ballots() == 0


def test_idempotency_key_header_returns_the_same_json(voter_client, make_vote):
    vote = make_vote("approval")
    ids = item_ids(vote)
    form = {**ballot_form(voter_client, vote), "item": [str(ids[0])]}
    headers = {"Idempotency-Key": "retry-me", "Accept": "application/json"}
    first = voter_client.post(f"/votes/{vote.id}/ballot", data=form, headers=headers)
    second = voter_client.post(f"/votes/{vote.id}/ballot", data=form, headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.get_json() == second.get_json()
    assert count_ballots(vote.id) == 1


def test_change_and_withdraw_over_http(voter_client, make_vote):
    vote = make_vote("points")
    ids = item_ids(vote)
    form = ballot_form(voter_client, vote)
    voter_client.post(f"/votes/{vote.id}/ballot",
                      data={**form, f"points-{ids[0]}": "10"})
    changed = voter_client.post(f"/votes/{vote.id}/ballot", data={
        **form, f"points-{ids[0]}": "5", f"points-{ids[2]}": "5"})
    assert changed.status_code == 302
    assert count_ballots(vote.id) == 1
    gone = post_form(voter_client, f"/votes/{vote.id}/ballot/withdraw")
    assert gone.status_code == 302 and count_ballots(vote.id) == 0


def test_results_hidden_until_close_even_for_organizers(client, make_vote, organizer):
    vote = make_vote("approval")
    sign_in(client, organizer.email)
    page = client.get(f"/votes/{vote.id}/results")
    assert "마감된 뒤" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/votes/{vote.id}/results").status_code == 403


def test_results_page_api_and_cli_agree(app, client, make_vote, make_user, district):
    from voting.casting import cast_online

    vote = make_vote("approval", results_live=True, weight_vote=50, weight_forum=20,
                     weight_review=30, compare_methods=[])
    ids = item_ids(vote)
    for chosen in ([ids[0], ids[1]], [ids[1]], [ids[1], ids[2]]):
        cast_online(district.id, vote.id, make_user(), [(i, 1) for i in chosen])
    commit()
    page = client.get(f"/votes/{vote.id}/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "종합 점수" in html and "찬성 수 순" in html
    api = client.get(f"/api/v1/votes/{vote.id}/results").get_json()
    assert api["ballots"] == 3 and api["scores"][str(vote.items[1].agenda_item_id)] == 3
    assert api["winners"][0] == str(vote.items[1].agenda_item_id)
    runner = app.test_cli_runner()
    output = runner.invoke(args=["tally", str(vote.id), "--json"])
    assert output.exit_code == 0, output.output
    import json

    assert json.loads(output.output) == api
    assert api["participation"]["consented"] == 0


def test_staff_enter_paper_ballots_once_per_serial(client, make_vote, make_user, district):
    vote = make_vote("approval")
    facilitator = make_user("facilitator")
    sign_in(client, facilitator.email)
    ids = item_ids(vote)
    dong = district.dongs[0]
    data = {"channel": "paper", "paper_serial": "P-17", "name": "홍길동",
            "birth_date": "1960-02-03", "dong": str(dong.id), "item": [str(ids[0])]}
    first = post_form(client, f"/organize/votes/{vote.id}/entry", data)
    assert first.status_code == 302
    again = post_form(client, f"/organize/votes/{vote.id}/entry",
                      {**data, "name": "김철수"})
    assert again.status_code == 409 and "P-17" in again.get_data(as_text=True)
    same_person = post_form(client, f"/organize/votes/{vote.id}/entry",
                            {**data, "paper_serial": "P-18"})
    assert same_person.status_code == 409
    assert count_ballots(vote.id) == 1


def test_foreign_district_vote_ids_are_404(client, make_vote, organizer):
    vote = make_vote("ranked")
    db.session.execute(Vote.__table__.update().values(district_id=vote.district_id))
    sign_in(client, organizer.email)
    for path in (f"/votes/{vote.id + 100}", f"/organize/votes/{vote.id + 100}/edit",
                 f"/api/v1/votes/{vote.id + 100}", f"/votes/{vote.id + 100}/results"):
        assert client.get(path).status_code == 404


def test_organizer_creates_and_frozen_edit_is_409(client, make_vote, organizer, shortlist,
                                                  make_user, district):
    from voting.casting import cast_online

    sign_in(client, organizer.email)
    form = client.get("/organize/votes/new")
    assert form.status_code == 200
    data = {"title": "새 투표", "ballot_type": "approval",
            "items": [str(i.id) for i in shortlist], "min_choices": "1", "max_choices": "2",
            "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T18:00",
            "method": "approval", "seats": "2", "weight_vote": "100", "weight_forum": "0",
            "weight_review": "0"}
    created = post_form(client, "/organize/votes/new", data)
    assert created.status_code == 302, created.get_data(as_text=True)
    db.session.rollback()
    vote = db.session.scalars(select(Vote).where(Vote.title == "새 투표")).one()
    cast_online(district.id, vote.id, make_user(), [(vote.items[0].id, 1)])
    commit()
    changed = post_form(client, f"/organize/votes/{vote.id}/edit", {**data, "max_choices": "3"})
    assert changed.status_code == 409 and "바꿀 수 없습니다" in changed.get_data(as_text=True)
    renamed = post_form(client, f"/organize/votes/{vote.id}/edit", {**data, "title": "고친 제목"})
    assert renamed.status_code == 302
