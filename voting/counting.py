"""Folded ballots into the tally engine: its profile for each ballot type, and the count.

Pure: callers hand in plain data read from the database, so the same functions serve the
results page, ``flask tally`` and the background job, and tests run them on plain data.

Ballots arrive folded: each distinct ballot once, with how many people cast it (the database
folds them, ``voting.stored_ballots.distinct_ballots``), so a vote of a million ballots becomes a
profile of a few thousand rows before anything is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from voting.rules import BallotType
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
