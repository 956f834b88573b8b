"""Stored ballots to the tally engine's arrays, and the combined score.

Pure: callers hand in plain arrays read from the database, so the same functions serve the
results page, ``flask tally`` and the background job, and tests run them on plain data.

Ballot rows arrive as three aligned arrays (ballot number, item position, value), one entry
per chosen item, the shape a ``SELECT ... ORDER BY ballot`` over the choices table gives.
Identical ballots are folded into one row with a count before counting, so a large vote
becomes a small profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voting.ballots import BallotType
from voting.tally import ApprovalProfile, PointsProfile, RankedProfile, tally


@dataclass(frozen=True)
class ChoiceRows:
    """Choices of many ballots: ``ballot[j]`` chose item position ``item[j]`` with ``value[j]``
    (a rank for ranked ballots, 1 for approval and budget, points for points ballots)."""

    ballot: np.ndarray
    item: np.ndarray
    value: np.ndarray

    @classmethod
    def from_tuples(cls, rows: list[tuple[int, int, int]]) -> ChoiceRows:
        array = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
        return cls(array[:, 0], array[:, 1], array[:, 2])


def ballot_matrix(ballot_type: BallotType, candidates: int, rows: ChoiceRows) -> np.ndarray:
    """One row per ballot, one column per item, in the engine's encoding for the type."""
    _, row_of = np.unique(rows.ballot, return_inverse=True)
    count = int(row_of.max()) + 1 if row_of.size else 0
    if ballot_type == BallotType.RANKED:
        matrix = np.full((count, candidates), -1, dtype=np.int16)
        matrix[row_of, rows.item] = rows.value - 1
    elif ballot_type == BallotType.POINTS:
        matrix = np.zeros((count, candidates), dtype=np.int64)
        matrix[row_of, rows.item] = rows.value
    else:
        matrix = np.zeros((count, candidates), dtype=bool)
        matrix[row_of, rows.item] = True
    return matrix


def build_profile(ballot_type: BallotType, candidates: list[str], rows: ChoiceRows,
                  costs: list[int] | None = None, budget: int | None = None):
    """The engine's profile for these ballots, identical ballots folded together."""
    matrix = ballot_matrix(ballot_type, len(candidates), rows)
    unique, counts = np.unique(matrix, axis=0, return_counts=True)
    if ballot_type == BallotType.RANKED:
        return RankedProfile(candidates, unique, counts)
    if ballot_type == BallotType.POINTS:
        return PointsProfile(candidates, unique, counts)
    return ApprovalProfile(candidates, unique, counts, costs=costs, budget=budget)


def count(ballot_type: BallotType, method: str, candidates: list[str], rows: ChoiceRows, *,
          seats: int = 1, costs: list[int] | None = None, budget: int | None = None,
          seed: str | None = None) -> dict:
    """The engine's result object for one method (see ``voting.tally.TallyResult.to_dict``).

    With no ballots there is nothing to count: no winners and no ranking, stated as such.
    """
    if rows.ballot.size == 0:
        return {"method": method, "ballots": 0, "candidates": candidates, "winners": [],
                "ranking": [], "ties": False, "scores": None, "rounds": None,
                "tie_break": {}}
    # Budgets stay in won: the engine's MES completion scales its step to the voters' share
    # (``voting.tally.budget.completion_unit``).
    profile = build_profile(ballot_type, candidates, rows, costs, budget)
    return tally(profile, method, seats=seats, budget=budget, seed=seed).to_dict()


def support(ballot_type: BallotType, candidates: int, rows: ChoiceRows,
            max_ranks: int) -> np.ndarray:
    """Each item's support, the resident-vote component of the combined score.

    Ranked: rank points (1st of up to k ranks earns k, 2nd k-1, ...); approval and budget:
    number of ballots choosing the item; points: points received.
    """
    if ballot_type == BallotType.RANKED:
        weights = np.clip(max_ranks + 1 - rows.value, 0, None)
    else:
        weights = rows.value
    return np.bincount(rows.item, weights=weights, minlength=candidates).astype(np.float64)


def normalise(scores: np.ndarray) -> np.ndarray:
    """Scores scaled to 0-100, the best item at 100 (all zero when nobody scored)."""
    top = float(scores.max()) if scores.size else 0.0
    if top <= 0:
        return np.zeros_like(scores, dtype=np.float64)
    return scores.astype(np.float64) * (100.0 / top)


def combined(components: dict[str, np.ndarray], weights: dict[str, int]) -> dict:
    """The published weighted sum: each component normalised to 0-100 (best item = 100),
    multiplied by its weight in percent, summed.

    Returns ``{"weights", "normalised": {component: [...]}, "total": [...], "order": [...]}``
    where ``order`` lists item positions by total, best first (equal totals keep item order).
    """
    size = len(next(iter(components.values())))
    total = np.zeros(size, dtype=np.float64)
    normalised = {}
    for name, raw in components.items():
        scaled = normalise(np.asarray(raw, dtype=np.float64))
        normalised[name] = [round(float(v), 2) for v in scaled]
        total += scaled * (weights.get(name, 0) / 100.0)
    rounded = [round(float(v), 2) for v in total]
    order = sorted(range(size), key=lambda i: (-rounded[i], i))
    return {"weights": dict(weights), "normalised": normalised, "total": rounded,
            "order": order}
