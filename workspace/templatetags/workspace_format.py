"""Numbers and dates of the workspace in the page's language, and highlighted verbatims."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils.formats import date_format, number_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()
DASH = "–"


def number(value, digits: int = 1) -> str:
    """A number in the active language's format, grouped (1,234.5); None -> "–"."""
    if value is None:
        return DASH
    return number_format(round(float(value), int(digits)), int(digits), use_l10n=True, force_grouping=True)


@register.filter
def num(value, digits: int = 1) -> str:
    return number(value, digits)


@register.filter
def count(value) -> str:
    return number(value, 0)


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.4 -> "40.0%"."""
    if value is None:
        return DASH
    return f"{number(float(value) * 100, digits)}%"


@register.filter
def signed(value, digits: int = 1) -> str:
    if value is None:
        return DASH
    text = number(value, digits)
    return text if text.startswith("-") else f"+{text}"


@register.filter
def signed_pct(value, digits: int = 1) -> str:
    """A change of a share in percentage points: 0.05 -> "+5.0 pp"."""
    if value is None:
        return DASH
    return f"{signed(float(value) * 100, digits)} pp"


@register.filter
def pvalue(value) -> str:
    if value is None:
        return DASH
    return "< 0.001" if value < 0.001 else number(value, 3)


@register.filter
def day(value) -> str:
    """A day in the language's date format (2026年5月4日 / May 4, 2026)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "DATE_FORMAT") if value else DASH


@register.filter
def short_day(value) -> str:
    """A day without its year (5月4日 / May 4)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return date_format(value, "MONTH_DAY_FORMAT") if value else DASH


def highlight_text(text: str, terms) -> str:
    """``text`` escaped, then every occurrence of the terms (longest first, case-insensitive)
    wrapped in <mark>. Terms are escaped the same way before matching, so markup in a comment
    stays text and a term never matches inside an entity."""
    escaped = str(conditional_escape(text or ""))
    wanted = sorted(
        {str(conditional_escape(t)) for t in terms or () if str(t).strip()}, key=len, reverse=True
    )
    if not wanted:
        return escaped
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(escaped):
        # never inside an entity such as &amp;
        start = match.start()
        amp = escaped.rfind("&", 0, start)
        if amp != -1 and ";" not in escaped[amp:start] and re.match(r"&[#\w]+;", escaped[amp:]):
            continue
        parts.append(escaped[last:start])
        parts.append(f"<mark>{match.group(0)}</mark>")
        last = match.end()
    parts.append(escaped[last:])
    return "".join(parts)


@register.filter
def highlight(text, terms):
    # highlight_text escapes the text and the terms before it adds the marks
    return mark_safe(highlight_text(text, terms))
