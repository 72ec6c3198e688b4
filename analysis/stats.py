"""Small statistical building blocks shared by metrics, drivers and the pain-point ranking.

Pure functions on plain numbers: no pandas, no ORM. Every test returns its p-value and the name
of the test, so a report can say how a difference was judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as sps

# Below this expected count in any cell of a 2x2 table the normal approximation of the
# two-proportion z-test is poor; Fisher's exact test is used instead.
MIN_EXPECTED_FOR_Z = 5.0

# ``fisher_greater_not_below``: how far past the observed count the tail's terms are summed (in
# standard deviations of the count), and the relative margin its lower bounds must clear.
TAIL_TERMS_SD = 3.0
_TAIL_MARGIN = 1e-6


@dataclass(frozen=True)
class TestResult:
    """A p-value together with the test that produced it."""

    p_value: float | None
    test: str


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level (0.95 -> 1.959964)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    # scipy.special's quantile directly: what sps.norm.ppf computes, without its per-call checks
    return float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial share; (0.0, 1.0) when n is 0.

    8 successes out of 10 at 95 % give (0.4902, 0.9433).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    z = z_value(confidence)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 or n successes the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval (method 10) for the difference x1/n1 - x2/n2, from each
    side's Wilson interval; None when either side is empty.

    20 of 200 against 40 of 200 at 95 % give (-0.1699, -0.0300).
    """
    if n1 <= 0 or n2 <= 0:
        return None
    p1, p2 = x1 / n1, x2 / n2
    low1, high1 = wilson_interval(x1, n1, confidence)
    low2, high2 = wilson_interval(x2, n2, confidence)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return (max(-1.0, low), min(1.0, high))


def sample_variance_from_sums(n: float, total: float, total_squares: float) -> float | None:
    """The sample variance (n - 1 in the denominator) of n values known by their sum and sum of
    squares, as the daily aggregates keep them; None with fewer than two values. Rounding can
    leave a tiny negative number for constant values: it is 0."""
    if n < 2:
        return None
    return max(0.0, (total_squares - total * total / n) / (n - 1))


def t_interval_summary(
    mean: float, variance: float, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Student t interval for a mean known by its sample variance and size; None with fewer than
    two values. Mean 4, variance 4/3 and n 4 at 95 % give (2.1626, 5.8374)."""
    if n < 2:
        return None
    if variance <= 0.0:
        return (mean, mean)
    half = float(sps.t.ppf(1.0 - (1.0 - confidence) / 2.0, n - 1)) * math.sqrt(variance / n)
    return (mean - half, mean + half)


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float] | None:
    """Student t interval for a mean; None with fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    return t_interval_summary(float(np.mean(values)), float(np.var(values, ddof=1)), n, confidence)


def two_sided_normal_p(z: float) -> float:
    return float(2.0 * special.ndtr(-abs(z)))  # sps.norm.sf(|z|), without its per-call checks


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Is x1/n1 different from x2/n2? Pooled two-proportion z-test, or Fisher's exact test
    (two-sided) when an expected cell count is below MIN_EXPECTED_FOR_Z.

    p_value is None when either group is empty.
    """
    if n1 <= 0 or n2 <= 0:
        return TestResult(None, "two-proportion z-test")
    pooled = (x1 + x2) / (n1 + n2)
    expected = (n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled))
    if min(expected) < MIN_EXPECTED_FOR_Z:
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        return TestResult(float(sps.fisher_exact(table).pvalue), "fisher exact test")
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0.0:
        return TestResult(1.0, "two-proportion z-test")
    z = (x1 / n1 - x2 / n2) / se
    return TestResult(two_sided_normal_p(z), "two-proportion z-test")


@dataclass(frozen=True)
class MeanDifference:
    """a - b of two means with Welch's interval and the two-sided p-value of Welch's t-test."""

    difference: float
    low: float
    high: float
    p_value: float
    test: str = "welch t-test"


def welch_summary(
    mean_a: float,
    variance_a: float,
    n_a: int,
    mean_b: float,
    variance_b: float,
    n_b: int,
    confidence: float = 0.95,
) -> MeanDifference | None:
    """Welch's unequal-variance t-test of two means known by their sample variances and sizes,
    with the interval of the difference mean_a - mean_b (Welch-Satterthwaite degrees of
    freedom); None with fewer than two values a side.

    When both groups are constant the t statistic is undefined: equal means give p = 1, different
    means p = 0 (there is no variation that could explain the gap), the interval is the point.
    Means 6 and 4, variances 4/3, n 4 and 4: difference 2, df 6, (0.0021, 3.9979), p = 0.0498.
    """
    if n_a < 2 or n_b < 2:
        return None
    difference = mean_a - mean_b
    part_a, part_b = max(variance_a, 0.0) / n_a, max(variance_b, 0.0) / n_b
    se_squared = part_a + part_b
    if se_squared == 0.0:
        return MeanDifference(difference, difference, difference, 1.0 if difference == 0.0 else 0.0)
    df = se_squared**2 / (part_a**2 / (n_a - 1) + part_b**2 / (n_b - 1))
    se = math.sqrt(se_squared)
    half = float(sps.t.ppf(1.0 - (1.0 - confidence) / 2.0, df)) * se
    p_value = float(2.0 * sps.t.sf(abs(difference) / se, df))
    return MeanDifference(difference, difference - half, difference + half, min(1.0, p_value))


def welch_test(a: np.ndarray, b: np.ndarray) -> TestResult:
    """Welch's unequal-variance t-test for two means (``welch_summary`` of the two samples); None
    with fewer than two values a side."""
    if len(a) < 2 or len(b) < 2:
        return TestResult(None, "welch t-test")
    result = welch_summary(
        float(np.mean(a)),
        float(np.var(a, ddof=1)),
        len(a),
        float(np.mean(b)),
        float(np.var(b, ddof=1)),
        len(b),
    )
    return TestResult(result.p_value if result else None, "welch t-test")


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def permutation_mean_test(
    a: np.ndarray, b: np.ndarray, *, n_resamples: int = 9999, seed: int = 0
) -> TestResult:
    """Two-sided permutation test of a difference in means (exact when the number of distinct
    splits is at most n_resamples, otherwise Monte Carlo with a fixed seed, so it repeats).

    The Monte Carlo case is ``scipy.stats.permutation_test``'s own procedure (its draws, null
    distribution, tolerance and p-value, hence the same value to the last bit), except that the
    permutations are drawn in one call: ``Generator.permuted`` shuffles the rows one after the
    other as ``Generator.permutation`` does one call at a time, without a Python loop over
    thousands of resamples."""
    if len(a) == 0 or len(b) == 0:
        return TestResult(None, "permutation test")
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = len(x) + len(y)
    if x.ndim != 1 or y.ndim != 1 or min(len(x), len(y)) < 2 or math.comb(n, len(x)) <= n_resamples:
        result = sps.permutation_test(
            (x, y), _mean_difference, vectorized=True, n_resamples=n_resamples, rng=seed
        )
        return TestResult(min(1.0, float(result.pvalue)), "permutation test")
    indices = np.random.default_rng(seed).permuted(np.tile(np.arange(n), (n_resamples, 1)), axis=-1)
    data = np.concatenate([x, y])[..., indices]
    null = _mean_difference(data[..., : len(x)], data[..., len(x) :], axis=-1)
    observed = _mean_difference(x, y, axis=-1)
    gamma = np.abs(np.finfo(observed.dtype).eps * 100 * observed)
    # counted with the observed value itself (the "+ 1"), as scipy does for a random sample
    less = np.float64(np.count_nonzero(null <= observed + gamma) + 1) / (n_resamples + 1)
    greater = np.float64(np.count_nonzero(null >= observed - gamma) + 1) / (n_resamples + 1)
    p_value = np.clip(np.minimum(less, greater) * 2, 0.0, 1.0)
    return TestResult(min(1.0, float(p_value)), "permutation test")


def nps_variance(promoters: int, detractors: int, n: int) -> float:
    """Variance of the NPS estimate on the share scale (-1..1):
    (p_P + p_D - (p_P - p_D)^2) / n."""
    if n <= 0:
        return math.nan
    p_p = promoters / n
    p_d = detractors / n
    return (p_p + p_d - (p_p - p_d) ** 2) / n


def nps_difference_test(a: tuple[int, int, int], b: tuple[int, int, int]) -> TestResult:
    """z-test for the difference of two NPS, each given as (promoters, detractors, n).

    The standard error is sqrt(var_a + var_b) from each NPS's own variance. When that is zero
    (both samples all promoters, say) the pooled variance under the null hypothesis is used, so
    100 promoters against 100 detractors is still judged significant.
    """
    (pa, da, na), (pb, db, nb) = a, b
    if na <= 0 or nb <= 0:
        return TestResult(None, "nps z-test")
    difference = (pa - da) / na - (pb - db) / nb
    se = math.sqrt(nps_variance(pa, da, na) + nps_variance(pb, db, nb))
    if se == 0.0:
        n = na + nb
        p_p, p_d = (pa + pb) / n, (da + db) / n
        se = math.sqrt((p_p + p_d - (p_p - p_d) ** 2) * (1 / na + 1 / nb))
    if se == 0.0:
        return TestResult(1.0, "nps z-test")
    return TestResult(two_sided_normal_p(difference / se), "nps z-test")


def fisher_greater(in_both: int, in_topic: int, in_segment: int, total: int) -> float:
    """One-sided Fisher exact p-value that a segment is over-represented among a topic's comments.

    in_both: topic comments in the segment; in_topic: topic comments; in_segment: comments in the
    segment; total: all comments. Uses the hypergeometric tail directly (same as
    scipy.stats.fisher_exact(..., alternative="greater"), without building the table).
    """
    return float(sps.hypergeom.sf(in_both - 1, total, in_segment, in_topic))


def fisher_greater_many(in_both: list[int], in_topic: int, in_segment: list[int], total: int) -> list[float]:
    """``fisher_greater`` for many segments of one topic in one vectorised call (the same values)."""
    if not in_both:
        return []
    tail = sps.hypergeom.sf(np.asarray(in_both) - 1, total, np.asarray(in_segment), in_topic)
    return [float(p) for p in tail]


def fisher_greater_each(
    in_both: list[int], in_topic: list[int], in_segment: list[int], total: list[int]
) -> list[float]:
    """``fisher_greater`` for many tables at once, each with its own four counts (the same
    values, one vectorised call)."""
    if not in_both:
        return []
    tail = sps.hypergeom.sf(
        np.asarray(in_both) - 1, np.asarray(total), np.asarray(in_segment), np.asarray(in_topic)
    )
    return [float(p) for p in tail]


def fisher_greater_not_below(
    alpha: float, in_both: np.ndarray, in_topic: np.ndarray, in_segment: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Where ``fisher_greater`` of the same counts is surely at least ``alpha``, told without the
    exact tail (whose cost in ``scipy.stats.hypergeom`` grows with the counts). False where it
    cannot tell; a True is proven, so a caller that skips those tests keeps every outcome.

    The count in both is hypergeometric under independence, with mean m and variance v; p is its
    tail from ``in_both``. Two lower bounds of p, either suffices: Cantelli's inequality,
    p >= t^2 / (v + t^2) with t = m - (in_both - 1) > 0 (a count not above its expectation), and
    the sum of the tail's first terms (up to ``TAIL_TERMS_SD`` standard deviations past
    ``in_both``, each term from the one before by the ratio of the probability function). Both
    must exceed ``alpha`` by a margin far above the rounding error of this arithmetic (about
    1e-8 relative with a million comments) and of the exact tail."""
    k, draws, good, total = (
        np.array(a, dtype=float) for a in np.broadcast_arrays(in_both, in_topic, in_segment, total)
    )
    threshold = alpha * (1.0 + _TAIL_MARGIN)
    sure = np.zeros(k.shape, dtype=bool)
    bad = total - good
    low, high = np.maximum(0.0, draws - bad), np.minimum(draws, good)
    valid = (total > 0) & (good >= 0) & (draws >= 0) & (good <= total) & (draws <= total)
    sure[valid & (k <= low)] = True  # the whole support is at or above in_both: p = 1
    todo = np.flatnonzero(valid & (k > low) & (k <= high))
    if not len(todo):
        return sure
    k, draws, good, bad, total, high = (a[todo] for a in (k, draws, good, bad, total, high))
    share = good / total
    variance = draws * share * (1.0 - share) * np.where(total > 1, (total - draws) / (total - 1), 0.0)
    t = k - 1.0 - draws * share  # minus the t above
    with np.errstate(divide="ignore", invalid="ignore"):
        cantelli = (t < 0) & (t * t >= threshold * (variance + t * t))
    sure[todo[cantelli]] = True
    rest = ~cantelli
    todo, k, draws, good, bad, total, high, variance = (
        a[rest] for a in (todo, k, draws, good, bad, total, high, variance)
    )
    term = np.exp(
        special.gammaln(good + 1)
        - special.gammaln(k + 1)
        - special.gammaln(good - k + 1)
        + special.gammaln(bad + 1)
        - special.gammaln(draws - k + 1)
        - special.gammaln(bad - draws + k + 1)
        - special.gammaln(total + 1)
        + special.gammaln(draws + 1)
        + special.gammaln(total - draws + 1)
    )
    steps = np.minimum(high - k, np.ceil(TAIL_TERMS_SD * np.sqrt(variance)) + 1.0)
    # Each further term from the one before by P(j + 1) / P(j), every table at once (a row
    # each); a row's ratios past its own number of steps are left out (there j may pass the
    # support's end, where a factor turns zero or negative).
    j = k[:, None] + np.arange(int(steps.max(initial=0.0)))
    going = np.arange(j.shape[1]) < steps[:, None]
    ratio = (good[:, None] - j) * (draws[:, None] - j) / ((j + 1.0) * (bad - draws)[:, None] + (j + 1.0) ** 2)
    ratio = np.where(going, ratio, 0.0)
    tail = term * (1.0 + np.cumprod(ratio, axis=1).sum(axis=1))
    sure[todo] = tail >= threshold
    return sure


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), same order as given."""
    if not p_values:
        return []
    return [float(p) for p in sps.false_discovery_control(np.asarray(p_values, dtype=float))]
