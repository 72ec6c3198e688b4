"""Error codes of the analysis app (API bodies and service ValidationErrors carry them)."""

from enum import StrEnum


class AnalysisErrorCode(StrEnum):
    SURVEY_NOT_FOUND = "survey_not_found"
    BAD_DATE = "bad_date"
    DATE_RANGE_REVERSED = "date_range_reversed"
    DATE_RANGE_TOO_LONG = "date_range_too_long"
    BAD_PERIOD = "bad_period"
    BAD_LANGUAGE = "bad_language"
    BAD_FILTER = "bad_filter"
    TAXONOMY_INVALID = "taxonomy_invalid"
    TOPIC_KEY_TAKEN = "topic_key_taken"
    NO_TAXONOMY = "no_taxonomy"
