"""Where a topic concentrates: the segment values and pairs of values of a per-row frame,
reduced to counts per cell (``segment_cells``); the lifts and their tests are computed from those
counts in ``analysis.painpoints.counts`` (rules in the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

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
