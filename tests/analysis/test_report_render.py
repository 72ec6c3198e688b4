"""Rendering a pain-point report: JSON keeps Chinese, CSV defuses formulas, HTML escapes and is
self-contained, headings follow the chosen language."""

import csv
import io
import json
import re

import pytest
from django.utils import translation

from analysis.report_render import (
    csv_cell,
    ranking_statement,
    report_to_csv,
    report_to_html,
    report_to_json,
)
from analysis.voc_analysis import ranking_outcome

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def report() -> dict:
    return {
        "topics": [
            {
                "key": "delivery_late",
                "label": {"zh-hans": "配送慢", "en": "Late delivery"},
                "mentions": 12,
                "share": 0.3,
                "detractor_rate": 0.75,
                "impact": 8.25,
                "keywords": ["慢", "超时", {"term": "<b>等了</b>"}],
                "examples": [SCRIPT, {"text": FORMULA, "score": 2}],
                "segments": [{"column": "scenario", "value": "peak", "lift": 2.5, "mentions": 6}],
                "overall_detractor_rate": 0.4,
                "trend": {"change": 0.05, "p_value": 0.031, "significant": True},
                "impact_low": 3.5,
                "impact_high": 13.0,
                "p_value": 0.0042,
                "significant": True,
                "small_sample": True,
            },
            {
                "key": "praise",
                "label": {"zh-hans": "好评", "en": "Praise"},
                "mentions": 4,
                "share": 0.1,
                "detractor_rate": None,
                "impact": -2.0,
                "keywords": [],
                "examples": ["@SUM(A1:A9)"],
                "segments": [],
                "trend": {"change": 0.1, "p_value": None, "significant": False},
            },
        ],
        "strengths": [
            {
                "key": "location",
                "label": {"zh-hans": "位置", "en": "Location"},
                "mentions": 9,
                "complaint_mentions": 2,
                "share": 0.225,
            }
        ],
        "emerging": [
            {"key": "cluster_1", "keywords": ["+1", "退款"], "mentions": 3, "examples": ["-2 stars"]}
        ],
        "metrics": {
            "nps": {
                "metric": "nps",
                "value": 12.5,
                "low": -3.25,
                "high": 28.0,
                "n": 40,
                "small_sample": False,
            }
        },
    }


def test_json_keeps_chinese_and_writes_nan_as_null():
    data = report()
    data["topics"][0]["impact"] = float("nan")
    text = report_to_json(data)
    assert "配送慢" in text
    assert "\\u" not in text
    parsed = json.loads(text)
    assert parsed["topics"][0]["impact"] is None
    assert parsed["topics"][0]["examples"][0] == SCRIPT  # JSON carries the words as written


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2 stars", "'-2 stars"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("fine", "fine"),
        ("配送慢", "配送慢"),
        (-2.5, -2.5),
        ("", ""),
    ],
)
def test_csv_cell_defuses_formulas(value, expected):
    assert csv_cell(value) == expected


def test_csv_has_one_row_per_topic_and_defuses_respondents_words():
    text = report_to_csv(report(), lang="en")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "kind",
        "rank",
        "key",
        "label",
        "mentions",
        "share",
        "detractor_rate",
        "impact",
        "keywords",
        "examples",
        "segments",
        "overall_detractor_rate",
        "trend_change",
        "trend_p_value",
        "impact_low",
        "impact_high",
        "p_value",
        "small_sample",
    ]
    assert rows[1] == [
        "topic",
        "1",
        "delivery_late",
        "Late delivery",
        "12",
        "0.3000",
        "0.7500",
        "8.25",
        "慢 | 超时 | <b>等了</b>",
        f"{SCRIPT} | {FORMULA}",
        "scenario=peak (x2.50)",
        "0.4000",
        "0.0500",
        "0.0310",
        "3.50",
        "13.00",
        "0.0042",
        "true",
    ]
    # the praise topic's only example starts with @; a negative impact stays a number; its change
    # has no p-value, so no change is written
    praise = ["topic", "2", "praise", "Praise", "4", "0.1000", "", "-2.00", "", "'@SUM(A1:A9)", ""]
    assert rows[2] == [*praise, "", "", "", "", "", "", ""]
    # a strength (mostly praised) has its own kind and no ranking fields
    strength = ["strength", "1", "location", "Location", "9", "0.2250", "", "", "", "", ""]
    assert rows[3] == [*strength, "", "", "", "", "", "", ""]
    emerging = ["emerging", "1", "cluster_1", "cluster_1", "3", "", "", "", "'+1 | 退款", "'-2 stars", ""]
    assert rows[4] == [*emerging, "", "", "", "", "", "", ""]
    assert len(rows) == 5


def test_csv_cell_starting_with_a_formula_gets_an_apostrophe():
    data = report()
    data["topics"][0]["examples"] = [FORMULA]
    rows = list(csv.reader(io.StringIO(report_to_csv(data, excel_bom=False))))
    assert rows[1][9] == "'" + FORMULA
    assert rows[1][3] == "配送慢"  # zh-hans label by default


def test_html_escapes_everything_respondents_wrote():
    html = report_to_html(report(), lang="en")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;等了&lt;/b&gt;" in html
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;点我&quot;)" in html


def test_html_is_self_contained_with_svg_charts_followed_by_tables():
    html = report_to_html(report(), lang="en")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html
    # the charts' stylesheet is inlined
    assert ".chart-figure svg { display: block; max-width: 100%; height: auto; }" in html
    charts = [m.start() for m in re.finditer("<svg", html)]
    assert len(charts) == 2
    for start in charts:
        after = html[start:]
        assert after.index("</svg>") < after.index("<details") < after.index("<table")
    # bars: one per topic in each chart; the negative impact is drawn left of the zero line, the
    # first topic's interval as a whisker
    assert html.count('class="chart-bar"') == 3
    assert html.count('class="chart-bar chart-bar-negative"') == 1
    assert html.count('class="chart-interval"') == 1
    assert "+8.2" in html and "-2.0" in html
    assert "Late delivery" in html
    assert "scenario=peak (x2.50)" in html
    # each chart's table: the impact with its interval, the mentions
    assert (
        "<caption>Impact per topic (points of the metric)</caption>\n"
        '<thead><tr><th scope="col">Topic</th><th scope="col">Impact (points)</th>'
        '<th scope="col">95% interval</th></tr></thead>\n'
        '<tbody><tr><th scope="row">Late delivery</th><td>+8.2 (small sample)</td>'
        "<td>+3.5 – +13.0</td></tr>\n"
        '<tr><th scope="row">Praise</th><td>-2.0</td><td></td></tr>\n'
    ) in html
    assert (
        '<tbody><tr><th scope="row">Late delivery</th><td>12</td></tr>\n'
        '<tr><th scope="row">Praise</th><td>4</td></tr>\n'
    ) in html


def test_html_charts_in_chinese():
    html = report_to_html(report(), lang="zh-hans")
    assert 'aria-label="各主题的提及次数"' in html
    assert '<th scope="col">95% 置信区间</th>' in html
    assert "<summary>以表格查看数据</summary>" in html
    assert "<td>+8.2 (样本量小)</td>" in html


@pytest.mark.parametrize(
    ("lang", "trend", "overall"),
    [
        ("en", "+5.0 pts, p = 0.031 (significant)", "overall 40.0%"),
        ("zh-hans", "+5.0 个百分点，p = 0.031 (显著)", "整体 40.0%"),
    ],
)
def test_html_trend_always_carries_its_p_value(lang, trend, overall):
    html = report_to_html(report(), lang=lang)
    assert trend in html
    assert overall in html
    assert "+10.0" not in html  # the praise topic's change has no test: not shown


@pytest.mark.parametrize(
    ("lang", "headings", "label"),
    [
        (
            "zh-hans",
            ["痛点报告", "按影响排序的痛点", "各主题的提及次数", "新出现的主题", "置信区间"],
            "配送慢",
        ),
        (
            "en",
            ["Pain-point report", "Pain points ranked by impact", "Mentions per topic", "Emerging topics"],
            "Late delivery",
        ),
    ],
)
def test_html_headings_follow_the_language(lang, headings, label):
    html = report_to_html(report(), lang=lang)
    assert f'<html lang="{lang}">' in html
    for heading in headings:
        assert heading in html
    assert label in html


def test_json_accepts_ranking_dataclasses_and_numpy_values():
    import numpy as np

    from analysis.painpoints import SegmentLift

    data = {
        "topics": [{"key": "a", "mentions": np.int64(3), "share": np.float64(0.5), "x": np.array([1, 2])}]
    }
    data["topics"][0]["segments"] = (SegmentLift("city", "北京", 3, 1.0, 0.5, 2.0, 0.01),)
    parsed = json.loads(report_to_json(data))
    assert parsed["topics"][0]["mentions"] == 3
    assert parsed["topics"][0]["x"] == [1, 2]
    assert parsed["topics"][0]["segments"][0] == {
        "column": "city",
        "value": "北京",
        "mentions": 3,
        "share_in_topic": 1.0,
        "share_overall": 0.5,
        "lift": 2.0,
        "p_value": 0.01,
    }


def test_an_empty_report_renders_without_charts():
    html = report_to_html({"topics": [], "emerging": [], "metrics": {}}, lang="zh-hans")
    assert "未发现痛点。" in html
    assert "<svg" not in html
    rows = list(csv.reader(io.StringIO(report_to_csv({"topics": []}, excel_bom=False))))
    assert len(rows) == 1
    assert json.loads(report_to_json({"topics": [], "emerging": [], "metrics": {}})) == {
        "topics": [],
        "emerging": [],
        "metrics": {},
    }


def test_metrics_table_shows_the_interval_and_the_small_sample_flag():
    data = report()
    data["metrics"] = {
        "csat": {"metric": "csat", "value": 0.5, "low": 0.19, "high": 0.81, "n": 6, "small_sample": True}
    }
    html = report_to_html(data, lang="en")
    assert "50.0%" in html
    assert "19.0% – 81.0%" in html
    assert "small sample" in html
    data["metrics"] = {"nps": {"metric": "nps", "value": 12.5, "low": -3.25, "high": 28.0, "n": 40}}
    html = report_to_html(data, lang="en")
    assert "<td>NPS</td>" in html
    assert "12.50" in html
    assert "-3.25 – 28.00" in html


@pytest.mark.parametrize(
    ("lang", "interval", "test", "small", "strengths"),
    [
        (
            "en",
            "Confidence interval (95%): +3.5 – +13.0",
            "detractors above the rest: p = 0.004 (significant)",
            "small sample",
            "Strengths (mostly praised)",
        ),
        (
            "zh-hans",
            "置信区间 (95%): +3.5 – +13.0",
            "贬损者比例高于其余评论：p = 0.004 (显著)",
            "样本量小",
            "优势（以好评为主）",
        ),
    ],
)
def test_html_shows_the_impact_interval_the_detractor_test_and_strengths(
    lang, interval, test, small, strengths
):
    html = report_to_html(report(), lang=lang)
    row = html[html.index('<td class="num">+8.2<br>') :]
    row = row[: row.index("</td>")]
    assert interval in row
    assert test in row
    assert small in row
    assert strengths in html
    # a p-value below 0.001 is shown as such, not rounded to 0
    data = report()
    data["topics"][0]["p_value"] = 2e-9
    assert "p &lt; 0.001" in report_to_html(data, lang=lang)
    # the praise topic has no interval and no test: nothing is shown for them
    praise = html[html.rindex('<td class="num">-2.0') :]
    assert "p =" not in praise[: praise.index("</td>")]


def _all_praised_report():
    strengths = [  # as the report lists them, most praised first
        {
            "key": "emerging-满意",
            "label": {"zh-hans": "满意", "en": "满意"},
            "mentions": 44,
            "complaint_mentions": 0,
        },
        {
            "key": "emerging-安装-师傅",
            "label": {"zh-hans": "安装好 / 师傅", "en": "安装好 / 师傅"},
            "mentions": 110,
            "complaint_mentions": 45,
        },
    ]
    outcome = ranking_outcome(comments=574, pain_points=0, strengths=strengths, mentioned=2)
    return {"topics": [], "strengths": strengths, "summary": {"ranking": outcome}}


def test_ranking_outcome_says_why_nothing_ranks():
    # given topics that are all praised more than complained about
    report = _all_praised_report()
    # then the reason and the strength most complained about are in the summary
    assert report["summary"]["ranking"] == {
        "pain_points": 0,
        "strengths": 2,
        "reason": "all_praised",
        "most_complained": {
            "key": "emerging-安装-师傅",
            "label": {"zh-hans": "安装好 / 师傅", "en": "安装好 / 师傅"},
            "complaint_mentions": 45,
            "mentions": 110,
        },
    }
    # the other reasons
    assert ranking_outcome(comments=0, pain_points=0, strengths=[], mentioned=0)["reason"] == "no_comments"
    assert ranking_outcome(comments=5, pain_points=0, strengths=[], mentioned=0)["reason"] == "no_topics"
    assert ranking_outcome(comments=5, pain_points=0, strengths=[], mentioned=3)["reason"] == "no_complaints"
    ranked = ranking_outcome(comments=5, pain_points=2, strengths=report["strengths"], mentioned=4)
    assert (ranked["reason"], ranked["most_complained"]) == ("ranked", None)


@pytest.mark.parametrize(
    ("lang", "statement"),
    [
        (
            "en",
            "No pain point ranks: each of the 2 topics found is praised more often than it is complained "
            "about, so they are listed as strengths. The most complained about is 安装好 / 师傅: 45 "
            "complaint mentions against 110 praise mentions.",
        ),
        (
            "zh-hans",
            "没有可排名的痛点：找到的 2 个主题中，每个被表扬的次数都多于被抱怨的次数，因此都列为优势。"
            "被抱怨最多的是 安装好 / 师傅：45 次抱怨，110 次表扬。",
        ),
    ],
)
def test_a_report_where_nothing_ranks_says_why(lang, statement):
    report = _all_praised_report()
    with translation.override(lang):
        assert ranking_statement(report, lang=lang) == statement
    # the HTML report says it where the pain points would be
    assert f'<p class="ranking">{statement}</p>' in report_to_html(report, lang=lang)
    # a report with pain points says nothing more
    report["summary"]["ranking"]["reason"] = "ranked"
    assert ranking_statement(report, lang=lang) == ""
