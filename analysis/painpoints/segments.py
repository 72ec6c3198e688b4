"""Where a topic concentrates: lift per segment value and per pair of values, with the
one-sided Fisher test and the false-discovery-rate adjustment (rules in the package docstring)."""

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


def segment_lifts(
    topic_mask: np.ndarray, segments: list[SegmentCodes], max_segments: int
) -> tuple[SegmentLift, ...]:
    """The topic's significant segments, highest lift first, at most ``max_segments``."""
    total = len(topic_mask)
    mentions = int(np.count_nonzero(topic_mask))
    if mentions == 0 or total == 0:
        return ()
    in_topic: dict[tuple[str, ...], np.ndarray] = {}
    candidates = []
    for segment in segments:
        codes = segment.codes[topic_mask]
        counts = np.bincount(codes[codes >= 0], minlength=len(segment.values))
        in_topic[segment.columns] = counts
        for code in np.flatnonzero(counts):
            in_both, in_segment = int(counts[code]), int(segment.totals[code])
            if in_both < MIN_SEGMENT_MENTIONS or in_segment < MIN_SEGMENT_SIZE:
                continue
            share_in_topic, share_overall = in_both / mentions, in_segment / total
            lift = share_in_topic / share_overall
            # Values with lift <= 1 stay in the family the false discovery rate is controlled
            # over; they are dropped after the adjustment.
            if segment.parts is not None and not _pair_adds(
                segment, code, in_both, in_segment, in_topic, segments
            ):
                continue
            p = stats.fisher_greater(in_both, mentions, in_segment, total)
            candidates.append((segment, code, in_both, share_in_topic, share_overall, lift, p))
    adjusted = stats.benjamini_hochberg([c[6] for c in candidates])
    found = [
        SegmentLift(
            COMBINATION_SEPARATOR.join(segment.columns),
            COMBINATION_SEPARATOR.join(segment.values[code]),
            in_both,
            share_in_topic,
            share_overall,
            lift,
            p,
        )
        for (segment, code, in_both, share_in_topic, share_overall, lift, _), p in zip(
            candidates, adjusted, strict=True
        )
        if p < ALPHA and lift > 1.0
    ]
    found.sort(key=lambda s: (-s.lift, -s.mentions, s.column, s.value))
    return tuple(found[:max_segments])


def _pair_adds(
    pair: SegmentCodes,
    code: int,
    in_both: int,
    in_segment: int,
    in_topic: dict[tuple[str, ...], np.ndarray],
    segments: list[SegmentCodes],
) -> bool:
    """A pair is worth reporting only if, inside each of its two values alone, the other value
    still concentrates the topic (one-sided Fisher test within that value, p < ALPHA): otherwise
    "peak & office" would merely repeat "peak"."""
    singles = {s.columns: s for s in segments if s.parts is None}
    for index, column in enumerate(pair.columns):
        parent = singles[(column,)]
        parent_code = int(pair.parts[code][index])
        parent_total = int(parent.totals[parent_code])
        parent_in_topic = int(in_topic[(column,)][parent_code])
        p = stats.fisher_greater(in_both, parent_in_topic, in_segment, parent_total)
        if p >= ALPHA:
            return False
    return True


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
