"""Ranked-ballot methods: Borda, Schulze, ranked pairs, Copeland, instant runoff, Scottish STV.

Truncated ballots follow the extended strict preference: a ranked candidate beats an
unranked one, and unranked candidates are tied with each other.  Instant runoff and STV need
strict rankings (truncation allowed, no ties on a ballot).
"""

from __future__ import annotations

import numpy as np

from .profiles import ProfileError, RankedProfile
from .result import TallyResult, ranking_by_score
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


def pairwise(profile: RankedProfile) -> np.ndarray:
    """``support[a, b]``: voters ranking ``a`` strictly above ``b`` (extended strict preference)."""
    m = profile.unranked
    # One contiguous row per candidate makes each pairwise comparison a single SIMD pass.
    by_candidate = np.ascontiguousarray(profile.ranks.T)
    counts = profile.counts
    unit = bool((counts == 1).all())
    weights = counts.astype(np.float64)
    support = np.zeros((m, m), dtype=np.int64)
    for a in range(m):
        for b in range(a + 1, m):
            above = by_candidate[a] < by_candidate[b]
            support[a, b] = np.count_nonzero(above) if unit else int(weights @ above)
            # Both directions are counted: with ties or truncation they need not add up, and
            # a second pass is cheaper than first proving that the ballots are strict.
            below = by_candidate[b] < by_candidate[a]
            support[b, a] = np.count_nonzero(below) if unit else int(weights @ below)
    return support


def _margin_dict(ids: list[str], margins: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        ids[a]: {ids[b]: int(margins[a, b]) for b in range(len(ids)) if b != a}
        for a in range(len(ids))
    }


def _pick(ids: list[str], best: list[int], lot: Lot) -> tuple[list[str], bool]:
    """The single winner among ``best``, by lot when there are several."""
    if len(best) == 1:
        return [ids[best[0]]], False
    return [ids[lot.first(best)]], True


def _top(values: np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(values == values.max())]


def borda(profile: RankedProfile, lot: Lot) -> TallyResult:
    """Borda count; symmetric Borda when any ballot is truncated or has ties (as pref_voting)."""
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
    winners, ties = _pick(ids, _top(scores), lot)
    explanation: dict = {"convention": convention}
    if margins is not None:
        explanation["margins"] = _margin_dict(ids, margins)
    return TallyResult(
        method="borda",
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking_by_score(ids, scores.tolist(), lot.order(range(m))),
        ties=ties,
        scores={ids[c]: int(scores[c]) for c in range(m)},
        rounds=None,
        tie_break=lot.describe(),
        explanation=explanation,
    )


def _condorcet_result(
    method: str,
    profile: RankedProfile,
    lot: Lot,
    margins: np.ndarray,
    winners_idx: list[int],
    ranking: list[list[str]],
    scores: dict[str, int] | None,
    extra: dict,
    tie_broken: bool = False,
) -> TallyResult:
    ids = list(profile.candidates)
    winners, ties = _pick(ids, winners_idx, lot)
    return TallyResult(
        method=method,
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=ties or tie_broken,
        scores=scores,
        rounds=None,
        tie_break=lot.describe(),
        explanation={"convention": TRUNCATION, "margins": _margin_dict(ids, margins), **extra},
    )


def schulze(profile: RankedProfile, lot: Lot) -> TallyResult:
    """Schulze (beat path) on margins: path strength is the weakest margin along the path."""
    ids = list(profile.candidates)
    m = len(ids)
    support = pairwise(profile)
    margins = support - support.T
    strength = np.where(margins > 0, margins, 0)
    for k in range(m):
        strength = np.maximum(strength, np.minimum(strength[:, k : k + 1], strength[k : k + 1, :]))
    np.fill_diagonal(strength, 0)
    beats = strength > strength.T
    unbeaten = [a for a in range(m) if not beats[:, a].any()]
    wins = beats.sum(axis=1)
    return _condorcet_result(
        "schulze",
        profile,
        lot,
        margins,
        unbeaten,
        ranking_by_score(ids, wins.tolist(), lot.order(range(m))),
        {ids[a]: int(wins[a]) for a in range(m)},
        {"path_strengths": _margin_dict(ids, strength)},
    )


def copeland(profile: RankedProfile, lot: Lot) -> TallyResult:
    """Copeland: one point per pairwise win, minus one per pairwise loss (ties score 0)."""
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
        _top(scores),
        ranking_by_score(ids, scores.tolist(), lot.order(range(m))),
        {ids[a]: int(scores[a]) for a in range(m)},
        {},
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


def ranked_pairs(profile: RankedProfile, lot: Lot) -> TallyResult:
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
    sources = [ids.index(c) for c in ranking[0]]
    return _condorcet_result(
        "ranked-pairs",
        profile,
        lot,
        margins,
        sources,
        ranking,
        None,
        {
            "locked": [[ids[a], ids[b]] for a, b in pairs if locked[a, b]],
            "skipped": skipped,
        },
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


def irv(profile: RankedProfile, lot: Lot) -> TallyResult:
    """Instant runoff: eliminate the last-placed candidate until one has a majority.

    The majority is of continuing (not exhausted) ballots.  A tie for last place eliminates
    one candidate, chosen by the published lot.  Truncated ballots exhaust when none of their
    candidates continues; each round reports the exhausted count and the transfers.
    """
    ids = list(profile.candidates)
    m = len(ids)
    orders = profile.orders()
    counts = profile.counts
    weights = counts.astype(np.float64)
    rows = orders.shape[0]
    pointer = np.zeros(rows, dtype=np.int64)
    top = orders[:, 0].astype(np.int64)
    open_ = np.ones(m + 1, dtype=bool)
    total = profile.voters
    rounds: list[dict] = []
    eliminated: list[int] = []
    ties = False
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
            ties = True
            record["tied_for_last"] = [ids[c] for c in lot.order(tied)]
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
    finalists = [[ids[c] for c in group] for group in _groups_by(alive, tally, lot)]
    winners = finalists[0]
    ranking = finalists + [[ids[c]] for c in reversed(eliminated)]
    return TallyResult(
        method="irv",
        ballots=total,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=ties,
        scores=None,
        rounds=rounds,
        tie_break=lot.describe(),
        explanation={"majority_of": "continuing ballots"},
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
    remaining seats they are all elected.
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
        nonlocal ties
        if len(tied) == 1:
            return tied[0]
        chosen = by_history(tied, highest)
        if chosen is None:
            ties = True
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
        },
    )
