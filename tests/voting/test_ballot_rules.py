"""The ballot rules on plain data: every bad input the issue lists is refused by code."""

from datetime import date

import numpy as np
import pytest

from voting.age_bands import age_band
from voting.ballot_input import move, parse_ranking
from voting.combined_score import combined, support
from voting.counting import FoldedBallots, count
from voting.pseudonyms import account_identity, person_identity, voter_key
from voting.receipts import new_receipt_code, normalise_receipt_code, receipt_seal
from voting.rules import BallotError, BallotRules, BallotType, validate

ITEMS = (11, 12, 13, 14, 15)
RANKED = BallotRules(BallotType.RANKED, ITEMS, max_choices=3)
APPROVAL = BallotRules(BallotType.APPROVAL, ITEMS, min_choices=2, max_choices=3)
BUDGET = BallotRules(BallotType.BUDGET, ITEMS,
                     costs={11: 50, 12: 30, 13: 20, 14: 40, 15: 10}, budget_limit=80)
POINTS = BallotRules(BallotType.POINTS, ITEMS, points_total=10)


def code_of(rules, entries):
    with pytest.raises(BallotError) as caught:
        validate(rules, entries)
    return caught.value.code


def test_ranked_ballot_is_canonicalised_best_first():
    assert validate(RANKED, [(13, 2), (11, 1)]) == ((11, 1), (13, 2))


@pytest.mark.parametrize(("entries", "code"), [
    ([(11, 1), (12, 1)], "duplicate_rank"),
    ([(11, 1), (11, 2)], "duplicate_item"),
    ([(99, 1)], "unknown_item"),
    ([(11, 1), (12, 2), (13, 3), (14, 4)], "too_many"),
    ([], "too_few"),
    ([(11, 1), (12, 3)], "rank_gap"),
    ([(11, 0)], "rank_gap"),
])
def test_bad_ranked_ballots(entries, code):
    assert code_of(RANKED, entries) == code


def test_approval_limits():
    assert validate(APPROVAL, [(14, 1), (12, 1)]) == ((12, 1), (14, 1))
    assert code_of(APPROVAL, [(12, 1)]) == "too_few"
    assert code_of(APPROVAL, [(11, 1), (12, 1), (13, 1), (14, 1)]) == "too_many"
    assert code_of(APPROVAL, [(11, 2), (12, 1)]) == "malformed"


def test_budget_knapsack():
    assert validate(BUDGET, [(11, 1), (12, 1)]) == ((11, 1), (12, 1))
    with pytest.raises(BallotError) as caught:
        validate(BUDGET, [(11, 1), (12, 1), (15, 1)])
    assert caught.value.code == "over_budget"
    assert caught.value.params == {"limit": 80, "spent": 90}


def test_points_must_add_up():
    assert validate(POINTS, [(11, 7), (12, 3), (13, 0)]) == ((11, 7), (12, 3))
    assert code_of(POINTS, [(11, 7), (12, 2)]) == "points_total"
    assert code_of(POINTS, [(11, 12), (12, -2)]) == "negative_points"


def test_definitions_are_checked():
    codes = {p.code for p in BallotRules(BallotType.APPROVAL, (1,), min_choices=3,
                                         max_choices=2).definition_problems()}
    assert {"too_few_items", "bad_max", "min_above_max"} <= codes
    budget = BallotRules(BallotType.BUDGET, (1, 2), costs={1: 5}, budget_limit=3)
    assert [p.code for p in budget.definition_problems()] == ["missing_cost"]
    assert BUDGET.definition_problems() == []


def test_ranking_screen_moves():
    order = move([], "add:12", RANKED)
    order = move(order, "add:14", RANKED)
    order = move(order, "up:14", RANKED)
    assert order == [14, 12]
    assert move(order, "down:14", RANKED) == [12, 14]
    assert move(order, "remove:14", RANKED) == [12]
    full = [11, 12, 13]
    with pytest.raises(BallotError, match="too_many"):
        move(full, "add:14", RANKED)
    with pytest.raises(BallotError, match="unknown_item"):
        move(full, "up:77", RANKED)
    with pytest.raises(BallotError, match="malformed"):
        move(full, "jump:11", RANKED)


def test_tampered_ranking_text_is_malformed():
    assert parse_ranking("12, 5,7") == [(12, 1), (5, 2), (7, 3)]
    for text in ("12,x", "1e3", "--4"):
        with pytest.raises(BallotError, match="malformed"):
            parse_ranking(text)


def test_identity_rule_and_receipts():
    same = person_identity("김 민 지", date(1990, 5, 1), 3)
    assert same == person_identity("김민지", date(1990, 5, 1), 3)
    assert same != person_identity("김민지", date(1990, 5, 2), 3)
    assert voter_key("salt-a", account_identity(7)) != voter_key("salt-b", account_identity(7))
    code = new_receipt_code()
    assert normalise_receipt_code(code.lower().replace("-", " ")) == code
    assert normalise_receipt_code("0000-0000-0000") is None
    assert receipt_seal("s", code, ((1, 1),)) != receipt_seal("s", code, ((2, 1),))
    assert age_band(1990, 2027) == "30-39" and age_band(None, 2027) is None


def test_counting_from_rows_matches_the_ballots():
    # three ballots: A>B, A>C, B
    rows = FoldedBallots.from_choices(BallotType.RANKED, 3, [
        (1, 0, 1), (1, 1, 2), (2, 0, 1), (2, 2, 2), (3, 1, 1)])
    result = count(BallotType.RANKED, "borda", ["a", "b", "c"], rows)
    assert result["ballots"] == 3 and result["winners"] == ["a"]
    assert support(BallotType.RANKED, 3, rows, max_ranks=2).tolist() == [4.0, 3.0, 1.0]
    empty = count(BallotType.APPROVAL, "approval", ["a"],
                  FoldedBallots.from_choices(BallotType.APPROVAL, 1, []))
    assert empty["ballots"] == 0 and empty["winners"] == []


def test_budget_rows_count_with_costs():
    rows = FoldedBallots.from_choices(BallotType.BUDGET, 3, [
        (1, 0, 1), (2, 0, 1), (2, 1, 1), (3, 1, 1), (3, 2, 1)])
    result = count(BallotType.BUDGET, "greedy", ["a", "b", "c"], rows, costs=[60, 50, 30],
                   budget=100)
    assert result["winners"] == ["b", "c"] or result["winners"] == ["a", "c"]
    assert sum([60, 50, 30][["a", "b", "c"].index(w)] for w in result["winners"]) <= 100


def test_combined_score_is_a_weighted_sum_of_normalised_components():
    result = combined({"vote": np.array([50.0, 100.0, 0.0]),
                       "forum": np.array([4.0, 2.0, 0.0]),
                       "review": np.array([90.0, 45.0, 90.0])},
                      {"vote": 50, "forum": 20, "review": 30})
    assert result["normalised"]["vote"] == [50.0, 100.0, 0.0]
    assert result["total"] == [75.0, 75.0, 30.0]
    assert result["order"] == [0, 1, 2]
