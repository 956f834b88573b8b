"""The statistics equal statsmodels' and scipy's, computed separately here on the same data,
and published worked examples."""

import math
import random
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.proportion import proportion_confint

from forums import analysis


def _pairs(seed: int, n: int, options: list, stay: float):
    rng = random.Random(seed)
    pre = {i: rng.choice(options) for i in range(n)}
    post = {i: pre[i] if rng.random() < stay else rng.choice(options) for i in range(n - 3)}
    return pre, post


def test_percent_rounds_halves_up_like_printed_reports():
    assert analysis.percent(25, 91) == 27
    assert analysis.percent(1, 8) == 13
    assert analysis.percent(0, 0) == 0


def test_distribution_counts_respondents_not_ticks():
    answers = {1: ["a"], 2: ["a", "b"], 3: ["c"]}
    shares = analysis.distribution(answers, ["a", "b", "c", "d"])
    assert [shares[o]["count"] for o in "abcd"] == [2, 1, 1, 0]
    assert shares["a"]["percent"] == 67


def test_pairing_and_transition_matrix():
    pre = {1: "a", 2: "a", 3: "b", 4: "b"}
    post = {1: "b", 2: "a", 3: "b", 5: "a"}
    pairing = analysis.pair(pre, post)
    assert pairing.n == 3 and pairing.pre_only == [4] and pairing.post_only == [5]
    assert pairing.attrition == 0.25
    assert analysis.transition_matrix(pre, post, ["a", "b"]) == [[1, 1], [0, 1]]


def _yes_no(both: int, moved_in: int, moved_out: int, neither: int) -> tuple[dict, dict]:
    pre, post = {}, {}
    for name, count, before, after in (("both", both, True, True), ("in", moved_in, False, True),
                                       ("out", moved_out, True, False),
                                       ("neither", neither, False, False)):
        for i in range(count):
            pre[(name, i)], post[(name, i)] = before, after
    return pre, post


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 0), (24, 4), (10, 12), (1, 7), (40, 55)])
def test_mcnemar_exact_equals_statsmodels(b, c):
    pre, post = _yes_no(5, b, c, 0)
    result = analysis.mcnemar(pre, post)
    assert (result["b"], result["c"], result["n"]) == (b, c, b + c + 5)
    assert result["discordant"] == b + c and result["name"] == "McNemar exact"
    # No χ² statistic beside the exact p: they would be two different tests.
    assert "statistic" not in result
    # statsmodels' table: rows before (yes, no), columns after (yes, no).
    expected = sm_mcnemar([[5, c], [b, 0]], exact=True).pvalue
    assert result["p_value"] == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("count", "total"), [(0, 12), (1, 12), (11, 91), (20, 88), (44, 88),
                                              (88, 88), (3, 5), (250, 1000)])
def test_wilson_interval_equals_statsmodels(count, total):
    low, high = analysis.wilson_interval(count, total)
    expected = proportion_confint(count, total, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_wilson_interval_by_hand():
    # 20 of 88: p = 0.2273, z = 1.95996; centre (p + z²/2n)/(1 + z²/n) = 0.2387, half width
    # z·√(p(1−p)/n + z²/4n²)/(1 + z²/n) = 0.0865, worked out by hand: 0.1522 to 0.3251.
    z, n, p = stats.norm.ppf(0.975), 88, 20 / 88
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert analysis.wilson_interval(20, 88) == pytest.approx([centre - half, centre + half])
    assert [round(v, 4) for v in analysis.wilson_interval(20, 88)] == [0.1522, 0.3251]
    assert analysis.wilson_interval(0, 0) is None


def test_newcombe_paired_interval_matches_the_published_example():
    # Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables" (2017), ch. 8:
    # complete response before and after consolidation therapy (Cavo et al. 2012), table
    # [[59, 6], [16, 80]] with the first measurement in the rows; Newcombe's square-and-add
    # interval for the difference of the row and column margins is −0.0621 (−0.1186 to
    # −0.0046). Here "after" takes the rows' place: both 59, moved in 6, moved out 16.
    shift = analysis.paired_difference(59, 6, 16, 80)
    assert round(shift["difference"], 4) == -0.0621
    assert [round(v, 4) for v in shift["ci"]] == [-0.1186, -0.0046]
    assert shift["odds_ratio"] == pytest.approx(6 / 16)
    assert shift["cohens_g"] == pytest.approx(6 / 22 - 0.5)


@pytest.mark.parametrize(("both", "moved_in", "moved_out", "neither"),
                         [(7, 13, 3, 65), (20, 24, 4, 40), (0, 0, 0, 10), (5, 0, 0, 0),
                          (1, 9, 0, 2), (30, 2, 11, 45)])
def test_newcombe_paired_interval_from_statsmodels_wilson_margins(both, moved_in, moved_out,
                                                                  neither):
    # Newcombe (1998), method 10, composed here from statsmodels' Wilson margins.
    n = both + moved_in + moved_out + neither
    after, before = (both + moved_in) / n, (both + moved_out) / n
    l1, u1 = proportion_confint(both + moved_in, n, method="wilson")
    l2, u2 = proportion_confint(both + moved_out, n, method="wilson")
    margins = ((both + moved_in) * (moved_out + neither) * (both + moved_out)
               * (moved_in + neither))
    ad_bc = both * neither - moved_in * moved_out
    numerator = max(ad_bc - n / 2, 0) if ad_bc > 0 else ad_bc
    phi = numerator / math.sqrt(margins) if margins else 0.0
    low = (after - before) - math.sqrt((after - l1) ** 2 - 2 * phi * (after - l1) * (u2 - before)
                                       + (u2 - before) ** 2)
    high = (after - before) + math.sqrt((before - l2) ** 2
                                        - 2 * phi * (before - l2) * (u1 - after)
                                        + (u1 - after) ** 2)
    shift = analysis.paired_difference(both, moved_in, moved_out, neither)
    assert shift["difference"] == pytest.approx(after - before)
    assert shift["ci"] == pytest.approx([max(-1, low), min(1, high)], abs=1e-12)
    assert shift["ci"][0] <= shift["difference"] <= shift["ci"][1]


def test_mcnemar_carries_the_shift_and_its_interval():
    pre, post = _yes_no(7, 13, 3, 65)
    shift = analysis.mcnemar(pre, post)["shift"]
    assert shift["difference"] == pytest.approx(10 / 88)
    assert shift == analysis.paired_difference(7, 13, 3, 65)
    assert shift["method"] == "Newcombe hybrid score (paired)"


@pytest.mark.parametrize(("p_value", "text"), [(3.725e-09, "p < 0.001"), (0.0009999, "p < 0.001"),
                                               (0.001, "p = 0.001"), (0.02127, "p = 0.021"),
                                               (0.5, "p = 0.500"), (1.0, "p = 1.000")])
def test_p_values_are_written_without_exponents(p_value, text):
    assert analysis.format_p(p_value) == text


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stuart_maxwell_equals_the_person_level_formula_and_scipy_chi2(seed):
    options = ["a", "b", "c", "d"]
    pre, post = _pairs(seed, 80, options, stay=0.5)
    matrix = analysis.transition_matrix(pre, post, options)
    result = analysis.stuart_maxwell(matrix)
    # Independent route: sum over people of (e_pre − e_post)(e_pre − e_post)ᵀ.
    index = {o: i for i, o in enumerate(options)}
    vectors = []
    for key in analysis.pair(pre, post).paired:
        x = np.zeros(len(options))
        x[index[pre[key]]] += 1
        x[index[post[key]]] -= 1
        vectors.append(x[:-1])
    vectors = np.array(vectors)
    d = vectors.sum(axis=0)
    expected = float(d @ np.linalg.inv(vectors.T @ vectors) @ d)
    assert result["statistic"] == pytest.approx(expected, rel=1e-9)
    assert result["df"] == 3
    assert result["p_value"] == pytest.approx(stats.chi2.sf(expected, 3), rel=1e-9)
    homogeneity = SquareTable(np.asarray(matrix), shift_zeros=False).homogeneity()
    assert result["statistic"] == pytest.approx(homogeneity.statistic, rel=1e-9)
    assert result["p_value"] == pytest.approx(homogeneity.pvalue, rel=1e-9)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_wilcoxon_with_ties_equals_scipy_normal_approximation(seed):
    rng = random.Random(seed)
    pre = {i: rng.randint(1, 5) for i in range(60)}
    post = {i: min(5, pre[i] + rng.choice([-1, 0, 1, 1, 2])) for i in range(60)}
    result = analysis.wilcoxon_signed_rank(pre, post)
    keys = sorted(pre)
    expected = stats.wilcoxon([post[k] for k in keys], [pre[k] for k in keys], method="approx")
    assert result["method"] == "approx"
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    # Matched-pairs rank-biserial correlation from the rank sums, counted by hand.
    differences = [post[k] - pre[k] for k in keys if post[k] != pre[k]]
    ranks = stats.rankdata([abs(d) for d in differences])
    plus = sum(r for r, d in zip(ranks, differences, strict=True) if d > 0)
    assert result["rank_biserial"] == pytest.approx((2 * plus - ranks.sum()) / ranks.sum())


def test_wilcoxon_without_ties_equals_scipy_exact():
    pre = {i: 0.0 for i in range(12)}
    post = {i: d for i, d in enumerate([1.5, -0.2, 3.1, 2.2, -1.1, 4.0, 0.7, 2.9, -0.4, 1.8,
                                        5.2, 0.3])}
    result = analysis.wilcoxon_signed_rank(pre, post)
    expected = stats.wilcoxon([post[i] for i in range(12)], method="exact")
    assert result["method"] == "exact"
    assert result["statistic"] == expected.statistic
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-12)


def test_holm_adjustment():
    assert analysis.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert analysis.holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    assert analysis.holm([]) == []


def test_breakdown_by_group():
    groups = {1: "t1", 2: "t1", 3: "t2"}
    pre = {1: ["a"], 2: ["b"], 3: ["a"]}
    post = {1: ["a"], 2: ["a"]}
    result = analysis.breakdown(groups, pre, post, ["a", "b"])
    assert result["t1"]["post"]["a"]["percent"] == 100 and result["t1"]["pre_n"] == 2
    assert result["t2"]["post_n"] == 0


def test_analysis_imports_without_flask():
    code = "import sys, forums.analysis; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(("word", "particle"), [("부족", "을"), ("강화", "를"), ("거버넌스", "를"),
                                                ("협치 교육", "을"), ("ESG", "을(를)"),
                                                ("2027", "을(를)"), ("", "을(를)")])
def test_object_particle_follows_the_last_syllable(word, particle):
    from forums.report import object_particle

    assert object_particle(word) == particle
