"""Several seats and MES completion in a vote: the definition honours or refuses them, the
results page states the rule, flags seats drawn by lot, and says what budget stays unspent."""

import json

import pytest
from sqlalchemy import func, select

from core.db import commit, db
from core.errors import DomainError
from tests.voting.conftest import definition, item_ids
from voting.models import Vote


def _cast(district, vote, make_user, ballots):
    """Cast ``ballots``: (positions of the vote's items, value per position or 1), count."""
    from voting import casting

    ids = item_ids(vote)
    for chosen, count in ballots:
        for _ in range(count):
            entries = [(ids[p], value) for p, value in chosen]
            casting.cast_online(district.id, vote.id, make_user(), entries)
    commit()


def _result(client, vote):
    return client.get(f"/api/v1/votes/{vote.id}/results").get_json()


def test_a_budget_vote_refuses_a_number_of_seats(ctx, district, cycle, shortlist, organizer):
    from voting.definition import create_vote

    before = db.session.scalar(select(func.count()).select_from(Vote))
    with pytest.raises(DomainError, match="1로 두세요") as caught:
        create_vote(district.id, cycle.id, definition("budget", shortlist, seats=3), organizer)
    assert 400 <= caught.value.status < 500
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == before


def test_mes_completion_is_chosen_stored_and_checked(ctx, district, cycle, shortlist,
                                                     organizer, make_vote):
    from voting.definition import create_vote

    vote = make_vote("budget", method="mes", mes_completion="greedy")
    assert db.session.get(Vote, vote.id).mes_completion == "greedy"
    assert make_vote("budget", method="mes").mes_completion == "add1"
    with pytest.raises(DomainError, match="MES"):
        create_vote(district.id, cycle.id, definition(
            "budget", shortlist, method="mes", mes_completion="twice"), organizer)


def test_three_seats_by_irv_are_filled_by_sequential_irv(client, make_vote, make_user,
                                                         district):
    vote = make_vote("ranked", method="irv", seats=3, max_choices=4, results_live=True,
                     compare_methods=[])
    # Items 0-3 as a-d: the single count's elimination order reads b, d, c, sequential IRV
    # elects b, d and then a (see tests/tally/test_seats.py).
    _cast(district, vote, make_user, [
        ([(3, 1)], 9), ([(2, 1)], 1), ([(1, 1), (0, 2), (2, 3), (3, 4)], 7),
        ([(1, 1), (3, 2)], 9), ([(2, 1), (1, 2), (3, 3)], 3)])
    result = _result(client, vote)
    agenda = [str(item.agenda_item_id) for item in vote.items]
    assert result["winners"] == [agenda[1], agenda[3], agenda[0]]
    assert result["selected"] == result["winners"]
    assert result["seat_rule"].startswith("sequential IRV") and result["by_lot"] == []
    html = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert "data-seat-rule" in html and "순차 즉석 결선" in html
    assert "3번째 선정:" in html


def test_a_seat_drawn_by_lot_is_flagged_on_the_page_and_in_the_export(client, make_vote,
                                                                      make_user, district):
    from tests.exports.conftest import export_bytes

    vote = make_vote("approval", seats=2, results_live=True, compare_methods=[])
    # Item 0 has two approvals; items 1 and 2 one each, level for the second seat.
    _cast(district, vote, make_user, [([(0, 1), (1, 1)], 1), ([(0, 1), (2, 1)], 1)])
    result = _result(client, vote)
    agenda = [str(item.agenda_item_id) for item in vote.items]
    assert result["winners"][0] == agenda[0]
    assert result["by_lot"] == result["winners"][1:] and result["by_lot"][0] in agenda[1:3]
    html = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert html.count("data-by-lot-item") == 1 and "data-by-lot>" in html
    _ext, data = export_bytes("results", "json", district.id, vote.id)
    rows = {t["name"]: t for t in json.loads(data)["tables"]}["results"]["rows"]
    assert [str(r["agenda_item_id"]) for r in rows if r["by_lot"] == "예"] == result["by_lot"]


def test_unspent_budget_is_stated_and_completion_follows_the_vote(client, make_vote,
                                                                  make_user, district):
    # Costs: item 3 20M, item 2 30M, item 4 45M, item 1 50M, item 0 80M.  Nine voters share
    # 100M: two approve items 3 and 2, seven approve item 0 (80M, beyond their 77.8M).
    ballots = [([(3, 1), (2, 1)], 2), ([(0, 1)], 7)]
    raw = make_vote("budget", method="mes", mes_completion="none", budget_limit=100_000_000,
                    results_live=True, compare_methods=[])
    _cast(district, raw, make_user, ballots)
    result = _result(client, raw)
    agenda = [str(item.agenda_item_id) for item in raw.items]
    assert result["winners"] == [agenda[3]] and result["completion"] == "none"
    assert result["unspent"] == 80_000_000
    assert result["unfunded_that_fit"] == [agenda[0], agenda[2]]
    html = client.get(f"/votes/{raw.id}/results").get_data(as_text=True)
    assert "data-unspent" in html and "선정되지 않은 의제가 2개" in html
    assert "균등 분배 결과 그대로" in html

    greedy = make_vote("budget", method="mes", mes_completion="greedy",
                       budget_limit=100_000_000, results_live=True, compare_methods=[])
    _cast(district, greedy, make_user, ballots)
    result = _result(client, greedy)
    agenda = [str(item.agenda_item_id) for item in greedy.items]
    assert sorted(result["winners"]) == sorted([agenda[3], agenda[0]])
    assert result["unspent"] == 0 and result["unfunded_that_fit"] == []
    assert "data-unspent" not in client.get(f"/votes/{greedy.id}/results").get_data(
        as_text=True)


def test_the_recount_line_carries_seats_and_completion_only_where_they_apply():
    from exports.kinds.vote import recount_command

    ranked = Vote(method="irv", seats=3, mes_completion="add1", tie_seed="s1")
    assert recount_command(ranked) == (
        "python -m voting.tally FILE --method irv --seats 3 --seed s1")
    budget = Vote(method="mes", seats=1, mes_completion="greedy", tie_seed="s2")
    assert recount_command(budget) == (
        "python -m voting.tally FILE --method mes --completion greedy --seed s2")
    greedy = Vote(method="greedy", seats=1, mes_completion="add1", tie_seed="s3")
    assert "--seats" not in recount_command(greedy)
