"""Horizontal bars: one value per row (ranked, with interval whiskers), groups of series side by
side, and a funnel. Labels sit left of the bars and are cut to the label column, values sit in a
column on the right, the value axis is at the bottom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analysis.charts.core import (
    INK,
    MUTED,
    NEGATIVE,
    PALETTE,
    Chart,
    Estimate,
    Format,
    Scale,
    Table,
    Words,
    chart_id,
    empty_chart,
    esc,
    finite,
    fit,
    frame,
    interval_text,
    label,
    label_column,
    num,
    series_overlay,
    text_width,
    ticks_for,
    whisker,
    x_axis,
)

TOP = 8
ROW = 24
BAR = 14
AXIS = 24
VALUE_COLUMN = 72
GROUP_BAR = 12
GROUP_PITCH = 15
GROUP_GAP = 10
LEGEND_ROW = 20
FUNNEL_VALUE_COLUMN = 128


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    small_sample: bool = False


@dataclass(frozen=True)
class Group:
    """One group of a grouped bar chart: an estimate per series (None where there is none)."""

    label: str
    values: Sequence[Estimate | None]


@dataclass(frozen=True)
class FunnelStep:
    label: str
    count: int


def _shown(value: float | None, fmt: Format, small: bool) -> str:
    return "–" if value is None else fmt(value) + (" *" if small else "")


def _value_text(x: float, y: float, value: float | None, fmt: Format, small: bool, words: Words, room: float):
    text = _shown(value, fmt, small)
    tip = f"<title>{esc(words.small_sample)}</title>" if small and value is not None else ""
    return (
        f'<text class="chart-value" x="{num(x)}" y="{num(y)}" fill="{INK}">{tip}{esc(fit(text, room))}</text>'
    )


def _bar_rect(prefix: str, scale: Scale, value: float, y: float, height: float, fill: str, overlay: str):
    """A bar from zero to ``value``; ``overlay`` "small" draws it pale, outlined and hatched (a
    small sample), any other overlay is the series' pattern."""
    x0, x1 = scale(0.0), scale(value)
    left, size = min(x0, x1), abs(x1 - x0)
    geometry = f'x="{num(left)}" y="{num(y)}" width="{num(size)}" height="{num(height)}"'
    pale = f' fill-opacity="0.45" stroke="{fill}"' if overlay == "small" else ""
    classes = "chart-bar chart-bar-negative" if value < 0 else "chart-bar"
    out = f'<rect class="{classes}" {geometry} fill="{fill}"{pale}/>'
    if overlay:
        out += f'<rect {geometry} fill="url(#{prefix}-{overlay})"/>'
    return out


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    label_header: str,
    value_header: str,
    fmt: Format,
    tick_fmt: Format | None = None,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 640,
    label_width: int = 200,
    whole_ticks: bool = False,
) -> Chart:
    """Horizontal bars in the given order (rank them before), negative values left of the zero
    line, each interval as a whisker; a small sample is hatched and its value marked ``*``. The
    table has an interval column when any bar has an interval. The label column is as wide as
    the longest label, at most ``label_width``; ``whole_ticks`` for counts."""
    rows = [Bar(b.label, finite(b.value), finite(b.low), finite(b.high), b.small_sample) for b in bars]
    kept = 3 if any(b.low is not None and b.high is not None for b in rows) else 2
    table = Table(
        caption=title,
        columns=(label_header, value_header, words.interval)[:kept],
        rows=tuple(
            (
                b.label,
                "–"
                if b.value is None
                else fmt(b.value) + (f" ({words.small_sample})" if b.small_sample else ""),
                interval_text(b.low, b.high, fmt),
            )[:kept]
            for b in rows
        ),
    )
    if not any(b.value is not None for b in rows):
        return empty_chart("bar", title, table, words, width)
    ticks = ticks_for(
        [v for b in rows for v in (b.value, b.low, b.high) if v is not None],
        include_zero=True,
        whole=whole_ticks,
    )
    label_width = label_column([b.label for b in rows], label_width)
    plot_left, plot_right = label_width, width - VALUE_COLUMN
    scale = Scale(ticks[0], ticks[-1], plot_left, plot_right)
    bottom = TOP + len(rows) * ROW
    prefix = chart_id("bar", title, table)
    body = [x_axis(scale, ticks, top=TOP, bottom=bottom, fmt=tick_fmt or fmt)]
    for index, bar in enumerate(rows):
        y = TOP + index * ROW
        middle = y + ROW / 2
        body.append(label(label_width - 8, middle + 4, bar.label, label_width - 14, anchor="end", fill=INK))
        if bar.value is not None:
            fill = NEGATIVE if bar.value < 0 else PALETTE[0]
            overlay = "small" if bar.small_sample else ""
            body.append(_bar_rect(prefix, scale, bar.value, middle - BAR / 2, BAR, fill, overlay))
        if bar.low is not None and bar.high is not None:
            body.append(whisker(scale(bar.low), scale(bar.high), middle))
        body.append(
            _value_text(
                plot_right + 8, middle + 4, bar.value, fmt, bar.small_sample, words, VALUE_COLUMN - 10
            )
        )
    return frame("bar", title, table, width, bottom + AXIS, "".join(body), words)


def _legend(prefix: str, series: Sequence[str], width: int, left: float) -> tuple[str, float]:
    """Swatches (fill and pattern of each series) with names, wrapped to the width; returns the
    markup and its height."""
    out, x, y = [], left, TOP
    for index, name in enumerate(series):
        shown = fit(name, 160)
        size = 12 + 6 + text_width(shown) + 16
        if x + size > width and x > left:
            x, y = left, y + LEGEND_ROW
        overlay = series_overlay(index)
        out.append(
            f'<rect x="{num(x)}" y="{num(y)}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
        )
        if overlay:
            out.append(
                f'<rect x="{num(x)}" y="{num(y)}" width="12" height="12" fill="url(#{prefix}-{overlay})"/>'
            )
        out.append(label(x + 18, y + 10, name, 160, fill=INK))
        x += size
    return '<g class="chart-legend">' + "".join(out) + "</g>", y + LEGEND_ROW - TOP


def grouped_bar_chart(
    groups: Sequence[Group],
    series: Sequence[str],
    *,
    title: str,
    group_header: str,
    fmt: Format,
    tick_fmt: Format | None = None,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 640,
    label_width: int = 200,
) -> Chart:
    """For each group (a segment value) one bar per series side by side, each with its
    interval; series differ by colour and pattern (readable in grey), named in a legend."""
    for group in groups:
        if len(group.values) != len(series):
            raise ValueError(f"group {group.label!r} has {len(group.values)} values for {len(series)} series")
    cells = [
        [
            None if e is None else Estimate(finite(e.value), finite(e.low), finite(e.high), e.small_sample)
            for e in g.values
        ]
        for g in groups
    ]
    columns = [group_header]
    for name in series:
        columns += [name, f"{name}: {words.interval}"]
    table = Table(
        caption=title,
        columns=tuple(columns),
        rows=tuple(
            (
                group.label,
                *[
                    text
                    for e in row
                    for text in (
                        _shown(None if e is None else e.value, fmt, False)
                        + (
                            f" ({words.small_sample})"
                            if e is not None and e.small_sample and e.value is not None
                            else ""
                        ),
                        "" if e is None else interval_text(e.low, e.high, fmt),
                    )
                ],
            )
            for group, row in zip(groups, cells, strict=True)
        ),
    )
    known = [
        v for row in cells for e in row if e is not None for v in (e.value, e.low, e.high) if v is not None
    ]
    if not known:
        return empty_chart("grouped", title, table, words, width)
    prefix = chart_id("grouped", title, table)
    label_width = label_column([g.label for g in groups], label_width)
    legend, legend_height = _legend(prefix, series, width, label_width)
    top = TOP + legend_height
    block = len(series) * GROUP_PITCH + GROUP_GAP
    bottom = top + len(groups) * block
    ticks = ticks_for(known, include_zero=True)
    plot_left, plot_right = label_width, width - VALUE_COLUMN
    scale = Scale(ticks[0], ticks[-1], plot_left, plot_right)
    body = [legend, x_axis(scale, ticks, top=top, bottom=bottom, fmt=tick_fmt or fmt)]
    for g_index, (group, row) in enumerate(zip(groups, cells, strict=True)):
        y0 = top + g_index * block + GROUP_GAP / 2
        middle = y0 + len(series) * GROUP_PITCH / 2
        body.append(label(label_width - 8, middle + 4, group.label, label_width - 14, anchor="end", fill=INK))
        for s_index, estimate in enumerate(row):
            y = y0 + s_index * GROUP_PITCH
            centre = y + GROUP_PITCH / 2
            if estimate is None or estimate.value is None:
                body.append(
                    _value_text(plot_right + 8, centre + 4, None, fmt, False, words, VALUE_COLUMN - 10)
                )
                continue
            fill = PALETTE[s_index % len(PALETTE)]
            overlay = "small" if estimate.small_sample else series_overlay(s_index)
            body.append(
                _bar_rect(prefix, scale, estimate.value, centre - GROUP_BAR / 2, GROUP_BAR, fill, overlay)
            )
            if estimate.low is not None and estimate.high is not None:
                body.append(whisker(scale(estimate.low), scale(estimate.high), centre, cap=4))
            body.append(
                _value_text(
                    plot_right + 8,
                    centre + 4,
                    estimate.value,
                    fmt,
                    estimate.small_sample,
                    words,
                    VALUE_COLUMN - 10,
                )
            )
    return frame("grouped", title, table, width, bottom + AXIS, "".join(body), words)


def funnel_chart(
    steps: Sequence[FunnelStep],
    *,
    title: str,
    step_header: str,
    count_fmt: Format,
    rate_fmt: Format,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 640,
    label_width: int = 200,
) -> Chart:
    """One bar per step, its length the step's count against the largest; on the right the count
    and its rate of the first step. The table adds the rate of the previous step."""
    for step in steps:
        if isinstance(step.count, bool) or not isinstance(step.count, int) or step.count < 0:
            raise ValueError(
                f"funnel step {step.label!r}: count must be a whole number >= 0, got {step.count!r}"
            )
    first = steps[0].count if steps else 0
    rows = []
    for index, step in enumerate(steps):
        previous = steps[index - 1].count if index else None
        rows.append(
            (
                step.label,
                count_fmt(step.count),
                rate_fmt(step.count / first) if first else "–",
                "–" if not previous else rate_fmt(step.count / previous),
            )
        )
    table = Table(
        caption=title, columns=(step_header, words.count, words.of_first, words.of_previous), rows=tuple(rows)
    )
    largest = max((s.count for s in steps), default=0)
    if not largest:
        return empty_chart("funnel", title, table, words, width)
    label_width = label_column([s.label for s in steps], label_width)
    plot_left, plot_right = label_width, width - FUNNEL_VALUE_COLUMN
    body = []
    for index, step in enumerate(steps):
        y = TOP + index * ROW
        middle = y + ROW / 2
        size = (plot_right - plot_left) * step.count / largest
        body.append(label(label_width - 8, middle + 4, step.label, label_width - 14, anchor="end", fill=INK))
        body.append(
            f'<rect class="chart-bar" x="{num(plot_left)}" y="{num(middle - BAR / 2)}" width="{num(size)}" '
            f'height="{BAR}" fill="{PALETTE[0]}"/>'
        )
        shown = rows[index][1] + ("" if rows[index][2] == "–" else f" · {rows[index][2]}")
        body.append(
            f'<text class="chart-value" x="{num(plot_right + 8)}" y="{num(middle + 4)}" fill="{INK}">'
            f"{esc(fit(shown, FUNNEL_VALUE_COLUMN - 10))}</text>"
        )
    bottom = TOP + len(steps) * ROW
    body.append(
        f'<line x1="{num(plot_left)}" x2="{num(plot_left)}" y1="{TOP}" y2="{num(bottom)}" stroke="{MUTED}"/>'
    )
    return frame("funnel", title, table, width, bottom + TOP, "".join(body), words)
