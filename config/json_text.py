"""Text PostgreSQL cannot store: a NUL character, or a lone UTF-16 surrogate.

DRF's CharField refuses both; JSON fields (locale maps, conditions, labels) take any JSON, so
they check their strings, keys included, here. Otherwise the insert fails: a 500, not a 400.
"""

from typing import Any


def _bad_string(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def has_unstorable_text(value: Any) -> bool:
    """Whether any string in a JSON value (object keys too) holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        return _bad_string(value)
    if isinstance(value, dict):
        return any(_bad_string(str(key)) or has_unstorable_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_unstorable_text(item) for item in value)
    return False
