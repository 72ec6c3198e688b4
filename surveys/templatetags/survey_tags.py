"""Template helpers for rendering a survey definition in one locale.

``{{ question.text|loc:locale }}`` picks the text of ``locale`` from a locale map and falls back
to the first non-blank text, so a draft with a missing translation still renders in preview.
"""

import json

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def loc(value, locale: str) -> str:
    """The text of ``locale`` in a locale map, else the first non-blank text, else ""."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    text = value.get(locale)
    if isinstance(text, str) and text.strip():
        return text
    for other in value.values():
        if isinstance(other, str) and other.strip():
            return other
    return ""


@register.filter
def locale_name(code: str) -> str:
    """The name of a locale in its own language (``zh-hans`` -> 简体中文), else the code."""
    return dict(settings.LANGUAGES).get(code, code)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` for a dict in a template, None when absent or not a dict."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def as_list(value) -> list:
    """Errors may come as one message or a list of messages; always a list."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


@register.filter
def is_chosen(answer, option) -> bool:
    """Whether ``option`` (a scale value or choice key) is the answer or among the answers.

    Answers come as integers from the database and as strings from a submitted form, so the
    comparison is on the text form of both.
    """
    if answer is None:
        return False
    if isinstance(answer, list | tuple | set):
        return str(option) in {str(item) for item in answer}
    return str(answer) == str(option)


@register.filter
def to_json(value) -> str:
    """JSON text for a ``data-`` attribute (the template's autoescaping quotes it)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def scale_range(scale) -> range:
    """The points of a scale ``{"min": 0, "max": 10}``, inclusive."""
    if not isinstance(scale, dict):
        return range(0)
    try:
        return range(int(scale.get("min", 1)), int(scale.get("max", 5)) + 1)
    except (TypeError, ValueError):
        return range(0)
