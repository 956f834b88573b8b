"""The statistics equal scipy's on the same data."""

import random

import numpy as np
import pytest
from scipy import stats

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


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 0), (24, 4), (10, 12), (1, 7), (40, 55)])
def test_mcnemar_exact_equals_scipy_binomial_test(b, c):
    pre, post = {}, {}
    for i in range(b):
        pre[("b", i)], post[("b", i)] = False, True
    for i in range(c):
        pre[("c", i)], post[("c", i)] = True, False
    for i in range(5):
        pre[("s", i)], post[("s", i)] = True, True
    result = analysis.mcnemar(pre, post)
    assert (result["b"], result["c"], result["n"]) == (b, c, b + c + 5)
    expected = 1.0 if b + c == 0 else stats.binomtest(min(b, c), b + c, 0.5).pvalue
    assert result["p_value"] == pytest.approx(expected, rel=1e-12, abs=1e-300)


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


@pytest.mark.parametrize(("x", "df"), [(0.5, 1), (3.84, 1), (12.0, 3), (40.0, 5), (150.0, 2),
                                       (7.3, 4), (0.01, 6)])
def test_chi_square_tail_equals_scipy(x, df):
    assert analysis.chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-10)


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
