"""Topic impact on the metric, detractor rates, trend, and the ranking (rules in the package
docstring)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import metrics, stats
from analysis.painpoints.segments import (
    ALPHA,
    SegmentLift,
    segment_codes,
    segment_lift_as_dict,
    segment_lifts,
)

TOPIC_SEPARATOR = ";"


@dataclass(frozen=True)
class Trend:
    previous_mentions: int
    previous_share: float
    share: float
    change: float
    p_value: float | None
    significant: bool


@dataclass(frozen=True)
class TopicImpact:
    key: str
    mentions: int
    share: float
    detractor_rate: float | None
    overall_detractor_rate: float | None
    # points of the metric the topic costs (metric without those responses minus metric with them)
    impact: float | None
    trend: Trend | None
    segments: tuple[SegmentLift, ...]


def _comment_mask(frame: pd.DataFrame) -> np.ndarray:
    if "text" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    text = frame["text"]
    return (text.notna() & text.astype(str).str.strip().ne("")).to_numpy()


def _topic_positions(frame: pd.DataFrame, is_comment: np.ndarray) -> dict[str, np.ndarray]:
    """topic key -> positions (0-based, ascending) of the comment rows that mention it.

    A cell may be a list, tuple, set or array of keys, or one string of keys joined by ``;``;
    blank keys are dropped and a key repeated within a row counts once.
    """
    if "topics" not in frame.columns:
        raise ValueError(f"column 'topics' not found; columns: {', '.join(map(str, frame.columns))}")
    cells = pd.Series(frame["topics"].to_numpy(dtype=object), dtype=object)[is_comment]
    keys = cells.explode()  # lists, tuples, sets, arrays: one row per element, index = row position
    keys = keys[keys.notna()]
    if keys.empty:
        return {}
    # Few distinct raw values: clean each once (split on ";", strip), not once per row.
    codes, uniques = pd.factorize(keys.astype(str))
    rows = keys.index.to_numpy(dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    found: dict[str, list[np.ndarray]] = {}
    for code, raw in enumerate(uniques):
        members = rows[order[bounds[code] : bounds[code + 1]]]
        for part in str(raw).split(TOPIC_SEPARATOR):
            key = part.strip()
            if key:
                found.setdefault(key, []).append(members)
    return {key: np.unique(np.concatenate(found[key])) for key in sorted(found)}


def _scores(frame: pd.DataFrame) -> np.ndarray:
    if "score" not in frame.columns:
        return np.full(len(frame), np.nan)
    try:
        return metrics.to_float_array(frame["score"])
    except ValueError as exc:
        raise ValueError(f"column 'score': {exc}") from None


def _metric_terms(scores: np.ndarray, metric: str) -> np.ndarray:
    """Per-response terms whose mean is the metric (in report points), NaN where no score."""
    spec = metrics.spec_for(metric)
    metrics.clean_scores(scores, metric=metric)  # raises on a score outside the scale
    with np.errstate(invalid="ignore"):
        if spec.kind == "nps":
            terms = np.where(
                scores >= spec.promoter_min, 100.0, np.where(scores <= spec.detractor_max, -100.0, 0.0)
            )
        elif spec.kind == "share":
            terms = np.where(scores >= spec.share_min, 100.0, 0.0)
        else:
            terms = scores.astype(float)
    return np.where(np.isnan(scores), np.nan, terms)


def _impact_from_terms(terms: np.ndarray, mask_topic: np.ndarray) -> float:
    scored = ~np.isnan(terms)
    n_all = int(np.count_nonzero(scored))
    without = scored & ~mask_topic
    n_without = int(np.count_nonzero(without))
    if n_all == 0 or n_without == 0:
        return math.nan
    total = float(np.sum(terms[scored]))
    return float(np.sum(terms[without])) / n_without - total / n_all


def impact_of(scores_all, mask_topic, *, metric: str) -> float:
    """Points of the metric the topic costs: metric over the responses outside the mask minus the
    metric over all responses (NaN scores ignored). NPS in NPS points, shares x100, means in scale
    points. NaN when there is no score, or no scored response outside the mask."""
    scores = metrics.to_float_array(scores_all)
    mask = np.asarray(mask_topic, dtype=bool)
    if mask.shape != scores.shape:
        raise ValueError(f"mask_topic has {mask.shape[0]} entries but there are {scores.shape[0]} scores")
    return _impact_from_terms(_metric_terms(scores, metric), mask)


def _detractor_values(frame: pd.DataFrame, scores: np.ndarray, metric: str | None) -> np.ndarray:
    values = np.full(len(frame), np.nan)
    if "detractor_likelihood" in frame.columns:
        try:
            likelihood = metrics.to_float_array(frame["detractor_likelihood"])
        except ValueError as exc:
            raise ValueError(f"column 'detractor_likelihood': {exc}") from None
        bad = likelihood[(likelihood < 0) | (likelihood > 1)]
        if len(bad):
            raise ValueError(f"detractor_likelihood must lie in 0..1, found {bad[0]:g}")
        values = likelihood
    if metric is not None and metrics.spec_for(metric).detractor_max is not None:
        scored = ~np.isnan(scores)
        observed = metrics.detractor_mask(scores, metric=metric).astype(float)
        values = np.where(scored, observed, values)
    return values


def _rate(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return float(np.mean(known)) if len(known) else None


def _trend(mentions: int, comments: int, previous_mentions: int, previous_comments: int) -> Trend | None:
    if previous_comments == 0 or comments == 0:
        return None
    share = mentions / comments
    previous_share = previous_mentions / previous_comments
    test = stats.two_proportion_test(mentions, comments, previous_mentions, previous_comments)
    significant = test.p_value is not None and test.p_value < ALPHA
    return Trend(previous_mentions, previous_share, share, share - previous_share, test.p_value, significant)


def painpoint_rank(
    comments: pd.DataFrame,
    *,
    metric: str | None,
    segment_columns: Sequence[str] = (),
    previous: pd.DataFrame | None = None,
    min_mentions: int = 1,
    max_segments: int = 5,
) -> tuple[TopicImpact, ...]:
    """Every topic with at least ``min_mentions`` comments, ranked by what it costs the metric.

    An empty frame, or one with no topic, gives an empty tuple. ValueError for a missing column,
    an unknown metric or a score outside the metric's scale.
    """
    segment_columns = list(dict.fromkeys(segment_columns))
    missing = [c for c in segment_columns if c not in comments.columns]
    if missing:
        raise ValueError(
            f"segment column(s) {', '.join(map(repr, missing))} not found; "
            f"columns: {', '.join(map(str, comments.columns))}"
        )
    if metric is not None:
        metrics.spec_for(metric)
    frame = comments.reset_index(drop=True)
    is_comment = _comment_mask(frame)
    positions = _topic_positions(frame, is_comment)
    n_comments = int(np.count_nonzero(is_comment))
    if not positions or n_comments == 0:
        return ()

    scores = _scores(frame)
    terms = _metric_terms(scores, metric) if metric is not None else None
    detractor = _detractor_values(frame, scores, metric)
    overall_rate = _rate(detractor[is_comment])

    previous_counts: dict[str, int] = {}
    previous_comments = 0
    if previous is not None:
        previous_frame = previous.reset_index(drop=True)
        previous_is_comment = _comment_mask(previous_frame)
        previous_comments = int(np.count_nonzero(previous_is_comment))
        previous_counts = {
            k: len(v) for k, v in _topic_positions(previous_frame, previous_is_comment).items()
        }

    coded_segments = segment_codes(frame, segment_columns, is_comment)
    comment_index = np.flatnonzero(is_comment)

    results = []
    for key, rows in positions.items():
        mentions = len(rows)
        if mentions < max(1, min_mentions):
            continue
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        impact = None
        if terms is not None:
            value = _impact_from_terms(terms, mask)
            impact = None if math.isnan(value) else value
        trend = None
        if previous is not None:
            trend = _trend(mentions, n_comments, previous_counts.get(key, 0), previous_comments)
        segments = ()
        if segment_columns:
            segments = segment_lifts(mask[comment_index], coded_segments, max_segments)
        results.append(
            TopicImpact(
                key=key,
                mentions=mentions,
                share=mentions / n_comments,
                detractor_rate=_rate(detractor[rows]),
                overall_detractor_rate=overall_rate,
                impact=impact,
                trend=trend,
                segments=segments,
            )
        )
    results.sort(key=lambda t: (t.impact is None, -(t.impact or 0.0), -t.mentions, t.key))
    return tuple(results)


def topic_impact_as_dict(topic: TopicImpact) -> dict:
    """The ranking fields of a report topic (``key``, ``mentions``, ``share``, ``detractor_rate``,
    ``overall_detractor_rate``, ``impact``, ``trend``, ``segments``); the caller adds ``label``,
    ``keywords`` and ``examples``."""
    trend = None
    if topic.trend is not None:
        trend = {
            "previous_mentions": topic.trend.previous_mentions,
            "previous_share": topic.trend.previous_share,
            "share": topic.trend.share,
            "change": topic.trend.change,
            "p_value": topic.trend.p_value,
            "significant": topic.trend.significant,
        }
    return {
        "key": topic.key,
        "mentions": topic.mentions,
        "share": topic.share,
        "detractor_rate": topic.detractor_rate,
        "overall_detractor_rate": topic.overall_detractor_rate,
        "impact": topic.impact,
        "trend": trend,
        "segments": [segment_lift_as_dict(s) for s in topic.segments],
    }
