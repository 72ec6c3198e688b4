"""The pure chart module: ticks, geometry, escaping, tables and empty data (no database)."""

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from analysis.charts import (
    Bar,
    Estimate,
    FunnelStep,
    Group,
    HeatCell,
    HeatColumn,
    HeatRow,
    Point,
    Table,
    Words,
    bar_chart,
    fit,
    funnel_chart,
    grouped_bar_chart,
    heat_map,
    nice_ticks,
    sparkline,
    text_width,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(\"x\")</script> & 'quotes'"


def signed(value):
    return f"{value:+.1f}"


def pct(value):
    return f"{value * 100:.0f}%"


def pct1(value):
    return f"{value * 100:.1f}%"


def whole(value):
    return f"{value:.0f}"


def parse(chart):
    """The SVG parsed as XML: proves it is well formed, whatever the labels held."""
    return ET.fromstring(chart.svg)  # noqa: S314 - markup the module under test wrote


def attrs(root, tag, cls=None):
    return [
        e.attrib for e in root.iter(SVG + tag) if cls is None or cls in (e.attrib.get("class") or "").split()
    ]


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 8.2, (0, 2, 4, 6, 8, 10)),
        (-2, 12, (-5, 0, 5, 10, 15)),
        (-2, 8.2, (-2.5, 0, 2.5, 5, 7.5, 10)),
        (0, 0.43, (0, 0.1, 0.2, 0.3, 0.4, 0.5)),
        (-60, 40, (-60, -40, -20, 0, 20, 40)),
        (0, 0, (0, 0.2, 0.4, 0.6, 0.8, 1)),
        (5, 5, (4.5, 4.75, 5, 5.25, 5.5)),
        (12, 3, (2, 4, 6, 8, 10, 12)),
        (0, 1234, (0, 250, 500, 750, 1000, 1250)),
    ],
)
def test_nice_ticks_cover_the_range_with_round_steps(low, high, ticks):
    assert nice_ticks(low, high) == ticks


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [(0, 12, (0, 5, 10, 15)), (0, 3, (0, 1, 2, 3)), (0, 0, (0, 1)), (0, 240, (0, 50, 100, 150, 200, 250))],
)
def test_whole_ticks_for_counts(low, high, ticks):
    assert nice_ticks(low, high, whole=True) == ticks


def test_nice_ticks_need_two_ticks_at_least():
    with pytest.raises(ValueError, match="max_ticks"):
        nice_ticks(0, 1, max_ticks=1)


def test_bar_chart_geometry_whiskers_and_table():
    # given two ranked topics, the second negative, small and with its interval
    bars = [Bar("配送慢", 8.2, 3.1, 12.0), Bar("Praise", -2.0, -4.0, 1.5, small_sample=True)]

    # when charted
    chart = bar_chart(
        bars, title="Impact", label_header="Topic", value_header="Impact", fmt=signed, tick_fmt=whole
    )

    # then the label column narrows to its minimum, 60 px (the longest label, Praise, is 43 px),
    # and the axis runs -5..15 over x 60..568 (the value column takes the last 72), zero at 187
    root = parse(chart)
    assert (chart.kind, chart.width, chart.height, chart.empty) == ("bar", 640, 80, False)
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "chart-tick"] == [
        "-5",
        "0",
        "5",
        "10",
        "15",
    ]
    assert [a["x1"] for a in attrs(root, "line", "chart-grid")] == ["60", "187", "314", "441", "568"]
    rects = attrs(root, "rect", "chart-bar")
    assert [(r["x"], r["y"], r["width"], r["height"], r["fill"], r.get("fill-opacity")) for r in rects] == [
        ("187", "13", "208.3", "14", "#2f6f9f", None),
        ("136.2", "37", "50.8", "14", "#8a8a8a", "0.45"),
    ]
    whiskers = [
        [line.attrib for line in g] for g in root.iter(SVG + "g") if g.get("class") == "chart-interval"
    ]
    assert [(w[0]["x1"], w[0]["x2"], w[0]["y1"]) for w in whiskers] == [
        ("265.7", "491.8", "20"),
        ("85.4", "225.1", "44"),
    ]
    # the small sample is pale, hatched and its value marked
    assert 'fill="url(#' in chart.svg and "-small)" in chart.svg
    assert [
        t.itertext() and "".join(t.itertext())
        for t in root.iter(SVG + "text")
        if t.get("class") == "chart-value"
    ] == [
        "+8.2",
        "small sample-2.0 *",
    ]
    assert chart.table == Table(
        caption="Impact",
        columns=("Topic", "Impact", "95% interval"),
        rows=(("配送慢", "+8.2", "+3.1 – +12.0"), ("Praise", "-2.0 (small sample)", "-4.0 – +1.5")),
    )


def test_svg_is_accessible():
    chart = bar_chart(
        [Bar("a", 1.0)], title="Impact by topic", label_header="T", value_header="I", fmt=signed
    )
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Impact by topic"
    assert root.find(SVG + "title").text == "Impact by topic"
    assert root.find(SVG + "desc").text == "The same data is shown as a table."
    # a white background: dark text stays readable on a dark page
    assert attrs(root, "rect", "chart-background")[0]["fill"] == "#ffffff"
    # presentation attributes only: a Content-Security-Policy without inline styles keeps it
    assert "style=" not in chart.svg


def test_labels_and_titles_are_escaped_everywhere():
    # given labels typed by respondents and staff, script and quotes included
    charts = [
        bar_chart([Bar(EVIL, 1.0)], title=EVIL, label_header=EVIL, value_header="v", fmt=signed),
        grouped_bar_chart([Group(EVIL, [Estimate(1.0)])], [EVIL], title=EVIL, group_header="g", fmt=signed),
        funnel_chart([FunnelStep(EVIL, 3)], title=EVIL, step_header="s", count_fmt=whole, rate_fmt=pct),
        trend_chart(
            [Point(dt.date(2026, 5, 4), 1.0)],
            title=EVIL,
            period_header="p",
            value_header=EVIL,
            fmt=signed,
            date_fmt=lambda d: EVIL,
        ),
        sparkline([1.0, 2.0], [EVIL, EVIL], title=EVIL, label_header="l", value_header="v", fmt=signed),
        heat_map([HeatRow(EVIL, [HeatCell(0.5)])], [HeatColumn(EVIL, pct)], title=EVIL, row_header="r"),
        bar_chart([], title=EVIL, label_header="l", value_header="v", fmt=signed),
    ]

    for chart in charts:
        # then no markup of theirs survives, the SVG is well formed, the text reads as typed
        assert "<script" not in chart.svg
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in chart.svg
        root = parse(chart)
        assert root.get("aria-label").startswith(EVIL)
        # the table keeps the raw text: the template escapes it
        assert chart.table.caption == EVIL


def test_control_characters_are_dropped_so_the_svg_stays_xml():
    chart = bar_chart([Bar("a\x00b\x1bc", 1.0)], title="t", label_header="l", value_header="v", fmt=signed)
    assert ">abc<" in chart.svg
    parse(chart)


def test_long_labels_are_cut_with_the_full_text_in_a_title():
    # given a long Chinese and a long English label
    chinese = "午高峰配送太慢而且饭菜都凉了还洒了一半"
    english = "Rider was rude at the door and did not bring the drinks"
    chart = bar_chart(
        [Bar(chinese, 2.0), Bar(english, 1.0)], title="t", label_header="l", value_header="v", fmt=signed
    )

    # then each shows what fits 186 px (14 Chinese characters of 12 px, 24 Latin ones of 7.2 px)
    # with an ellipsis, the whole text in its <title>
    labels = [t for t in parse(chart).iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert [(t.find(SVG + "title").text, t.find(SVG + "title").tail) for t in labels] == [
        (chinese, "午高峰配送太慢而且饭菜都凉了…"),
        (english, "Rider was rude at the do…"),
    ]


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("配送太慢了而且饭菜都凉了", 60, "配送太慢…"),
        ("配送太慢", 48, "配送太慢"),
        ("late delivery", 60, "late de…"),
        ("short", 60, "short"),
    ],
)
def test_fit_cuts_by_estimated_width(text, width, shown):
    assert fit(text, width) == shown


@pytest.mark.parametrize(
    "chart",
    [
        bar_chart([], title="Impact", label_header="Topic", value_header="Impact", fmt=signed),
        bar_chart([Bar("a", None)], title="Impact", label_header="Topic", value_header="Impact", fmt=signed),
        trend_chart([], title="Impact", period_header="p", value_header="v", fmt=signed, date_fmt=str),
        heat_map([], [HeatColumn("Share", pct)], title="Impact", row_header="r"),
        funnel_chart([], title="Impact", step_header="s", count_fmt=whole, rate_fmt=pct),
        grouped_bar_chart([], ["a"], title="Impact", group_header="g", fmt=signed),
        sparkline([], [], title="Impact", label_header="l", value_header="v", fmt=signed),
    ],
)
def test_no_data_is_said_in_the_chart(chart):
    root = parse(chart)
    assert chart.empty is True
    assert chart.title == "Impact"
    assert root.get("aria-label") == "Impact: No data"
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "chart-no-data"] == ["No data"]
    assert not attrs(root, "rect", "chart-bar")


def test_no_data_in_the_callers_language():
    chart = bar_chart(
        [],
        title="影响",
        label_header="主题",
        value_header="影响",
        fmt=signed,
        words=Words(no_data="暂无数据"),
    )
    assert ">暂无数据</text>" in chart.svg
    assert chart.table == Table(caption="影响", columns=("主题", "影响"), rows=())


def test_bar_table_has_no_interval_column_when_no_bar_has_one():
    chart = bar_chart(
        [Bar("配送慢", 3), Bar("Cold food", 1)],
        title="Mentions",
        label_header="Topic",
        value_header="n",
        fmt=whole,
    )
    assert chart.table == Table(
        caption="Mentions", columns=("Topic", "n"), rows=(("配送慢", "3"), ("Cold food", "1"))
    )


def test_trend_ticks_band_points_and_thinned_dates():
    # given eight weekly NPS values with intervals, the third week missing, the fourth small
    start = dt.date(2026, 5, 4)
    values = [10, 20, None, 15, 25, -5, 12, 14]
    points = [
        Point(
            start + dt.timedelta(weeks=i),
            v,
            None if v is None else v - 10,
            None if v is None else v + 10,
            30,
            i == 3,
        )
        for i, v in enumerate(values)
    ]

    # when charted 320 px wide with dates written the Chinese way
    chart = trend_chart(
        points,
        width=320,
        title="NPS",
        period_header="周",
        value_header="NPS",
        fmt=whole,
        date_fmt=lambda d: f"{d.month}月{d.day}日",
    )

    # then y ticks are round, dates 35 px apart are shown every other one (about 40 px wide each),
    # the band breaks at the missing week, the small week is hollow
    root = parse(chart)
    ticks = [t.text for t in root.iter(SVG + "text") if t.get("class") == "chart-tick"]
    assert ticks[:4] == ["-20", "0", "20", "40"]
    assert ticks[4:] == ["5月4日", "5月18日", "6月1日", "6月15日"]
    assert len([p for g in root.iter(SVG + "g") if g.get("class") == "chart-band" for p in g]) == 4
    assert len(attrs(root, "polyline", "chart-line")) == 2
    circles = attrs(root, "circle", "chart-point")
    assert [c["fill"] for c in circles] == [
        "#2f6f9f",
        "#2f6f9f",
        "#ffffff",
        "#2f6f9f",
        "#2f6f9f",
        "#2f6f9f",
        "#2f6f9f",
    ]
    # x: 7 weeks over 50..294 (plot 40..304 inset by 10), y: -20..40 over 210..28
    assert (circles[0]["cx"], circles[0]["cy"]) == ("50", "119")
    assert (circles[-1]["cx"], circles[-1]["cy"]) == ("294", "106.9")
    assert chart.table.columns == ("周", "NPS", "95% interval", "n")
    assert chart.table.rows[2:4] == (
        ("5月18日", "–", "", "30"),
        ("5月25日", "15 (small sample)", "5 – 25", "30"),
    )


def test_one_point_trend_sits_in_the_middle():
    chart = trend_chart(
        [Point(dt.date(2026, 5, 4), 0.5)],
        title="t",
        period_header="p",
        value_header="v",
        fmt=pct,
        date_fmt=str,
    )
    circle = attrs(parse(chart), "circle", "chart-point")[0]
    assert circle["cx"] == "332"


def test_heat_map_colours_per_column_and_marks_small_samples():
    # given share and detractor rate per city, one cell small, one missing
    rows = [
        HeatRow("上海", [HeatCell(0.3), HeatCell(0.5, small_sample=True)]),
        HeatRow("北京", [HeatCell(0.1), None]),
        HeatRow("广州", [HeatCell(0.2), HeatCell(0.7)]),
    ]
    columns = [HeatColumn("Share", pct), HeatColumn("Detractor rate", pct1, low=0.0, high=1.0)]

    # when charted
    chart = heat_map(rows, columns, title="By city", row_header="City")

    # then each column has its own range, values are written in the cells with a readable ink
    root = parse(chart)
    cells = attrs(root, "rect", "chart-cell")
    assert [c["fill"] for c in cells] == ["#173f6e", "#849ab4", "#f1f6fb", "#ffffff", "#849ab4", "#587698"]
    # two cells of 120 px after the 60 px labels; header, three rows, the note
    assert (chart.width, chart.height) == (300, 4 + 26 + 3 * 26 + 22 + 4)
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert "50.0% *" in texts and "* small sample" in texts and "–" in texts
    assert len(attrs(root, "rect", "chart-small-sample")) == 1
    assert chart.table.rows == (
        ("上海", "30%", "50.0% (small sample)"),
        ("北京", "10%", "–"),
        ("广州", "20%", "70.0%"),
    )


def test_heat_map_rows_must_match_the_columns():
    with pytest.raises(ValueError, match="heat-map row '上海' has 1 cells for 2 columns"):
        heat_map(
            [HeatRow("上海", [HeatCell(0.1)])],
            [HeatColumn("a", pct), HeatColumn("b", pct)],
            title="t",
            row_header="r",
        )


def test_funnel_widths_and_rates():
    steps = [FunnelStep("Invited", 1000), FunnelStep("Opened", 600), FunnelStep("Completed", 0)]

    chart = funnel_chart(
        steps, title="Funnel", step_header="Step", count_fmt=lambda v: f"{v:,}", rate_fmt=pct1
    )

    # bars over 81..512 (labels up to Completed, 65 px, plus 16) against the largest step
    root = parse(chart)
    assert [r["width"] for r in attrs(root, "rect", "chart-bar")] == ["431", "258.6", "0"]
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "chart-value"] == [
        "1,000 · 100.0%",
        "600 · 60.0%",
        "0 · 0.0%",
    ]
    assert chart.table == Table(
        caption="Funnel",
        columns=("Step", "Count", "Of the first step", "Of the previous step"),
        rows=(
            ("Invited", "1,000", "100.0%", "–"),
            ("Opened", "600", "60.0%", "60.0%"),
            ("Completed", "0", "0.0%", "0.0%"),
        ),
    )


@pytest.mark.parametrize("count", [-1, 1.5, True])
def test_funnel_refuses_a_count_that_is_not_a_whole_number(count):
    with pytest.raises(ValueError, match="funnel step 'Opened': count must be a whole number >= 0"):
        funnel_chart([FunnelStep("Opened", count)], title="t", step_header="s", count_fmt=whole, rate_fmt=pct)


def test_grouped_bars_side_by_side_with_intervals_and_a_legend():
    # given NPS this month and last month per city; Beijing has no figure last month
    groups = [
        Group("上海", [Estimate(20, 10, 30), Estimate(25, 15, 35, small_sample=True)]),
        Group("北京", [Estimate(-5, -15, 5), None]),
    ]

    chart = grouped_bar_chart(
        groups, ["This month", "Last month"], title="NPS", group_header="City", fmt=whole
    )

    root = parse(chart)
    legend = next(g for g in root.iter(SVG + "g") if g.get("class") == "chart-legend")
    assert ["".join(t.itertext()) for t in legend.iter(SVG + "text")] == ["This month", "Last month"]
    bars = attrs(root, "rect", "chart-bar")
    # axis -20..40 over 60..568: zero at 229.3
    assert [(b["x"], b["width"], b["fill"]) for b in bars] == [
        ("229.3", "169.3", "#2f6f9f"),
        ("229.3", "211.7", "#c2612c"),
        ("187", "42.3", "#2f6f9f"),
    ]
    assert len([g for g in root.iter(SVG + "g") if g.get("class") == "chart-interval"]) == 3
    assert chart.table.columns == (
        "City",
        "This month",
        "This month: 95% interval",
        "Last month",
        "Last month: 95% interval",
    )
    assert chart.table.rows == (
        ("上海", "20", "10 – 30", "25 (small sample)", "15 – 35"),
        ("北京", "-5", "-15 – 5", "–", ""),
    )


def test_grouped_bars_need_a_value_per_series():
    with pytest.raises(ValueError, match="group '上海' has 1 values for 2 series"):
        grouped_bar_chart([Group("上海", [None])], ["a", "b"], title="t", group_header="g", fmt=whole)


def test_sparkline_points_and_description():
    chart = sparkline(
        [1, 3, None, 5],
        ["W1", "W2", "W3", "W4"],
        title="Mentions",
        label_header="Week",
        value_header="n",
        fmt=whole,
    )

    root = parse(chart)
    assert (chart.width, chart.height) == (120, 28)
    assert [p["points"] for p in attrs(root, "polyline", "chart-line")] == ["4,24 41.3,14", "116,4"]
    assert root.find(SVG + "desc").text == "W1: 1; W2: 3; W3: –; W4: 5"
    assert chart.table.rows == (("W1", "1"), ("W2", "3"), ("W3", "–"), ("W4", "5"))


def test_two_charts_get_their_own_pattern_ids():
    a = bar_chart([Bar("a", 1.0)], title="A", label_header="l", value_header="v", fmt=whole)
    b = bar_chart([Bar("a", 1.0)], title="B", label_header="l", value_header="v", fmt=whole)
    ids = [re.search(r'pattern id="([^"]+)-hatch"', c.svg).group(1) for c in (a, b)]
    assert ids[0] != ids[1]
    # the same chart drawn twice is the same markup
    assert a == bar_chart([Bar("a", 1.0)], title="A", label_header="l", value_header="v", fmt=whole)


def test_a_year_of_weeks_keeps_its_date_labels_apart():
    # given 52 weekly points on a 640 px chart, labels like "4 May"
    start = dt.date(2026, 1, 5)
    points = [Point(start + dt.timedelta(weeks=i), float(i % 7)) for i in range(52)]

    chart = trend_chart(
        points,
        title="t",
        period_header="p",
        value_header="v",
        fmt=whole,
        date_fmt=lambda d: d.strftime("%-d %b"),
    )

    # then every week keeps its tick mark; every 5th week is labelled (11.06 px a week: four weeks
    # are 44 px, less than two 43 px labels need with their 6 px gap), none touching the next
    dates = [t for t in parse(chart).iter(SVG + "text") if t.get("class") == "chart-tick" and " " in t.text]
    assert [t.text for t in dates][:4] == ["5 Jan", "9 Feb", "16 Mar", "20 Apr"]
    assert len(dates) == 11
    for before, after in itertools.pairwise(dates):
        gap = float(after.get("x")) - float(before.get("x"))
        assert gap >= (text_width(before.text) + text_width(after.text)) / 2 + 6


def test_a_long_last_date_label_is_aligned_to_the_edge():
    points = [Point(dt.date(2026, 5, 4), 1.0), Point(dt.date(2026, 5, 11), 2.0)]

    chart = trend_chart(
        points,
        title="t",
        period_header="p",
        value_header="v",
        fmt=whole,
        date_fmt=lambda d: f"{d:%Y}年{d.month}月{d.day}日",
    )

    # the last point sits at 614; its 79 px label would end at 654, past the 640 px chart
    dates = [t for t in parse(chart).iter(SVG + "text") if t.get("class") == "chart-tick" and "年" in t.text]
    assert [(t.text, t.get("x"), t.get("text-anchor")) for t in dates] == [
        ("2026年5月4日", "50", "middle"),
        ("2026年5月11日", "638", "end"),
    ]
