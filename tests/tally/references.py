"""Counting the same ballots with the reference libraries, pref_voting and pabutools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pabutools.election import (
    AdditiveSatisfaction,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pref_voting.c1_methods import copeland
from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders
from pref_voting.margin_based_methods import beat_path, ranked_pairs
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.proportional_methods import stv_scottish
from pref_voting.scoring_methods import borda, borda_for_profile_with_ties

from voting.tally import RankedProfile


def pref_voting_profile(profile: RankedProfile) -> ProfileWithTies | Profile:
    """Our ranked profile as pref_voting sees it, candidates numbered by column."""
    m = len(profile.candidates)
    if profile.is_complete() and profile.is_strict():
        rankings = np.argsort(profile.ranks, axis=1).tolist()
        return Profile(rankings, rcounts=profile.counts.tolist())
    rankings = [{c: int(r) for c, r in enumerate(row) if r < m} for row in profile.ranks.tolist()]
    result = ProfileWithTies(rankings, rcounts=profile.counts.tolist(), candidates=list(range(m)))
    result.use_extended_strict_preference()
    return result


def preflib_reference(path: Path) -> ProfileWithTies:
    """A PrefLib file read by pref_voting itself (candidates are the alternative numbers)."""
    result = ProfileWithTies.from_preflib(str(path))
    result.use_extended_strict_preference()
    return result


def ranked_winners(reference: ProfileWithTies | Profile, method: str, seats: int = 1) -> list:
    """Winners (all tied ones) by the pref_voting function matching ``method``."""
    if method == "borda":
        if isinstance(reference, Profile):
            return borda(reference)
        return borda_for_profile_with_ties(reference)
    if method == "stv":
        import random

        return stv_scottish(reference, num_seats=seats, rng=random.Random(0))
    if method == "irv" and isinstance(reference, Profile):
        reference = reference.to_profile_with_ties()
    functions = {
        "schulze": beat_path,
        "ranked-pairs": ranked_pairs,
        "copeland": copeland,
        "irv": instant_runoff_for_truncated_linear_orders,
    }
    return functions[method](reference)


class PointsTimesCostSat(AdditiveSatisfaction):
    """Points × cost, so pabutools' greedy (by satisfaction per cost) orders by points."""

    def __init__(self, instance, profile, ballot):
        super().__init__(
            instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost
        )


class PositionTimesCostSat(AdditiveSatisfaction):
    """Ordinal ballots counted as Pabulib scores them (k, k-1, ..., 1), times the cost."""

    def __init__(self, instance, profile, ballot):
        def points(i, p, b, proj, pre):
            order = list(b)
            return (len(order) - order.index(proj)) * proj.cost if proj in order else 0

        super().__init__(instance, profile, ballot, points)


def pabutools_greedy(path: Path, vote_type: str) -> list[str]:
    instance, profile = parse_pabulib(str(path))
    sat = {"approval": Cost_Sat, "ordinal": PositionTimesCostSat}.get(vote_type, PointsTimesCostSat)
    return sorted(p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=sat))


def pabutools_raw_mes(path: Path) -> list[str]:
    instance, profile = parse_pabulib(str(path))
    outcome = method_of_equal_shares(instance, profile.as_multiprofile(), sat_class=Cost_Sat)
    return sorted(p.name for p in outcome)


def pabutools_mes_greedy(path: Path) -> list[str]:
    """MES with cost utilities, its leftover spent by pabutools' greedy by votes."""
    instance, profile = parse_pabulib(str(path))
    outcome = completion_by_rule_combination(
        instance, profile.as_multiprofile(), [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat}, {"sat_class": Cost_Sat}])
    return sorted(p.name for p in outcome)


def sequential_irv(reference: ProfileWithTies, seats: int) -> list:
    """Sequential IRV by pref_voting: each count over the candidates not yet elected.

    Returns None for a seat whose count pref_voting leaves tied (no lot of its own)."""
    elected: list = []
    for _ in range(seats):
        rest = [c for c in reference.candidates if c not in elected]
        winners = instant_runoff_for_truncated_linear_orders(reference, curr_cands=rest)
        if len(winners) != 1:
            return elected + [None]
        elected.append(winners[0])
    return elected
