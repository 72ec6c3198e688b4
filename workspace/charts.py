"""The workspace's charts, drawn by ``analysis.charts`` (the one chart module) from the pages'
figures, with numbers and dates in the page's language and labels in words."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from analysis.chart_text import chart_words
from analysis.charts import (
    Bar,
    Chart,
    FunnelStep,
    HeatCell,
    HeatColumn,
    HeatRow,
    Point,
    Words,
    bar_chart,
    funnel_chart,
    heat_map,
    sparkline,
    trend_chart,
)
from workspace.templatetags.workspace_format import number, short_day


def words() -> Words:
    """The charts' own words in the page's language (the same for every page)."""
    return chart_words()


def _one(value: float) -> str:
    return number(value, 1)


def _whole(value: float) -> str:
    return number(value, 0)


def _percent(value: float) -> str:
    return f"{number(value * 100, 1)}%"


def _percent_tick(value: float) -> str:
    return f"{number(value * 100, 0)}%"


def metric_trend_chart(by_period: list[dict], metric_name: str) -> Chart:
    points = [
        Point(
            dt.date.fromisoformat(row["period"]),
            row["result"]["value"],
            row["result"]["low"],
            row["result"]["high"],
            row["result"]["n"],
            row["result"]["small_sample"],
        )
        for row in by_period
    ]
    return trend_chart(
        points,
        title=_("%(metric)s per week, with its 95%% interval") % {"metric": metric_name},
        period_header=_("Week starting"),
        value_header=metric_name,
        fmt=_one,
        date_fmt=short_day,
        count_fmt=_whole,
        words=words(),
    )


def funnel_steps_chart(funnel: dict) -> Chart:
    steps = [s for s in funnel["steps"] if s["key"] != "suppressed"]
    return funnel_chart(
        [FunnelStep(str(s["label"]), int(s["count"])) for s in steps],
        title=_("Invitation funnel"),
        step_header=_("Step"),
        count_fmt=_whole,
        rate_fmt=_percent,
        words=words(),
    )


def impact_chart(rows: list[dict]) -> Chart:
    return bar_chart(
        [
            Bar(
                r["label_text"],
                r.get("impact"),
                r.get("impact_low"),
                r.get("impact_high"),
                bool(r.get("small_sample")),
            )
            for r in rows
        ],
        title=_("Impact by topic (points of the score), with 95% intervals"),
        label_header=_("Topic"),
        value_header=_("Impact"),
        fmt=_one,
        words=words(),
    )


def share_sparkline(weekly: list[dict], label: str) -> Chart:
    return sparkline(
        [w["share"] for w in weekly],
        [short_day(w["week"]) for w in weekly],
        title=_("Weekly share of comments: %(topic)s") % {"topic": label},
        label_header=_("Week starting"),
        value_header=_("Share of comments"),
        fmt=_percent,
        words=words(),
    )


def share_trend_chart(weekly: list[dict], label: str) -> Chart:
    points = [Point(w["week"], w["share"], None, None, w["comments"], False) for w in weekly]
    return trend_chart(
        points,
        title=_("Weekly share of comments: %(topic)s") % {"topic": label},
        period_header=_("Week starting"),
        value_header=_("Share of comments"),
        fmt=_percent,
        tick_fmt=_percent_tick,
        date_fmt=short_day,
        count_fmt=_whole,
        words=words(),
    )


def segment_heat_map(rows: list[dict], label: str) -> Chart:
    return heat_map(
        [
            HeatRow(
                f"{r['key_label']}: {r['value_label']}",
                [HeatCell(r["share"], r["share_small"]), HeatCell(r["detractor_rate"], r["rate_small"])],
            )
            for r in rows
        ],
        [
            HeatColumn(_("Share of comments"), _percent, 0.0, None),
            HeatColumn(_("Detractor rate"), _percent, 0.0, 1.0),
        ],
        title=_("%(topic)s by segment: share of comments and detractor rate") % {"topic": label},
        row_header=_("Segment"),
        words=words(),
        width=720,
        label_width=280,
    )
