"""Approval and points counts, and the participatory budgeting rules greedy and MES."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .profiles import ApprovalProfile, PointsProfile, ProfileError
from .result import TallyResult, ranking_by_score, seats_from_ranking
from .ties import Lot

SEATS_BY_SCORE = (
    "the seats go to the highest totals in order; candidates level at the last seat are drawn "
    "by the published lot, and the seats so filled are listed in by_lot"
)
GREEDY_LOT = (
    "a project is listed in by_lot when it was funded from a group of equal scores the budget "
    "could not take whole, or funded after one (the lot changed the budget left)"
)
MES_LOT = (
    "a project is listed in by_lot when it was bought at or after the first step where the lot "
    "chose between projects of equal price"
)
# How MES spends what its equal shares leave over.
COMPLETIONS = {
    "none": "none: the raw Method of Equal Shares outcome",
    "add1": "add1: raise every voter's share by one unit and count again, while the outcome "
            "stays within the budget; the last outcome within it stands",
    "greedy": "greedy: after the raw outcome, fund the remaining projects by number of "
              "supporters (equal numbers in lot order), skipping any that no longer fits",
}

# Relative tolerance for comparing MES prices computed in floating point: two prices closer
# than this are the same price (a tie), and a budget this close to a cost covers it.  The
# official Świecie and Wieliczka outcomes and pabutools' exact rational MES agree with it.
TOLERANCE = 1e-9


def _scores(profile: ApprovalProfile | PointsProfile) -> np.ndarray:
    matrix = profile.approvals if isinstance(profile, ApprovalProfile) else profile.points
    weights = profile.counts.astype(np.float64)
    return np.rint(weights @ matrix.astype(np.float64)).astype(np.int64)


def top_scores(profile: ApprovalProfile | PointsProfile, lot: Lot, seats: int) -> TallyResult:
    """Approval or points count: the ``seats`` candidates with the most approvals or points."""
    if seats < 1:
        raise ProfileError("at least one seat is needed")
    method = "approval" if isinstance(profile, ApprovalProfile) else "points"
    ids = list(profile.candidates)
    scores = _scores(profile)
    ranking = ranking_by_score(ids, scores.tolist(), lot.order(range(len(ids))))
    # Each group is in lot order, so the first ones drawn take the seats left.
    winners, by_lot = seats_from_ranking(ranking, seats)
    return TallyResult(
        method=method,
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=bool(by_lot),
        scores={ids[c]: int(scores[c]) for c in range(len(ids))},
        rounds=None,
        tie_break=lot.describe(),
        explanation={"seats": seats, "seat_rule": SEATS_BY_SCORE},
        by_lot=by_lot,
    )


def _unspent(ids: list[str], costs: np.ndarray, support: np.ndarray, funded: set[int],
             limit: int, cost: int) -> dict:
    """What the outcome leaves of the budget, and the supported projects not funded that
    would still fit in it (the ground for a notice to the public)."""
    left = limit - cost
    fits = [ids[c] for c in range(len(ids))
            if c not in funded and support[c] > 0 and costs[c] <= left]
    return {"unspent": left, "unfunded_that_fit": fits}


def _budget_of(
    profile: ApprovalProfile | PointsProfile, budget: int | None
) -> tuple[np.ndarray, int]:
    if profile.costs is None:
        raise ProfileError("budgeting methods need project costs")
    chosen = profile.budget if budget is None else budget
    if chosen is None:
        raise ProfileError("budgeting methods need a budget")
    if chosen < 0:
        raise ProfileError("the budget must not be negative")
    return profile.costs, int(chosen)


def greedy(
    profile: ApprovalProfile | PointsProfile, lot: Lot, budget: int | None = None
) -> TallyResult:
    """Greedy by votes (approvals) or by points: take projects from the most supported down,
    skip any that no longer fits the remaining budget, and go on.

    Equal scores are taken in lot order; ``ties`` is set when such a group had both funded and
    skipped projects, since only then could another order change the outcome.
    """
    costs, limit = _budget_of(profile, budget)
    ids = list(profile.candidates)
    scores = _scores(profile)
    ranking = ranking_by_score(ids, scores.tolist(), lot.order(range(len(ids))))
    index = {c: i for i, c in enumerate(ids)}
    remaining = limit
    rounds: list[dict] = []
    winners: list[str] = []
    by_lot: list[str] = []
    ties = False
    for group in ranking:
        funded_in_group = []
        for project in group:
            cost = int(costs[index[project]])
            funded = cost <= remaining
            if funded:
                remaining -= cost
                winners.append(project)
                if ties:
                    by_lot.append(project)
            funded_in_group.append(funded)
            rounds.append(
                {
                    "project": project,
                    "score": int(scores[index[project]]),
                    "cost": cost,
                    "funded": funded,
                    "spent": limit - remaining,
                    "remaining": remaining,
                }
            )
        if len(group) > 1 and any(funded_in_group) and not all(funded_in_group):
            if not ties:
                by_lot.extend(p for p, f in zip(group, funded_in_group, strict=True) if f)
            ties = True
    return TallyResult(
        method="greedy",
        ballots=profile.voters,
        candidates=ids,
        winners=winners,
        ranking=ranking,
        ties=ties,
        scores={ids[c]: int(scores[c]) for c in range(len(ids))},
        rounds=rounds,
        tie_break=lot.describe(),
        explanation={
            "budget": limit,
            "cost": limit - remaining,
            "order": "by votes" if isinstance(profile, ApprovalProfile) else "by points",
            **_unspent(ids, costs, scores, {index[p] for p in winners}, limit,
                       limit - remaining),
            "lot_rule": GREEDY_LOT,
        },
        by_lot=sorted(by_lot, key=index.__getitem__),
    )


@dataclass
class _Supporters:
    """For each project, the ballot rows approving it (a compressed column layout)."""

    rows: list[np.ndarray]
    weights: list[np.ndarray]
    total: np.ndarray

    @classmethod
    def of(cls, profile: ApprovalProfile) -> _Supporters:
        counts = profile.counts
        rows, weights = [], []
        for c in range(len(profile.candidates)):
            r = np.flatnonzero(profile.approvals[:, c] & (counts > 0))
            rows.append(r)
            weights.append(counts[r].astype(np.float64))
        total = np.array([w.sum() for w in weights])
        return cls(rows, weights, total)


@dataclass
class _Outcome:
    selected: list[int]
    cost: int
    rounds: list[dict]
    ties: bool
    # Index into ``selected`` of the first project bought after the lot chose (None: never).
    lot_from: int | None = None


def _price(balance: np.ndarray, weights: np.ndarray, total: float, cost: float) -> float:
    """The smallest per-voter payment cap ``alpha`` with sum(min(balance, alpha)) = cost."""
    even = cost / total
    if balance.min() >= even * (1 - TOLERANCE):
        return even
    order = np.argsort(balance, kind="stable")
    b = balance[order]
    w = weights[order]
    paid_before = np.concatenate(([0.0], np.cumsum(w * b)[:-1]))
    still_paying = total - np.concatenate(([0.0], np.cumsum(w)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (cost - paid_before) / still_paying
    fits = np.flatnonzero(alpha <= b * (1 + TOLERANCE))
    return float(alpha[fits[0]])


def _equal_shares(
    supporters: _Supporters,
    costs: np.ndarray,
    rows: int,
    share: float,
    lot: Lot,
    row_weights: np.ndarray,
) -> _Outcome:
    """One run of MES with cost utilities: every voter starts with ``share``.

    With cost utilities a project's price per unit of utility is ``alpha / cost`` where alpha
    is the most any supporter pays; the project with the lowest such price is bought next.
    Prices only rise as voters spend, so the last computed price is a lower bound that lets
    most projects be skipped each round.
    """
    balance = np.full(rows, share, dtype=np.float64)
    open_projects = [c for c in range(costs.size) if supporters.total[c] > 0 and costs[c] > 0]
    bound = {c: 1.0 / supporters.total[c] for c in open_projects}
    selected: list[int] = []
    rounds: list[dict] = []
    ties = False
    lot_from: int | None = None
    spent = 0
    while open_projects:
        open_projects.sort(key=lambda c: bound[c])
        best = np.inf
        tied: list[int] = []
        payments: dict[int, float] = {}
        unaffordable: list[int] = []
        for c in open_projects:
            if bound[c] > best * (1 + TOLERANCE):
                break
            idx = supporters.rows[c]
            mine = balance[idx]
            weights = supporters.weights[c]
            cost = float(costs[c])
            if weights @ mine < cost * (1 - TOLERANCE):
                unaffordable.append(c)
                continue
            alpha = _price(mine, weights, supporters.total[c], cost)
            rho = alpha / cost
            bound[c] = rho
            payments[c] = alpha
            if rho < best * (1 - TOLERANCE):
                best, tied = rho, [c]
            elif rho <= best * (1 + TOLERANCE):
                tied.append(c)
        for c in unaffordable:
            open_projects.remove(c)
        if not tied:
            break
        chosen = lot.first(tied) if len(tied) > 1 else tied[0]
        ties = ties or len(tied) > 1
        if ties and lot_from is None:
            lot_from = len(selected)
        alpha = payments[chosen]
        idx = supporters.rows[chosen]
        mine = balance[idx]
        balance[idx] = np.where(mine <= alpha * (1 + TOLERANCE), 0.0, mine - alpha)
        open_projects.remove(chosen)
        selected.append(chosen)
        spent += int(costs[chosen])
        rounds.append(
            {
                "project": chosen,
                "cost": int(costs[chosen]),
                "max_payment": alpha,
                "price_per_unit": best,
                "supporters": int(supporters.total[chosen]),
                "tied_with": [c for c in tied if c != chosen],
                "voter_budget_left": float(balance @ row_weights),
            }
        )
    return _Outcome(selected, spent, rounds, ties, lot_from)


def _greedy_completion(outcome: _Outcome, supporters: _Supporters, costs: np.ndarray,
                       limit: int, lot: Lot) -> _Outcome:
    """``outcome`` with the budget it leaves spent greedily: supported projects by number of
    supporters, equal numbers in lot order, each bought when it still fits."""
    selected = list(outcome.selected)
    rounds = list(outcome.rounds)
    spent = outcome.cost
    ties = outcome.ties
    lot_from = outcome.lot_from
    bought = set(selected)
    rest = [c for c in range(costs.size) if c not in bought and supporters.total[c] > 0]
    groups: dict[float, list[int]] = {}
    for c in lot.order(rest):
        groups.setdefault(float(supporters.total[c]), []).append(c)
    for support in sorted(groups, reverse=True):
        first = len(selected)
        funded = []
        for c in groups[support]:
            fits = spent + int(costs[c]) <= limit
            funded.append(fits)
            if fits:
                selected.append(c)
                spent += int(costs[c])
                rounds.append({"project": c, "cost": int(costs[c]), "supporters": int(support),
                               "tied_with": [], "completion": "greedy"})
        # The lot order mattered only where equal support was partly left out.
        if any(funded) and not all(funded):
            ties = True
            if lot_from is None:
                lot_from = first
    return _Outcome(selected, spent, rounds, ties, lot_from)


def completion_unit(share: float) -> int:
    """How much add1 raises each voter's share per step: one currency unit while a share is
    below 1,000 units (every real MES election so far: złoty, euro, dollar), otherwise the
    power of ten that keeps a share under 1,000 steps (a budget in won split among a few
    hundred voters would otherwise take millions of counts)."""
    if share <= 1000:
        return 1
    return 10 ** (math.ceil(math.log10(share)) - 3)


def mes(
    profile: ApprovalProfile, lot: Lot, budget: int | None = None, completion: str = "add1"
) -> TallyResult:
    """Method of Equal Shares for approval ballots with cost utilities, and its completion.

    Every voter gets an equal share of the budget and pays for approved projects; a project is
    bought when its supporters can cover the cost, lowest price per unit of utility first.
    ``completion`` (``COMPLETIONS``) says what happens to the money the shares leave:
    ``"add1"`` (as in the real MES elections) raises every voter's share by one unit and
    counts again, while the outcome stays within the budget, the last outcome within it
    standing (the unit is one currency unit for shares up to 1,000, see
    ``completion_unit``); ``"greedy"`` spends the rest greedily by number of supporters;
    ``"none"`` gives the raw MES outcome.  ``unfunded_that_fit`` names the supported projects
    left out although they fit in what is unspent.
    """
    if completion not in COMPLETIONS:
        raise ProfileError(f"unknown MES completion {completion!r}; choose one of "
                           f"{', '.join(COMPLETIONS)}")
    costs, limit = _budget_of(profile, budget)
    ids = list(profile.candidates)
    voters = profile.voters
    if voters == 0:
        raise ProfileError("mes needs at least one voter")
    supporters = _Supporters.of(profile)
    rows = profile.approvals.shape[0]
    fundable = {c for c in range(len(ids)) if supporters.total[c] > 0 and costs[c] > 0}
    row_weights = profile.counts.astype(np.float64)
    steps = 0
    unit = completion_unit(limit / voters)
    final = _equal_shares(supporters, costs, rows, limit / voters, lot, row_weights)
    # Once every fundable project is in, a larger share cannot change the outcome.
    while completion == "add1" and set(final.selected) != fundable:
        trial = _equal_shares(supporters, costs, rows, limit / voters + (steps + 1) * unit, lot,
                              row_weights)
        if trial.cost > limit:
            break
        steps += 1
        final = trial
    share = limit / voters + steps * unit
    if completion == "greedy":
        final = _greedy_completion(final, supporters, costs, limit, lot)
    rounds = [
        {**r, "project": ids[r["project"]], "tied_with": [ids[c] for c in r["tied_with"]]}
        for r in final.rounds
    ]
    return TallyResult(
        method="mes",
        ballots=voters,
        candidates=ids,
        winners=sorted((ids[c] for c in final.selected), key=ids.index),
        ranking=[[ids[c]] for c in final.selected],
        ties=final.ties,
        scores=None,
        rounds=rounds,
        tie_break=lot.describe(),
        explanation={
            "budget": limit,
            "cost": final.cost,
            "utilities": "cost (a supporter's utility is the project's cost)",
            "completion": completion,
            "completion_rule": COMPLETIONS[completion],
            "add1_steps": steps,
            "add1_unit": unit,
            "voter_share": share,
            **_unspent(ids, costs, supporters.total, set(final.selected), limit, final.cost),
            "lot_rule": MES_LOT,
        },
        by_lot=sorted((ids[c] for c in final.selected[final.lot_from:])
                      if final.lot_from is not None else [], key=ids.index),
    )
