"""Opinion-shift statistics for a forum's pre and post polls: pure functions on plain data.

Participants are keys (any hashable); answers are option keys. Nothing here touches Flask
or the database. Distributions and exact tests come from scipy.stats; the tests check the
figures against statsmodels and published worked examples.
"""

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


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


# --- intervals and effect sizes -------------------------------------------------------------

CONFIDENCE = 0.95


def wilson_interval(count: int, total: int, confidence: float = CONFIDENCE) -> list[float] | None:
    """Wilson score interval for a share ``count / total``; None when nobody answered.

    Wilson rather than the textbook normal interval because forum shares are often near 0
    or 1 with a few dozen people, where the normal interval leaves [0, 1] or is too narrow.
    """
    if total == 0:
        return None
    found = stats.binomtest(count, total).proportion_ci(confidence, method="wilson")
    return [float(found.low), float(found.high)]


def paired_difference(both: int, moved_in: int, moved_out: int, neither: int,
                      confidence: float = CONFIDENCE) -> dict | None:
    """Change in a yes/no share among the same people (after − before), with Newcombe's
    hybrid score interval for paired data (Newcombe 1998, method 10).

    The interval combines the Wilson intervals of the two margins with the correlation of
    the before and after answers (φ, corrected towards zero by n/2 as Newcombe does), so it
    narrows when people mostly keep their answer. ``both`` said yes twice, ``moved_in`` no
    then yes, ``moved_out`` yes then no, ``neither`` no twice.
    """
    n = both + moved_in + moved_out + neither
    if n == 0:
        return None
    after, before = (both + moved_in) / n, (both + moved_out) / n
    low_after, high_after = wilson_interval(both + moved_in, n, confidence)
    low_before, high_before = wilson_interval(both + moved_out, n, confidence)
    margins = ((both + moved_in) * (moved_out + neither) * (both + moved_out)
               * (moved_in + neither))
    cross = both * neither - moved_in * moved_out
    if cross > n / 2:
        corrected = cross - n / 2
    elif cross < 0:
        corrected = cross
    else:
        corrected = 0.0
    phi = corrected / math.sqrt(margins) if margins else 0.0
    down_after, up_before = after - low_after, high_before - before
    down_before, up_after = before - low_before, high_after - after
    difference = after - before
    low = difference - math.sqrt(max(0.0, down_after ** 2 - 2 * phi * down_after * up_before
                                     + up_before ** 2))
    high = difference + math.sqrt(max(0.0, down_before ** 2 - 2 * phi * down_before * up_after
                                      + up_after ** 2))
    changed = moved_in + moved_out
    return {"difference": difference, "ci": [max(-1.0, low), min(1.0, high)],
            "method": "Newcombe hybrid score (paired)",
            # Cohen's g: how far the changers lean one way, 0 when they cancel out.
            "cohens_g": moved_in / changed - 0.5 if changed else 0.0,
            "odds_ratio": moved_in / moved_out if moved_out else None}


# --- tests ---------------------------------------------------------------------------------

def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided p for ``k`` successes in ``n`` fair coin flips."""
    if n == 0:
        return 1.0
    return float(stats.binomtest(k, n, 0.5).pvalue)


def mcnemar(pre: Mapping[Hashable, bool], post: Mapping[Hashable, bool]) -> dict:
    """McNemar's exact test on paired yes/no answers, with the shift's interval.

    ``b`` counts no→yes, ``c`` yes→no; only people who changed carry information, so the
    p-value is the exact binomial one on the ``b + c`` changers, right with few of them and
    still valid with many. No χ² statistic is given: the exact test has none, and pairing a
    continuity-corrected χ² with the exact p would describe two different tests.
    """
    paired = pair(pre, post).paired
    b = sum(1 for k in paired if not pre[k] and post[k])
    c = sum(1 for k in paired if pre[k] and not post[k])
    both = sum(1 for k in paired if pre[k] and post[k])
    return {"name": "McNemar exact", "n": len(paired), "b": b, "c": c, "discordant": b + c,
            "p_value": binomial_two_sided(min(b, c), b + c),
            "shift": paired_difference(both, b, c, len(paired) - b - c - both)}


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
        return {"name": "Stuart–Maxwell", "statistic": 0.0, "df": 0, "p_value": 1.0}
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    d = (rows - cols)[:-1]
    covariance = -(table + table.T)[:-1, :-1]
    np.fill_diagonal(covariance, (rows + cols - 2 * np.diag(table))[:-1])
    try:
        statistic = float(d @ np.linalg.solve(covariance, d))
    except np.linalg.LinAlgError:
        statistic = float(d @ np.linalg.pinv(covariance) @ d)
    df = k - 1
    return {"name": "Stuart–Maxwell", "statistic": statistic, "df": df,
            "p_value": float(stats.chi2.sf(statistic, df))}


def wilcoxon_signed_rank(pre: Mapping[Hashable, float], post: Mapping[Hashable, float]) -> dict:
    """Wilcoxon signed-rank test on paired scores (post − pre), zero differences dropped.

    Exact null distribution when there are no ties and at most 50 pairs; otherwise the
    normal approximation with the tie correction. The effect size is the matched-pairs
    rank-biserial correlation: +1 when everyone who moved moved up, −1 when all moved down.
    """
    differences = [post[k] - pre[k] for k in pair(pre, post).paired]
    nonzero = [d for d in differences if d != 0]
    n = len(nonzero)
    if n == 0:
        return {"name": "Wilcoxon signed-rank", "n": 0, "statistic": 0.0, "p_value": 1.0,
                "method": "none", "rank_biserial": 0.0,
                "mean_shift": sum(differences) / len(differences) if differences else 0.0}
    ranks = stats.rankdata([abs(d) for d in nonzero])
    r_plus = float(sum(r for r, d in zip(ranks, nonzero, strict=True) if d > 0))
    r_minus = float(sum(r for r, d in zip(ranks, nonzero, strict=True) if d < 0))
    untied = len(set(map(abs, nonzero))) == n
    method = "exact" if untied and n <= 50 else "approx"
    result = stats.wilcoxon(nonzero, method=method)
    return {"name": "Wilcoxon signed-rank", "n": n, "statistic": float(result.statistic),
            "p_value": float(result.pvalue), "method": method,
            "rank_biserial": (r_plus - r_minus) / (r_plus + r_minus),
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


def format_p(p_value: float) -> str:
    """A p-value as a reader sees it: three decimals, and "p < 0.001" below that, never
    an exponent."""
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {min(p_value, 1.0):.3f}"


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
        p_value = float(stats.chi2.sf(statistic, df))
        test = {"name": "chi-square goodness of fit", "statistic": statistic, "df": df,
                "p_value": p_value, "p_text": format_p(p_value)}
    return {"participants": counted, "outside": outside, "residents": residents,
            "rows": rows, "test": test}
