"""The draft as a definition (docs/survey-definition.md), its checksum and its checks."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max

from surveys.models import Question, Survey, SurveyVersion
from surveys.validation import (
    CHOICE_KINDS,
    DEFAULT_MAX_LENGTH,
    FIXED_SCALES,
    MATRIX_DEFAULT_SCALE,
    MATRIX_KIND,
    SCALE_KINDS,
    SCHEMA_VERSION,
    TEXT_KINDS,
    DefinitionError,
    definition_errors,
)


def _scale(question: Question) -> dict:
    low, high = FIXED_SCALES.get(question.kind, MATRIX_DEFAULT_SCALE)
    return {
        "min": question.scale_min if question.scale_min is not None else low,
        "max": question.scale_max if question.scale_max is not None else high,
        "min_label": question.min_label or {},
        "max_label": question.max_label or {},
    }


def _question_definition(question: Question) -> dict:
    data: dict[str, Any] = {
        "key": question.key,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text or {},
        "required": question.required,
        "condition": question.condition,
    }
    options = [{"key": c.key, "label": c.label} for c in question.choices.all()]
    if question.kind in SCALE_KINDS or question.kind == MATRIX_KIND:
        data["scale"] = _scale(question)
    if question.kind in CHOICE_KINDS:
        data["choices"] = options
    if question.kind == MATRIX_KIND:
        data["items"] = options
    if question.kind in TEXT_KINDS:
        data["max_length"] = question.max_length or DEFAULT_MAX_LENGTH[question.kind]
    return data


def survey_definition_build(*, survey: Survey) -> dict:
    """The draft as the JSON a version freezes (docs/survey-definition.md), defaults filled in.

    ``version`` is the number the draft would get if published now.
    """
    latest = SurveyVersion.objects.filter(survey=survey).aggregate(number=Max("number"))["number"]
    questions = survey.questions.order_by("position", "id").prefetch_related("choices")
    return {
        "schema": SCHEMA_VERSION,
        "key": survey.key,
        "version": (latest or 0) + 1,
        "audience": survey.audience,
        "locales": list(survey.locales) if isinstance(survey.locales, list) else survey.locales,
        "default_locale": survey.default_locale,
        "title": survey.title,
        "introduction": survey.introduction or {},
        "thank_you": survey.thank_you,
        "primary_question": survey.primary_question_key,
        "questions": [_question_definition(q) for q in questions],
    }


def survey_preview_definition(*, survey: Survey) -> dict:
    """The built definition for the admin preview; an invalid draft still previews."""
    return survey_definition_build(survey=survey)


def definition_checksum(definition: dict) -> str:
    """sha256 of the canonical JSON without ``version``: equal content, equal checksum."""
    content = {key: value for key, value in definition.items() if key != "version"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def as_validation_error(errors: list[DefinitionError]) -> ValidationError:
    # The message is already formatted; escape % so ValidationError does not format it again.
    return ValidationError(
        [
            ValidationError(
                error.message.replace("%", "%%"),
                code=error.code,
                params={"path": error.path, "field": error.field},
            )
            for error in errors
        ]
    )


def survey_validate(*, survey: Survey) -> list[DefinitionError]:
    return definition_errors(survey_definition_build(survey=survey), allowed_locales=settings.SURVEY_LOCALES)
