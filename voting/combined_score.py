"""The combined score that ranks a vote's items when the residents' vote is not the whole
score: the vote's support, the forums' and the review committee's scores, each scaled to
0-100 and weighted as the vote publishes. Pure, on plain arrays."""

from __future__ import annotations

import numpy as np

from voting.counting import FoldedBallots
from voting.rules import BallotType


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
