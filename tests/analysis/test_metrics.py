"""Metrics, intervals, small-sample flags and comparisons: exact values worked out by hand."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis import metrics, stats
from analysis.metrics import (
    metric_by_period,
    metric_by_segment,
    metric_compare,
    metric_compute,
    metric_infer,
    wilson_interval,
)

approx4 = lambda value: pytest.approx(value, abs=5e-5)  # noqa: E731


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # p = 0.8, z = 1.959964: centre (0.8 + z²/20) / (1 + z²/10) = 0.71674,
        # half z·sqrt(0.016 + z²/400) / (1 + z²/10) = 0.22658
        (8, 10, (0.4902, 0.9433)),
        (0, 10, (0.0, 0.2775)),
        (10, 10, (0.7225, 1.0)),
        (50, 100, (0.4038, 0.5962)),
        (1, 3, (0.0615, 0.7923)),
        (0, 0, (0.0, 1.0)),
    ],
)
def test_wilson_interval_exact_values(successes, n, expected):
    # Given successes out of n / When the interval is computed
    low, high = wilson_interval(successes, n)
    # Then it matches the Wilson score formula to 4 decimals
    assert (low, high) == (approx4(expected[0]), approx4(expected[1]))


@pytest.mark.parametrize(("successes", "n"), [(-1, 10), (11, 10), (1, -1)])
def test_wilson_interval_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError, match="successes <= n"):
        wilson_interval(successes, n)


def test_nps_value_interval_and_components_by_hand():
    # Given 5 promoters (9-10), 2 passives (7-8) and 3 detractors (0-6) out of 10
    scores = [10, 10, 9, 8, 7, 6, 0, 5, 9, 10]
    # When NPS is computed
    result = metric_compute(scores, metric="nps")
    # Then NPS = 100 * (0.5 - 0.3) = 20; var = (0.5 + 0.3 - 0.2²) / 10 = 0.076;
    # half width = 100 * 1.959964 * sqrt(0.076) = 54.0325
    assert result.value == pytest.approx(20.0)
    assert (result.low, result.high) == (approx4(-34.0325), approx4(74.0325))
    assert result.n == 10
    assert result.small_sample is True
    assert result.components == {"promoters": 5, "passives": 2, "detractors": 3}


def test_nps_interval_is_clipped_to_the_scale():
    # Given 29 promoters and 1 detractor: NPS 93.33, var = (1 - 0.9333²) / 30 = 0.0042963,
    # half width 100 * 1.959964 * 0.065546 = 12.8468
    result = metric_compute([10] * 29 + [0], metric="nps")
    assert result.value == approx4(93.3333)
    assert result.low == approx4(80.4865)
    assert result.high == 100.0
    assert result.small_sample is False


@pytest.mark.parametrize(
    ("metric", "scores", "value", "low", "high", "n"),
    [
        # CSAT: 3 of 6 are 4-5 -> Wilson(3, 6)
        ("csat", [1, 2, 3, 4, 5, 5], 0.5, 0.1876, 0.8124, 6),
        # CES mean: 3.6667, sd 2.1602, t(0.975, 5) = 2.570582, half 2.570582 * 2.1602 / sqrt(6) = 2.2670
        ("ces", [1, 2, 3, 4, 5, 7], 3.6667, 1.3996, 5.9337, 6),
        # CES share of 5-7: 2 of 6 -> Wilson(2, 6)
        ("ces_share", [1, 2, 3, 4, 5, 7], 0.3333, 0.0968, 0.7000, 6),
        # star rating: mean 3.625, upper end clipped to the 1..5 scale
        ("rating", [4.5, 3, 5, 2], 3.625, 1.4341, 5.0, 4),
        # a matrix item mean has no scale to clip to
        ("mean", [3.2, 4.1], 3.65, -2.0678, 9.3678, 2),
        # NaN is ignored
        ("csat", [4, float("nan"), 5, None], 1.0, 0.3424, 1.0, 2),
    ],
)
def test_metric_values_and_intervals(metric, scores, value, low, high, n):
    result = metric_compute(scores, metric=metric)
    assert result.metric == metric
    assert (result.value, result.low, result.high, result.n) == (
        approx4(value),
        approx4(low),
        approx4(high),
        n,
    )


def test_response_rate_is_a_wilson_share():
    result = metrics.response_rate(45, 100)
    assert (result.value, result.low, result.high) == (0.45, approx4(0.3561), approx4(0.5476))
    assert result.small_sample is False


def test_no_scores_give_an_empty_result_not_an_error():
    result = metric_compute([], metric="nps")
    assert (result.value, result.low, result.high, result.n, result.small_sample) == (
        None,
        None,
        None,
        0,
        True,
    )


def test_one_score_has_a_mean_but_no_interval():
    result = metric_compute([4], metric="rating")
    assert (result.value, result.low, result.high, result.small_sample) == (4.0, None, None, True)


@pytest.mark.parametrize(
    ("scores", "small"),
    [
        ([4] * 28 + [5], True),  # n = 29 < 30
        ([4] * 30, False),  # n = 30, Wilson(30, 30) = (0.8865, 1.0), narrow
    ],
)
def test_small_sample_flag_below_thirty(scores, small):
    assert metric_compute(scores, metric="csat").small_sample is small


def test_small_sample_flag_for_a_very_wide_interval_with_many_scores():
    # Given 40 CSAT scores half satisfied: Wilson(20, 40) = (0.3520, 0.6480), wider than 0.25
    result = metric_compute([1, 5] * 20, metric="csat")
    assert (result.low, result.high) == (approx4(0.3520), approx4(0.6480))
    assert result.small_sample is True


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([11, 3], "score 11 is outside the nps scale 0..10"),
        ([-1], "score -1 is outside the nps scale 0..10"),
    ],
)
def test_scores_outside_the_scale_are_refused(scores, message):
    with pytest.raises(ValueError, match=message):
        metric_compute(scores, metric="nps")


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="unknown metric 'nsp'; expected one of: nps, csat"):
        metric_compute([1], metric="nsp")


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0, 5, 10], "nps"),
        ([8, 9], "nps"),
        ([1, 2, 3, 4, 5], "csat"),
        ([1, 5, float("nan")], "csat"),
        ([1, 6, 7], "ces"),
        ([4.5, 3.0, 5.0], "rating"),
    ],
)
def test_metric_infer_from_the_range(scores, expected):
    assert metric_infer(scores) == expected


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([], "no numeric values"),
        ([float("nan")], "no numeric values"),
        ([1, 50], "scores range 1..50"),
        ([-2, 3], "scores range -2..3"),
        ([0.5, 8.5], "not whole numbers"),
    ],
)
def test_metric_infer_refuses_when_it_cannot_tell(scores, message):
    with pytest.raises(ValueError, match=message):
        metric_infer(scores)


@pytest.mark.parametrize(
    ("metric", "scores", "detractors", "promoters"),
    [
        ("nps", [0, 6, 7, 8, 9, 10], [1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]),
        ("csat", [1, 2, 3, 4, 5], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]),
        ("ces", [1, 3, 4, 5, 7], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]),
        ("rating", [1, 2, 2.5, 4, 5], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]),
        ("nps", [float("nan")], [0], [0]),
    ],
)
def test_detractor_and_promoter_masks(metric, scores, detractors, promoters):
    assert metrics.detractor_mask(scores, metric=metric).tolist() == [bool(d) for d in detractors]
    assert metrics.promoter_mask(scores, metric=metric).tolist() == [bool(p) for p in promoters]


def test_a_mean_has_no_detractors():
    with pytest.raises(ValueError, match="no promoter or detractor definition"):
        metrics.detractor_mask([3], metric="mean")


def test_nps_comparison_z_test_by_hand():
    # Given a: 40 promoters, 20 detractors of 100 (NPS 20, var 0.0056)
    # and b: 30 promoters, 40 detractors of 100 (NPS -10, var 0.0069)
    a = [10] * 40 + [8] * 40 + [0] * 20
    b = [10] * 30 + [8] * 30 + [0] * 40
    # When they are compared
    comparison = metric_compare(a, b, metric="nps")
    # Then difference 30 points, z = 0.30 / sqrt(0.0056 + 0.0069) = 2.6833, p = 0.00729
    assert comparison.difference == pytest.approx(30.0)
    assert comparison.p_value == approx4(0.0073)
    assert comparison.significant is True
    assert comparison.test == "nps z-test"


def test_share_comparison_two_proportion_z_test_by_hand():
    # 60/100 satisfied against 45/100: pooled 0.525, se = sqrt(0.525 * 0.475 * 0.02) = 0.070622,
    # z = 0.15 / 0.070622 = 2.1240, p = 0.03367
    a = [5] * 60 + [1] * 40
    b = [5] * 45 + [1] * 55
    comparison = metric_compare(a, b, metric="csat")
    assert comparison.difference == approx4(0.15)
    assert comparison.p_value == approx4(0.0337)
    assert (comparison.significant, comparison.test) == (True, "two-proportion z-test")


def test_mean_comparison_uses_welch():
    rng = np.random.default_rng(0)
    a = rng.normal(4.0, 0.5, 50)
    b = rng.normal(3.8, 1.5, 60)
    comparison = metric_compare(a, b, metric="mean")
    from scipy import stats as sps

    assert comparison.test == "welch t-test"
    assert comparison.p_value == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)


def test_tiny_samples_use_an_exact_permutation_test():
    # 2 promoters against 2 detractors: of the 6 ways to split 4 people into two pairs, 2 are as
    # extreme, so p = 1/3: nothing is called significant on 4 scores.
    comparison = metric_compare([10, 10], [0, 0], metric="nps")
    assert comparison.difference == 200.0
    assert comparison.p_value == pytest.approx(1 / 3)
    assert (comparison.significant, comparison.test) == (False, "permutation test")


@pytest.mark.parametrize(
    ("sizes", "kind"),
    [((25, 28), "classes"), ((12, 40), "scores"), ((29, 29), "normal"), ((6, 7), "classes")],
)
def test_permutation_test_gives_scipys_p_value_to_the_last_bit(sizes, kind):
    from scipy import stats as sps

    from analysis import stats

    # given two small samples (Monte Carlo resampling past 9,999 distinct splits; exact below)
    rng = np.random.default_rng(sum(sizes))
    draw = {
        "classes": lambda n: rng.choice([-1.0, 0.0, 1.0], n),
        "scores": lambda n: rng.integers(1, 6, n).astype(float),
        "normal": lambda n: rng.normal(0.0, 1.0, n),
    }[kind]
    a, b = draw(sizes[0]), draw(sizes[1])
    # when the difference in means is tested
    result = stats.permutation_mean_test(a, b)
    # then the p-value is scipy.stats.permutation_test's with the same seed, exactly
    expected = sps.permutation_test(
        (a, b), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), vectorized=True, rng=0
    ).pvalue
    assert result == stats.TestResult(min(1.0, float(expected)), "permutation test")


def test_comparison_with_an_empty_side_has_no_p_value():
    comparison = metric_compare([9, 10], [], metric="nps")
    assert (comparison.difference, comparison.p_value, comparison.significant) == (None, None, False)


def test_metric_by_week_compares_with_the_previous_week_only():
    # Given two consecutive ISO weeks and a month later a third
    frame = pd.DataFrame(
        {
            "date": ["2026-01-05", "2026-01-07", "2026-01-12", "2026-01-18", "2026-02-16"],
            "score": [10, 0, 10, 9, 5],
        }
    )
    rows = metric_by_period(frame, metric="nps", period="week")
    assert [r.period for r in rows] == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 2, 16)]
    assert [r.result.value for r in rows] == [0.0, 100.0, -100.0]
    assert rows[0].change is None
    assert rows[1].change.difference == 100.0
    assert rows[1].change.p_value is not None
    assert rows[2].change is None  # the week before 16 February has no scores


@pytest.mark.parametrize(
    ("period", "starts"),
    [
        ("day", [date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 1)]),
        ("month", [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]),
    ],
)
def test_metric_by_day_and_month(period, starts):
    frame = pd.DataFrame({"date": ["2026-01-31 23:00", "2026-02-01 08:00", "2026-03-01"], "score": [5, 4, 1]})
    rows = metric_by_period(frame, metric="csat", period=period)
    assert [r.period for r in rows] == starts
    assert [r.result.n for r in rows] == [1, 1, 1]
    if period == "month":
        assert rows[1].change is not None and rows[2].change is not None


def test_metric_by_period_names_a_bad_date():
    frame = pd.DataFrame({"date": ["2026-01-05", "next tuesday"], "score": [1, 2]})
    with pytest.raises(ValueError, match="column 'date' has a value that is not a date: 'next tuesday'"):
        metric_by_period(frame, metric="csat", period="day")


def test_metric_by_period_names_a_missing_column():
    with pytest.raises(ValueError, match="column\\(s\\) 'date' not found; columns: when, score"):
        metric_by_period(pd.DataFrame({"when": [], "score": []}), metric="nps", period="day")


def test_metric_by_segment_against_the_rest():
    # Given peak: 10 detractors of 40; rest (normal 60 all promoters + 5 unknown detractors)
    frame = pd.DataFrame(
        {
            "scenario": ["peak"] * 40 + ["normal"] * 60 + [None] * 5,
            "score": [0] * 10 + [10] * 30 + [10] * 60 + [0] * 5,
        }
    )
    rows = metric_by_segment(frame, metric="nps", column="scenario")
    assert [(r.value, r.result.n) for r in rows] == [("normal", 60), ("peak", 40)]
    peak = rows[1]
    # peak NPS = 75 - 25 = 50; rest = (60 - 5) / 65 * 100 = 84.6154
    assert peak.result.value == 50.0
    assert peak.versus_rest.b.value == approx4(84.6154)
    assert peak.versus_rest.difference == approx4(50.0 - 84.6154)
    assert peak.versus_rest.significant is True
    assert math.isclose(peak.versus_rest.b.n, 65)


def test_rate_of_ones_for_complaint_or_on_time_rates():
    result = metric_compute([1, 0, 0, 1, 1, 1, 1, 1, 0, 1], metric="rate")
    assert (result.value, result.low, result.high) == (0.7, approx4(0.3968), approx4(0.8922))
    assert result.components == {"successes": 7}
    with pytest.raises(ValueError, match="no promoter or detractor definition"):
        metrics.detractor_mask([1], metric="rate")


def test_segments_carry_an_adjusted_p_value():
    # Given 20 cities drawn from one distribution (no real difference), seeded so that two of
    # them look different on their raw p-value
    rng = np.random.default_rng(1)
    cities = [f"c{i:02d}" for i in range(20) for _ in range(40)]
    scores = list(rng.choice([3, 6, 8, 9, 10], 800))
    rows = metric_by_segment(pd.DataFrame({"city": cities, "score": scores}), metric="nps", column="city")
    raw = [r.versus_rest.p_value for r in rows]
    from scipy import stats as sps

    assert [r.p_adjusted for r in rows] == pytest.approx(list(sps.false_discovery_control(raw)))
    assert sorted(r.value for r in rows if r.versus_rest.significant) == ["c03", "c12"]
    # Then after the adjustment no city is called different
    assert [r.value for r in rows if r.significant] == []


def test_segment_values_are_trimmed_and_blank_is_unknown():
    frame = pd.DataFrame({"city": ["北京 ", "北京", " ", None], "score": [5, 1, 5, 5]})
    rows = metric_by_segment(frame, metric="csat", column="city")
    assert [(r.value, r.result.n, r.versus_rest.b.n) for r in rows] == [("北京", 2, 2)]


@pytest.mark.parametrize("function", ["segment", "period"])
def test_a_score_that_is_not_a_number_is_named(function):
    frame = pd.DataFrame({"city": ["a", "b"], "date": ["2026-01-01", "2026-01-02"], "score": [5, "five"]})
    with pytest.raises(ValueError, match="column 'score' has a value that is not a number: 'five'"):
        if function == "segment":
            metric_by_segment(frame, metric="csat", column="city")
        else:
            metric_by_period(frame, metric="csat", period="day")


def test_a_score_that_is_not_a_number_is_refused_and_numeric_strings_are_read():
    with pytest.raises(ValueError, match="score 'good' is not a number"):
        metric_compute([5, "good"], metric="csat")
    assert metric_compute(["5", " 4 ", "", None], metric="csat").n == 2


def test_metric_by_day_buckets_in_the_time_zone_the_dates_carry():
    # 23:30 in Shanghai on 31 January is 15:30 UTC: the same local day as 08:00 that morning
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-31 08:00", "2026-01-31 23:30", "2026-02-01 00:30"]).tz_localize(
                "Asia/Shanghai"
            ),
            "score": [5, 1, 5],
        }
    )
    rows = metric_by_period(frame, metric="csat", period="day")
    assert [(r.period, r.result.n) for r in rows] == [(date(2026, 1, 31), 2), (date(2026, 2, 1), 1)]
    assert rows[1].change is not None
    assert rows[1].change.test == "fisher exact test"


@pytest.mark.parametrize(
    ("metric", "a_counts", "b_counts"),
    [
        ("nps", (120, 60, 40), (300, 200, 180)),
        ("nps", (10, 5, 8), (300, 200, 180)),  # a small side: the permutation test
        ("csat", (80, 30, 20), (500, 100, 90)),
        ("nps", (1, 0, 0), (5, 5, 5)),  # one score: no comparison
    ],
)
def test_class_counts_give_the_values_of_their_representative_scores(metric, a_counts, b_counts):
    # given two groups known by their class counts (promoters, passives, detractors)
    a = dict(zip(("promoters", "passives", "detractors"), a_counts, strict=True))
    b = dict(zip(("promoters", "passives", "detractors"), b_counts, strict=True))
    # when the metric and the comparison are computed from the counts
    result = metrics.class_result(a, metric)
    comparison = metrics.class_compare_or_none(a, b, metric)
    # then they are those of one representative score per response, exactly
    a_scores, b_scores = metrics.class_scores(a, metric), metrics.class_scores(b, metric)
    assert result == metric_compute(a_scores, metric=metric)
    assert comparison == metrics.metric_compare_or_none(a_scores, b_scores, metric)


def test_newcombe_interval_of_a_difference_of_two_shares() -> None:
    # Wilson 20/200 = (0.065670, 0.149406), 40/200 = (0.150452, 0.260855):
    # -0.1 - sqrt(0.034330^2 + 0.060855^2), -0.1 + sqrt(0.049406^2 + 0.049548^2)
    low, high = stats.newcombe_interval(20, 200, 40, 200)

    assert (round(low, 4), round(high, 4)) == (-0.1699, -0.0300)
    assert stats.newcombe_interval(0, 0, 1, 2) is None


def test_welch_summary_of_two_means_known_by_their_variances() -> None:
    # means 6 and 4, variances 4/3, n 4 and 4: se = sqrt(2/3), df = 6, t(0.975, 6) = 2.446912
    result = stats.welch_summary(6.0, 4 / 3, 4, 4.0, 4 / 3, 4)

    assert (result.difference, result.test) == (2.0, "welch t-test")
    assert (result.low, result.high) == (pytest.approx(0.0021, abs=1e-4), pytest.approx(3.9979, abs=1e-4))
    assert result.p_value == pytest.approx(0.0498, abs=1e-4)
    assert stats.welch_summary(6.0, 4 / 3, 1, 4.0, 4 / 3, 4) is None


def test_welch_summary_of_constant_groups_is_decided_by_the_means() -> None:
    assert stats.welch_summary(5.0, 0.0, 3, 5.0, 0.0, 3).p_value == 1.0
    assert stats.welch_summary(6.0, 0.0, 3, 5.0, 0.0, 3).p_value == 0.0


def test_mean_metric_from_count_sum_and_sum_of_squares_equals_the_one_from_scores() -> None:
    scores = [3, 5, 3, 5]

    from_sums = metrics.metric_compute_sums(4, 16.0, 68.0, metric="ces")
    from_scores = metrics.metric_compute(scores, metric="ces")

    assert (from_sums.value, from_sums.n, from_sums.components["variance"]) == (4.0, 4, pytest.approx(4 / 3))
    assert from_sums.low == pytest.approx(from_scores.low) == pytest.approx(2.1626, abs=1e-4)
    assert from_sums.high == pytest.approx(from_scores.high) == pytest.approx(5.8374, abs=1e-4)
    assert stats.sample_variance_from_sums(1, 5.0, 25.0) is None
