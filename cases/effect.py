"""The before/after review of an improvement action: equal windows around its start, and the
change of a proportion (topic share, detractor rate) or of the primary metric between them.

Pure: dates and ``Counts`` in, frozen dataclasses out; the tests and intervals are
``analysis.stats`` (Newcombe's interval, the two-proportion test) and ``analysis.metrics``
(the metric with its interval, ``compare_results``). The counts are read by
``cases.selectors`` from the analysis selectors (docs/actions.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from analysis import metrics, stats
from analysis.painpoints import Counts

DEFAULT_WINDOW_DAYS = 28


@dataclass(frozen=True)
class Windows:
    before_from: dt.date
    before_to: dt.date
    after_from: dt.date
    after_to: dt.date

    @property
    def days(self) -> int:
        return (self.after_to - self.after_from).days + 1


@dataclass(frozen=True)
class Side:
    value: float | None
    low: float | None
    high: float | None
    count: int  # successes (mentions, detractors) or, for the metric, scored responses
    n: int

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "count": self.count, "n": self.n}


@dataclass(frozen=True)
class Change:
    """after - before, its interval and the test's two-sided p-value (None: not measurable)."""

    value: float | None
    low: float | None
    high: float | None
    p_value: float | None
    test: str

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "test": self.test,
        }


@dataclass(frozen=True)
class Measure:
    before: Side
    after: Side
    change: Change

    def as_dict(self) -> dict:
        return {
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "change": self.change.as_dict(),
        }


def review_windows(start: dt.date, days: int, today: dt.date) -> Windows:
    """The ``days`` before ``start`` and as many from it, the after window cut at ``today``
    (the before window keeps the same length as the after one, so both are equal)."""
    if days < 1:
        raise ValueError(f"the window needs at least one day, got {days}")
    after_to = min(start + dt.timedelta(days=days - 1), today)
    length = max((after_to - start).days + 1, 0)
    before_to = start - dt.timedelta(days=1)
    before_from = start - dt.timedelta(days=max(length, 1))
    return Windows(before_from, before_to, start, after_to)


def _share_side(count: int, n: int) -> Side:
    if n <= 0:
        return Side(None, None, None, count, 0)
    low, high = stats.wilson_interval(count, n)
    return Side(count / n, low, high, count, n)


def proportion_change(before: tuple[int, int], after: tuple[int, int]) -> Measure:
    """A share (x of n) before and after: Wilson intervals, the difference after - before with
    Newcombe's interval and the two-proportion test (Fisher's when a cell is small)."""
    (x_before, n_before), (x_after, n_after) = before, after
    interval = stats.newcombe_interval(x_after, n_after, x_before, n_before)
    test = stats.two_proportion_test(x_after, n_after, x_before, n_before)
    if interval is None:
        change = Change(None, None, None, None, test.test)
    else:
        change = Change(x_after / n_after - x_before / n_before, *interval, test.p_value, test.test)
    return Measure(_share_side(x_before, n_before), _share_side(x_after, n_after), change)


def _classes(counts: Counts) -> tuple[int, int, int]:
    return int(counts.promoters), int(counts.passives), int(counts.detractors)


def _codes(counts: Counts) -> np.ndarray:
    """Scores standing for the class counts (promoter 10, passive 8, detractor 0): what the
    small-sample permutation test of an NPS needs, which depends on the classes only."""
    promoters, passives, detractors = _classes(counts)
    return np.array([10.0] * promoters + [8.0] * passives + [0.0] * detractors)


def metric_change(before: Counts, after: Counts, metric: str) -> Measure:
    """The primary metric before and after with its interval, the change after - before, the
    test of ``analysis.metrics.compare_results`` and a normal interval of the difference from
    each side's interval half-widths (NPS in points, shares as fractions). Metrics that are
    means (CES, rating) come from the score count, sum and sum of squares: ``mean_change``."""
    spec = metrics.spec_for(metric)
    if spec.kind == "mean":
        return mean_change(before, after, metric)
    a = metrics.metric_compute_classes(*_classes(after), metric=metric)
    b = metrics.metric_compute_classes(*_classes(before), metric=metric)
    comparison = metrics.compare_results(a, b, metric=metric, values=lambda: (_codes(after), _codes(before)))
    low = high = None
    if comparison.difference is not None and None not in (a.low, a.high, b.low, b.high):
        z = stats.z_value(metrics.CONFIDENCE)
        half = z * math.sqrt(((a.high - a.low) / (2 * z)) ** 2 + ((b.high - b.low) / (2 * z)) ** 2)
        low, high = comparison.difference - half, comparison.difference + half
    change = Change(comparison.difference, low, high, comparison.p_value, comparison.test)

    def side(result: metrics.MetricResult) -> Side:
        count = int(result.components.get("successes", result.n)) if spec.kind == "share" else result.n
        return Side(result.value, result.low, result.high, count, result.n)

    return Measure(side(b), side(a), change)


def mean_change(before: Counts, after: Counts, metric: str) -> Measure:
    """A mean metric (CES 1-7, rating 1-5) before and after, each with its t interval
    (``analysis.metrics.metric_compute_sums``, from the count, sum and sum of squares of the
    scores), and the change after - before with Welch's interval and t-test
    (``analysis.stats.welch_summary``); no interval or test under two scores a side."""
    sides = [
        metrics.metric_compute_sums(int(c.scored), c.score_sum, c.score_sum_squares, metric=metric)
        for c in (before, after)
    ]
    b, a = sides
    welch = None
    if "variance" in a.components and "variance" in b.components:
        welch = stats.welch_summary(
            a.value, a.components["variance"], a.n, b.value, b.components["variance"], b.n, metrics.CONFIDENCE
        )
    if welch is not None:
        change = Change(welch.difference, welch.low, welch.high, welch.p_value, welch.test)
    else:
        value = None if a.value is None or b.value is None else a.value - b.value
        change = Change(value, None, None, None, "welch t-test")
    return Measure(*(Side(r.value, r.low, r.high, r.n, r.n) for r in (b, a)), change)


def action_review(
    before: Counts, before_topic: Counts, after: Counts, after_topic: Counts, metric: str | None
) -> dict[str, Measure]:
    """The three measures of a review: the topic's share of comments (its complaint mentions),
    the detractor rate of the scored responses, and the primary metric (when the survey has one)."""
    measures = {
        "topic_share": proportion_change(
            (int(before_topic.mentions), int(before.comments)),
            (int(after_topic.mentions), int(after.comments)),
        ),
        "detractor_rate": proportion_change(
            (int(before.detractors), int(before.scored)), (int(after.detractors), int(after.scored))
        ),
    }
    if metric is not None:
        measures["metric"] = metric_change(before, after, metric)
    return measures
