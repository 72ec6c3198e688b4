"""Error codes of the exports app (API bodies and service ValidationErrors carry them).

Date and attribute-filter codes are the analysis API's (``analysis.errors``): the exports take
the same filters, parsed by the same function.
"""

from enum import StrEnum


class ExportErrorCode(StrEnum):
    SURVEY_REQUIRED = "survey_required"
    BAD_FORMAT = "bad_format"
    FORBIDDEN_KIND = "forbidden_kind"
    TOO_MANY_ROWS = "too_many_rows"
    EXPORT_NOT_FOUND = "export_not_found"
    NOT_READY = "not_ready"
    FAILED = "failed"
