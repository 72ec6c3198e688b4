"""Checks a survey definition (docs/survey-definition.md) before it is frozen as a version.

Pure: plain dicts in, a list of ``DefinitionError`` out; no ORM, no settings. The caller
passes the locales a survey may declare. Every error names the place (``path``: ``survey`` or
``questions[2] (why)``) and the field (``text.en``, ``choices``, ``condition``, ``scale.max``)
so the admin and the API can show it beside what has to be fixed. Messages are translated into
the active language when the check runs.
"""

from surveys.validation.checker import Checker
from surveys.validation.rules import (
    ALL_OPS,
    AUDIENCES,
    CHOICE_KINDS,
    COMPARISON_OPS,
    DEFAULT_MAX_LENGTH,
    FIXED_SCALES,
    KINDS,
    LIST_OPS,
    MATRIX_DEFAULT_SCALE,
    MATRIX_KIND,
    MATRIX_MAX_POINTS,
    MATRIX_MIN_POINTS,
    MAX_LENGTH_LIMIT,
    MIN_CHOICES,
    OPS_BY_KIND,
    QUESTION_KEY_MAX_LENGTH,
    SCALE_KINDS,
    SCHEMA_VERSION,
    SURVEY_KEY_MAX_LENGTH,
    TEXT_KINDS,
    DefinitionError,
    is_slug,
    question_path,
)


def definition_errors(definition: dict, *, allowed_locales: list[str]) -> list[DefinitionError]:
    """Every problem that stops ``definition`` from being published, in document order."""
    checker = Checker(definition, allowed_locales)
    checker.run()
    return checker.errors


__all__ = [
    "ALL_OPS",
    "AUDIENCES",
    "CHOICE_KINDS",
    "COMPARISON_OPS",
    "DEFAULT_MAX_LENGTH",
    "FIXED_SCALES",
    "KINDS",
    "LIST_OPS",
    "MATRIX_DEFAULT_SCALE",
    "MATRIX_KIND",
    "MATRIX_MAX_POINTS",
    "MATRIX_MIN_POINTS",
    "MAX_LENGTH_LIMIT",
    "MIN_CHOICES",
    "OPS_BY_KIND",
    "QUESTION_KEY_MAX_LENGTH",
    "SCALE_KINDS",
    "SCHEMA_VERSION",
    "SURVEY_KEY_MAX_LENGTH",
    "TEXT_KINDS",
    "DefinitionError",
    "definition_errors",
    "is_slug",
    "question_path",
]
