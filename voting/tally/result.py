"""The outcome of a tally, with what a person needs to check it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TallyResult:
    """One tally's outcome.

    ``ranking`` lists tied groups best first (``None`` when the method defines no order);
    ``ties`` is True when a tie had to be broken to reach this outcome, by the rule and seed
    in ``tie_break``; ``by_lot`` lists the winners whose seat the lot may have decided (each
    method says when in its ``seat_rule``); ``explanation`` holds method-specific detail
    (margins, convention, budget).
    """

    method: str
    ballots: int
    candidates: list[str]
    winners: list[str]
    ranking: list[list[str]] | None
    ties: bool
    scores: dict[str, Any] | None
    rounds: list[dict[str, Any]] | None
    tie_break: dict[str, str]
    explanation: dict[str, Any] = field(default_factory=dict)
    by_lot: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the fixed keys first, then the explanation fields."""
        result = {
            "method": self.method,
            "ballots": self.ballots,
            "candidates": self.candidates,
            "winners": self.winners,
            "ranking": self.ranking,
            "ties": self.ties,
            "scores": self.scores,
            "rounds": self.rounds,
            "tie_break": self.tie_break,
            "by_lot": self.by_lot,
        }
        result.update(self.explanation)
        return result


def ranking_by_score(ids: list[str], scores: list[float], lot_order: list[int]) -> list[list[str]]:
    """Group candidates with equal scores, best first; within a group, in lot order."""
    position = {c: p for p, c in enumerate(lot_order)}
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], position[i]))
    groups: list[list[str]] = []
    previous = None
    for i in order:
        if groups and scores[i] == previous:
            groups[-1].append(ids[i])
        else:
            groups.append([ids[i]])
        previous = scores[i]
    return groups


def seats_from_ranking(ranking: list[list[str]], seats: int) -> tuple[list[str], list[str]]:
    """The first ``seats`` candidates of a ranking of tied groups (each group in lot order),
    and those of them the lot placed: the members taken from a group that straddles the cut.
    """
    winners: list[str] = []
    by_lot: list[str] = []
    for group in ranking:
        left = seats - len(winners)
        if left <= 0:
            break
        if len(group) > left:
            by_lot = group[:left]
        winners.extend(group[:left])
    return winners, by_lot
