"""Random small votes: the same winners as the references whenever theirs is unique."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot, Cost_Sat, Instance, Project
from pabutools.election import ApprovalProfile as PabuApprovalProfile
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pref_voting.iterative_methods import instant_runoff_put

from voting.tally import ApprovalProfile, RankedProfile, tally
from voting.tally.budget import mes
from voting.tally.ties import Lot

from .references import pref_voting_profile, ranked_winners

# Derandomized: the same examples on every run, so CI time and outcome do not vary.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


@st.composite
def ranked_profiles(draw, complete: bool):
    m = draw(st.integers(3, 5))
    rows = draw(st.integers(1, 8))
    ranks = []
    for _ in range(rows):
        order = draw(st.permutations(range(m)))
        length = m if complete else draw(st.integers(1, m))
        row = [-1] * m
        for position, c in enumerate(order[:length]):
            row[c] = position
        ranks.append(row)
    counts = draw(st.lists(st.integers(1, 6), min_size=rows, max_size=rows))
    return RankedProfile([f"c{i}" for i in range(m)], np.array(ranks), counts)


def agrees(result, reference_ids: list[str]) -> None:
    if len(reference_ids) == 1:
        assert result.winners == reference_ids
    else:
        assert result.ties
        assert set(result.winners) <= set(reference_ids)


@SETTINGS
@given(
    ranked_profiles(complete=True),
    st.sampled_from(["borda", "schulze", "copeland", "ranked-pairs"]),
)
def test_complete_ballots_match_pref_voting(profile, method):
    reference = pref_voting_profile(profile)
    theirs = [profile.candidates[c] for c in ranked_winners(reference, method)]
    agrees(tally(profile, method, seed="s"), theirs)


@SETTINGS
@given(
    ranked_profiles(complete=False),
    st.sampled_from(["borda", "schulze", "copeland", "ranked-pairs"]),
)
def test_truncated_ballots_match_pref_voting(profile, method):
    reference = pref_voting_profile(profile)
    theirs = [profile.candidates[c] for c in ranked_winners(reference, method)]
    agrees(tally(profile, method, seed="s"), theirs)


@SETTINGS
@given(ranked_profiles(complete=True))
def test_irv_matches_every_tie_breaking_of_pref_voting(profile):
    reference = pref_voting_profile(profile)
    theirs = [profile.candidates[c] for c in instant_runoff_put(reference)]
    agrees(tally(profile, "irv", seed="s"), theirs)


@SETTINGS
@given(ranked_profiles(complete=False), st.integers(1, 2))
def test_stv_matches_pref_voting_when_no_lot_is_drawn(profile, seats):
    result = tally(profile, "stv", seats=seats, seed="s")
    if not result.ties:
        reference = pref_voting_profile(profile)
        theirs = ranked_winners(reference, "stv", seats=seats)
        assert sorted(result.winners) == sorted(profile.candidates[c] for c in theirs)


@st.composite
def approval_profiles(draw):
    m = draw(st.integers(2, 5))
    rows = draw(st.integers(1, 7))
    approvals = draw(
        st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=rows, max_size=rows)
    )
    counts = draw(st.lists(st.integers(1, 4), min_size=rows, max_size=rows))
    costs = draw(st.lists(st.integers(1, 10), min_size=m, max_size=m))
    budget = draw(st.integers(1, 25))
    return ApprovalProfile([f"p{i}" for i in range(m)], approvals, counts, costs, budget)


def pabutools_outcomes(profile: ApprovalProfile, rule) -> list[list[str]]:
    projects = [
        Project(c, int(cost)) for c, cost in zip(profile.candidates, profile.costs, strict=True)
    ]
    instance = Instance(projects, budget_limit=profile.budget)
    ballots = []
    for row, count in zip(profile.approvals, profile.counts, strict=True):
        ballots += [ApprovalBallot([p for p, a in zip(projects, row, strict=True) if a])] * int(
            count
        )
    outcomes = rule(instance, PabuApprovalProfile(ballots), sat_class=Cost_Sat, resoluteness=False)
    return [sorted(p.name for p in outcome) for outcome in outcomes]


@SETTINGS
@given(approval_profiles())
def test_raw_mes_matches_pabutools(profile):
    ours = mes(profile, Lot("s", profile.candidates), completion="none")
    theirs = pabutools_outcomes(profile, method_of_equal_shares)
    assert sorted(ours.winners) in theirs
    if len(theirs) > 1:
        assert ours.ties


@SETTINGS
@given(approval_profiles())
def test_greedy_matches_pabutools(profile):
    ours = tally(profile, "greedy", seed="s")
    theirs = pabutools_outcomes(profile, greedy_utilitarian_welfare)
    assert sorted(ours.winners) in theirs
    if len(theirs) > 1:
        assert ours.ties


@SETTINGS
@given(
    st.text(min_size=1, max_size=12),
    st.lists(st.text(min_size=1, max_size=4), min_size=2, max_size=6, unique=True),
)
def test_the_lot_is_reproducible_from_its_seed(seed, candidates):
    first = Lot(seed, candidates)
    again = Lot(seed, list(candidates))
    assert first.order(range(len(candidates))) == again.order(range(len(candidates)))
    assert sorted(first.priority.tolist()) == list(range(len(candidates)))


def test_add1_completion_in_won_takes_bounded_steps():
    from voting.tally.budget import completion_unit

    assert [completion_unit(s) for s in (67.5, 830, 1000, 1001, 3_875_000)] == [1, 1, 1, 10, 10_000]
    # Forty residents sharing 155 million won: steps of 10,000 won, not one won at a time.
    rng = np.random.default_rng(7)
    approvals = rng.random((40, 8)) < 0.4
    costs = [30_000_000, 25_000_000, 60_000_000, 12_000_000, 18_000_000, 40_000_000,
             9_000_000, 22_000_000]
    profile = ApprovalProfile([f"p{i}" for i in range(8)], approvals, costs=costs,
                              budget=155_000_000)
    result = tally(profile, "mes", seed="s")
    assert result.explanation["add1_unit"] == 10_000
    assert result.explanation["cost"] <= 155_000_000
    assert result.explanation["add1_steps"] < 2_000
