"""Error codes of the cases app (API bodies and service ValidationErrors carry them)."""

from enum import StrEnum


class CaseErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    ASSIGNEE_NOT_IN_TEAM = "assignee_not_in_team"
    BAD_FILTER = "bad_filter"
    UNSTORABLE_TEXT = "unstorable_text"
