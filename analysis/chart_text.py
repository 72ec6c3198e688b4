"""The words and number/date formats that ``analysis.charts`` takes, in the active language.

Call inside the request's language or ``translation.override(...)``: ``chart_words()`` reads the
catalog when called. The formats follow the pain-point pages' filters (``analysis_format``), so a
chart and the table beside it write a value the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analysis.charts import Words

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def chart_words() -> Words:
    return Words(
        no_data=_("No data"),
        value=_("Value"),
        interval=_("95%% interval") % {},
        n=_("Responses"),
        small_sample=_("small sample"),
        table_hint=_("The same data is shown as a table."),
        count=_("Count"),
        of_first=_("Of the first step"),
        of_previous=_("Of the previous step"),
    )


def number(digits: int = 1) -> Callable[[float], str]:
    return lambda value: f"{value:.{digits}f}"


def signed(digits: int = 1) -> Callable[[float], str]:
    return lambda value: f"{value:+.{digits}f}"


def percent(digits: int = 1) -> Callable[[float], str]:
    return lambda value: f"{value * 100:.{digits}f}%"


def tick(value: float) -> str:
    """An axis tick: as few decimals as the value needs (10, 2.5, 0.25), never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def tick_percent(value: float) -> str:
    return tick(value * 100) + "%"


def day_label(lang: str | None = None) -> Callable[[dt.date], str]:
    """A short date: 5月4日 in Chinese, 4 May in English."""
    if (lang or get_language() or "").startswith("en"):
        return lambda day: f"{day.day} {MONTHS_EN[day.month - 1]}"
    return lambda day: f"{day.month}月{day.day}日"
