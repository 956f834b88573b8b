"""Ballot rules: what a valid ballot of each type looks like, checked on plain data.

No Flask and no database here, so the rules are tested directly and the same code decides
for every channel (online, paper, forum). A ballot arrives as ``(item, value)`` pairs as
submitted; ``validate`` either returns the canonical form or raises :class:`BallotError`
with a code the web layer turns into a message in the reader's language
(``voting.labels.ballot_message``).

Canonical forms (what is stored and counted):

- ranked: ``(item, rank)`` with ranks 1..r, best first, ``r <= max_ranks``;
- approval and budget: ``(item, 1)`` in the vote's item order;
- points: ``(item, points)`` with ``points > 0`` in the vote's item order, summing to the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class BallotType(StrEnum):
    RANKED = "ranked"
    APPROVAL = "approval"
    BUDGET = "budget"
    POINTS = "points"


class Channel(StrEnum):
    ONLINE = "online"
    PAPER = "paper"
    FORUM = "forum"


class Electorate(StrEnum):
    """Who may vote online in a vote, from the loosest to the strictest. Paper and forum
    ballots are entered by staff who checked the person in the room, so any level admits
    them."""

    ACCOUNT = "account"  # any resident account of the district
    EMAIL = "email"  # accounts whose email address is verified (or who are on the roll)
    ROLL = "roll"  # residents on the voter roll, verified in person


# Counting methods of the tally engine that apply to each ballot type; the first is the default.
METHODS_BY_TYPE: dict[BallotType, tuple[str, ...]] = {
    BallotType.RANKED: ("borda", "schulze", "ranked-pairs", "copeland", "irv", "stv"),
    BallotType.APPROVAL: ("approval",),
    BallotType.BUDGET: ("greedy", "mes"),
    BallotType.POINTS: ("points",),
}


class BallotError(ValueError):
    """A ballot (or a ballot definition) that breaks a rule; ``code`` names the rule."""

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


Entries = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BallotRules:
    """The rules a vote sets for its ballots.

    ``items`` are the vote's item ids in display order. ``max_choices`` is k (ranked: rank
    up to k; approval: at most k), ``min_choices`` is m (at least m chosen or ranked).
    ``costs`` and ``budget_limit`` apply to budget ballots, ``points_total`` to points ballots.
    """

    ballot_type: BallotType
    items: tuple[int, ...]
    min_choices: int = 1
    max_choices: int | None = None
    costs: Mapping[int, int] = field(default_factory=dict)
    budget_limit: int | None = None
    points_total: int | None = None

    @property
    def limit(self) -> int:
        """The most items one ballot may choose or rank."""
        return self.max_choices if self.max_choices is not None else len(self.items)

    def definition_problems(self) -> list[BallotError]:
        """What is wrong with the definition itself (for the organizer's form)."""
        problems: list[BallotError] = []
        n = len(self.items)
        if n < 2:
            problems.append(BallotError("too_few_items", n=2))
        if len(set(self.items)) != n:
            problems.append(BallotError("duplicate_item"))
        if self.min_choices < 0:
            problems.append(BallotError("bad_min"))
        if self.max_choices is not None and not 1 <= self.max_choices <= max(n, 1):
            problems.append(BallotError("bad_max", n=n))
        if self.min_choices > self.limit:
            problems.append(BallotError("min_above_max"))
        if self.ballot_type == BallotType.BUDGET:
            if not self.budget_limit or self.budget_limit <= 0:
                problems.append(BallotError("bad_budget"))
            missing = [i for i in self.items if self.costs.get(i) is None]
            if missing:
                problems.append(BallotError("missing_cost", n=len(missing)))
            elif self.budget_limit and min(
                (self.costs[i] for i in self.items), default=0
            ) > self.budget_limit:
                problems.append(BallotError("nothing_fits"))
        if self.ballot_type == BallotType.POINTS and (
            not self.points_total or self.points_total <= 0
        ):
            problems.append(BallotError("bad_points_total"))
        return problems


def validate(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    """Check a submitted ballot against ``rules`` and return its canonical form.

    Raises :class:`BallotError` naming the first broken rule; the order of the checks puts
    structural problems (unknown or repeated items) before counting ones.
    """
    known = set(rules.items)
    seen: set[int] = set()
    for item, _value in entries:
        if item not in known:
            raise BallotError("unknown_item")
        if item in seen:
            raise BallotError("duplicate_item")
        seen.add(item)
    if rules.ballot_type == BallotType.RANKED:
        return _ranked(rules, entries)
    if rules.ballot_type == BallotType.POINTS:
        return _points(rules, entries)
    return _chosen(rules, entries)


def _count_limits(rules: BallotRules, chosen: int) -> None:
    if chosen > rules.limit:
        raise BallotError("too_many", k=rules.limit)
    if chosen < max(rules.min_choices, 1):
        raise BallotError("too_few", m=max(rules.min_choices, 1))


def _ranked(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    ranks = [rank for _item, rank in entries]
    if len(set(ranks)) != len(ranks):
        raise BallotError("duplicate_rank")
    _count_limits(rules, len(entries))
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        raise BallotError("rank_gap", n=len(ranks))
    return tuple(sorted(((item, rank) for item, rank in entries), key=lambda e: e[1]))


def _chosen(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    if any(value != 1 for _item, value in entries):
        raise BallotError("malformed")
    _count_limits(rules, len(entries))
    chosen = {item for item, _value in entries}
    if rules.ballot_type == BallotType.BUDGET:
        spent = sum(rules.costs[item] for item in chosen)
        if spent > (rules.budget_limit or 0):
            raise BallotError("over_budget", limit=rules.budget_limit or 0, spent=spent)
    return tuple((item, 1) for item in rules.items if item in chosen)


def _points(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    if any(value < 0 for _item, value in entries):
        raise BallotError("negative_points")
    given = {item: value for item, value in entries if value > 0}
    total = sum(given.values())
    if total != rules.points_total:
        raise BallotError("points_total", total=rules.points_total or 0, given=total)
    _count_limits(rules, len(given))
    return tuple((item, given[item]) for item in rules.items if item in given)


def window_status(opens_at: datetime, closes_at: datetime, now: datetime) -> str:
    """Where ``now`` falls in a vote's window: upcoming, open (opening instant included) or
    closed (closing instant included)."""
    if now < opens_at:
        return "upcoming"
    if now < closes_at:
        return "open"
    return "closed"
