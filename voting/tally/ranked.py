"""Ranked-ballot methods: Borda, Schulze, ranked pairs, Copeland, instant runoff (Scottish STV
is in ``stv``).

Truncated ballots follow the extended strict preference: a ranked candidate beats an
unranked one, and unranked candidates are tied with each other.  Instant runoff and STV need
strict rankings (truncation allowed, no ties on a ballot).

Every method fills any number of seats by a rule it states in ``seat_rule``: the score and
Condorcet methods take the top of their ranking, instant runoff becomes sequential IRV, and
STV is proportional.  The winners the published lot may have placed are listed in ``by_lot``.
"""

from __future__ import annotations

import numpy as np

from .profiles import RankedProfile
from .result import TallyResult, ranking_by_score, seats_from_ranking
from .ties import Lot

BORDA_STANDARD = (
    "standard Borda: on a ballot ranking all m candidates, position p (0 = top) earns m-1-p"
)
BORDA_SYMMETRIC = (
    "symmetric Borda: a candidate earns (candidates ranked strictly below it) minus (candidates "
    "ranked strictly above it) on each ballot; unranked candidates are tied below every ranked one"
)
TRUNCATION = (
    "extended strict preference: a ranked candidate beats an unranked one; unranked candidates tie"
)
SEATS_BY_SCORE = (
    "the seats go to the highest scores in order; candidates level at the last seat are drawn "
    "by the published lot, and the seats so filled are listed in by_lot"
)
SEATS_BY_RANKING = (
    "the seats go to the first candidates of the method's ranking; candidates the ranking "
    "leaves level at the last seat are drawn by the published lot, and the seats so filled are "
    "listed in by_lot"
)
SEATS_BY_LOCKED_RANKING = (
    SEATS_BY_RANKING + "; when equal margins were locked in lot order and one of them was "
    "skipped, another order could lock another ranking, so every seat is listed in by_lot"
)
SEQUENTIAL_IRV = (
    "sequential IRV: an instant-runoff count fills the first seat; its winner is struck from "
    "every ballot and a new count fills the next seat, until every seat is filled (one seat: "
    "plain IRV).  A seat is listed in by_lot from the first count in which the lot eliminated "
    "a candidate when the order of elimination could change who wins"
)


def pairwise(profile: RankedProfile) -> np.ndarray:
    """``support[a, b]``: voters ranking ``a`` strictly above ``b`` (extended strict preference)."""
    m = profile.unranked
    # One contiguous row per candidate makes each pairwise comparison a single SIMD pass.
    by_candidate = profile.columns()
    counts = profile.counts
    unit = bool((counts == 1).all())
    weights = counts.astype(np.float64)
    total = int(counts.sum())
    # On complete strict ballots every voter prefers one of each pair, so the second direction
    # is the rest; otherwise (ties, truncation) both directions must be counted.
    complementary = profile.is_complete() and profile.is_strict()
    support = np.zeros((m, m), dtype=np.int64)
    for a in range(m):
        for b in range(a + 1, m):
            above = by_candidate[a] < by_candidate[b]
            support[a, b] = np.count_nonzero(above) if unit else int(weights @ above)
            if complementary:
                support[b, a] = total - support[a, b]
            else:
                below = by_candidate[b] < by_candidate[a]
                support[b, a] = np.count_nonzero(below) if unit else int(weights @ below)
    return support


def _margin_dict(ids: list[str], margins: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        ids[a]: {ids[b]: int(margins[a, b]) for b in range(len(ids)) if b != a}
        for a in range(len(ids))
    }


def borda(profile: RankedProfile, lot: Lot, seats: int = 1) -> TallyResult:
    """Borda count; symmetric Borda when any ballot is truncated or has ties (as pref_voting).
    Several seats go to the highest Borda scores."""
    ids = list(profile.candidates)
    m = len(ids)
    if profile.is_complete() and profile.is_strict():
        convention = BORDA_STANDARD
        counts = profile.counts
        if bool((counts == 1).all()):
            rank_sums = profile.ranks.sum(axis=0, dtype=np.int64)
        else:
            rank_sums = np.array(
                [int(counts.astype(np.float64) @ profile.ranks[:, c]) for c in range(m)]
            )
        scores = (m - 1) * profile.voters - rank_sums
        margins = None
    else:
        convention = BORDA_SYMMETRIC
        support = pairwise(profile)
        margins = support - support.T
        scores = margins.sum(axis=1)
    ranking = ranking_by_score(ids, scores.tolist(), lot.order(range(m)))
    winners, by_lot = seats_from_ranking(ranking, seats)
    explanation: dict = {"convention": convention, "seats": seats, "seat_rule": SEATS_BY_SCORE}
    if margins is not None:
        explanation["margins"] = _margin_dict(ids, margins)
    return TallyResult(
        method="borda",
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=bool(by_lot),
        scores={ids[c]: int(scores[c]) for c in range(m)},
        rounds=None,
        tie_break=lot.describe(),
        explanation=explanation,
        by_lot=by_lot,
    )


def _condorcet_result(
    method: str,
    profile: RankedProfile,
    lot: Lot,
    margins: np.ndarray,
    ranking: list[list[str]],
    scores: dict[str, int] | None,
    extra: dict,
    seats: int,
    seat_rule: str,
    tie_broken: bool = False,
) -> TallyResult:
    """The winners are the first ``seats`` of ``ranking``; ``tie_broken`` says the lot
    shaped the ranking itself, so every seat may be the lot's."""
    ids = list(profile.candidates)
    winners, by_lot = seats_from_ranking(ranking, seats)
    if tie_broken:
        by_lot = list(winners)
    return TallyResult(
        method=method,
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=bool(by_lot),
        scores=scores,
        rounds=None,
        tie_break=lot.describe(),
        explanation={"convention": TRUNCATION, "margins": _margin_dict(ids, margins),
                     **extra, "seats": seats, "seat_rule": seat_rule},
        by_lot=by_lot,
    )


def schulze(profile: RankedProfile, lot: Lot, seats: int = 1) -> TallyResult:
    """Schulze (beat path) on margins: path strength is the weakest margin along the path.

    The ranking is the Schulze order in layers: the first group is the unbeaten candidates
    (the co-winners), each next group the unbeaten among those left, so a candidate always
    stands above every candidate it beats and never level with one.  ``scores`` counts the
    candidates each one beats.
    """
    ids = list(profile.candidates)
    m = len(ids)
    support = pairwise(profile)
    margins = support - support.T
    strength = np.where(margins > 0, margins, 0)
    for k in range(m):
        strength = np.maximum(strength, np.minimum(strength[:, k : k + 1], strength[k : k + 1, :]))
    np.fill_diagonal(strength, 0)
    beats = strength > strength.T
    wins = beats.sum(axis=1)
    ranking: list[list[str]] = []
    remaining = list(range(m))
    while remaining:
        # Schulze's relation is transitive, so some remaining candidate is always unbeaten.
        layer = [a for a in remaining if not beats[remaining, a].any()]
        ranking.append([ids[c] for c in lot.order(layer)])
        remaining = [c for c in remaining if c not in layer]
    return _condorcet_result(
        "schulze",
        profile,
        lot,
        margins,
        ranking,
        {ids[a]: int(wins[a]) for a in range(m)},
        {"path_strengths": _margin_dict(ids, strength)},
        seats,
        SEATS_BY_RANKING,
    )


def copeland(profile: RankedProfile, lot: Lot, seats: int = 1) -> TallyResult:
    """Copeland: one point per pairwise win, minus one per pairwise loss (ties score 0).
    Several seats go to the highest Copeland scores."""
    ids = list(profile.candidates)
    m = len(ids)
    support = pairwise(profile)
    margins = support - support.T
    scores = np.sign(margins).sum(axis=1)
    return _condorcet_result(
        "copeland",
        profile,
        lot,
        margins,
        ranking_by_score(ids, scores.tolist(), lot.order(range(m))),
        {ids[a]: int(scores[a]) for a in range(m)},
        {},
        seats,
        SEATS_BY_SCORE,
    )


def _reaches(locked: np.ndarray, start: int, target: int) -> bool:
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        if node == target:
            return True
        for nxt in np.flatnonzero(locked[node]):
            if int(nxt) not in seen:
                seen.add(int(nxt))
                frontier.append(int(nxt))
    return False


def ranked_pairs(profile: RankedProfile, lot: Lot, seats: int = 1) -> TallyResult:
    """Ranked pairs (Tideman): lock majorities from the largest margin down, skipping cycles.

    Equal margins are taken in lot order of the winning candidate, then of the losing one;
    ``ties`` is set when such a group of equal margins contained a pair that was skipped,
    because only then could another order lock a different graph.
    """
    ids = list(profile.candidates)
    m = len(ids)
    support = pairwise(profile)
    margins = support - support.T
    pairs = [(a, b) for a in range(m) for b in range(m) if margins[a, b] > 0]
    pairs.sort(key=lambda p: (-margins[p], lot.priority[p[0]], lot.priority[p[1]]))
    locked = np.zeros((m, m), dtype=bool)
    skipped: list[list[str]] = []
    order_mattered = False
    group_sizes: dict[int, int] = {}
    for a, b in pairs:
        group_sizes[int(margins[a, b])] = group_sizes.get(int(margins[a, b]), 0) + 1
    for a, b in pairs:
        if _reaches(locked, b, a):
            skipped.append([ids[a], ids[b]])
            if group_sizes[int(margins[a, b])] > 1:
                order_mattered = True
        else:
            locked[a, b] = True
    ranking: list[list[str]] = []
    remaining = set(range(m))
    while remaining:
        sources = [c for c in remaining if not any(locked[o, c] for o in remaining)]
        ranking.append([ids[c] for c in lot.order(sources)])
        remaining -= set(sources)
    return _condorcet_result(
        "ranked-pairs",
        profile,
        lot,
        margins,
        ranking,
        None,
        {
            "locked": [[ids[a], ids[b]] for a, b in pairs if locked[a, b]],
            "skipped": skipped,
        },
        seats,
        SEATS_BY_LOCKED_RANKING,
        tie_broken=order_mattered,
    )


def _advance(
    orders: np.ndarray, pointer: np.ndarray, top: np.ndarray, moving: np.ndarray, open_: np.ndarray
) -> None:
    """Move the ballots in ``moving`` to their next preference that is still open.

    ``open_`` has one extra True entry for the padding value, so exhausted ballots stop.
    """
    while moving.size:
        pointer[moving] += 1
        nxt = orders[moving, pointer[moving]]
        top[moving] = nxt
        moving = moving[~open_[nxt]]


class _Runoff:
    """One instant-runoff count: its winner, rounds, ranking and whether the lot mattered."""

    def __init__(self, winner: int, rounds: list[dict], ranking: list[list[int]],
                 tie_broken: bool, lot_decisive: bool) -> None:
        self.winner = winner
        self.rounds = rounds
        self.ranking = ranking
        self.tie_broken = tie_broken
        self.lot_decisive = lot_decisive


def _runoff(profile: RankedProfile, lot: Lot, struck: np.ndarray) -> _Runoff:
    """Instant runoff over the candidates not ``struck`` (their ballots pass them over).

    A tie for last drawn by the lot is decisive unless the tied candidates together hold
    fewer votes than every other continuing candidate: then all of them go before anyone
    else whatever the order, and each of their ballots ends on the same candidate.
    """
    ids = list(profile.candidates)
    m = len(ids)
    orders = profile.orders()
    weights = profile.counts.astype(np.float64)
    pointer = np.zeros(orders.shape[0], dtype=np.int64)
    top = orders[:, 0].astype(np.int64)
    open_ = np.ones(m + 1, dtype=bool)
    open_[:m] = ~struck
    _advance(orders, pointer, top, np.flatnonzero(~open_[top]), open_)
    total = profile.voters
    rounds: list[dict] = []
    eliminated: list[int] = []
    tie_broken = lot_decisive = False
    tally = np.rint(np.bincount(top, weights=weights, minlength=m + 1)).astype(np.int64)
    while True:
        alive = [c for c in range(m) if open_[c]]
        exhausted = int(tally[m])
        continuing = total - exhausted
        record: dict = {
            "tally": {ids[c]: int(tally[c]) for c in alive},
            "exhausted": exhausted,
            "continuing": continuing,
        }
        rounds.append(record)
        leader = max(alive, key=lambda c: tally[c])
        if 2 * tally[leader] > continuing or len(alive) == 1:
            break
        lowest = min(tally[c] for c in alive)
        tied = [c for c in alive if tally[c] == lowest]
        loser = lot.last(tied) if len(tied) > 1 else tied[0]
        if len(tied) > 1:
            tie_broken = True
            others = [int(tally[c]) for c in alive if c not in tied]
            decisive = not others or int(lowest) * len(tied) >= min(others)
            lot_decisive = lot_decisive or decisive
            record["tied_for_last"] = [ids[c] for c in lot.order(tied)]
            record["lot_decisive"] = decisive
        record["eliminated"] = ids[loser]
        open_[loser] = False
        eliminated.append(loser)
        moving = np.flatnonzero(top == loser)
        _advance(orders, pointer, top, moving, open_)
        received = np.rint(
            np.bincount(top[moving], weights=weights[moving], minlength=m + 1)
        ).astype(np.int64)
        record["transfers"] = {ids[c]: int(received[c]) for c in range(m) if open_[c]}
        record["transfers"]["exhausted"] = int(received[m])
        tally += received
        tally[loser] = 0
    # The count stops at a strict majority or a last candidate, so the leader is unique.
    alive = [c for c in range(m) if open_[c]]
    ranking = groups_by(alive, tally, lot) + [[c] for c in reversed(eliminated)]
    return _Runoff(ranking[0][0], rounds, ranking, tie_broken, lot_decisive)


def irv(profile: RankedProfile, lot: Lot, seats: int = 1) -> TallyResult:
    """Instant runoff: eliminate the last-placed candidate until one has a majority.

    The majority is of continuing (not exhausted) ballots.  A tie for last place eliminates
    one candidate, chosen by the published lot.  Truncated ballots exhaust when none of their
    candidates continues; each round reports the exhausted count and the transfers.

    Several seats are filled by sequential IRV (``SEQUENTIAL_IRV``): each count's winner is
    struck from the ballots before the next count; rounds carry the seat they fill.
    """
    ids = list(profile.candidates)
    m = len(ids)
    struck = np.zeros(m, dtype=bool)
    rounds: list[dict] = []
    elected: list[int] = []
    by_lot: list[str] = []
    tie_broken = decided = False
    for seat in range(1, seats + 1):
        count = _runoff(profile, lot, struck)
        tie_broken = tie_broken or count.tie_broken
        # Once the lot may have changed a seat, every later count starts from its choice.
        decided = decided or count.lot_decisive
        if decided:
            by_lot.append(ids[count.winner])
        if seats > 1:
            for record in count.rounds:
                record["seat"] = seat
        rounds.extend(count.rounds)
        elected.append(count.winner)
        struck[count.winner] = True
    ranking = [[ids[c]] for c in elected] + [
        [ids[c] for c in group] for group in count.ranking[1:]
    ]
    return TallyResult(
        method="irv",
        ballots=profile.voters,
        candidates=ids,
        winners=[ids[c] for c in elected],
        ranking=ranking,
        ties=tie_broken,
        scores=None,
        rounds=rounds,
        tie_break=lot.describe(),
        explanation={"majority_of": "continuing ballots", "seats": seats,
                     "seat_rule": SEQUENTIAL_IRV},
        by_lot=by_lot,
    )


def groups_by(indices: list[int], values: np.ndarray, lot: Lot) -> list[list[int]]:
    ordered = sorted(indices, key=lambda c: (-values[c], lot.priority[c]))
    groups: list[list[int]] = []
    for c in ordered:
        if groups and values[groups[-1][0]] == values[c]:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups
