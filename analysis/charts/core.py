"""What every chart shares: the result type, escaping, text widths, nice ticks, the SVG frame.

Geometry is in SVG user units (px at 100 % zoom). Coordinates are written with at most one
decimal so that the markup is stable and testable.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Format = Callable[[float], str]

FONT_SIZE = 12
FONT_FAMILY = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
INK = "#1f2933"  # text and whiskers: 14:1 on white
MUTED = "#52606d"  # axis labels: 6.4:1 on white
GRID = "#d9dee3"
BACKGROUND = "#ffffff"
# Bar fills, dark enough for white text and apart in lightness, so that they stay distinct when
# printed in grey; every series past the first also gets a pattern.
PALETTE = ("#2f6f9f", "#c2612c", "#5b7f3a", "#7b4f9d", "#8a8a8a")
NEGATIVE = "#8a8a8a"
BAND = "#9cc3e0"
# Heat-map ramp: light to dark blue; lightness alone carries the value, as in greyscale.
HEAT_LOW = (241, 246, 251)
HEAT_HIGH = (23, 63, 110)
ELLIPSIS = "…"
# Characters XML 1.0 forbids (a respondent can paste them); they are dropped.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Table:
    """The data of a chart as a table: every cell is already formatted text (not escaped)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart (``svg``: markup in which every text is escaped) with the same data as a
    table. ``empty`` when there was nothing to draw: the SVG then says ``Words.no_data``."""

    kind: str
    title: str
    svg: str
    table: Table
    width: int
    height: int
    empty: bool = False


@dataclass(frozen=True)
class Words:
    """Text the charts write themselves, translated by the caller (English defaults)."""

    no_data: str = "No data"
    value: str = "Value"
    interval: str = "95% interval"
    n: str = "n"
    small_sample: str = "small sample"
    table_hint: str = "The same data is shown as a table."
    count: str = "Count"
    of_first: str = "Of the first step"
    of_previous: str = "Of the previous step"


def esc(text: object) -> str:
    """Text safe inside an XML element or a double- or single-quoted attribute."""
    return html.escape(_XML_FORBIDDEN.sub("", str(text)), quote=True)


def num(value: float) -> str:
    """A coordinate: one decimal at most, no trailing ``.0``, never ``-0``."""
    shown = f"{round(value, 1) + 0.0:.1f}"
    shown = shown.removesuffix(".0")
    return "0" if shown == "-0" else shown


def finite(value: object) -> float | None:
    """A finite float, or None for None, NaN, infinities and non-numbers (bool included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def char_width(char: str, size: float = FONT_SIZE) -> float:
    """An estimate of a character's advance: wide (CJK) characters a full em, others 0.6 em."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return size
    if unicodedata.combining(char):
        return 0.0
    return size * 0.6


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return sum(char_width(c, size) for c in text)


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text`` cut to ``width`` px with an ellipsis when it is longer (the caller keeps the
    full text in a ``<title>``)."""
    if text_width(text, size) <= width:
        return text
    room = width - char_width(ELLIPSIS, size)
    out, used = [], 0.0
    for char in text:
        used += char_width(char, size)
        if used > room:
            break
        out.append(char)
    return "".join(out).rstrip() + ELLIPSIS


def label(x: float, y: float, text: str, width: float, *, anchor: str = "start", **attrs: str) -> str:
    """A ``<text>`` fitted to ``width``; when cut, the full text is its ``<title>`` (a tooltip and
    what a screen reader gets)."""
    shown = fit(text, width)
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    tip = f"<title>{esc(text)}</title>" if shown != text else ""
    return f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}"{extra}>{tip}{esc(shown)}</text>'


_STEPS = (1.0, 2.0, 2.5, 5.0)


def nice_ticks(low: float, high: float, max_ticks: int = 6, *, whole: bool = False) -> tuple[float, ...]:
    """Round tick values covering [low, high]: the smallest step of 1, 2, 2.5 or 5 times a power
    of ten giving at most ``max_ticks`` ticks; the first tick <= low, the last >= high. ``whole``
    keeps to whole-number steps (counts).

    (0, 8.2) -> 0, 2, 4, 6, 8, 10; (-2, 8.2) -> -2.5, 0, 2.5, 5, 7.5, 10; a single value v gets
    the ticks around it (0 -> 0 to 1).
    """
    if max_ticks < 2:
        raise ValueError("max_ticks must be at least 2")
    if high < low:
        low, high = high, low
    if high == low:
        if low == 0:
            high = 1.0
        else:
            pad = abs(low) * 0.1
            low, high = low - pad, high + pad
    exponent = math.floor(math.log10((high - low) / (max_ticks - 1)))
    if whole:
        exponent = max(exponent, 0)
    while True:
        for base in _STEPS:
            step = base * 10.0**exponent
            if whole and step != int(step):
                continue
            first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
            if last - first <= max_ticks - 1:
                digits = max(0, 1 - exponent)
                return tuple(round(i * step, digits) + 0.0 for i in range(first, last + 1))
        exponent += 1


@dataclass(frozen=True)
class Scale:
    """A linear map from a domain (the first and last tick) to a pixel range."""

    start: float
    end: float
    low: float
    high: float

    def __call__(self, value: float) -> float:
        span = self.end - self.start
        return self.low + (value - self.start) / span * (self.high - self.low) if span else self.low


def chart_id(kind: str, title: str, table: Table) -> str:
    """A stable id prefix for the chart's patterns (two charts on one page must not share one
    unless they are the same chart)."""
    digest = hashlib.sha1(repr((kind, title, table)).encode(), usedforsecurity=False).hexdigest()
    return f"ch-{digest[:10]}"


def patterns(prefix: str) -> str:
    """Fills that read in greyscale: diagonal hatching (intervals, second series), dots (third),
    cross-hatching (small samples in a heat map)."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff" fill-opacity="0"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="1.2" stroke-opacity="0.35"/>'
        "</pattern>"
        f'<pattern id="{prefix}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<circle cx="2.5" cy="2.5" r="1.1" fill="#ffffff" fill-opacity="0.8"/></pattern>'
        f'<pattern id="{prefix}-lines" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)">'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="1.5" stroke-opacity="0.8"/>'
        "</pattern>"
        f'<pattern id="{prefix}-small" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="1" stroke-opacity="0.45"/></pattern>'
        "</defs>"
    )


def series_overlay(index: int) -> str:
    """The pattern laid over the n-th series' fill ('' for the first: plain)."""
    return ("", "lines", "dots", "lines", "dots")[index % 5]


def frame(
    kind: str, title: str, table: Table, width: int, height: int, body: str, words: Words, desc: str = ""
) -> Chart:
    """The ``<svg>`` around ``body`` (which refers to the patterns through ``chart_id``): role
    img, a title and an aria-label, a white background (readable on the admin's dark theme
    too), and the font. Presentation attributes only, no ``style``: a Content-Security-Policy
    without 'unsafe-inline' styles keeps the chart as drawn (static/css/charts.css scales it)."""
    prefix = chart_id(kind, title, table)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'aria-label="{esc(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{esc(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
        f"<title>{esc(title)}</title>"
        + (f"<desc>{esc(desc or words.table_hint)}</desc>" if desc or words.table_hint else "")
        + patterns(prefix)
        + f'<rect class="chart-background" width="{width}" height="{height}" fill="{BACKGROUND}"/>'
        + body
        + "</svg>"
    )
    return Chart(kind=kind, title=title, svg=svg, table=table, width=width, height=height)


def empty_chart(kind: str, title: str, table: Table, words: Words, width: int, height: int = 80) -> Chart:
    """The frame with ``Words.no_data`` in the middle and the table's header with no row."""
    body = (
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="{GRID}"/>'
        f'<text class="chart-no-data" x="{num(width / 2)}" y="{num(height / 2 + 4)}" text-anchor="middle" '
        f'fill="{MUTED}">{esc(words.no_data)}</text>'
    )
    chart = frame(kind, f"{title}: {words.no_data}", table, width, height, body, words)
    return Chart(kind=kind, title=title, svg=chart.svg, table=table, width=width, height=height, empty=True)


def interval_text(low: float | None, high: float | None, fmt: Format) -> str:
    return "" if low is None or high is None else f"{fmt(low)} – {fmt(high)}"


def ticks_for(
    values: Sequence[float], *, include_zero: bool, max_ticks: int = 6, whole: bool = False
) -> tuple[float, ...]:
    known = [v for v in values if v is not None]
    if include_zero:
        known.append(0.0)
    if not known:
        known = [0.0, 1.0]
    return nice_ticks(min(known), max(known), max_ticks, whole=whole)


MIN_LABEL_COLUMN = 60


def label_column(labels: Sequence[str], limit: float) -> float:
    """The label column's width: the longest label plus a margin, at most ``limit`` (longer labels
    are cut, see ``fit``), at least ``MIN_LABEL_COLUMN``."""
    widest = max((text_width(text) for text in labels), default=0.0)
    return float(min(limit, max(MIN_LABEL_COLUMN, math.ceil(widest) + 16)))


def heat_colour(t: float) -> str:
    """The ramp colour at t in [0, 1]."""
    t = min(1.0, max(0.0, t))
    rgb = (round(a + (b - a) * t) for a, b in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(fill: str) -> str:
    """White or ink, whichever contrasts more with ``fill`` (WCAG contrast ratio)."""
    lum = _luminance(fill)
    on_white = 1.05 / (lum + 0.05)
    on_ink = (lum + 0.05) / (_luminance(INK) + 0.05)
    return "#ffffff" if on_white > on_ink else INK


def x_axis(scale: Scale, ticks: Sequence[float], *, top: float, bottom: float, fmt: Format) -> str:
    """Vertical grid lines at each tick and the tick labels under ``bottom``; labels that would
    overlap the one before are left out (their grid line stays)."""
    out, right_edge = [], -math.inf
    for tick in ticks:
        x = scale(tick)
        colour = MUTED if tick == 0 else GRID
        out.append(
            f'<line class="chart-grid" x1="{num(x)}" x2="{num(x)}" y1="{num(top)}" y2="{num(bottom)}" '
            f'stroke="{colour}"/>'
        )
        text = fmt(tick)
        half = text_width(text) / 2
        if x - half > right_edge + 4:
            out.append(
                f'<text class="chart-tick" x="{num(x)}" y="{num(bottom + 14)}" text-anchor="middle" '
                f'fill="{MUTED}">{esc(text)}</text>'
            )
            right_edge = x + half
    return "".join(out)


def y_axis(scale: Scale, ticks: Sequence[float], *, left: float, right: float, fmt: Format) -> str:
    """Horizontal grid lines at each tick with the tick labels right-aligned left of ``left``."""
    out = []
    for tick in ticks:
        y = scale(tick)
        colour = MUTED if tick == 0 else GRID
        out.append(
            f'<line class="chart-grid" x1="{num(left)}" x2="{num(right)}" y1="{num(y)}" y2="{num(y)}" '
            f'stroke="{colour}"/>'
            f'<text class="chart-tick" x="{num(left - 6)}" y="{num(y + 4)}" text-anchor="end" '
            f'fill="{MUTED}">{esc(fmt(tick))}</text>'
        )
    return "".join(out)


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval (either bound may be unknown)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    small_sample: bool = False


def whisker(x1: float, x2: float, y: float, cap: float = 5.0) -> str:
    """A horizontal interval: a line with a cap at each end (black: readable in greyscale)."""
    return (
        f'<g class="chart-interval" stroke="{INK}" stroke-width="1.5">'
        f'<line x1="{num(x1)}" x2="{num(x2)}" y1="{num(y)}" y2="{num(y)}"/>'
        f'<line x1="{num(x1)}" x2="{num(x1)}" y1="{num(y - cap)}" y2="{num(y + cap)}"/>'
        f'<line x1="{num(x2)}" x2="{num(x2)}" y1="{num(y - cap)}" y2="{num(y + cap)}"/></g>'
    )
