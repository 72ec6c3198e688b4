"""Any segment attributes side by side: per value, the scored responses, the survey's metric with
its 95 % interval, the test against every other scored response of the scope, and the
small-sample flag. The maths is ``analysis.metrics``' (one copy).

Aggregated keys (``settings.ANALYSIS_SEGMENT_KEYS``) are answered as the metrics selector does
(aggregates or the slice's facts); any other attribute (a store, a rider) from the scope's facts,
grouped in SQL for the class metrics (NPS, CSAT: their counts are all the maths needs) or read as
scores for the means. A response without the attribute forms no segment of its own but counts in
every "rest".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform

from analysis import metrics
from analysis.metrics import CLASS_SCORES
from analysis.models import ResponseFacts
from analysis.selectors import metrics as metric_selectors
from analysis.selectors import scope as base
from analysis.services.aggregates import segment_keys

MAX_VALUES = 50  # values per attribute shown (the largest first); the rest are summed up as "more"
SAMPLE_FOR_KEYS = 500


def segment_attributes(scope: base.Scope) -> list[str]:
    """The attributes a scope's responses carry: the aggregated keys, then the others found on
    the latest responses, alphabetically."""
    latest = (
        ResponseFacts.objects.filter(survey=scope.survey)
        .order_by("-completed_day")
        .values_list("segments", flat=True)[:SAMPLE_FOR_KEYS]
    )
    found = {key for segments in latest for key in (segments or {})}
    aggregated = [k for k in segment_keys() if k in found]
    return aggregated + sorted(found - set(aggregated))


def _class_rows(scope: base.Scope, key: str, metric: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    scored = base.facts(scope).filter(primary_score__isnull=False)
    classes = {
        "promoters": Count("pk", filter=Q(is_promoter=True)),
        "detractors": Count("pk", filter=Q(is_detractor=True)),
        "scored": Count("pk"),
    }
    total = scored.aggregate(**classes)
    total["passives"] = total["scored"] - total["promoters"] - total["detractors"]
    rows = (
        scored.annotate(value=KeyTextTransform(key, "segments"))
        .values("value")
        .annotate(**classes)
        .order_by()
    )
    found = []
    for row in rows:
        if row["value"] in (None, ""):
            continue
        row["passives"] = row["scored"] - row["promoters"] - row["detractors"]
        rest = {f: total[f] - row[f] for f in ("promoters", "passives", "detractors")}
        found.append(
            (str(row["value"]), metrics.class_scores(row, metric), metrics.class_scores(rest, metric))
        )
    return found


def _score_rows(scope: base.Scope, key: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    rows = list(
        base.facts(scope)
        .filter(primary_score__isnull=False)
        .annotate(value=KeyTextTransform(key, "segments"))
        .order_by("completed_day", "-primary_score", "pk")
        .values_list("primary_score", "value")
    )
    scores = np.array([r[0] for r in rows], dtype=float)
    labels = np.array([str(r[1] if r[1] is not None else "") for r in rows], dtype=object)
    return [(value, scores[labels == value], scores[labels != value]) for value in sorted(set(labels) - {""})]


def _rows(found: list[tuple[str, np.ndarray, np.ndarray]], metric: str) -> list[dict]:
    found = [f for f in found if len(f[1])]
    found.sort(key=lambda f: (-len(f[1]), f[0]))
    return metrics.segment_rows_as_dicts(
        [
            (value, metrics.metric_compute(a, metric=metric), metrics.metric_compare_or_none(a, b, metric))
            for value, a, b in found[:MAX_VALUES]
        ]
    )


def segments_for_scope(*, scope: base.Scope, keys: Sequence[str]) -> dict:
    """``{"metric", "segments": {key: [row, ...]}}`` for each key asked (in the order asked), each
    row ``{"value", "result", "versus_rest", "p_adjusted", "significant"}`` as the metrics API's
    ``by_segment``, largest value first. A key the scope is filtered on has one value: no test."""
    metric = base.survey_metric(scope.survey)
    out: dict[str, list[dict]] = {}
    if metric is None:
        return {"metric": None, "segments": {key: [] for key in keys}}
    aggregated = [k for k in keys if k in segment_keys() and k not in scope.filters]
    if aggregated:
        by_segment = metric_selectors._by_segment(scope, metric)
        for key in aggregated:
            out[key] = by_segment.get(key, [])[:MAX_VALUES]
    for key in keys:
        if key in out:
            continue
        found = _class_rows(scope, key, metric) if metric in CLASS_SCORES else _score_rows(scope, key)
        out[key] = _rows(found, metric)
    return {"metric": metric, "segments": {key: out[key] for key in keys}}
