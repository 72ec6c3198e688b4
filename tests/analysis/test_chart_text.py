"""The charts' words and formats in the active language."""

import datetime as dt

import pytest
from django.utils import translation

from analysis import chart_text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(10.0, "10"), (2.5, "2.5"), (0.25, "0.25"), (-0.0, "0"), (-7.5, "-7.5"), (1250.0, "1250")],
)
def test_tick_writes_as_few_decimals_as_needed(value, shown):
    assert chart_text.tick(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(0.25, "25%"), (0.0, "0%"), (0.125, "12.5%"), (1.0, "100%")])
def test_tick_percent(value, shown):
    assert chart_text.tick_percent(value) == shown


def test_value_formats():
    assert chart_text.number(1)(8.25) == "8.2"
    assert chart_text.signed(1)(-2) == "-2.0"
    assert chart_text.percent(1)(0.4) == "40.0%"


@pytest.mark.parametrize(("lang", "shown"), [("en", "4 May"), ("zh-hans", "5月4日")])
def test_day_label_per_language(lang, shown):
    assert chart_text.day_label(lang)(dt.date(2026, 5, 4)) == shown


def test_day_label_follows_the_active_language():
    with translation.override("en"):
        assert chart_text.day_label()(dt.date(2026, 12, 31)) == "31 Dec"


@pytest.mark.parametrize(
    ("lang", "no_data", "interval", "small"),
    [("zh-hans", "暂无数据", "95% 置信区间", "样本量小"), ("en", "No data", "95% interval", "small sample")],
)
def test_words_in_the_active_language(lang, no_data, interval, small):
    with translation.override(lang):
        words = chart_text.chart_words()
    assert (words.no_data, words.interval, words.small_sample) == (no_data, interval, small)
