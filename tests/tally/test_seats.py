"""Several seats: every method elects them by a rule it states or refuses them; the seats the
published lot may have decided are flagged; Schulze ranks in layers; MES says what it leaves
unspent and completes it as asked."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.tally import (
    SEATED_METHODS,
    ApprovalProfile,
    RankedProfile,
    applicable_methods,
    pairwise,
    read_file,
    tally,
)
from voting.tally.__main__ import main

from .references import (
    pabutools_mes_greedy,
    preflib_reference,
    ranked_winners,
    sequential_irv,
)

# One file per kind of ballot: ranked (truncated), approval with costs, points, ordinal PB.
FILES = [
    "preflib/00002-00000007.soi",
    "pabulib/US_Stanford_Dataset_Seattle_2019_District_6_vote_approvals.pb",
    "pabulib/Poland_Czestochowa_2024_Srodmiescie.pb",
    "pabulib/Poland_Krakow_2018_Stare_Miasto.pb",
]


def cli(capsys, *argv: str) -> tuple[int, dict | None, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else None, err


@pytest.mark.parametrize("name", FILES)
def test_seats_are_honoured_or_refused_by_every_method(data_dir, name, capsys):
    path = str(data_dir / name)
    for method in applicable_methods(read_file(path)):
        status, result, err = cli(capsys, path, "--method", method, "--seats", "3")
        if method in SEATED_METHODS:
            assert status == 0, (method, err)
            assert len(result["winners"]) == 3, method
            assert result["seats"] == 3 and result["seat_rule"], method
        else:
            assert status == 2 and result is None, method
            assert err.count("\n") == 1
            assert f"method '{method}'" in err and "--seats" in err


def test_more_seats_than_candidates_or_none_at_all_are_refused(data_dir, capsys):
    path = str(data_dir / "preflib" / "00002-00000007.soi")
    for seats, words in (("5", "only 4 candidates"), ("0", "at least one seat")):
        status, result, err = cli(capsys, path, "--method", "irv", "--seats", seats)
        assert (status, result) == (2, None)
        assert words in err


def test_completion_is_for_mes_only(data_dir, capsys):
    path = str(data_dir / "preflib" / "00002-00000007.soi")
    status, _result, err = cli(capsys, path, "--method", "irv", "--completion", "greedy")
    assert status == 2 and "takes no completion" in err


# Found by search: the single IRV count eliminates a, then c, so its order reads b, d, c; but
# with b elected and struck, a count over a, c and d elects a (a's 7 ballots go b, a, c, d).
IRV_CASE = (["d"], ["c"], ["b", "a", "c", "d"], ["b", "d"], ["c", "b", "d"])
IRV_COUNTS = [9, 1, 7, 9, 3]


def test_three_seats_by_irv_are_sequential_irv_not_the_elimination_order():
    profile = RankedProfile.from_rankings("abcd", IRV_CASE, IRV_COUNTS)
    single = tally(profile, "irv", seed="s")
    assert [g[0] for g in single.ranking[:3]] == ["b", "d", "c"]
    three = tally(profile, "irv", seats=3, seed="s")
    assert three.winners == ["b", "d", "a"]
    assert three.explanation["seat_rule"].startswith("sequential IRV")
    assert [r["seat"] for r in three.rounds] == sorted(r["seat"] for r in three.rounds)
    assert three.ranking[:3] == [["b"], ["d"], ["a"]]


@pytest.mark.parametrize("name", ["00058-00000003.soi", "00058-00000004.soi",
                                  "00058-00000264.soi", "00002-00000007.soi"])
def test_sequential_irv_matches_pref_voting_on_real_elections(data_dir, name):
    path = data_dir / "preflib" / name
    result = tally(read_file(path), "irv", seats=3)
    theirs = sequential_irv(preflib_reference(path), 3)
    assert None not in theirs and not result.by_lot
    assert result.winners == [str(c) for c in theirs]


@pytest.mark.parametrize("name", ["00058-00000003.soi", "00058-00000264.soi"])
def test_stv_three_seats_on_real_elections_state_their_rule(data_dir, name):
    path = data_dir / "preflib" / name
    result = tally(read_file(path), "stv", seats=3)
    assert sorted(result.winners) == sorted(str(c) for c in ranked_winners(
        preflib_reference(path), "stv", seats=3))
    assert "Droop quota" in result.explanation["seat_rule"]


def test_a_tie_at_the_last_seat_is_drawn_and_flagged():
    # b and c have the same Borda score; a is clear first.
    profile = RankedProfile.from_rankings("abc", [["a", "b", "c"], ["a", "c", "b"]])
    result = tally(profile, "borda", seats=2, seed="2027")
    assert result.winners[0] == "a" and result.winners[1] in ("b", "c")
    assert result.by_lot == [result.winners[1]] and result.ties
    assert tally(profile, "borda", seats=3, seed="2027").by_lot == []
    approvals = ApprovalProfile("abc", [[1, 1, 0], [1, 0, 1]])
    assert tally(approvals, "approval", seats=2, seed="x").by_lot == \
        tally(approvals, "approval", seats=2, seed="x").winners[1:]


def test_irv_flags_the_seat_only_when_the_lot_could_change_it():
    # d and e tie for last with 1 vote each, together 2, below everyone else: harmless.
    harmless = RankedProfile.from_rankings(
        "abcde", [["a"], ["b"], ["c"], ["d", "a"], ["e", "b"]], [5, 4, 3, 1, 1])
    result = tally(harmless, "irv", seed="s")
    assert result.ties and result.by_lot == []
    assert result.rounds[0]["lot_decisive"] is False
    # a and b tie for last with 3 votes; whichever stays takes the other's ballots and wins.
    decisive = RankedProfile.from_rankings(
        "abc", [["a", "b"], ["b", "a"], ["c"]], [3, 3, 5])
    result = tally(decisive, "irv", seed="s")
    assert result.by_lot == result.winners and result.rounds[0]["lot_decisive"] is True


def test_cli_prints_the_flagged_seats(tmp_path, capsys):
    path = tmp_path / "tie.soc"
    path.write_text("# NUMBER ALTERNATIVES: 3\n# NUMBER VOTERS: 2\n1: 1,2,3\n1: 1,3,2\n")
    status, result, _err = cli(capsys, str(path), "--method", "borda", "--seats", "2",
                               "--seed", "2027")
    assert status == 0 and result["by_lot"] == result["winners"][1:]
    assert result["winners"][0] == "1"


# Found by search: a, b and c are the Schulze co-winners; c beats d along a path, so by count
# of path wins c stood alone first and a, b sat level with d although a beats d head to head.
SCHULZE_CASE = ([list("cdba"), list("acdb"), list("acdb"), list("bacd"), list("bdca")],
                [2, 3, 2, 2, 3])


def test_schulze_co_winners_share_the_first_place():
    profile = RankedProfile.from_rankings("abcd", *SCHULZE_CASE)
    result = tally(profile, "schulze", seed="s")
    assert sorted(result.ranking[0]) == ["a", "b", "c"] and result.ranking[1] == ["d"]
    theirs = ranked_winners(_pref_voting(profile), "schulze")
    assert sorted(result.ranking[0]) == sorted("abcd"[c] for c in theirs)
    support = pairwise(profile)
    assert support[0, 3] > support[3, 0]  # a beats d head to head, and now stands above it


def _pref_voting(profile):
    from .references import pref_voting_profile

    return pref_voting_profile(profile)


@st.composite
def ranked_profiles(draw):
    m = draw(st.integers(3, 6))
    rows = draw(st.lists(st.permutations(range(m)), min_size=1, max_size=7))
    counts = draw(st.lists(st.integers(1, 4), min_size=len(rows), max_size=len(rows)))
    ranks = np.argsort(np.array(rows), axis=1)
    return RankedProfile([chr(97 + i) for i in range(m)], ranks, counts)


@settings(max_examples=150, deadline=None)
@given(ranked_profiles())
def test_schulze_ranking_puts_each_candidate_above_those_it_beats(profile):
    result = tally(profile, "schulze", seed="s")
    ids = list(profile.candidates)
    place = {c: i for i, group in enumerate(result.ranking) for c in group}
    strength = result.explanation["path_strengths"]
    for a in ids:
        for b in ids:
            if a != b and strength[a][b] > strength[b][a]:
                assert place[a] < place[b], (a, b, result.ranking)
    theirs = ranked_winners(_pref_voting(profile), "schulze")
    assert sorted(result.ranking[0]) == sorted(ids[c] for c in theirs)


@settings(max_examples=100, deadline=None)
@given(ranked_profiles(), st.integers(1, 3))
def test_every_seated_method_elects_the_seats_asked(profile, seats):
    seats = min(seats, len(profile.candidates))
    for method in applicable_methods(profile):
        result = tally(profile, method, seats=seats, seed="s")
        assert len(result.winners) == len(set(result.winners)) == seats, method
        assert set(result.by_lot) <= set(result.winners), method


# Ten voters share 100: voters 0-1 approve x (cost 20) and y (cost 8), voters 2-9 approve z
# (cost 200).  Raw MES buys x, which spends the two voters' shares, and stops at 20 of 100
# although y fits.
UNSPENT = ApprovalProfile(
    ["x", "y", "z"], [[1, 1, 0]] * 2 + [[0, 0, 1]] * 8, costs=[20, 8, 200], budget=100)


def test_mes_says_what_it_leaves_unspent_and_completes_as_asked():
    raw = tally(UNSPENT, "mes", completion="none", seed="s")
    assert raw.winners == ["x"]
    assert raw.explanation["cost"] == 20 and raw.explanation["unspent"] == 80
    assert raw.explanation["unfunded_that_fit"] == ["y"]
    for completion in ("add1", "greedy"):
        done = tally(UNSPENT, "mes", completion=completion, seed="s")
        assert done.winners == ["x", "y"], completion
        assert done.explanation["completion"] == completion
        assert done.explanation["unspent"] == 72 and done.explanation["unfunded_that_fit"] == []


@pytest.mark.parametrize("name", [
    "Poland_Swiecie_2023.pb", "Poland_Wieliczka_2023_Green_Budget.pb",
    "US_Stanford_Dataset_Seattle_2019_District_6_vote_approvals.pb"])
def test_greedy_completion_matches_pabutools(data_dir, name):
    path = data_dir / "pabulib" / name
    result = tally(read_file(path), "mes", completion="greedy")
    assert sorted(result.winners) == pabutools_mes_greedy(path)
    assert result.explanation["unfunded_that_fit"] == []
