"""The per-row path of the ranking: a frame with one row per response is reduced to the counts
of ``analysis.painpoints.counts`` (totals, and per topic its complaint mentions), which rank it
(rules in the package docstring)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import metrics
from analysis.painpoints import counts
from analysis.painpoints.counts import (
    Counts,
    Ranking,
    TopicImpact,
    Trend,
    topic_impact_as_dict,
)
from analysis.painpoints.segments import segment_cells, segment_codes

TOPIC_SEPARATOR = ";"
POLARITY_COLUMN = "topic_polarity"
COMPLAINT, NEUTRAL, PRAISE = counts.COMPLAINT, counts.NEUTRAL, counts.PRAISE

__all__ = [
    "TOPIC_SEPARATOR",
    "TopicImpact",
    "Trend",
    "impact_of",
    "painpoint_analyse",
    "painpoint_rank",
    "topic_impact_as_dict",
]


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


class _Rows:
    """Per-row arrays the counts are summed from."""

    def __init__(self, frame: pd.DataFrame, metric: str | None, is_comment: np.ndarray):
        scores = _scores(frame)
        spec = metrics.spec_for(metric) if metric is not None else None
        if metric is not None:
            metrics.clean_scores(scores, metric=metric)  # raises on a score outside the scale
        n = len(frame)
        self.is_comment = is_comment
        self.scored = ~np.isnan(scores) if spec is not None else np.zeros(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            success = spec.promoter_min if spec is not None and spec.promoter_min is not None else None
            if success is None and spec is not None:
                success = spec.share_min
            self.promoter = self.scored & (scores >= success) if success is not None else np.zeros(n, bool)
            has_detractors = spec is not None and spec.detractor_max is not None
            self.detractor = (
                self.scored & (scores <= spec.detractor_max) if has_detractors else np.zeros(n, bool)
            )
        self.passive = self.scored & ~self.promoter & ~self.detractor
        self.score = np.where(self.scored, scores, 0.0)
        self.square = self.score * self.score
        # Likelihoods stand in where no detractor class is observed.
        observed = self.scored if has_detractors else np.zeros(n, dtype=bool)
        likelihood = _likelihood(frame)
        self.likely = ~observed & ~np.isnan(likelihood)
        self.likelihood = np.where(self.likely, likelihood, 0.0)

    def counts(self, rows, *, comments: int, mentions: int, praise: int = 0, total: bool = False) -> Counts:
        """Counts over ``rows`` (positions or a mask). ``total``: the scope's totals, whose
        comment counts are over its comment rows only."""
        scored = self.scored[rows]
        comment = self.is_comment[rows] if total else np.ones(len(scored), dtype=bool)
        return Counts(
            responses=float(len(scored)),
            scored=float(np.count_nonzero(scored)),
            promoters=float(np.count_nonzero(self.promoter[rows])),
            passives=float(np.count_nonzero(self.passive[rows])),
            detractors=float(np.count_nonzero(self.detractor[rows])),
            score_sum=float(np.sum(self.score[rows])),
            score_sum_squares=float(np.sum(self.square[rows])),
            comments=float(comments),
            scored_comments=float(np.count_nonzero(scored & comment)),
            mentions=float(mentions),
            detractor_mentions=float(np.count_nonzero(self.detractor[rows] & comment)),
            likelihood_comments=float(np.count_nonzero(self.likely[rows] & comment)),
            likelihood_sum=float(np.sum(self.likelihood[rows][comment])),
            praise_mentions=float(praise),
        )


def _likelihood(frame: pd.DataFrame) -> np.ndarray:
    if "detractor_likelihood" not in frame.columns:
        return np.full(len(frame), np.nan)
    try:
        likelihood = metrics.to_float_array(frame["detractor_likelihood"])
    except ValueError as exc:
        raise ValueError(f"column 'detractor_likelihood': {exc}") from None
    bad = likelihood[(likelihood < 0) | (likelihood > 1)]
    if len(bad):
        raise ValueError(f"detractor_likelihood must lie in 0..1, found {bad[0]:g}")
    return likelihood


def _polarity_cell(value, row: int) -> dict:
    """A ``topic_polarity`` cell: a dict (or its JSON text) topic key -> -1, 0 or 1; blank = {}."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(
                f"column '{POLARITY_COLUMN}', row {row}: {value!r} is not a JSON object"
            ) from None
    if not isinstance(value, dict):
        raise ValueError(
            f"column '{POLARITY_COLUMN}', row {row}: {value!r} is not an object of topic -> polarity"
        )
    out = {}
    for key, polarity in value.items():
        if polarity not in (COMPLAINT, NEUTRAL, PRAISE) or isinstance(polarity, bool):
            raise ValueError(
                f"column '{POLARITY_COLUMN}', row {row}: polarity {polarity!r} of {key!r} is not -1, 0 or 1"
            )
        out[str(key).strip()] = int(polarity)
    return out


def _split_by_polarity(
    frame: pd.DataFrame, positions: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Each topic's complaint positions and its number of praise mentions. Without the column
    every mention is a complaint; a topic the row's object does not name counts as a complaint."""
    if POLARITY_COLUMN not in frame.columns:
        return positions, {}
    cells = frame[POLARITY_COLUMN].to_numpy(dtype=object)
    parsed: dict[int, dict] = {}
    complaints, praise = {}, {}
    for key, rows in positions.items():
        keep = []
        praised = 0
        for row in rows.tolist():
            if row not in parsed:
                parsed[row] = _polarity_cell(cells[row], row)
            polarity = counts.mention_polarity(parsed[row], key)
            if polarity == COMPLAINT:
                keep.append(row)
            elif polarity == PRAISE:
                praised += 1
        complaints[key] = np.asarray(keep, dtype=np.int64)
        praise[key] = praised
    return complaints, praise


def _reduce(
    frame: pd.DataFrame, metric: str | None
) -> tuple[Counts, dict[str, Counts], dict[str, np.ndarray]]:
    """The frame's totals, each topic's counts (its complaint mentions) and their positions."""
    is_comment = _comment_mask(frame)
    positions, praise = _split_by_polarity(frame, _topic_positions(frame, is_comment))
    rows = _Rows(frame, metric, is_comment)
    n_comments = int(np.count_nonzero(is_comment))
    total = rows.counts(np.arange(len(frame)), comments=n_comments, mentions=0, total=True)
    topics = {
        key: rows.counts(found, comments=len(found), mentions=len(found), praise=praise.get(key, 0))
        for key, found in positions.items()
    }
    return total, topics, positions


def impact_of(scores_all, mask_topic, *, metric: str) -> float:
    """Points of the metric the topic costs: metric over the responses outside the mask minus the
    metric over all responses (NaN scores ignored). NPS in NPS points, shares x100, means in scale
    points. NaN when there is no score, or no scored response outside the mask."""
    scores = metrics.to_float_array(scores_all)
    mask = np.asarray(mask_topic, dtype=bool)
    if mask.shape != scores.shape:
        raise ValueError(f"mask_topic has {mask.shape[0]} entries but there are {scores.shape[0]} scores")
    frame = pd.DataFrame({"score": scores})
    rows = _Rows(frame, metric, np.ones(len(scores), dtype=bool))
    total = rows.counts(np.arange(len(scores)), comments=len(scores), mentions=0, total=True)
    topic = rows.counts(np.flatnonzero(mask), comments=0, mentions=0)
    value = counts.impact(total, topic, metric)
    return math.nan if value is None else value


def painpoint_analyse(
    comments: pd.DataFrame,
    *,
    metric: str | None,
    segment_columns: Sequence[str] = (),
    previous: pd.DataFrame | None = None,
    min_mentions: int = 1,
    max_segments: int = 5,
) -> Ranking:
    """The ranked pain points (``topics``) and the topics mostly praised (``strengths``).

    An empty frame, or one with no topic, gives empty tuples. ValueError for a missing column,
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
    total, topics, positions = _reduce(frame, metric)
    if not topics or total.comments == 0:
        return Ranking((), ())
    previous_total = previous_topics = None
    if previous is not None:
        previous_frame = previous.reset_index(drop=True)
        previous_total, previous_topics, _ = _reduce(previous_frame, None)
    cells = {}
    if segment_columns:
        is_comment = _comment_mask(frame)
        coded = segment_codes(frame, segment_columns, is_comment)
        comment_index = np.flatnonzero(is_comment)
        for key, found in positions.items():
            if len(found) < max(1, min_mentions):
                continue
            mask = np.zeros(len(frame), dtype=bool)
            mask[found] = True
            cells[key] = segment_cells(mask[comment_index], coded)
    return counts.topics_rank(
        total=total,
        topics=topics,
        metric=metric,
        cells=cells,
        previous_total=previous_total,
        previous_topics=previous_topics,
        min_mentions=min_mentions,
        max_segments=max_segments,
    )


def painpoint_rank(
    comments: pd.DataFrame,
    *,
    metric: str | None,
    segment_columns: Sequence[str] = (),
    previous: pd.DataFrame | None = None,
    min_mentions: int = 1,
    max_segments: int = 5,
) -> tuple[TopicImpact, ...]:
    """``painpoint_analyse(...).topics``: every topic with at least ``min_mentions`` complaint
    mentions, ranked."""
    return painpoint_analyse(
        comments,
        metric=metric,
        segment_columns=segment_columns,
        previous=previous,
        min_mentions=min_mentions,
        max_segments=max_segments,
    ).topics
