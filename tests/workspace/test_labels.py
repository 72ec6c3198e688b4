"""Keys in words: segment values, lifts' segments, highlighted verbatims (no database)."""

import datetime as dt

import pytest
from django.utils import translation

from workspace.charts import metric_trend_chart
from workspace.labels import humanise, segment_value_label
from workspace.selectors import segment_text
from workspace.templatetags.workspace_format import (
    count,
    day,
    highlight_text,
    num,
    pct,
    short_day,
    signed_pct,
)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("district_type", "office", "Office building"),
        ("merchant_type", "tea_drinks", "Tea and drinks"),
        ("scenario", "peak", "Peak hours"),
        ("respondent_type", "rider", "Rider"),
        ("locale", "zh-hans", "简体中文"),
        ("merchant_type", "noodle_bar", "Noodle bar"),  # unknown slug: humanised
        ("city", "上海", "上海"),  # free text as it is
        ("store_id", "1024", "1024"),
    ],
)
def test_segment_values_in_words(key, value, words):
    with translation.override("en"):
        assert segment_value_label(key, value) == words


def test_segment_values_in_chinese():
    with translation.override("zh-hans"):
        assert segment_value_label("district_type", "business_district") == "商圈"


@pytest.mark.parametrize(
    ("segment", "words"),
    [
        ({"column": "district_type", "value": "office"}, "District type: Office building"),
        ({"column": "locale & scenario", "value": "en & peak"}, "Language: English + Scenario: Peak hours"),
        (
            {"column": "city & merchant_type", "value": "深圳 & tea_drinks"},
            "City: 深圳 + Merchant type: Tea and drinks",
        ),
    ],
)
def test_a_lift_segment_in_words(segment, words):
    with translation.override("en"):
        assert segment_text(segment) == words


def test_humanise():
    assert (humanise("delivery_ops"), humanise("after-sales"), humanise("")) == (
        "Delivery ops",
        "After sales",
        "—",
    )


@pytest.mark.parametrize(
    ("text", "terms", "html"),
    [
        ("送餐太慢了", ["太慢"], "送餐<mark>太慢</mark>了"),
        ("Very LATE again", ["late"], "Very <mark>LATE</mark> again"),
        (
            "<b>late</b> & cold",
            ["late", "cold"],
            "&lt;b&gt;<mark>late</mark>&lt;/b&gt; &amp; <mark>cold</mark>",
        ),
        ("fish & chips", ["amp"], "fish &amp; chips"),  # never inside an entity
        ("an hour late", ["an hour", "hour"], "<mark>an hour</mark> late"),  # longest first
        ("a <script>", [], "a &lt;script&gt;"),
    ],
)
def test_verbatims_are_escaped_then_highlighted(text, terms, html):
    assert highlight_text(text, terms) == html


def test_numbers_per_locale():
    with translation.override("en"):
        assert (num(1234.56), pct(0.4567), signed_pct(-0.05)) == ("1,234.6", "45.7%", "-5.0 pp")
    with translation.override("zh-hans"):
        # grouped by thousands in Chinese too (config/formats/zh_Hans; Django's groups nothing)
        assert (num(1234.56), pct(None)) == ("1,234.6", "–")


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("zh-hans", ("1,234,567", "-12,345.68", "123,456.0%", "+1,234.5 pp", "2026年5月4日", "5月4日")),
        ("en", ("1,234,567", "-12,345.68", "123,456.0%", "+1,234.5 pp", "May 4, 2026", "May 4")),
    ],
)
def test_counts_shares_and_days_in_the_pages_language(lang, shown):
    with translation.override(lang):
        assert (
            count(1234567),
            num(-12345.678, 2),
            pct(1234.56),
            signed_pct(12.345),
            day(dt.date(2026, 5, 4)),
            short_day("2026-05-04"),
        ) == shown


@pytest.mark.parametrize(
    ("lang", "row"),
    [
        ("zh-hans", ("5月4日", "-12.5", "-20.0 – -5.0", "12,345")),
        ("en", ("May 4", "-12.5", "-20.0 – -5.0", "12,345")),
    ],
)
def test_a_chart_table_writes_its_numbers_and_days_in_the_pages_language(lang, row):
    # given a week of 12,345 scored responses
    by_period = [
        {
            "period": "2026-05-04",
            "result": {"value": -12.5, "low": -20.0, "high": -5.0, "n": 12345, "small_sample": False},
        }
    ]
    # when the overview's trend chart is drawn in the page's language
    with translation.override(lang):
        chart = metric_trend_chart(by_period, "NPS")
    # then its table groups the count and writes the week as the page does
    assert chart.table.rows == (row,)
