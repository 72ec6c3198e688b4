"""Error codes of the surveys app.

Every ``ValidationError`` raised by surveys services and every ``DefinitionError`` returned by
``surveys.validation`` carries one of these codes; API clients and tests match on them.
"""

from enum import StrEnum


class SurveyErrorCode(StrEnum):
    # Locale maps and locales
    MISSING_TRANSLATION = "missing_translation"
    NOT_A_LOCALE_MAP = "not_a_locale_map"
    UNSTORABLE_TEXT = "unstorable_text"  # a NUL character or a lone surrogate
    UNKNOWN_LOCALE = "unknown_locale"
    BAD_LOCALES = "bad_locales"
    DEFAULT_LOCALE_NOT_DECLARED = "default_locale_not_declared"

    # Keys and structure
    BAD_KEY = "bad_key"
    DUPLICATE_KEY = "duplicate_key"
    MALFORMED = "malformed"
    UNKNOWN_AUDIENCE = "unknown_audience"
    UNKNOWN_KIND = "unknown_kind"
    NO_QUESTIONS = "no_questions"

    # Questions
    TOO_FEW_CHOICES = "too_few_choices"
    NO_ITEMS = "no_items"
    BAD_SCALE = "bad_scale"
    BAD_MAX_LENGTH = "bad_max_length"
    PRIMARY_QUESTION_MISSING = "primary_question_missing"
    PRIMARY_QUESTION_NOT_SCALE = "primary_question_not_scale"

    # Display conditions
    CONDITION_MALFORMED = "condition_malformed"
    CONDITION_UNKNOWN_QUESTION = "condition_unknown_question"
    CONDITION_FORWARD_REFERENCE = "condition_forward_reference"
    CONDITION_BAD_OPERATOR = "condition_bad_operator"
    CONDITION_UNKNOWN_ITEM = "condition_unknown_item"
    CONDITION_IMPOSSIBLE_VALUE = "condition_impossible_value"

    # Publishing and templates
    INVALID_DEFINITION = "invalid_definition"
    NO_CHANGES = "no_changes"
    KEY_LOCKED = "key_locked"
    UNKNOWN_TEMPLATE = "unknown_template"
