"""Number formats of the pain-point pages."""

from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.4 -> "40.0%"; None -> "–"."""
    if value is None:
        return "–"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def signed(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):+.{int(digits)}f}"


@register.filter
def pvalue(value) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
