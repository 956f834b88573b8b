"""Opinion-shift statistics for a forum's pre and post polls: pure functions on plain data.

Participants are keys (any hashable); answers are option keys. Nothing here touches Flask
or the database, so the figures can be checked against scipy on the same numbers.
"""

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def percent(count: int, total: int) -> int:
    """A whole percentage, halves rounded up as in printed reports (12.5 → 13)."""
    if not total:
        return 0
    return math.floor(100 * count / total + 0.5)


# --- distributions -------------------------------------------------------------------------

def distribution(answers: Mapping[Hashable, Iterable[Hashable]],
                 options: Sequence[Hashable]) -> dict[Hashable, dict]:
    """Per option: how many respondents picked it and their share of all respondents.

    ``answers`` maps a participant to the options they picked (one for single choice,
    several for multiple choice), so shares of a multiple-choice question can sum past 100.
    """
    respondents = len(answers)
    counts = Counter(option for picked in answers.values() for option in set(picked))
    return {option: {"count": counts[option], "share": counts[option] / respondents
                     if respondents else 0.0, "percent": percent(counts[option], respondents)}
            for option in options}


@dataclass(frozen=True)
class Pairing:
    """Who answered before and after: the paired keys and those lost on either side."""

    paired: list
    pre_only: list
    post_only: list

    @property
    def n(self) -> int:
        return len(self.paired)

    @property
    def attrition(self) -> float:
        """Share of pre respondents who did not answer afterwards."""
        started = len(self.paired) + len(self.pre_only)
        return len(self.pre_only) / started if started else 0.0


def pair(pre: Mapping, post: Mapping) -> Pairing:
    both = sorted(set(pre) & set(post), key=repr)
    return Pairing(both, sorted(set(pre) - set(post), key=repr),
                   sorted(set(post) - set(pre), key=repr))


def transition_matrix(pre: Mapping, post: Mapping, options: Sequence) -> list[list[int]]:
    """Rows: answer before; columns: answer after; among people who answered both."""
    index = {option: i for i, option in enumerate(options)}
    matrix = [[0] * len(options) for _ in options]
    for key in pair(pre, post).paired:
        matrix[index[pre[key]]][index[post[key]]] += 1
    return matrix


def breakdown(groups: Mapping, pre: Mapping, post: Mapping, options: Sequence) -> dict:
    """Pre and post distributions within each group (a table, an age band...)."""
    result = {}
    for group in sorted({g for g in groups.values() if g is not None}, key=repr):
        members = {key for key, g in groups.items() if g == group}
        result[group] = {
            "pre": distribution({k: v for k, v in pre.items() if k in members}, options),
            "post": distribution({k: v for k, v in post.items() if k in members}, options),
            "pre_n": sum(1 for k in pre if k in members),
            "post_n": sum(1 for k in post if k in members),
        }
    return result


# --- tests ---------------------------------------------------------------------------------

def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided p for ``k`` successes in ``n`` fair coin flips (doubling the smaller
    tail, which for p = 1/2 equals summing all outcomes no likelier than ``k``)."""
    if n == 0:
        return 1.0
    low = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(low + 1))
    return min(1.0, 2 * tail / 2 ** n)


def mcnemar(pre: Mapping[Hashable, bool], post: Mapping[Hashable, bool]) -> dict:
    """McNemar's test on paired yes/no answers, with the exact binomial p-value.

    ``b`` counts no→yes, ``c`` yes→no; only people who changed carry information, so with
    few changers the exact test is the right one, and it stays valid with many.
    """
    paired = pair(pre, post).paired
    b = sum(1 for k in paired if not pre[k] and post[k])
    c = sum(1 for k in paired if pre[k] and not post[k])
    changed = b + c
    statistic = (abs(b - c) - 1) ** 2 / changed if changed else 0.0
    return {"n": len(paired), "b": b, "c": c, "statistic": statistic,
            "p_value": binomial_two_sided(min(b, c), changed)}


def stuart_maxwell(matrix: Sequence[Sequence[int]]) -> dict:
    """Stuart–Maxwell test of marginal homogeneity for a k×k transition matrix.

    Categories nobody chose before or after are dropped (they make the covariance
    singular); one more is dropped because the margins' differences sum to zero.
    """
    table = np.asarray(matrix, dtype=float)
    used = [i for i in range(len(table)) if table[i, :].sum() + table[:, i].sum() > 0]
    table = table[np.ix_(used, used)]
    k = len(used)
    if k < 2:
        return {"statistic": 0.0, "df": 0, "p_value": 1.0}
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    d = (rows - cols)[:-1]
    covariance = -(table + table.T)[:-1, :-1]
    np.fill_diagonal(covariance, (rows + cols - 2 * np.diag(table))[:-1])
    try:
        statistic = float(d @ np.linalg.solve(covariance, d))
    except np.linalg.LinAlgError:
        statistic = float(d @ np.linalg.pinv(covariance) @ d)
    df = k - 1
    return {"statistic": statistic, "df": df, "p_value": chi2_sf(statistic, df)}


def wilcoxon_signed_rank(pre: Mapping[Hashable, float], post: Mapping[Hashable, float]) -> dict:
    """Wilcoxon signed-rank test on paired scores (post − pre), zero differences dropped.

    Exact null distribution when there are no ties and at most 50 pairs; otherwise the
    normal approximation with the tie correction (as scipy's ``method='approx'``).
    """
    differences = [post[k] - pre[k] for k in pair(pre, post).paired]
    nonzero = [d for d in differences if d != 0]
    n = len(nonzero)
    if n == 0:
        return {"n": 0, "statistic": 0.0, "p_value": 1.0, "method": "none"}
    ranks = _average_ranks([abs(d) for d in nonzero])
    r_plus = sum(r for r, d in zip(ranks, nonzero, strict=True) if d > 0)
    r_minus = sum(r for r, d in zip(ranks, nonzero, strict=True) if d < 0)
    statistic = min(r_plus, r_minus)
    ties = Counter(abs(d) for d in nonzero)
    if n <= 50 and all(t == 1 for t in ties.values()):
        p_value = min(1.0, 2 * _signed_rank_cdf(int(statistic), n))
        method = "exact"
    else:
        mean = n * (n + 1) / 4
        variance = n * (n + 1) * (2 * n + 1) / 24
        variance -= sum(t ** 3 - t for t in ties.values()) / 48
        z = (statistic - mean) / math.sqrt(variance) if variance > 0 else 0.0
        p_value = min(1.0, 2 * normal_sf(abs(z)))
        method = "approx"
    return {"n": n, "statistic": float(statistic), "p_value": p_value, "method": method,
            "mean_shift": sum(differences) / len(differences)}


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment, returned in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for step, i in enumerate(order):
        running = max(running, min(1.0, (m - step) * p_values[i]))
        adjusted[i] = running
    return adjusted


# --- distributions' tails ------------------------------------------------------------------

def normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-square distribution: the regularized upper gamma Q(df/2, x/2)."""
    if x <= 0:
        return 1.0
    return _gamma_q(df / 2, x / 2)


def _gamma_q(a: float, x: float) -> float:
    if x < a + 1:
        # Series for the lower function P converges quickly here.
        term = total = 1 / a
        denominator = a
        for _ in range(1000):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1 - total * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    # Continued fraction (modified Lentz) for Q itself.
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for position in range(i, j + 1):
            ranks[order[position]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _signed_rank_cdf(statistic: int, n: int) -> float:
    """P(W ≤ statistic) for the signed-rank sum of ``n`` untied ranks under the null."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for rank in range(1, n + 1):
        for total in range(len(counts) - 1, rank - 1, -1):
            counts[total] += counts[total - rank]
    return sum(counts[: statistic + 1]) / 2 ** n


def representativeness(sample: Mapping[Hashable, int],
                       population: Mapping[Hashable, int]) -> dict:
    """How far the room's make-up is from the district's, for one demographic dimension.

    ``population`` gives residents per category (its order is kept); ``sample`` the
    participants per category. Participants in categories the population does not list
    are reported as ``outside`` and left out of the test. The test is Pearson's chi-square
    goodness of fit against the population shares (what scipy.stats.chisquare computes with
    expected counts scaled to the sample).
    """
    categories = list(population)
    residents = sum(population.values())
    counted = sum(sample.get(c, 0) for c in categories)
    rows, statistic, df = [], 0.0, -1
    for category in categories:
        observed = sample.get(category, 0)
        share = population[category] / residents if residents else 0.0
        expected = counted * share
        if expected > 0:
            statistic += (observed - expected) ** 2 / expected
            df += 1
        rows.append({
            "category": category,
            "participants": observed,
            "participant_share": observed / counted if counted else 0.0,
            "population_share": share,
            "difference_points": ((observed / counted if counted else 0.0) - share) * 100,
            "expected": expected,
        })
    outside = sum(n for c, n in sample.items() if c not in population)
    test = None
    if counted and df >= 1:
        test = {"name": "chi-square goodness of fit", "statistic": statistic, "df": df,
                "p_value": chi2_sf(statistic, df)}
    return {"participants": counted, "outside": outside, "residents": residents,
            "rows": rows, "test": test}
