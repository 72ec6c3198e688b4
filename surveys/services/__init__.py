"""Writes of the surveys app: drafts, publishing, duplicating, starter templates.

One service owns each state change. Every draft edit marks ``has_unpublished_changes``;
publishing validates the built definition and freezes it as the next ``SurveyVersion``. Nothing
here (or anywhere) updates a ``SurveyVersion`` row once it is written.
"""

from surveys.services.definition import (
    definition_checksum,
    survey_definition_build,
    survey_preview_definition,
    survey_validate,
)
from surveys.services.publish import survey_publish
from surveys.services.questions import (
    choice_create,
    choice_delete,
    choice_update,
    question_create,
    question_delete,
    question_update,
    questions_renumber,
)
from surveys.services.surveys import (
    survey_create,
    survey_duplicate,
    survey_from_definition,
    survey_retention_update,
    survey_template_load,
    survey_update,
)

__all__ = [
    "choice_create",
    "choice_delete",
    "choice_update",
    "definition_checksum",
    "question_create",
    "question_delete",
    "question_update",
    "questions_renumber",
    "survey_create",
    "survey_definition_build",
    "survey_duplicate",
    "survey_from_definition",
    "survey_preview_definition",
    "survey_publish",
    "survey_retention_update",
    "survey_template_load",
    "survey_update",
    "survey_validate",
]
