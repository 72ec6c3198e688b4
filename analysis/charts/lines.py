"""Lines over time: a trend with axes, ticks and its 95 % interval band, and a sparkline for a
table row."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analysis.charts.core import (
    BAND,
    INK,
    MUTED,
    PALETTE,
    Chart,
    Format,
    Scale,
    Table,
    Words,
    chart_id,
    empty_chart,
    esc,
    finite,
    frame,
    interval_text,
    nice_ticks,
    num,
    text_width,
    y_axis,
)

TOP = 28
RIGHT = 16
X_AXIS = 30
INSET = 10  # the first and last point stay off the axes


@dataclass(frozen=True)
class Point:
    """One period of a trend: its start date, value and interval, and its sample size."""

    x: dt.date
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    small_sample: bool = False


def _runs(items: Sequence, keep: Callable) -> list[list]:
    """Consecutive items for which ``keep`` holds (a missing period breaks the line)."""
    runs: list[list] = [[]]
    for item in items:
        if keep(item):
            runs[-1].append(item)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _label_stride(ticks: Sequence[tuple[float, str]], width: float, gap: float = 6) -> int:
    """The smallest k such that labelling every k-th tick (from the first) leaves ``gap`` px
    between neighbouring labels; a regular rhythm reads better than labels wherever they fit."""
    for stride in range(1, len(ticks) + 1):
        shown = ticks[::stride]
        apart = all(
            b_at - a_at >= (text_width(a) + text_width(b)) / 2 + gap
            for (a_at, a), (b_at, b) in itertools.pairwise(shown)
        )
        if apart:
            return stride
    return max(1, len(ticks))


def trend_chart(
    points: Sequence[Point],
    *,
    title: str,
    period_header: str,
    value_header: str,
    fmt: Format,
    date_fmt: Callable[[dt.date], str],
    tick_fmt: Format | None = None,
    count_fmt: Callable[[int], str] = str,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 640,
    height: int = 240,
) -> Chart:
    """The value per period as a line with a point per period (hollow for a small sample) over a
        hatched band from low to high; y ticks at round steps, x labels by ``date_fmt`` on every
        k-th period, k the smallest that keeps them apart. ``count_fmt`` writes the table's responses
    per period (grouped in the page's language)."""
    rows = sorted(
        (Point(p.x, finite(p.value), finite(p.low), finite(p.high), p.n, p.small_sample) for p in points),
        key=lambda p: p.x,
    )
    table = Table(
        caption=title,
        columns=(period_header, value_header, words.interval, words.n),
        rows=tuple(
            (
                date_fmt(p.x),
                "–"
                if p.value is None
                else fmt(p.value) + (f" ({words.small_sample})" if p.small_sample else ""),
                interval_text(p.low, p.high, fmt),
                "" if p.n is None else count_fmt(p.n),
            )
            for p in rows
        ),
    )
    known = [v for p in rows for v in (p.value, p.low, p.high) if v is not None]
    if not any(p.value is not None for p in rows):
        return empty_chart("trend", title, table, words, width)
    ticks = nice_ticks(min(known), max(known))
    shown = tick_fmt or fmt
    plot_left = max(40.0, max(text_width(shown(t)) for t in ticks) + 12)
    plot_right, plot_bottom = width - RIGHT, height - X_AXIS
    y = Scale(ticks[0], ticks[-1], plot_bottom, TOP)
    first, last = rows[0].x, rows[-1].x
    days = (last - first).days
    inner_left, inner_right = plot_left + INSET, plot_right - INSET

    def x(day: dt.date) -> float:
        return (
            (inner_left + inner_right) / 2
            if not days
            else Scale(0, days, inner_left, inner_right)((day - first).days)
        )

    prefix = chart_id("trend", title, table)
    body = [
        f'<text class="chart-axis-title" x="{num(plot_left)}" y="14" fill="{MUTED}">'
        f"{esc(value_header)}</text>",
        y_axis(y, ticks, left=plot_left, right=plot_right, fmt=shown),
        f'<line x1="{num(plot_left)}" x2="{num(plot_left)}" y1="{TOP}" y2="{num(plot_bottom)}" '
        f'stroke="{MUTED}"/>',
    ]
    for run in _runs(rows, lambda p: p.low is not None and p.high is not None):
        if len(run) == 1:  # a band needs two periods: a lone one shows its interval as a bar
            p = run[0]
            at, low, high = x(p.x), y(p.low), y(p.high)
            body.append(
                f'<g class="chart-band" stroke="{INK}" stroke-width="1.5">'
                f'<line x1="{num(at)}" x2="{num(at)}" y1="{num(low)}" y2="{num(high)}"/>'
                f'<line x1="{num(at - 5)}" x2="{num(at + 5)}" y1="{num(low)}" y2="{num(low)}"/>'
                f'<line x1="{num(at - 5)}" x2="{num(at + 5)}" y1="{num(high)}" y2="{num(high)}"/></g>'
            )
            continue
        upper = [f"{num(x(p.x))},{num(y(p.high))}" for p in run]
        lower = [f"{num(x(p.x))},{num(y(p.low))}" for p in reversed(run)]
        outline = " ".join(upper + lower)
        body.append(
            f'<g class="chart-band"><polygon points="{outline}" fill="{BAND}" fill-opacity="0.6"/>'
            f'<polygon points="{outline}" fill="url(#{prefix}-hatch)"/></g>'
        )
    for run in _runs(rows, lambda p: p.value is not None):
        line = " ".join(f"{num(x(p.x))},{num(y(p.value))}" for p in run)
        body.append(
            f'<polyline class="chart-line" points="{line}" fill="none" stroke="{PALETTE[0]}" '
            'stroke-width="2"/>'
        )
    for p in rows:
        if p.value is None:
            continue
        tip = f"{date_fmt(p.x)}: {fmt(p.value)}" + (f" ({words.small_sample})" if p.small_sample else "")
        fill = "#ffffff" if p.small_sample else PALETTE[0]
        body.append(
            f'<circle class="chart-point" cx="{num(x(p.x))}" cy="{num(y(p.value))}" r="3.5" fill="{fill}" '
            f'stroke="{PALETTE[0]}" stroke-width="1.5"><title>{esc(tip)}</title></circle>'
        )
    ticks = [(x(p.x), date_fmt(p.x)) for p in rows]
    stride = _label_stride(ticks, width)
    for index, (at, text) in enumerate(ticks):
        body.append(
            f'<line x1="{num(at)}" x2="{num(at)}" y1="{num(plot_bottom)}" y2="{num(plot_bottom + 4)}" '
            f'stroke="{MUTED}"/>'
        )
        if index % stride == 0:
            # a long label at either end is aligned to the edge rather than cut off by it
            half = text_width(text) / 2
            place, anchor = (width - 2, "end") if at + half > width else (at, "middle")
            place, anchor = (2, "start") if at - half < 0 else (place, anchor)
            body.append(
                f'<text class="chart-tick" x="{num(place)}" y="{num(plot_bottom + 18)}" '
                f'text-anchor="{anchor}" fill="{MUTED}">{esc(text)}</text>'
            )
    return frame("trend", title, table, width, height, "".join(body), words)


def sparkline(
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    title: str,
    label_header: str,
    value_header: str,
    fmt: Format,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 120,
    height: int = 28,
) -> Chart:
    """A line without axes for a table cell, the last value as a dot; its description lists
    every value, so a screen reader gets the series."""
    if len(values) != len(labels):
        raise ValueError(f"sparkline: {len(values)} values for {len(labels)} labels")
    numbers = [finite(v) for v in values]
    cells = tuple((text, "–" if v is None else fmt(v)) for text, v in zip(labels, numbers, strict=True))
    table = Table(caption=title, columns=(label_header, value_header), rows=cells)
    known = [v for v in numbers if v is not None]
    if not known:
        return empty_chart("sparkline", title, table, words, width, height)
    low, high = min(known), max(known)
    y = Scale(low, high, height - 4, 4) if high > low else Scale(0, 1, height / 2, height / 2)
    step = (width - 8) / (len(numbers) - 1) if len(numbers) > 1 else 0.0

    def x(index: int) -> float:
        return 4 + index * step if step else width / 2

    body = []
    indexed = list(enumerate(numbers))
    for run in _runs(indexed, lambda item: item[1] is not None):
        line = " ".join(f"{num(x(i))},{num(y(v))}" for i, v in run)
        body.append(
            f'<polyline class="chart-line" points="{line}" fill="none" stroke="{PALETTE[0]}" '
            'stroke-width="1.5"/>'
        )
    last = max(i for i, v in indexed if v is not None)
    body.append(f'<circle cx="{num(x(last))}" cy="{num(y(numbers[last]))}" r="2.5" fill="{INK}"/>')
    desc = "; ".join(f"{text}: {value}" for text, value in cells)
    return frame("sparkline", title, table, width, height, "".join(body), words, desc=desc)
