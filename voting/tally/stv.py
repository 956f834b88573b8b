"""Scottish STV: several seats filled proportionally from ranked ballots (strict rankings,
truncation allowed), counted exactly in integer units."""

from __future__ import annotations

import numpy as np

from .profiles import ProfileError, RankedProfile
from .result import TallyResult
from .ties import Lot

STV_SEATS = (
    "Scottish STV (SSI 2007/42): Droop quota, weighted inclusive Gregory, transfer values "
    "truncated to 5 decimals.  The seats filled at or after the first tie the lot broke are "
    "listed in by_lot"
)


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
