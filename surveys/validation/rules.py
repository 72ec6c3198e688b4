"""The rules a definition follows: kinds, fixed scales, operators, key syntax.

Plain constants shared by the checks, the services that build definitions and the admin forms.
"""

import re
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1

# Fixed bounds of the one-scale kinds; a matrix chooses its own (1-5 by default).
FIXED_SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "rating": (1, 5),
}
SCALE_KINDS = frozenset(FIXED_SCALES)
CHOICE_KINDS = frozenset({"single_choice", "multiple_choice"})
TEXT_KINDS = frozenset({"short_text", "long_text"})
MATRIX_KIND = "matrix"
KINDS = SCALE_KINDS | CHOICE_KINDS | TEXT_KINDS | {MATRIX_KIND}
AUDIENCES = frozenset({"customer", "merchant", "rider"})

MATRIX_DEFAULT_SCALE = (1, 5)
MATRIX_MIN_POINTS = 2
MATRIX_MAX_POINTS = 11
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 2000}
MAX_LENGTH_LIMIT = 10000
MIN_CHOICES = 2

SURVEY_KEY_MAX_LENGTH = 80
QUESTION_KEY_MAX_LENGTH = 64
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")

COMPARISON_OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte"})
LIST_OPS = frozenset({"in", "not_in"})
OPS_BY_KIND: dict[str, frozenset[str]] = {
    **{kind: COMPARISON_OPS | LIST_OPS | {"answered"} for kind in SCALE_KINDS},
    MATRIX_KIND: COMPARISON_OPS | LIST_OPS | {"answered"},
    "single_choice": frozenset({"eq", "ne", "in", "not_in", "answered"}),
    "multiple_choice": frozenset({"contains", "in", "not_in", "answered"}),
    "short_text": frozenset({"answered"}),
    "long_text": frozenset({"answered"}),
}
ALL_OPS = frozenset().union(*OPS_BY_KIND.values())


@dataclass(frozen=True)
class DefinitionError:
    path: str
    field: str
    code: str
    message: str


def is_slug(value: Any, max_length: int = QUESTION_KEY_MAX_LENGTH) -> bool:
    return isinstance(value, str) and len(value) <= max_length and bool(_SLUG.match(value))


def question_path(index: int, key: Any) -> str:
    return f"questions[{index}] ({key})" if isinstance(key, str) and key else f"questions[{index}]"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()
