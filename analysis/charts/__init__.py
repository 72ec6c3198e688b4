"""Charts drawn on the server as SVG, each with the same data as a table.

Pure: plain data in (labels already in words, numbers, dates), formatters from the caller (so
that the caller formats numbers and dates for the page's language), a frozen ``Chart`` out with
the SVG markup and a ``Table`` (caption, column headers, rows of text). Every piece of text is
XML-escaped here, so a template may mark ``Chart.svg`` safe; the table's cells are plain text for
the template to escape. Nothing is fetched: a page or a file that holds the markup renders
offline. Text the charts write themselves ("No data", "95% interval"...) comes in a ``Words``
translated by the caller.

    bar_chart          ranked horizontal bars with interval whiskers (pain-point impact)
    grouped_bar_chart  side-by-side bars per group, a legend, intervals (segments)
    funnel_chart       horizontal bars with counts and rates of the first and previous step
    trend_chart        a line per period with axes, round ticks and a 95 % interval band
    sparkline          a small line for a table row
    heat_map           rows x measures, coloured per measure, small samples hatched

See docs/charts.md for how to add a chart.
"""

from analysis.charts.bars import Bar, FunnelStep, Group, bar_chart, funnel_chart, grouped_bar_chart
from analysis.charts.core import Chart, Estimate, Table, Words, fit, nice_ticks, text_width
from analysis.charts.heatmap import HeatCell, HeatColumn, HeatRow, heat_map
from analysis.charts.lines import Point, sparkline, trend_chart

__all__ = [
    "Bar",
    "Chart",
    "Estimate",
    "FunnelStep",
    "Group",
    "HeatCell",
    "HeatColumn",
    "HeatRow",
    "Point",
    "Table",
    "Words",
    "bar_chart",
    "fit",
    "funnel_chart",
    "grouped_bar_chart",
    "heat_map",
    "nice_ticks",
    "sparkline",
    "text_width",
    "trend_chart",
]
