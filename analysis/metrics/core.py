"""Metric definitions, results with intervals, masks and two-sample comparisons (see the
package docstring for the rules)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from surveys.scales import DETRACTOR_AT_MOST

SMALL_SAMPLE_N = 30
WIDE_INTERVAL_FRACTION = 0.25
ALPHA = 0.05
CONFIDENCE = 0.95


@dataclass(frozen=True)
class MetricSpec:
    name: str
    scale: tuple[float, float] | None
    kind: str  # "nps" | "share" | "mean"
    value_range: tuple[float, float] | None  # the range of the metric's value, for the width rule
    detractor_max: float | None
    promoter_min: float | None
    share_min: float | None = None  # for shares: values >= share_min are successes
    impact_factor: float = 1.0  # value -> report points (shares x100)


METRICS: dict[str, MetricSpec] = {
    "nps": MetricSpec("nps", (0, 10), "nps", (-100, 100), DETRACTOR_AT_MOST["nps"], 9),
    "csat": MetricSpec(
        "csat", (1, 5), "share", (0, 1), DETRACTOR_AT_MOST["csat"], 4, share_min=4, impact_factor=100.0
    ),
    "ces": MetricSpec("ces", (1, 7), "mean", (1, 7), DETRACTOR_AT_MOST["ces"], 5),
    "ces_share": MetricSpec(
        "ces_share", (1, 7), "share", (0, 1), DETRACTOR_AT_MOST["ces"], 5, share_min=5, impact_factor=100.0
    ),
    "rating": MetricSpec("rating", (1, 5), "mean", (1, 5), DETRACTOR_AT_MOST["rating"], 4),
    "mean": MetricSpec("mean", None, "mean", None, None, None),
    "rate": MetricSpec("rate", (0, 1), "share", (0, 1), None, None, share_min=1, impact_factor=100.0),
}


@dataclass(frozen=True)
class MetricResult:
    """One metric over one set of scores. value/low/high are None when there is nothing to
    measure (n = 0; low/high also when n = 1 for a mean)."""

    metric: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    small_sample: bool
    components: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "small_sample": self.small_sample,
            "components": dict(self.components),
        }


@dataclass(frozen=True)
class Comparison:
    """a against b: difference = a.value - b.value, with the test that judged it."""

    a: MetricResult
    b: MetricResult
    difference: float | None
    p_value: float | None
    significant: bool
    test: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.as_dict(),
            "b": self.b.as_dict(),
            "difference": self.difference,
            "p_value": self.p_value,
            "significant": self.significant,
            "test": self.test,
        }


def spec_for(metric: str) -> MetricSpec:
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; expected one of: {', '.join(METRICS)}") from None


def to_float_array(values) -> np.ndarray:
    """Numbers as a float array, NaN for None / NaN / blank; ValueError for anything else.

    Numeric arrays and Series take a fast path (no per-value conversion)."""
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float, copy=False)
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=object)
    numbers = pd.to_numeric(series, errors="coerce")
    present = series.notna() & series.astype(str).str.strip().ne("")
    bad = series[present & numbers.isna()]
    if len(bad):
        raise ValueError(f"score {bad.iloc[0]!r} is not a number")
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def clean_scores(
    scores: Iterable[float] | np.ndarray | pd.Series, *, metric: str | None = None
) -> np.ndarray:
    """Scores as a float array without NaN; raises ValueError naming the metric when a value lies
    outside its scale, or naming a value that is not a number."""
    array = to_float_array(scores)
    array = array[~np.isnan(array)]
    if metric is not None:
        spec = spec_for(metric)
        if spec.scale is not None and len(array):
            low, high = spec.scale
            outside = array[(array < low) | (array > high)]
            if len(outside):
                raise ValueError(
                    f"score {outside[0]:g} is outside the {metric} scale {low:g}..{high:g} "
                    f"({len(outside)} value(s) out of range)"
                )
    return array


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for successes out of n (8/10 -> (0.4902, 0.9433))."""
    return stats.wilson_interval(successes, n, confidence)


def _is_wide(spec: MetricSpec, low: float | None, high: float | None) -> bool:
    if spec.value_range is None or low is None or high is None:
        return False
    span = spec.value_range[1] - spec.value_range[0]
    return (high - low) > WIDE_INTERVAL_FRACTION * span


def _result(spec: MetricSpec, value, low, high, n, components) -> MetricResult:
    small = n < SMALL_SAMPLE_N or low is None or _is_wide(spec, low, high)
    return MetricResult(spec.name, value, low, high, n, small, components)


def _share_result(spec: MetricSpec, successes: int, n: int, confidence: float, extra: dict) -> MetricResult:
    if n == 0:
        return _result(spec, None, None, None, 0, {"successes": 0, **extra})
    low, high = wilson_interval(successes, n, confidence)
    return _result(spec, successes / n, low, high, n, {"successes": successes, **extra})


def _nps_result(spec: MetricSpec, promoters: int, detractors: int, n: int, confidence: float) -> MetricResult:
    components = {"promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors}
    if n == 0:
        return _result(spec, None, None, None, 0, components)
    value = 100.0 * (promoters - detractors) / n
    half = 100.0 * stats.z_value(confidence) * math.sqrt(stats.nps_variance(promoters, detractors, n))
    return _result(spec, value, max(-100.0, value - half), min(100.0, value + half), n, components)


def metric_compute_classes(
    promoters: int, passives: int, detractors: int, *, metric: str, confidence: float = CONFIDENCE
) -> MetricResult:
    """``metric_compute`` of scores known by their class counts (a metric whose value and
    interval depend on them only: ``nps`` or a share whose successes are the promoters and whose
    passives are neither successes nor detractors, as ``csat``), without a score array."""
    spec = spec_for(metric)
    n = promoters + passives + detractors
    if spec.kind == "nps":
        return _nps_result(spec, promoters, detractors, n, confidence)
    if spec.kind != "share":
        raise ValueError(f"the metric {metric!r} is not computed from class counts")
    extra = {"detractors": detractors} if spec.detractor_max is not None else {}
    return _share_result(spec, promoters, n, confidence, extra)


def metric_compute(
    scores: Iterable[float] | np.ndarray | pd.Series, *, metric: str, confidence: float = CONFIDENCE
) -> MetricResult:
    """The metric over the scores (NaN ignored) with its interval and small-sample flag."""
    spec = spec_for(metric)
    values = clean_scores(scores, metric=metric)
    n = len(values)
    if spec.kind == "nps":
        promoters = int(np.count_nonzero(values >= spec.promoter_min))
        detractors = int(np.count_nonzero(values <= spec.detractor_max))
        return _nps_result(spec, promoters, detractors, n, confidence)
    if spec.kind == "share":
        successes = int(np.count_nonzero(values >= spec.share_min))
        extra = {}
        if spec.detractor_max is not None:
            extra["detractors"] = int(np.count_nonzero(values <= spec.detractor_max))
        return _share_result(spec, successes, n, confidence, extra)
    # means
    if n == 0:
        return _result(spec, None, None, None, 0, {})
    mean = float(np.mean(values))
    components: dict[str, float] = {"sd": float(np.std(values, ddof=1)) if n > 1 else 0.0}
    if spec.share_min is None and spec.promoter_min is not None:
        components["share_high"] = float(np.count_nonzero(values >= spec.promoter_min)) / n
        components["share_low"] = float(np.count_nonzero(values <= spec.detractor_max)) / n
    variance = float(np.var(values, ddof=1)) if n > 1 else None
    return _mean_result(spec, mean, variance, n, confidence, components)


def _mean_result(
    spec: MetricSpec, mean: float, variance: float | None, n: int, confidence: float, components: dict
) -> MetricResult:
    interval = None if variance is None else stats.t_interval_summary(mean, variance, n, confidence)
    if interval is None:
        return _result(spec, mean, None, None, n, components)
    low, high = interval
    if spec.scale is not None:
        low, high = max(float(spec.scale[0]), low), min(float(spec.scale[1]), high)
    return _result(spec, mean, low, high, n, components)


def metric_compute_sums(
    n: int, total: float, total_squares: float, *, metric: str, confidence: float = CONFIDENCE
) -> MetricResult:
    """``metric_compute`` of a mean metric (CES, rating) over scores known by their count, sum
    and sum of squares (the daily aggregates' ``scored``, ``score_sum``, ``score_sum_squares``):
    the mean with its t interval; ``components["variance"]`` the sample variance (absent under two
    scores)."""
    spec = spec_for(metric)
    if spec.kind != "mean":
        raise ValueError(f"the metric {metric!r} is not a mean")
    if n <= 0:
        return _result(spec, None, None, None, 0, {})
    variance = stats.sample_variance_from_sums(n, total, total_squares)
    components = {} if variance is None else {"variance": variance, "sd": math.sqrt(variance)}
    return _mean_result(spec, total / n, variance, n, confidence, components)


def response_rate(responses: int, invitations: int, *, confidence: float = CONFIDENCE) -> MetricResult:
    """Responses / invitations delivered, with a Wilson interval."""
    if invitations < 0 or responses < 0 or responses > invitations:
        raise ValueError(
            f"response rate needs 0 <= responses <= invitations, got {responses} of {invitations}"
        )
    spec = MetricSpec("response_rate", None, "share", (0, 1), None, None)
    if invitations == 0:
        return _result(spec, None, None, None, 0, {"successes": 0})
    low, high = wilson_interval(responses, invitations, confidence)
    return _result(spec, responses / invitations, low, high, invitations, {"successes": responses})


def metric_infer(scores: Iterable[float] | np.ndarray | pd.Series) -> str:
    """Guess the metric from the range of the scores (NaN ignored).

    Whole numbers: the smallest usual scale that holds them all wins. Anything at 0 or above 7
    (up to 10) -> ``nps``; everything within 1..5 -> ``csat``; within 1..7 -> ``ces``.
    Fractions within 1..5 (a 4.5 star average) -> ``rating``.
    ValueError when there is no score, a negative score, one above 10, or fractions outside 1..5.
    """
    values = clean_scores(scores)
    if len(values) == 0:
        raise ValueError("cannot infer the metric: the score column has no numeric values")
    low, high = float(values.min()), float(values.max())
    whole = bool(np.all(values == np.round(values)))
    if low < 0 or high > 10:
        raise ValueError(
            f"cannot infer the metric: scores range {low:g}..{high:g}, which is none of 0..10 (nps), "
            "1..5 (csat), 1..7 (ces); pass the metric explicitly"
        )
    if not whole:
        if low >= 1 and high <= 5:
            return "rating"
        raise ValueError(
            f"cannot infer the metric: scores range {low:g}..{high:g} and are not whole numbers; "
            "pass the metric explicitly"
        )
    if low < 1 or high > 7:
        return "nps"
    if high <= 5:
        return "csat"
    return "ces"


def _classify(scores, metric: str, attribute: str) -> np.ndarray:
    spec = spec_for(metric)
    threshold = getattr(spec, attribute)
    if threshold is None:
        raise ValueError(f"the metric {metric!r} has no promoter or detractor definition")
    array = to_float_array(scores)
    with np.errstate(invalid="ignore"):
        if attribute == "detractor_max":
            return array <= threshold
        return array >= threshold


def detractor_mask(scores, *, metric: str) -> np.ndarray:
    """True where a score is a detractor's (NPS 0-6, CSAT 1-2, CES 1-3, rating 1-2); False for
    NaN. ValueError for ``mean``, which has none."""
    return _classify(scores, metric, "detractor_max")


def promoter_mask(scores, *, metric: str) -> np.ndarray:
    """True where a score is a promoter's (NPS 9-10, CSAT 4-5, CES 5-7, rating 4-5)."""
    return _classify(scores, metric, "promoter_min")


def _codes(values: np.ndarray, spec: MetricSpec) -> np.ndarray:
    """NPS as a mean: +1 per promoter, -1 per detractor, 0 per passive; other metrics as is."""
    if spec.kind != "nps":
        return values
    return np.where(values >= spec.promoter_min, 1.0, np.where(values <= spec.detractor_max, -1.0, 0.0))


def metric_compare(a_scores, b_scores, *, metric: str, confidence: float = CONFIDENCE) -> Comparison:
    """Compare the metric of a with that of b (difference = a - b) and test it."""
    a_values = clean_scores(a_scores, metric=metric)
    b_values = clean_scores(b_scores, metric=metric)
    a = metric_compute(a_values, metric=metric, confidence=confidence)
    b = metric_compute(b_values, metric=metric, confidence=confidence)
    return compare_results(a, b, metric=metric, values=lambda: (a_values, b_values))


def compare_results(a: MetricResult, b: MetricResult, *, metric: str, values) -> Comparison:
    """The test of ``metric_compare`` on the two sides' results; ``values()`` gives their clean
    scores, asked for only by the tests that need them (a small sample's permutation test,
    Welch's t-test), so sides known by their counts need no score array otherwise."""
    spec = spec_for(metric)
    small = min(a.n, b.n) < SMALL_SAMPLE_N
    if small and spec.kind in ("nps", "mean"):
        # The normal approximations mislead on a handful of scores (2 promoters against 2
        # detractors would be "significant"); a permutation test is exact at this size.
        a_values, b_values = values()
        test = stats.permutation_mean_test(_codes(a_values, spec), _codes(b_values, spec))
    elif spec.kind == "nps":
        comp_a, comp_b = a.components, b.components
        test = stats.nps_difference_test(
            (int(comp_a["promoters"]), int(comp_a["detractors"]), a.n),
            (int(comp_b["promoters"]), int(comp_b["detractors"]), b.n),
        )
    elif spec.kind == "share":
        test = stats.two_proportion_test(
            int(a.components["successes"]), a.n, int(b.components["successes"]), b.n
        )
    else:
        test = stats.welch_test(*values())
    difference = None if a.value is None or b.value is None else a.value - b.value
    significant = test.p_value is not None and test.p_value < ALPHA
    return Comparison(a, b, difference, test.p_value, significant, test.test)


def impact_factor(metric: str) -> float:
    """Multiplier from a metric's value to report points (x100 for shares)."""
    return spec_for(metric).impact_factor
