"""Stored ballots to the tally engine's profiles, and the combined score.

Pure: callers hand in plain data read from the database, so the same functions serve the
results page, ``flask tally`` and the background job, and tests run them on plain data.

Ballots arrive folded: each distinct ballot once, with how many people cast it (the database
folds them, ``voting.results.distinct_ballots``), so a vote of a million ballots becomes a
profile of a few thousand rows before anything is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from voting.ballots import BallotType
from voting.tally import SEATED_METHODS, ApprovalProfile, PointsProfile, RankedProfile, tally

# The engine's encoding per ballot type: ranks from 0 with -1 for unranked; chosen or not;
# points.
_DTYPES = {BallotType.RANKED: np.int16, BallotType.POINTS: np.int64}


@dataclass(frozen=True)
class FoldedBallots:
    """Distinct ballots, one row per ballot and one column per item in the engine's encoding
    for the type, and ``counts[i]``, how many people cast row ``i``."""

    matrix: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def of(cls, ballot_type: BallotType, candidates: int,
           ballots: Iterable[tuple[tuple[int, ...], int]]) -> FoldedBallots:
        """From ``(row, count)`` pairs, rows in the engine's encoding."""
        rows, counts = [], []
        for row, n in ballots:
            rows.append(row)
            counts.append(n)
        dtype = _DTYPES.get(ballot_type, bool)
        return cls(np.asarray(rows, dtype=dtype).reshape(-1, candidates),
                   np.asarray(counts, dtype=np.int64))

    @classmethod
    def from_choices(cls, ballot_type: BallotType, candidates: int,
                     choices: Iterable[tuple[int, int, int]]) -> FoldedBallots:
        """From stored choices ``(ballot, item position, value)``: a rank from 1, 1 for
        chosen, or points."""
        ballots: dict[int, list[int]] = {}
        empty = [-1 if ballot_type == BallotType.RANKED else 0] * candidates
        for ballot, item, value in choices:
            row = ballots.setdefault(ballot, empty.copy())
            row[item] = value - 1 if ballot_type == BallotType.RANKED else value
        folded: dict[tuple[int, ...], int] = {}
        for row in ballots.values():
            folded[tuple(row)] = folded.get(tuple(row), 0) + 1
        return cls.of(ballot_type, candidates, sorted(folded.items()))


def build_profile(ballot_type: BallotType, candidates: list[str], ballots: FoldedBallots,
                  costs: list[int] | None = None, budget: int | None = None):
    """The engine's profile for these ballots."""
    if ballot_type == BallotType.RANKED:
        return RankedProfile(candidates, ballots.matrix, ballots.counts)
    if ballot_type == BallotType.POINTS:
        return PointsProfile(candidates, ballots.matrix, ballots.counts)
    return ApprovalProfile(candidates, ballots.matrix, ballots.counts, costs=costs,
                           budget=budget)


def count(ballot_type: BallotType, method: str, candidates: list[str], ballots: FoldedBallots,
          *, seats: int = 1, costs: list[int] | None = None, budget: int | None = None,
          seed: str | None = None, completion: str = "add1") -> dict:
    """The engine's result object for one method (see ``voting.tally.TallyResult.to_dict``).

    ``seats`` goes to the methods that elect a number of winners, ``completion`` to MES; the
    budgeting methods fund what the budget allows. With no ballots there is nothing to count:
    no winners and no ranking, stated as such.
    """
    if ballots.total == 0:
        return {"method": method, "ballots": 0, "candidates": candidates, "winners": [],
                "ranking": [], "ties": False, "scores": None, "rounds": None,
                "tie_break": {}, "by_lot": []}
    # Budgets stay in won: the engine's MES completion scales its step to the voters' share
    # (``voting.tally.budget.completion_unit``).
    profile = build_profile(ballot_type, candidates, ballots, costs, budget)
    return tally(profile, method, seats=seats if method in SEATED_METHODS else None,
                 budget=budget, seed=seed,
                 completion=completion if method == "mes" else None).to_dict()


def support(ballot_type: BallotType, candidates: int, ballots: FoldedBallots,
            max_ranks: int) -> np.ndarray:
    """Each item's support, the resident-vote component of the combined score.

    Ranked: rank points (1st of up to k ranks earns k, 2nd k-1, ...); approval and budget:
    number of ballots choosing the item; points: points received.
    """
    matrix = ballots.matrix.astype(np.int64)
    if ballot_type == BallotType.RANKED:
        weights = np.where(matrix >= 0, np.clip(max_ranks - matrix, 0, None), 0)
    else:
        weights = matrix
    if not weights.size:
        return np.zeros(candidates, dtype=np.float64)
    return (weights * ballots.counts[:, None]).sum(axis=0).astype(np.float64)


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
