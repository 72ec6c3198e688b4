"""Where a topic concentrates: lift per segment value and per pair of values over counts per
cell (``segment_lifts``), with the one-sided Fisher test and the false-discovery-rate
adjustment; and the reduction of a per-row frame to those cells (``segment_cells``). Rules in
the package docstring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from analysis import stats

ALPHA = 0.05
MIN_SEGMENT_MENTIONS = 5
MIN_SEGMENT_SIZE = 10
COMBINATION_SEPARATOR = " & "


@dataclass(frozen=True)
class SegmentLift:
    column: str
    value: str
    mentions: int
    share_in_topic: float
    share_overall: float
    lift: float
    p_value: float | None


@dataclass(frozen=True)
class SegmentCell:
    """One segment value (``columns`` one name) or pair of values (two names) with the comments
    in it and the topic's mentions among them."""

    columns: tuple[str, ...]
    values: tuple[str, ...]
    comments: float
    mentions: float


@dataclass(frozen=True)
class SegmentCodes:
    """One segment column, or a pair of them, coded per comment row (-1 = unknown)."""

    columns: tuple[str, ...]
    codes: np.ndarray
    values: list[tuple[str, ...]]  # code -> the value(s)
    totals: np.ndarray  # code -> comments with that value
    parts: np.ndarray | None = None  # for a pair: code -> (code in first, code in second)


def segment_codes(frame: pd.DataFrame, columns: Sequence[str], is_comment: np.ndarray) -> list[SegmentCodes]:
    """Every segment column and every pair of them, coded over the comment rows."""
    singles: list[SegmentCodes] = []
    for column in columns:
        raw_codes, raw_values = pd.factorize(frame[column][is_comment], use_na_sentinel=True)
        # Clean the distinct values once: "北京 " and "北京" are one segment, blank is unknown.
        cleaned = [str(v).strip() for v in raw_values]
        names = sorted({c for c in cleaned if c})
        index = {name: i for i, name in enumerate(names)}
        mapping = np.array([index.get(c, -1) for c in cleaned] + [-1], dtype=np.int64)
        codes = mapping[raw_codes]  # raw code -1 (NaN) picks the trailing -1
        totals = np.bincount(codes[codes >= 0], minlength=len(names))
        singles.append(SegmentCodes((column,), codes, [(n,) for n in names], totals))
    segments = list(singles)
    for first, second in combinations(singles, 2):
        width = len(second.values)
        known = (first.codes >= 0) & (second.codes >= 0)
        combined = np.where(known, first.codes * width + second.codes, -1)
        present, codes = np.unique(combined[known], return_inverse=True)
        pair_codes = np.full(len(combined), -1, dtype=np.int64)
        pair_codes[known] = codes
        parts = (
            np.column_stack([present // width, present % width]) if len(present) else np.empty((0, 2), int)
        )
        values = [first.values[a] + second.values[b] for a, b in parts]
        totals = np.bincount(codes, minlength=len(present))
        segments.append(SegmentCodes(first.columns + second.columns, pair_codes, values, totals, parts))
    return segments


def segment_cells(topic_mask: np.ndarray, segments: list[SegmentCodes]) -> list[SegmentCell]:
    """The cells (value or pair of values) in which the topic has at least one mention, with
    the comments in each and the topic's mentions among them."""
    cells = []
    for segment in segments:
        codes = segment.codes[topic_mask]
        counts = np.bincount(codes[codes >= 0], minlength=len(segment.values))
        for code in np.flatnonzero(counts):
            cells.append(
                SegmentCell(
                    segment.columns, segment.values[code], int(segment.totals[code]), int(counts[code])
                )
            )
    return cells


def segment_lift_as_dict(segment: SegmentLift) -> dict:
    return {
        "column": segment.column,
        "value": segment.value,
        "mentions": segment.mentions,
        "share_in_topic": segment.share_in_topic,
        "share_overall": segment.share_overall,
        "lift": segment.lift,
        "p_value": segment.p_value,
    }


def segment_lifts(
    cells: Sequence[SegmentCell], topic_mentions: float, comments: float, max_segments: int
) -> tuple[SegmentLift, ...]:
    """The topic's significant segments, highest lift first, at most ``max_segments``."""
    if not comments or not topic_mentions:
        return ()
    supported = [c for c in cells if c.mentions >= MIN_SEGMENT_MENTIONS and c.comments >= MIN_SEGMENT_SIZE]
    # Values with lift <= 1 stay in the family the false discovery rate is controlled over;
    # they are dropped after the adjustment.
    rows = _pairs_that_add(supported, cells)
    in_both = np.array([int(c.mentions) for c in rows], dtype=np.int64)
    in_segment = np.array([int(c.comments) for c in rows], dtype=np.int64)
    # A candidate whose p-value is surely at least ALPHA enters the adjustment as 1.0, untested:
    # its adjusted p stays at least ALPHA either way, and so does each term m * p / rank it adds
    # to another's minimum, so every adjusted p below ALPHA (all that is reported) is the same.
    p_values = np.ones(len(rows))
    tested = np.flatnonzero(
        ~stats.fisher_greater_not_below(ALPHA, in_both, int(topic_mentions), in_segment, int(comments))
    )
    p_values[tested] = stats.fisher_greater_many(
        in_both[tested].tolist(), int(topic_mentions), in_segment[tested].tolist(), int(comments)
    )
    adjusted = stats.benjamini_hochberg(p_values.tolist())
    found = []
    for cell, p in zip(rows, adjusted, strict=True):
        share_in_topic, share_overall = cell.mentions / topic_mentions, cell.comments / comments
        lift = share_in_topic / share_overall
        if p < ALPHA and lift > 1.0:
            found.append(
                SegmentLift(
                    COMBINATION_SEPARATOR.join(cell.columns),
                    COMBINATION_SEPARATOR.join(cell.values),
                    int(cell.mentions),
                    share_in_topic,
                    share_overall,
                    lift,
                    p,
                )
            )
    found.sort(key=lambda s: (-s.lift, -s.mentions, s.column, s.value))
    return tuple(found[:max_segments])


def _pairs_that_add(supported: list[SegmentCell], cells: Sequence[SegmentCell]) -> list[SegmentCell]:
    """The single values, and the pairs worth reporting: only if, inside each of its two values
    alone, the other value still concentrates the topic (one-sided Fisher test within that
    value, p < ALPHA); otherwise "peak & office" would merely repeat "peak".

    Most pairs fail, and the exact tests are the costly part of a ranking with pairs, so they
    are run only where the outcome is open: a half whose count is not far above its expectation
    surely fails (``stats.fisher_greater_not_below``, arithmetic on the counts), which settles
    the pair; the first halves of the others are tested, then the second halves of the pairs
    whose first half passed (vectorised calls; the same p-values as testing every half)."""
    singles = {(c.columns[0], c.values[0]): c for c in cells if len(c.columns) == 1}
    pairs, firsts, seconds = [], [], []
    for cell in supported:
        if len(cell.columns) != 2:
            continue
        first, second = (singles.get(key) for key in zip(cell.columns, cell.values, strict=True))
        if first and second:
            pairs.append(cell)
            firsts.append(first)
            seconds.append(second)
    open_ = np.ones(len(pairs), dtype=bool)
    in_pair = np.array([int(pair.mentions) for pair in pairs], dtype=np.int64)
    pair_comments = np.array([int(pair.comments) for pair in pairs], dtype=np.int64)
    halves = []
    for parents in (firsts, seconds):
        mentions = np.array([int(parent.mentions) for parent in parents], dtype=np.int64)
        comments = np.array([int(parent.comments) for parent in parents], dtype=np.int64)
        halves.append((mentions, comments))
        if len(pairs):
            open_ &= ~stats.fisher_greater_not_below(ALPHA, in_pair, mentions, pair_comments, comments)
    for mentions, comments in halves:
        tested = np.flatnonzero(open_)
        p_values = stats.fisher_greater_each(
            in_pair[tested].tolist(),
            mentions[tested].tolist(),
            pair_comments[tested].tolist(),
            comments[tested].tolist(),
        )
        open_[tested] = np.asarray(p_values, dtype=float) < ALPHA
    adds = {id(pair) for pair, passed in zip(pairs, open_, strict=True) if passed}
    return [c for c in supported if len(c.columns) == 1 or id(c) in adds]
