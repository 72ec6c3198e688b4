"""The metric per period (day, ISO week, month) and per segment value, each with its test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.metrics.core import (
    ALPHA,
    Comparison,
    MetricResult,
    compare_results,
    metric_compare,
    metric_compute,
    metric_compute_classes,
)

# Metrics whose value, interval and tests depend only on the class counts (promoter / passive /
# detractor): answered from counts with one representative score per class.
CLASS_SCORES = {"nps": (10.0, 8.0, 0.0), "csat": (5.0, 3.0, 1.0)}


@dataclass(frozen=True)
class PeriodRow:
    """A period (its first day) and its metric; ``change`` compares it with the calendar period
    just before it (None when that period has no scores)."""

    period: date
    result: MetricResult
    change: Comparison | None


@dataclass(frozen=True)
class SegmentRow:
    """One value of a segment column and its metric; ``versus_rest`` compares it with every other
    scored row (rows whose value is unknown included).

    Many segments tested at once make some look different by chance: ``p_adjusted`` is the
    Benjamini-Hochberg adjusted p-value over all the column's values, and ``significant`` is
    judged on it (``versus_rest.significant`` on the raw p-value).
    """

    column: str
    value: str
    result: MetricResult
    versus_rest: Comparison
    p_adjusted: float | None
    significant: bool


def _period_start(dates: pd.Series, period: str) -> pd.Series:
    days = dates.dt.floor("D")
    if period == "day":
        return days
    if period == "week":  # ISO weeks, starting on Monday
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if period == "month":
        return days - pd.to_timedelta(days.dt.day - 1, unit="D")
    raise ValueError(f"unknown period {period!r}; expected day, week or month")


def _previous_start(start: pd.Timestamp, period: str) -> pd.Timestamp:
    if period == "day":
        return start - pd.Timedelta(days=1)
    if period == "week":
        return start - pd.Timedelta(days=7)
    return (start - pd.Timedelta(days=1)).replace(day=1)


def _require_columns(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not found; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )


def _parse_dates(column: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    dates = pd.to_datetime(column, errors="coerce", format="mixed")
    bad = column[dates.isna() & column.notna()]
    if len(bad):
        raise ValueError(f"column {name!r} has a value that is not a date: {bad.iloc[0]!r}")
    return dates


def metric_by_period(
    frame: pd.DataFrame,
    *,
    metric: str,
    period: str,
    date_column: str = "date",
    score_column: str = "score",
) -> tuple[PeriodRow, ...]:
    """The metric per day, ISO week (Monday first) or calendar month, oldest first.

    Dates are bucketed in the time zone they carry (convert to the reader's zone first). Each row
    after the first compares with the calendar period just before it, when that one has scores.
    """
    _require_columns(frame, [date_column, score_column])
    if period not in ("day", "week", "month"):
        raise ValueError(f"unknown period {period!r}; expected day, week or month")
    dates = _parse_dates(frame[date_column], date_column)
    scores = _numeric_column(frame, score_column)
    keep = dates.notna() & scores.notna()
    data = pd.DataFrame({"start": _period_start(dates[keep], period), "score": scores[keep]})
    groups = {
        start: group["score"].to_numpy(dtype=float) for start, group in data.groupby("start", sort=True)
    }
    rows = []
    for start, values in groups.items():
        before = groups.get(_previous_start(start, period))
        change = None if before is None else metric_compare(values, before, metric=metric)
        rows.append(PeriodRow(start.date(), metric_compute(values, metric=metric), change))
    return tuple(rows)


def metric_by_segment(
    frame: pd.DataFrame, *, metric: str, column: str, score_column: str = "score"
) -> tuple[SegmentRow, ...]:
    """The metric per value of a segment column, each against the rest, largest segment first.

    Rows with an unknown (NaN) value form no segment of their own but count in every "rest".
    """
    _require_columns(frame, [column, score_column])
    scores = _numeric_column(frame, score_column)
    has_score = scores.notna().to_numpy()
    values = scores.to_numpy(dtype=float)[has_score]
    raw = frame[column][has_score]
    labels = raw.astype(str).str.strip().where(raw.notna(), "").to_numpy(dtype=object)
    known = labels != ""
    counts = pd.Series(labels[known], dtype=object).value_counts(sort=False)
    order = sorted(counts.index, key=lambda v: (-counts[v], v))
    found = []
    for value in order:
        inside = known & (labels == value)
        found.append(
            (
                value,
                metric_compute(values[inside], metric=metric),
                metric_compare(values[inside], values[~inside], metric=metric),
            )
        )
    adjusted = _adjusted([comparison for _, _, comparison in found])
    return tuple(
        SegmentRow(column, value, result, comparison, p, p is not None and p < ALPHA)
        for (value, result, comparison), p in zip(found, adjusted, strict=True)
    )


def _adjusted(comparisons: list[Comparison | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values over one column's values (None where untested)."""
    tested = [i for i, c in enumerate(comparisons) if c is not None and c.p_value is not None]
    adjusted = dict(
        zip(tested, stats.benjamini_hochberg([comparisons[i].p_value for i in tested]), strict=True)
    )
    return [adjusted.get(i) for i in range(len(comparisons))]


def class_scores(counts: Mapping[str, float], metric: str) -> np.ndarray:
    """One representative score per response from class counts (``promoters``, ``passives``,
    ``detractors``) of a metric in ``CLASS_SCORES``: its value, interval and tests are those of
    the real scores."""
    promoter, passive, detractor = CLASS_SCORES[metric]
    return np.repeat(
        [promoter, passive, detractor],
        [int(counts["promoters"]), int(counts["passives"]), int(counts["detractors"])],
    ).astype(float)


def class_result(counts: Mapping[str, float], metric: str) -> MetricResult:
    """``metric_compute`` of ``class_scores(counts, metric)``, from the counts (no score array)."""
    return metric_compute_classes(
        int(counts["promoters"]), int(counts["passives"]), int(counts["detractors"]), metric=metric
    )


def class_compare_or_none(
    a_counts: Mapping[str, float], b_counts: Mapping[str, float], metric: str
) -> Comparison | None:
    """``metric_compare_or_none`` of the two sides' ``class_scores``, from the counts: the score
    arrays are built only for a small sample's permutation test."""
    a, b = class_result(a_counts, metric), class_result(b_counts, metric)
    if a.n < 2 or b.n < 2:
        return None
    return compare_results(
        a, b, metric=metric, values=lambda: (class_scores(a_counts, metric), class_scores(b_counts, metric))
    )


def metric_compare_or_none(a: np.ndarray, b: np.ndarray, metric: str) -> Comparison | None:
    """a against b; None unless each side has two scores (a test needs them)."""
    if len(a) < 2 or len(b) < 2:
        return None
    return metric_compare(a, b, metric=metric)


def comparison_as_dict(comparison: Comparison) -> dict[str, Any]:
    return {
        "difference": comparison.difference,
        "p_value": comparison.p_value,
        "significant": comparison.significant,
        "test": comparison.test,
    }


def segment_rows_as_dicts(found: list[tuple[str, MetricResult, Comparison | None]]) -> list[dict[str, Any]]:
    """Per value of one segment key, its metric against the rest, with the Benjamini-Hochberg
    adjusted p-value over the key's values (as ``metric_by_segment``)."""
    adjusted = _adjusted([comparison for _, _, comparison in found])
    return [
        {
            "value": value,
            "result": result.as_dict(),
            "versus_rest": comparison_as_dict(comparison) if comparison else None,
            "p_adjusted": p,
            "significant": p is not None and p < ALPHA,
        }
        for (value, result, comparison), p in zip(found, adjusted, strict=True)
    ]


def _numeric_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as numbers (blank = NaN); ValueError naming a value that is not a number."""
    series = frame[column]
    numbers = pd.to_numeric(series, errors="coerce")
    bad = series[numbers.isna() & series.notna() & series.astype(str).str.strip().ne("")]
    if len(bad):
        raise ValueError(f"column {column!r} has a value that is not a number: {bad.iloc[0]!r}")
    return numbers
