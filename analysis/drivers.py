"""Drivers: which matrix items and attributes move the primary score most.

Relative importance splits the R² of a linear model of the target on the drivers into one share
per driver, so correlated drivers share credit instead of fighting over coefficients:

- ``method="relative_weights"`` (default): Johnson's relative weights (2000), from the
  correlation matrix's symmetric square root; fast, any number of drivers.
- ``method="shapley"``: the exact Shapley value of R² (LMG, dominance analysis's general
  dominance), averaging each driver's R² gain over every subset of the others; up to
  ``MAX_SHAPLEY_DRIVERS`` drivers (2^p regressions per resample).

Both sum to the model's R². Intervals are bootstrap percentiles (``n_boot`` resamples of rows,
``seed`` fixes them, so a report repeats).

Numeric columns enter as they are. A text column (a categorical attribute: scenario, city) enters
as indicator columns against its most frequent value, and its importance is the sum of theirs;
it has no performance.

Rows with a missing value in the target or any driver are left out (listwise). ValueError, with
the column named, for a missing or constant column, a non-numeric target, or fewer than
``MIN_ROWS`` complete rows (or not more rows than model columns + 1).

The importance/performance table compares each numeric driver's importance with its mean score
(performance, rescaled 0..1 over ``scale``, by default the range the numeric drivers span):
importance is high when the driver's share of R² is at least the average share (1 / number of
drivers), performance is high when at least the average performance of the numeric drivers.
Quadrants: high importance + low performance = ``"fix first"``; high + high = ``"keep up"``;
low importance + high performance = ``"maintain"``; low + low = ``"low priority"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
import pandas as pd

MIN_ROWS = 20
MAX_SHAPLEY_DRIVERS = 12
CONFIDENCE = 0.95
FIX_FIRST = "fix first"
KEEP_UP = "keep up"
MAINTAIN = "maintain"
LOW_PRIORITY = "low priority"


@dataclass(frozen=True)
class DriverResult:
    driver: str
    importance: float  # the driver's part of R² (raw relative weight)
    share: float  # importance / R², 0..1
    low: float  # bootstrap interval of importance
    high: float
    rank: int  # 1 = most important
    correlation: float | None  # Pearson r with the target; None for a categorical driver
    performance: float | None  # mean of the driver; None for a categorical driver
    performance_scaled: float | None  # performance rescaled 0..1 over the scale
    quadrant: str | None  # "fix first" | "keep up" | "maintain" | "low priority"; None if categorical
    r_squared: float  # of the model with every driver
    n: int  # complete rows used


def _design(
    frame: pd.DataFrame, target: str, drivers: list[str]
) -> tuple[np.ndarray, np.ndarray, list[list[int]], list[bool], int]:
    """(X, y, column groups per driver, is-numeric per driver, rows)."""
    missing = [c for c in [target, *drivers] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not found; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    if not drivers:
        raise ValueError("no driver columns given")
    if target in drivers:
        raise ValueError(f"the target {target!r} cannot also be a driver")
    if len(set(drivers)) != len(drivers):
        raise ValueError("a driver column is listed twice")
    y_raw = pd.to_numeric(frame[target], errors="coerce")
    if y_raw.notna().sum() < frame[target].notna().sum():
        raise ValueError(f"the target column {target!r} has values that are not numbers")
    data = frame[[target, *drivers]].copy()
    data[target] = y_raw
    numeric = []
    for column in drivers:
        converted = pd.to_numeric(data[column], errors="coerce")
        is_numeric = bool(converted.notna().sum() == data[column].notna().sum())
        numeric.append(is_numeric)
        if is_numeric:
            data[column] = converted
    data = data.dropna()
    n = len(data)
    if n < MIN_ROWS:
        raise ValueError(
            f"too few rows for driver analysis: {n} complete row(s) (no missing value in {target!r} or any "
            f"driver), at least {MIN_ROWS} needed"
        )
    if data[target].nunique() < 2:
        raise ValueError(f"the target column {target!r} is constant: there is nothing to explain")
    constant = [c for c in drivers if data[c].nunique() < 2]
    if constant:
        raise ValueError(
            f"driver column(s) {', '.join(map(repr, constant))} are constant in the complete rows; "
            "they cannot explain anything, remove them"
        )
    columns: list[np.ndarray] = []
    groups: list[list[int]] = []
    for column, is_numeric in zip(drivers, numeric, strict=True):
        start = len(columns)
        if is_numeric:
            columns.append(data[column].to_numpy(dtype=float))
        else:
            values = data[column].astype(str)
            counts = values.value_counts()
            reference = sorted(counts.index, key=lambda v: (-counts[v], v))[0]
            for level in sorted(set(values) - {reference}):
                columns.append((values == level).to_numpy(dtype=float))
        groups.append(list(range(start, len(columns))))
    if n <= len(columns) + 1:
        raise ValueError(
            f"too few rows for driver analysis: {n} complete rows for {len(columns)} model columns; "
            "need more rows than columns + 1"
        )
    return np.column_stack(columns), data[target].to_numpy(dtype=float), groups, numeric, n


def _correlations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R_xx, r_xy); a column constant in this sample gets correlation 0 with everything."""
    full = np.column_stack([x, y])
    sd = full.std(axis=0)
    centred = full - full.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(sd > 0, centred / np.where(sd > 0, sd, 1.0), 0.0)
    corr = scaled.T @ scaled / len(full)
    np.fill_diagonal(corr, 1.0)
    return corr[:-1, :-1], corr[:-1, -1]


def _relative_weights(rxx: np.ndarray, rxy: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    eigenvalues, vectors = np.linalg.eigh(rxx)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    root = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    inverse_root = vectors @ np.diag([1 / np.sqrt(e) if e > 1e-10 else 0.0 for e in eigenvalues]) @ vectors.T
    beta = inverse_root @ rxy
    weights = (root**2) @ (beta**2)
    return np.array([weights[g].sum() for g in groups])


def _shapley(rxx: np.ndarray, rxy: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    p = len(groups)
    masks = np.arange(1 << p)
    # R² of every subset of drivers, indexed by the subset's bit mask.
    r2 = np.zeros(1 << p)
    by_width: dict[int, tuple[list[int], list[list[int]]]] = {}
    for mask in range(1, 1 << p):
        columns = [c for g in range(p) if mask >> g & 1 for c in groups[g]]
        subset_masks, subset_columns = by_width.setdefault(len(columns), ([], []))
        subset_masks.append(mask)
        subset_columns.append(columns)
    # One batched pseudo-inverse per subset width instead of 2^p small ones.
    for subset_masks, subset_columns in by_width.values():
        index = np.array(subset_columns)
        blocks = rxx[index[:, :, None], index[:, None, :]]
        r = rxy[index]
        r2[subset_masks] = np.einsum("mi,mij,mj->m", r, np.linalg.pinv(blocks, hermitian=True), r)
    sizes = np.array([bin(m).count("1") for m in range(1 << p)])
    # Shapley weight of adding a driver to a subset of `size` others: size! (p - size - 1)! / p!
    weights = np.array([factorial(k) * factorial(p - k - 1) / factorial(p) for k in range(p)])
    values = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        without = masks[(masks & bit) == 0]
        values[j] = float(np.sum(weights[sizes[without]] * (r2[without | bit] - r2[without])))
    return values


def _resample_correlations(columns: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_correlations`` of the resample that takes row i ``counts[i]`` times, by weighted
    moments of the rows as they are (``columns``: the drivers' columns then the target's, one
    per row of the array), without copying the resample's rows."""
    total = counts.sum()
    centred = columns - (columns @ counts / total)[:, None]
    cov = (centred * counts) @ centred.T / total
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    scale = np.outer(sd, sd)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(scale > 0, cov / np.where(scale > 0, scale, 1.0), 0.0)
    np.fill_diagonal(corr, 1.0)
    return corr[:-1, :-1], corr[:-1, -1]


def _importance_of(rxx: np.ndarray, rxy: np.ndarray, groups: list[list[int]], method: str) -> np.ndarray:
    if method == "shapley":
        return _shapley(rxx, rxy, groups)
    return _relative_weights(rxx, rxy, groups)


def _importance(x: np.ndarray, y: np.ndarray, groups: list[list[int]], method: str) -> np.ndarray:
    return _importance_of(*_correlations(x, y), groups, method)


def _quadrant(important: bool, performing: bool) -> str:
    if important:
        return KEEP_UP if performing else FIX_FIRST
    return MAINTAIN if performing else LOW_PRIORITY


def driver_importance(
    frame: pd.DataFrame,
    *,
    target: str,
    drivers: list[str],
    n_boot: int = 200,
    seed: int = 0,
    method: str = "relative_weights",
    scale: tuple[float, float] | None = None,
    confidence: float = CONFIDENCE,
) -> tuple[DriverResult, ...]:
    """Relative importance of each driver for the target, most important first, with bootstrap
    intervals and the importance/performance quadrant."""
    if method not in ("relative_weights", "shapley"):
        raise ValueError(f"unknown method {method!r}; expected relative_weights or shapley")
    if method == "shapley" and len(drivers) > MAX_SHAPLEY_DRIVERS:
        raise ValueError(
            f"shapley importance takes at most {MAX_SHAPLEY_DRIVERS} drivers ({len(drivers)} given); "
            "use method='relative_weights'"
        )
    if n_boot < 0:
        raise ValueError(f"n_boot must be 0 or more, got {n_boot}")
    x, y, groups, numeric, n = _design(frame, target, list(drivers))
    importance = _importance(x, y, groups, method)
    r_squared = float(importance.sum())

    rng = np.random.default_rng(seed)
    boots = np.empty((n_boot, len(groups)))
    columns = np.ascontiguousarray(np.column_stack([x, y]).T)
    for b in range(n_boot):
        # the resample's rows as counts per row: its correlations by weighted moments
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        boots[b] = _importance_of(*_resample_correlations(columns, counts), groups, method)
    tail = (1.0 - confidence) / 2.0 * 100.0
    if n_boot:
        lows, highs = np.percentile(boots, [tail, 100.0 - tail], axis=0)
    else:
        lows = highs = importance

    numeric_values = [x[:, groups[i][0]] for i, is_numeric in enumerate(numeric) if is_numeric]
    if scale is None and numeric_values:
        everything = np.concatenate(numeric_values)
        scale = (float(everything.min()), float(everything.max()))
    performance: list[float | None] = []
    scaled: list[float | None] = []
    correlation: list[float | None] = []
    for i, is_numeric in enumerate(numeric):
        if not is_numeric:
            performance.append(None)
            scaled.append(None)
            correlation.append(None)
            continue
        column = x[:, groups[i][0]]
        mean = float(column.mean())
        performance.append(mean)
        span = (scale[1] - scale[0]) if scale else 0.0
        scaled.append((mean - scale[0]) / span if span else 0.5)
        correlation.append(float(np.corrcoef(column, y)[0, 1]))
    known = [s for s in scaled if s is not None]
    performance_cut = float(np.mean(known)) if known else 0.0
    share_cut = 1.0 / len(groups)

    order = sorted(range(len(groups)), key=lambda i: (-importance[i], drivers[i]))
    results = []
    for rank, i in enumerate(order, start=1):
        share = float(importance[i] / r_squared) if r_squared > 0 else 0.0
        quadrant = None
        if scaled[i] is not None:
            quadrant = _quadrant(share >= share_cut, scaled[i] >= performance_cut)
        results.append(
            DriverResult(
                driver=drivers[i],
                importance=float(importance[i]),
                share=share,
                low=float(lows[i]),
                high=float(highs[i]),
                rank=rank,
                correlation=correlation[i],
                performance=performance[i],
                performance_scaled=scaled[i],
                quadrant=quadrant,
                r_squared=r_squared,
                n=n,
            )
        )
    return tuple(results)
