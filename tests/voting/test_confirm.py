"""Confirming a closed vote's result: the agenda items become selected or not, once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from agenda.models import AgendaItem
from core.db import commit, db, utcnow
from core.errors import Conflict
from tests.conftest import post_form, sign_in
from tests.voting.conftest import item_ids
from voting.casting import cast_online
from voting.confirmation import confirm_result
from voting.confirmed import confirmed_selection, confirmed_votes
from voting.definition import set_review_scores
from voting.models import Vote, VoteLog
from voting.vote_log import CONFIRMED


def _close(vote):
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(
        closes_at=utcnow() - timedelta(seconds=1)))
    commit()
    db.session.expire_all()


def _statuses(vote):
    ids = [item.agenda_item_id for item in vote.items]
    return dict(db.session.execute(select(AgendaItem.id, AgendaItem.status).where(
        AgendaItem.id.in_(ids))).all())


def _confirm_logs(vote):
    return db.session.scalar(select(func.count()).select_from(VoteLog).where(
        VoteLog.vote_id == vote.id, VoteLog.action == CONFIRMED))


def _approval_vote(make_vote, make_user, district, **overrides):
    """Approval ballots: item 1 chosen 3 times, item 2 twice, item 0 once."""
    vote = make_vote("approval", compare_methods=[], **overrides)
    ids = item_ids(vote)
    for chosen in ([ids[0], ids[1]], [ids[1], ids[2]], [ids[1], ids[2]]):
        cast_online(district.id, vote.id, make_user(), [(i, 1) for i in chosen])
    commit()
    return vote


def test_refused_before_close_and_nothing_changes(make_vote, make_user, district, organizer):
    vote = _approval_vote(make_vote, make_user, district)
    with pytest.raises(Conflict, match="마감된 뒤"):
        confirm_result(district.id, vote.id, organizer)
    db.session.rollback()
    assert set(_statuses(vote).values()) == {"in_vote"}
    assert _confirm_logs(vote) == 0
    with pytest.raises(Conflict, match="확정되지 않은"):
        confirmed_selection(district.id, vote.id)


def test_method_selection_when_the_vote_is_the_whole_score(make_vote, make_user, district,
                                                           organizer):
    vote = _approval_vote(make_vote, make_user, district)
    _close(vote)
    agenda = [item.agenda_item_id for item in vote.items]
    confirmed = confirm_result(district.id, vote.id, organizer)
    commit()
    assert confirmed.basis == "method"
    assert confirmed.selected == [(agenda[1], 3.0), (agenda[2], 2.0)]
    assert confirmed_selection(district.id, vote.id) == confirmed.selected
    statuses = _statuses(vote)
    assert [statuses[a] for a in agenda] == ["not_selected", "selected", "selected",
                                             "not_selected", "not_selected"]
    assert confirmed_votes(district.id, vote.cycle_id) == [vote]
    with pytest.raises(Conflict, match="이미 확정"):
        confirm_result(district.id, vote.id, organizer)
    db.session.rollback()
    assert _confirm_logs(vote) == 1
    with pytest.raises(Conflict, match="이미 확정"):
        set_review_scores(district.id, vote.id, {vote.items[0].id: 50}, organizer)


def test_combined_score_decides_with_other_weights(make_vote, make_user, district, organizer):
    vote = _approval_vote(make_vote, make_user, district, weight_vote=40, weight_forum=0,
                          weight_review=60)
    # The committee rates items 0 and 3 highest: with 60% they overtake item 2.
    set_review_scores(district.id, vote.id, {
        item.id: score for item, score in zip(vote.items, [100, 0, 0, 90, 0], strict=True)},
        organizer)
    commit()
    _close(vote)
    agenda = [item.agenda_item_id for item in vote.items]
    confirmed = confirm_result(district.id, vote.id, organizer)
    commit()
    assert confirmed.basis == "combined"
    # item 0: 40*1/3 + 60 = 73.33; item 3: 54; item 1: 40 (the method's winner)
    assert confirmed.selected == [(agenda[0], 73.33), (agenda[3], 54.0)]
    assert {a for a, s in _statuses(vote).items() if s == "selected"} == {agenda[0], agenda[3]}


def test_budget_vote_keeps_the_method_selection(make_vote, make_user, district, organizer):
    vote = make_vote("budget", budget_limit=100_000_000, weight_vote=50, weight_forum=0,
                     weight_review=50)
    ids = item_ids(vote)
    for chosen in ([ids[1], ids[2]], [ids[1], ids[3]], [ids[0]]):
        cast_online(district.id, vote.id, make_user(), [(i, 1) for i in chosen])
    commit()
    _close(vote)
    confirmed = confirm_result(district.id, vote.id, organizer)
    agenda = [item.agenda_item_id for item in vote.items]
    assert confirmed.basis == "method"
    # Greedy by approvals: 50M (2), then 30M and 20M (1 each, in the lot's order) fit; 80M
    # (also 1) no longer does.
    selected = [item for item, _score in confirmed.selected]
    assert selected[0] == agenda[1] and set(selected[1:]) == {agenda[2], agenda[3]}


def test_refused_when_another_vote_already_decided_an_item(make_vote, make_user, district,
                                                          organizer):
    first = _approval_vote(make_vote, make_user, district)
    second = _approval_vote(make_vote, make_user, district)
    _close(first)
    _close(second)
    confirm_result(district.id, first.id, organizer)
    commit()
    before = _statuses(second)
    with pytest.raises(Conflict, match="더 이상 투표 중인 의제가 아닙니다"):
        confirm_result(district.id, second.id, organizer)
    db.session.rollback()
    assert _statuses(second) == before
    assert _confirm_logs(second) == 0


def test_refused_without_ballots(make_vote, district, organizer):
    vote = make_vote("approval")
    _close(vote)
    with pytest.raises(Conflict, match="투표지가 없어"):
        confirm_result(district.id, vote.id, organizer)


def test_forum_ranking_feeds_the_combined_score_without_forum_ballots(
        make_vote, make_user, district, organizer, shortlist):
    from forums import services as forums
    from forums.models import PollState
    from tests.forums.conftest import seat
    from voting.results import current_result

    for item in shortlist:
        item.shortlisted_for_forum = True
    commit()
    vote = _approval_vote(make_vote, make_user, district, weight_vote=50, weight_forum=50,
                          weight_review=0, results_live=True)
    result, _ = current_result(vote, allow_job=False)
    assert result["combined"]["forum_source"] == "none"
    forum = forums.create_forum(district.id, vote.cycle_id, "원탁토론회", date(2027, 2, 10),
                                "구청 대강당", 40, "chosen", 2)
    topic = forums.add_topic(forum, "의제 우선순위")
    question = forums.add_agenda_ranking(topic, "우선 실행할 의제의 순위는?")
    post = next(p for p in forum.polls if p.topic_id == topic.id and p.phase == "post")
    forums.set_poll_state(forum, post.id, PollState.OPEN)
    options = {o.agenda_item_id: o.id for o in question.options}
    agenda = [item.agenda_item_id for item in vote.items]
    order = [options[agenda[i]] for i in (4, 3, 2, 1, 0)]
    participant, _ = seat(forum, issuer=organizer)
    forums.submit_answers(forum, post.id, participant, {question.id: order})
    commit()
    db.session.expire_all()
    result, _ = current_result(vote, allow_job=False)
    combined = result["combined"]
    assert combined["forum_source"] == "forum_ranking"
    forum_points = {row["item"]: row["forum"] for row in combined["rows"]}
    assert forum_points[str(agenda[4])] == 100.0 and forum_points[str(agenda[0])] == 0.0
    assert forum_points[str(agenda[3])] == 75.0


def test_organizer_confirms_on_the_results_page(client, make_vote, make_user, district,
                                                organizer):
    vote = _approval_vote(make_vote, make_user, district)
    resident = make_user()
    sign_in(client, organizer.email)
    early = post_form(client, f"/votes/{vote.id}/results/confirm")
    assert early.status_code == 409 and "마감된 뒤" in early.get_data(as_text=True)
    _close(vote)
    page = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert "이 결과로 확정하기" in page
    assert post_form(client, f"/votes/{vote.id}/results/confirm").status_code == 302
    page = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert "결과가 확정되었습니다" in page and "이 결과로 확정하기" not in page
    api = client.get(f"/api/v1/votes/{vote.id}/results").get_json()
    agenda = [item.agenda_item_id for item in vote.items]
    assert api["confirmed"]["basis"] == "method"
    assert [row["item"] for row in api["confirmed"]["selected"]] == [str(agenda[1]),
                                                                     str(agenda[2])]
    again = post_form(client, f"/votes/{vote.id}/results/confirm")
    assert again.status_code == 409 and "이미 확정" in again.get_data(as_text=True)
    client.post("/signout")
    sign_in(client, resident.email)
    assert post_form(client, f"/votes/{vote.id}/results/confirm").status_code == 403


def test_confirm_without_csrf_or_for_a_foreign_vote(client, make_vote, make_user, district,
                                                    organizer):
    vote = _approval_vote(make_vote, make_user, district)
    _close(vote)
    from core.models import District

    sign_in(client, organizer.email)
    assert client.post(f"/votes/{vote.id}/results/confirm").status_code == 400
    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    db.session.flush()
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(district_id=other.id))
    commit()
    assert post_form(client, f"/votes/{vote.id}/results/confirm").status_code == 404
    db.session.rollback()
    assert _confirm_logs(vote) == 0
    assert set(_statuses(vote).values()) == {"in_vote"}



@pytest.mark.parametrize("weights", [{}, {"weight_vote": 40, "weight_forum": 0,
                                          "weight_review": 60}])
def test_confirmed_selections_name_the_figure_that_placed_them(client, make_vote, make_user,
                                                               district, organizer, weights):
    """A plain count reads as a count (찬성 수 3), a combined total as the combined score."""
    vote = _approval_vote(make_vote, make_user, district, **weights)
    if weights:
        set_review_scores(district.id, vote.id, {
            item.id: score for item, score in zip(vote.items, [100, 0, 0, 90, 0], strict=True)},
            organizer)
        commit()
    _close(vote)
    confirm_result(district.id, vote.id, organizer)
    commit()
    page = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    english = client.get(f"/votes/{vote.id}/results",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    if weights:
        assert "(종합 점수 73.33)" in page and "(찬성 수 73" not in page
        assert "(Combined score 73.33)" in english
    else:
        assert "(찬성 수 3)" in page and "점수 3.0" not in page
        assert "(Approvals 3)" in english
