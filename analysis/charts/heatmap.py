"""A heat map: one row per segment value, one column per measure (share, detractor rate...),
each cell coloured on its column's own range and labelled with its value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analysis.charts.core import (
    GRID,
    INK,
    MUTED,
    Chart,
    Format,
    Table,
    Words,
    chart_id,
    empty_chart,
    esc,
    finite,
    fit,
    frame,
    heat_colour,
    label,
    label_column,
    num,
    text_on,
)

TOP = 4
HEADER = 26
ROW = 26
NOTE = 22
MAX_CELL = 120


@dataclass(frozen=True)
class HeatColumn:
    """A measure: its name, how its values are written, and optionally a fixed range (else the
    column's smallest to largest value)."""

    label: str
    fmt: Format
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class HeatCell:
    value: float | None
    small_sample: bool = False


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: Sequence[HeatCell | None]


def _position(value: float, low: float, high: float) -> float:
    return 0.5 if high <= low else (value - low) / (high - low)


def heat_map(
    rows: Sequence[HeatRow],
    columns: Sequence[HeatColumn],
    *,
    title: str,
    row_header: str,
    words: Words = Words(),  # noqa: B008 - frozen, shared safely
    width: int = 640,
    label_width: int = 200,
) -> Chart:
    """Cells light to dark blue by value within their column; every cell also prints its value
    (so colour is never the only carrier); a small-sample cell is hatched and marked ``*``."""
    for row in rows:
        if len(row.cells) != len(columns):
            raise ValueError(
                f"heat-map row {row.label!r} has {len(row.cells)} cells for {len(columns)} columns"
            )
    grid = [
        [
            None if c is None or finite(c.value) is None else HeatCell(finite(c.value), c.small_sample)
            for c in r.cells
        ]
        for r in rows
    ]

    def shown(cell: HeatCell | None, column: HeatColumn, mark: str) -> str:
        if cell is None:
            return "–"
        return column.fmt(cell.value) + (mark if cell.small_sample else "")

    table = Table(
        caption=title,
        columns=(row_header, *(c.label for c in columns)),
        rows=tuple(
            (
                row.label,
                *(
                    shown(cell, col, f" ({words.small_sample})")
                    for cell, col in zip(line, columns, strict=True)
                ),
            )
            for row, line in zip(rows, grid, strict=True)
        ),
    )
    if not any(cell is not None for line in grid for cell in line):
        return empty_chart("heatmap", title, table, words, width)
    ranges = []
    for index, column in enumerate(columns):
        values = [line[index].value for line in grid if line[index] is not None]
        low = column.low if column.low is not None else min(values, default=0.0)
        high = column.high if column.high is not None else max(values, default=0.0)
        ranges.append((low, high))
    label_width = label_column([r.label for r in rows], label_width)
    cell_width = min(MAX_CELL, (width - label_width) / len(columns))
    actual_width = round(label_width + cell_width * len(columns))
    prefix = chart_id("heatmap", title, table)
    body = []
    for index, column in enumerate(columns):
        centre = label_width + cell_width * (index + 0.5)
        body.append(label(centre, TOP + HEADER - 9, column.label, cell_width - 8, anchor="middle", fill=INK))
    small = False
    for r_index, (row, line) in enumerate(zip(rows, grid, strict=True)):
        y = TOP + HEADER + r_index * ROW
        body.append(
            label(label_width - 8, y + ROW / 2 + 4, row.label, label_width - 14, anchor="end", fill=INK)
        )
        for c_index, (cell, column) in enumerate(zip(line, columns, strict=True)):
            x = label_width + c_index * cell_width
            geometry = f'x="{num(x + 1)}" y="{num(y + 1)}" width="{num(cell_width - 2)}" height="{ROW - 2}"'
            if cell is None:
                body.append(f'<rect class="chart-cell" {geometry} fill="#ffffff" stroke="{GRID}"/>')
                colour = MUTED
            else:
                fill = heat_colour(_position(cell.value, *ranges[c_index]))
                body.append(f'<rect class="chart-cell" {geometry} fill="{fill}"/>')
                if cell.small_sample:
                    small = True
                    body.append(f'<rect class="chart-small-sample" {geometry} fill="url(#{prefix}-small)"/>')
                colour = text_on(fill)
            body.append(
                f'<text x="{num(x + cell_width / 2)}" y="{num(y + ROW / 2 + 4)}" text-anchor="middle" '
                f'fill="{colour}">{esc(fit(shown(cell, column, " *"), cell_width - 6))}</text>'
            )
    height = TOP + HEADER + len(rows) * ROW
    if small:
        body.append(
            f'<text class="chart-note" x="{num(label_width)}" y="{num(height + 15)}" fill="{MUTED}">'
            f"{esc('* ' + words.small_sample)}</text>"
        )
        height += NOTE
    return frame("heatmap", title, table, actual_width, height + TOP, "".join(body), words)
