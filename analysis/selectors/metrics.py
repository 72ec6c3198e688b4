"""The survey's metric over a scope: with its interval, per period, per segment value (each
against the rest) and against the previous period. Counts come from the aggregates or the facts
(``analysis.selectors.scope``); the maths is ``analysis.metrics``'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, Sum
from django.db.models.fields.json import KeyTextTransform

from analysis import metrics
from analysis.metrics import CLASS_SCORES
from analysis.selectors import scope as base
from analysis.selectors import tables
from analysis.services.aggregates import segment_keys
from responses.models import Invitation
from surveys.models import Survey


def _slice_by_day(scope: base.Scope, *, segments: bool) -> pd.DataFrame:
    """A filtered slice on PostgreSQL: its class counts per day (the rows without a segment)
    and, with ``segments``, per day and segment value: one read of the slice (found by index)
    for both the days' scores and the segment breakdown (``_over_days``)."""
    return tables.slice_table(scope, segment_keys() if segments else (), by_day=True, topics=False)


def _over_days(table: pd.DataFrame) -> pd.DataFrame:
    """A ``_slice_by_day`` table with segments summed over the days: what
    ``tables.slice_table(..., by_day=False)`` counts, without reading the slice again."""
    if table.empty:
        return table.drop(columns="day")
    keys = ["segment_key", "segment_value", "topic_key"]
    return table.drop(columns="day").groupby(keys, as_index=False, sort=True).sum()


def _scores_by_day(scope: base.Scope, metric: str, sliced=None) -> dict[dt.date, np.ndarray]:
    """The scores of each day: stored ones, or for class metrics one representative score per
    response from the class counts (the metric and its tests depend only on the counts), read
    from aggregates or, for a filtered slice on PostgreSQL, counted in SQL (``sliced``: reads
    the scope's ``_slice_by_day`` with segments, once for the days and the segments)."""
    pair = scope.pair_row if base.in_database() else None
    if metric in CLASS_SCORES and (scope.from_aggregates or pair):
        # One grouped query over the scope's total rows (one per day), not every row of a day;
        # two aggregated keys: their pair rows (days with no score left out, as in the facts).
        ((key, value),) = (pair,) if pair else scope.filters.items() if scope.filters else (("", ""),)
        classes = ("promoters", "passives", "detractors")
        rows = (
            base.aggregates(scope)
            .filter(segment_key=key, segment_value=value, topic_key="")
            .values("day")
            .annotate(**{f: Sum(f) for f in classes})
            .order_by()
        )
        return {
            row["day"]: metrics.class_scores(row, metric)
            for row in rows
            if not pair or sum(row[f] for f in classes)
        }
    if metric in CLASS_SCORES and base.in_database():
        # A filtered slice on PostgreSQL: the class counts per day, counted in SQL.
        table = sliced() if sliced else _slice_by_day(scope, segments=False)
        table = table[table["segment_key"] == ""] if not table.empty else table
        return {
            row["day"]: metrics.class_scores(row, metric) for row in table.to_dict("records") if row["scored"]
        }
    # Highest score first within a day (the order of the class counts' scores: the same codes
    # in the same order, which a small sample's seeded permutation test depends on).
    rows = list(
        base.facts(scope)
        .filter(primary_score__isnull=False)
        .order_by("completed_day", "-primary_score", "pk")
        .values_list("completed_day", "primary_score")
    )
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["day", "score"])
    return {day: group.to_numpy(dtype=float) for day, group in frame.groupby("day")["score"]}


def _joined(arrays) -> np.ndarray:
    arrays = list(arrays)
    return np.concatenate(arrays) if arrays else np.zeros(0)


def _period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":  # ISO weeks, Monday first
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _previous_start(start: dt.date, period: str) -> dt.date:
    if period == "week":
        return start - dt.timedelta(days=7)
    if period == "month":
        return (start - dt.timedelta(days=1)).replace(day=1)
    return start - dt.timedelta(days=1)


def _by_period(days: dict[dt.date, np.ndarray], metric: str, period: str) -> list[dict]:
    """The metric per day / ISO week / month, each against the calendar period before it."""
    grouped: dict[dt.date, list[np.ndarray]] = {}
    for day, values in days.items():
        grouped.setdefault(_period_start(day, period), []).append(values)
    arrays = {start: _joined(parts) for start, parts in sorted(grouped.items())}
    rows = []
    for start, values in arrays.items():
        before = arrays.get(_previous_start(start, period))
        change = metrics.metric_compare_or_none(values, before, metric) if before is not None else None
        rows.append(
            {
                "period": start.isoformat(),
                "result": metrics.metric_compute(values, metric=metric).as_dict(),
                "change": metrics.comparison_as_dict(change) if change else None,
            }
        )
    return rows


def _by_segment(scope: base.Scope, metric: str, sliced=None) -> dict[str, list[dict]]:
    """Per aggregated segment key: each value's metric against every other scored response.
    Class metrics are computed from the class counts (``metrics.class_result``), the same values
    as from their representative scores without an array per value and per rest."""
    groups: dict[str, list[tuple]] = {}
    if metric in CLASS_SCORES and not scope.filters:
        table = tables.count_table(scope)
        totals = table[(table["segment_key"] != "") & (table["topic_key"] == "")]
        total = tables.totals_dict(table)
        for key, group in totals.groupby("segment_key", sort=True):
            for row in group.to_dict("records"):
                rest = {f: total[f] - row[f] for f in ("promoters", "passives", "detractors")}
                groups.setdefault(key, []).append(
                    _classes_versus_rest(row["segment_value"], row, rest, metric)
                )
    elif metric in CLASS_SCORES and scope.from_aggregates:
        # One filter: class counts per other value from the pair rows.
        total = tables.totals_dict(tables.count_table(scope))
        classes = ("promoters", "passives", "detractors")
        table = tables.pair_table(scope, classes, topics=False).sort_values(["segment_key", "segment_value"])
        for row in table.to_dict("records"):
            rest = {f: total[f] - row[f] for f in classes}
            groups.setdefault(row["segment_key"], []).append(
                _classes_versus_rest(row["segment_value"], row, rest, metric)
            )
    elif metric in CLASS_SCORES and base.in_database():
        # A filtered slice on PostgreSQL: the class counts of every value of every key, one
        # GROUPING SETS query over the slice (found by index).
        table = _over_days(sliced() if sliced else _slice_by_day(scope, segments=True))
        total = tables.totals_dict(table)
        classes = ("promoters", "passives", "detractors")
        rows = table[(table["segment_key"] != "") & (table["topic_key"] == "")]
        for key in segment_keys():
            if key in scope.filters:
                continue
            for row in rows[rows["segment_key"] == key].to_dict("records"):
                rest = {f: total[f] - row[f] for f in classes}
                groups.setdefault(key, []).append(
                    _classes_versus_rest(row["segment_value"], row, rest, metric)
                )
    elif metric in CLASS_SCORES:
        # A filtered slice: class counts per value, grouped in the database (no rows read out).
        scored = base.facts(scope).filter(primary_score__isnull=False)
        classes = {
            "promoters": Count("pk", filter=Q(is_promoter=True)),
            "detractors": Count("pk", filter=Q(is_detractor=True)),
            "scored": Count("pk"),
        }
        total = scored.aggregate(**classes)
        total["passives"] = total["scored"] - total["promoters"] - total["detractors"]
        for key in segment_keys():
            if key in scope.filters:
                continue
            rows = (
                scored.annotate(value=KeyTextTransform(key, "segments"))
                .values("value")
                .annotate(**classes)
                .order_by()
            )
            for row in rows:
                if row["value"] in (None, ""):
                    continue  # unknown: no segment of its own, counted in every "rest"
                row["passives"] = row["scored"] - row["promoters"] - row["detractors"]
                rest = {f: total[f] - row[f] for f in ("promoters", "passives", "detractors")}
                groups.setdefault(key, []).append(_classes_versus_rest(str(row["value"]), row, rest, metric))
    else:
        rows = list(
            base.facts(scope)
            .filter(primary_score__isnull=False)
            .order_by("completed_day", "-primary_score", "pk")
            .values_list("primary_score", "segments")
        )
        scores = np.array([r[0] for r in rows], dtype=float)
        for key in segment_keys():
            labels = np.array([str(r[1].get(key) or "") for r in rows], dtype=object)
            for value in sorted(set(labels) - {""}):
                inside = labels == value
                a, b = scores[inside], scores[~inside]
                groups.setdefault(key, []).append(
                    (
                        value,
                        metrics.metric_compute(a, metric=metric),
                        metrics.metric_compare_or_none(a, b, metric),
                    )
                )
    out = {}
    for key, found in groups.items():
        found = [f for f in found if f[1].n]
        found.sort(key=lambda f: (-f[1].n, f[0]))
        out[key] = metrics.segment_rows_as_dicts(found)
    return out


def _classes_versus_rest(value: str, row, rest, metric: str) -> tuple:
    """(value, its metric, its comparison with the rest) from class counts."""
    return value, metrics.class_result(row, metric), metrics.class_compare_or_none(row, rest, metric)


def _response_rate(scope: base.Scope) -> dict | None:
    invitations = Invitation.objects.filter(
        survey=scope.survey,
        sent_at__date__gte=scope.date_from,
        sent_at__date__lte=scope.date_to,
    )
    if scope.filters:
        return None  # invitations carry their context, not the response's segments: not comparable
    sent = invitations.count()
    if not sent:
        return None
    answered = invitations.filter(response__status="completed").count()
    return metrics.response_rate(answered, sent).as_dict()


def metrics_for_scope(
    *,
    survey: Survey,
    date_from: dt.date,
    date_to: dt.date,
    filters: Mapping[str, str] | None = None,
    period: str = "week",
    segments: bool = True,
) -> dict[str, Any]:
    """The survey's metric over the scope with its interval, per period, per segment (each
    against the rest), and against the previous period of equal length. ``segments=False``:
    no breakdown per segment (``by_segment`` empty; a page that does not show it)."""
    scope = base.Scope(survey, date_from, date_to, dict(filters or {}))
    metric = base.survey_metric(survey)
    header = {
        "survey": survey.key,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "filters": dict(scope.filters),
        "period": period,
        "metric": metric,
        "source": "aggregates" if (scope.from_aggregates and metric in CLASS_SCORES) else "facts",
    }
    if metric is None:
        return {
            **header,
            "overall": None,
            "previous": None,
            "by_period": [],
            "by_segment": {},
            "response_rate": None,
        }
    # A filtered slice on PostgreSQL is read once for its days and its segments.
    sliced = cache(partial(_slice_by_day, scope, segments=True)) if segments else None
    days = _scores_by_day(scope, metric, sliced)
    scores = _joined(days.values())
    previous = scope.previous()
    previous_scores = _joined(_scores_by_day(previous, metric).values())
    comparison = (
        metrics.metric_compare(scores, previous_scores, metric=metric) if len(previous_scores) else None
    )
    by_period = _by_period(days, metric, period)
    return {
        **header,
        "overall": metrics.metric_compute(scores, metric=metric).as_dict(),
        "previous": {
            "from": previous.date_from.isoformat(),
            "to": previous.date_to.isoformat(),
            "result": metrics.metric_compute(previous_scores, metric=metric).as_dict(),
            "comparison": metrics.comparison_as_dict(comparison) if comparison else None,
        },
        "by_period": by_period,
        "by_segment": _by_segment(scope, metric, sliced) if segments else {},
        "response_rate": _response_rate(scope),
    }
