"""Survey metrics with 95 % confidence intervals, a small-sample flag and significance tests.

Pure computation: plain numbers or a DataFrame in, frozen dataclasses out; no ORM.

Metrics (``metric=`` everywhere below):

==============  ===========  ==========================================  ===============  ==========
metric          scale        value                                       interval         detractor
==============  ===========  ==========================================  ===============  ==========
``nps``         0..10        % promoters (9-10) - % detractors (0-6),    normal, from     0-6
                             on -100..100                                the NPS variance
``csat``        1..5         share of 4-5 (0..1)                         Wilson           1-2
``ces``         1..7         mean                                        Student t        1-3
``ces_share``   1..7         share of 5-7 (0..1)                         Wilson           1-3
``rating``      1..5         mean star rating                            Student t        1-2
``mean``        any          mean (a matrix item)                        Student t        none
``rate``        0 / 1        share of 1 (complaint rate, on-time rate)   Wilson           none
==============  ===========  ==========================================  ===============  ==========

Promoters (``promoter_mask``): NPS 9-10, CSAT 4-5, CES 5-7, rating 4-5. Values are classified by
thresholds, so a half step (a 4.5 star average) falls where its number says.

Higher is better for every metric but ``rate``, whose direction depends on what is counted
(CES asks how easy it was: 7 is easiest).

``small_sample`` is True when n < ``SMALL_SAMPLE_N`` (30) or when the interval is wider than
``WIDE_INTERVAL_FRACTION`` (a quarter) of the metric's full range: 50 NPS points, 25 share
points, 1.5 points of a 1..7 mean, 1 point of a 1..5 mean.

Comparisons (``metric_compare``) report ``difference = a - b`` in the metric's own units (NPS
points, shares as fractions, means in scale points), a p-value and the test: the NPS z-test from
each NPS's variance, the two-proportion z-test (Fisher's exact test when counts are small) for
shares, Welch's t-test for means. When either side has fewer than ``SMALL_SAMPLE_N`` scores, NPS
and means use a permutation test instead (exact for small groups, seeded Monte Carlo beyond).
``significant`` means p < ``ALPHA`` (0.05); with no p-value
nothing is called significant.
"""

from analysis.metrics.breakdown import (
    CLASS_SCORES,
    PeriodRow,
    SegmentRow,
    class_compare_or_none,
    class_result,
    class_scores,
    comparison_as_dict,
    metric_by_period,
    metric_by_segment,
    metric_compare_or_none,
    segment_rows_as_dicts,
)
from analysis.metrics.core import (
    ALPHA,
    CONFIDENCE,
    METRICS,
    SMALL_SAMPLE_N,
    WIDE_INTERVAL_FRACTION,
    Comparison,
    MetricResult,
    MetricSpec,
    clean_scores,
    compare_results,
    detractor_mask,
    impact_factor,
    metric_compare,
    metric_compute,
    metric_compute_classes,
    metric_compute_sums,
    metric_infer,
    promoter_mask,
    response_rate,
    spec_for,
    to_float_array,
    wilson_interval,
)

__all__ = [
    "ALPHA",
    "CLASS_SCORES",
    "CONFIDENCE",
    "METRICS",
    "SMALL_SAMPLE_N",
    "WIDE_INTERVAL_FRACTION",
    "Comparison",
    "MetricResult",
    "MetricSpec",
    "PeriodRow",
    "SegmentRow",
    "class_compare_or_none",
    "class_result",
    "class_scores",
    "clean_scores",
    "compare_results",
    "comparison_as_dict",
    "detractor_mask",
    "impact_factor",
    "metric_by_period",
    "metric_by_segment",
    "metric_compare",
    "metric_compare_or_none",
    "metric_compute",
    "metric_compute_classes",
    "metric_compute_sums",
    "metric_infer",
    "promoter_mask",
    "response_rate",
    "segment_rows_as_dicts",
    "spec_for",
    "to_float_array",
    "wilson_interval",
]
