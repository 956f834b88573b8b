"""Ranked-ballot methods: Borda, Schulze, ranked pairs, Copeland, instant runoff, Scottish STV.

Truncated ballots follow the extended strict preference: a ranked candidate beats an
unranked one, and unranked candidates are tied with each other.  Instant runoff and STV need
strict rankings (truncation allowed, no ties on a ballot).

Every method fills any number of seats by a rule it states in ``seat_rule``: the score and
Condorcet methods take the top of their ranking, instant runoff becomes sequential IRV, and
STV is proportional.  The winners the published lot may have placed are listed in ``by_lot``.
"""

from __future__ import annotations

import numpy as np

from .profiles import ProfileError, RankedProfile
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
STV_SEATS = (
    "Scottish STV (SSI 2007/42): Droop quota, weighted inclusive Gregory, transfer values "
    "truncated to 5 decimals.  The seats filled at or after the first tie the lot broke are "
    "listed in by_lot"
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
    ranking = _groups_by(alive, tally, lot) + [[c] for c in reversed(eliminated)]
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


def _groups_by(indices: list[int], values: np.ndarray, lot: Lot) -> list[list[int]]:
    ordered = sorted(indices, key=lambda c: (-values[c], lot.priority[c]))
    groups: list[list[int]] = []
    for c in ordered:
        if groups and values[groups[-1][0]] == values[c]:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


# Scottish STV counts transfer values to five decimal places (SSI 2007/42, rule 48(3)), so
# every ballot value is a whole number of these units and the count is exact in integers.
UNITS = 100_000


class _Pieces:
    """Ballot parcels of an STV count: which ballot row, where on it, whose pile, what value."""

    def __init__(self, orders: np.ndarray, counts: np.ndarray, m: int) -> None:
        self.orders = orders
        self.m = m
        first = orders[:, 0].astype(np.int64)
        keep = (first < m) & (counts > 0)
        self.row = np.flatnonzero(keep)
        self.pointer = np.zeros(self.row.size, dtype=np.int64)
        self.pile = first[keep]
        self.papers = counts[keep].astype(np.int64)
        self.value = self.papers * UNITS

    def totals(self) -> np.ndarray:
        live = self.value > 0
        return (
            np.bincount(self.pile[live], weights=self.value[live], minlength=self.m + 1)[: self.m]
            .round()
            .astype(np.int64)
        )

    def forward(self, chosen: np.ndarray, amounts: np.ndarray, open_: np.ndarray) -> int:
        """Add parcels carrying ``amounts`` from pieces ``chosen`` to their next open preference.

        Returns the units that could not move (no later open preference: non-transferable).
        """
        pointer = self.pointer[chosen].copy()
        row = self.row[chosen]
        top = self.orders[row, pointer].astype(np.int64)
        moving = np.arange(chosen.size)
        flags = np.ones(self.m + 1, dtype=bool)
        flags[: self.m] = open_
        while moving.size:
            pointer[moving] += 1
            nxt = self.orders[row[moving], pointer[moving]].astype(np.int64)
            top[moving] = nxt
            moving = moving[~flags[nxt]]
        goes = (top < self.m) & (amounts > 0)
        self.row = np.concatenate([self.row, row[goes]])
        self.pointer = np.concatenate([self.pointer, pointer[goes]])
        self.pile = np.concatenate([self.pile, top[goes]])
        self.papers = np.concatenate([self.papers, self.papers[chosen][goes]])
        self.value = np.concatenate([self.value, amounts[goes]])
        return int(amounts[~goes].sum())


def stv(profile: RankedProfile, lot: Lot, seats: int) -> TallyResult:
    """Scottish STV (SSI 2007/42), as pref_voting's ``stv_scottish``.

    Integer Droop quota floor(N/(seats+1)) + 1; a surplus moves by the weighted inclusive
    Gregory method with each ballot's transfer value truncated to five decimals; the largest
    surplus goes first; the lowest continuing candidate is excluded and their ballots move at
    their current value.  Ties go to the most recent earlier stage where the tied candidates
    differed, else to the published lot.  When the continuing candidates just fill the
    remaining seats they are all elected.  The seats filled at or after the first tie the
    lot broke are listed in ``by_lot``.
    """
    if seats < 1:
        raise ProfileError("stv needs at least one seat")
    ids = list(profile.candidates)
    m = len(ids)
    pieces = _Pieces(profile.orders(), profile.counts, m)
    quota = profile.voters // (seats + 1) + 1
    quota_units = quota * UNITS
    continuing = np.ones(m, dtype=bool)
    elected: list[int] = []
    elected_groups: list[list[int]] = []
    history = [pieces.totals()]
    rounds: list[dict] = []
    ties = False
    lot_from: int | None = None
    exhausted = 0

    def by_history(tied: list[int], highest: bool) -> int | None:
        for snapshot in reversed(history):
            values = [int(snapshot[c]) for c in tied]
            extreme = max(values) if highest else min(values)
            narrowed = [c for c, v in zip(tied, values, strict=True) if v == extreme]
            if len(narrowed) < len(tied):
                tied = narrowed
                if len(tied) == 1:
                    return tied[0]
        return None

    def choose(tied: list[int], highest: bool) -> int:
        nonlocal ties, lot_from
        if len(tied) == 1:
            return tied[0]
        chosen = by_history(tied, highest)
        if chosen is None:
            ties = True
            if lot_from is None:
                lot_from = len(elected)
            chosen = lot.first(tied) if highest else lot.last(tied)
        return chosen

    def record(action: str, candidate: int | None, **detail) -> None:
        totals = pieces.totals()
        entry = {"action": action}
        if candidate is not None:
            entry["candidate"] = ids[candidate]
        entry.update(detail)
        entry["totals"] = {ids[c]: totals[c] / UNITS for c in range(m) if totals[c] > 0}
        entry["non_transferable"] = exhausted / UNITS
        rounds.append(entry)

    def transfer_surplus(winner: int) -> bool:
        nonlocal exhausted
        total = int(pieces.totals()[winner])
        surplus = total - quota_units
        if surplus <= 0:
            return False
        donors = np.flatnonzero((pieces.pile == winner) & (pieces.value > 0))
        per_paper = pieces.value[donors] // pieces.papers[donors]
        transfer_value = surplus * per_paper // total
        amounts = np.minimum(pieces.papers[donors] * transfer_value, pieces.value[donors])
        if not (amounts > 0).any():
            return False
        pieces.value[donors] -= amounts
        exhausted += pieces.forward(donors, amounts, continuing)
        return True

    record("first preferences", None, quota=quota)
    while len(elected) < seats:
        totals = pieces.totals()
        reached = [c for c in range(m) if continuing[c] and totals[c] >= quota_units]
        if reached:
            reached.sort(key=lambda c: (-totals[c], lot.priority[c]))
            for c in reached:
                continuing[c] = False
                elected.append(c)
            elected_groups.append(reached)
            rounds.append({"action": "elected", "candidates": [ids[c] for c in reached]})
            stuck: set[int] = set()
            while True:
                totals = pieces.totals()
                eligible = [c for c in elected if totals[c] > quota_units and c not in stuck]
                if not eligible:
                    break
                largest = max(totals[c] for c in eligible)
                chosen = choose([c for c in eligible if totals[c] == largest], highest=True)
                if transfer_surplus(chosen):
                    history.append(pieces.totals())
                    record("surplus transferred", chosen)
                    totals = pieces.totals()
                    if any(continuing[c] and totals[c] >= quota_units for c in range(m)):
                        break
                else:
                    stuck.add(chosen)
            if continuing.sum() <= seats - len(elected):
                break
            continue
        surplusing = [c for c in elected if totals[c] > quota_units]
        if surplusing:
            largest = max(totals[c] for c in surplusing)
            chosen = choose([c for c in surplusing if totals[c] == largest], highest=True)
            if transfer_surplus(chosen):
                history.append(pieces.totals())
                record("surplus transferred", chosen)
                continue
        if continuing.sum() <= seats - len(elected):
            break
        open_now = [c for c in range(m) if continuing[c]]
        lowest = min(totals[c] for c in open_now)
        excluded = choose([c for c in open_now if totals[c] == lowest], highest=False)
        continuing[excluded] = False
        moving = np.flatnonzero((pieces.pile == excluded) & (pieces.value > 0))
        amounts = pieces.value[moving].copy()
        pieces.value[moving] = 0
        exhausted += pieces.forward(moving, amounts, continuing)
        history.append(pieces.totals())
        record("excluded", excluded)
    rest = [c for c in range(m) if continuing[c]]
    if len(elected) < seats and rest:
        fill = sorted(rest, key=lambda c: lot.priority[c])
        elected.extend(fill)
        elected_groups.append(fill)
        rounds.append(
            {"action": "elected to fill the last seats", "candidates": [ids[c] for c in fill]}
        )
    drawn = [] if lot_from is None else elected[lot_from:]
    return TallyResult(
        method="stv",
        ballots=profile.voters,
        candidates=ids,
        winners=sorted((ids[c] for c in elected), key=ids.index),
        ranking=[[ids[c] for c in group] for group in elected_groups],
        ties=ties,
        scores=None,
        rounds=rounds,
        tie_break=lot.describe(),
        explanation={
            "seats": seats,
            "quota": quota,
            "rules": "Scottish STV (SSI 2007/42): Droop quota, weighted inclusive Gregory, "
            "transfer values truncated to 5 decimals",
            "seat_rule": STV_SEATS,
        },
        by_lot=sorted((ids[c] for c in drawn), key=ids.index),
    )
