"""Stable error codes of the responses app.

Clients branch on these codes, never on the messages (which are translated). Adding a code is
fine; renaming or removing one breaks source systems.
"""


class EventErrorCode:
    """Per-item codes in the events API answer (``results[i].errors[j].code``)."""

    NOT_AN_OBJECT = "not_an_object"  # the event itself is not a JSON object
    REQUIRED = "required"  # a required field is missing, null or blank
    INVALID_TYPE = "invalid_type"  # the JSON type is wrong (a list where a string was expected)
    INVALID = "invalid"  # malformed value (event type not dotted, bad characters)
    TOO_LONG = "too_long"  # a string longer than its column
    SOURCE_NOT_ALLOWED = "source_not_allowed"  # the caller may not post for this source
    UNKNOWN_RESPONDENT_TYPE = "unknown_respondent_type"
    INVALID_LOCALE = "invalid_locale"
    INVALID_TIMEZONE = "invalid_timezone"
    INVALID_DATETIME = "invalid_datetime"  # not ISO 8601
    DATETIME_WITHOUT_OFFSET = "datetime_without_offset"
    DATETIME_IN_FUTURE = "datetime_in_future"  # beyond the clock-skew tolerance
    ATTRIBUTES_NOT_OBJECT = "attributes_not_object"
    ATTRIBUTES_NOT_FLAT = "attributes_not_flat"  # a value is an object or a list
    ATTRIBUTES_TOO_LARGE = "attributes_too_large"  # too many keys, a key/value too long, too big
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    CONTROL_CHARACTER = "control_character"  # NUL or another control character (tab/newline: free text only)
    INVALID_UNICODE = "invalid_unicode"  # a lone UTF-16 surrogate (from a \ud800 escape): not a character
    NUMBER_OUT_OF_RANGE = "number_out_of_range"  # an attribute number JSON cannot hold (1e400 is infinity)


class RequestErrorCode:
    """Codes of whole-request errors (the ``code`` of the error body)."""

    PARSE_ERROR = "parse_error"  # DRF's code for malformed JSON
    INVALID_BODY = "invalid_body"  # JSON, but neither an event nor {"events": [...]}
    BATCH_EMPTY = "batch_empty"
    BATCH_TOO_LARGE = "batch_too_large"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_DEEP = "too_deep"  # JSON nested deeper than the parser accepts (config/parsers.py)
    NOT_AUTHENTICATED = "not_authenticated"  # DRF's code
    AUTHENTICATION_FAILED = "authentication_failed"  # DRF's code


class RuleErrorCode:
    """Codes of DistributionRule validation (``rule_validate``)."""

    SAMPLING_OUT_OF_RANGE = "sampling_rate_out_of_range"
    QUOTA_MIN_ABOVE_MAX = "quota_min_above_max"
    QUOTA_WITHOUT_ATTRIBUTE = "quota_without_attribute"
    UNKNOWN_CHANNEL = "unknown_channel"
    NO_CHANNEL = "no_channel"
    QUIET_HOURS_INCOMPLETE = "quiet_hours_incomplete"
    QUIET_HOURS_EMPTY = "quiet_hours_empty"
    EVENT_TYPES_INVALID = "event_types_invalid"
    ATTRIBUTE_FILTERS_INVALID = "attribute_filters_invalid"
    ACTIVE_DATES_REVERSED = "active_dates_reversed"
    AUDIENCE_MISMATCH = "audience_mismatch"
    FATIGUE_SCOPE_UNKNOWN = "fatigue_scope_unknown"
    CHANNEL_REPEATED = "channel_repeated"
    QUIET_HOURS_TIMEZONE_UNKNOWN = "quiet_hours_timezone_unknown"
    # The admin form's structured fields
    SAMPLING_PERCENT_OUT_OF_RANGE = "sampling_percent_out_of_range"
    DURATION_INVALID = "duration_invalid"
    ATTRIBUTE_FILTER_KEY_INVALID = "attribute_filter_key_invalid"
    ATTRIBUTE_FILTER_VALUE_MISSING = "attribute_filter_value_missing"
    ATTRIBUTE_FILTER_KEY_REPEATED = "attribute_filter_key_repeated"


class DryRunErrorCode:
    """Whole-request codes of ``POST /api/v1/rules/dry-run/`` besides the per-field event codes."""

    INVALID_BODY = "invalid_body"  # not one event object (a batch, a list, a number)


class ImportErrorCode:
    """Codes of the CSV/XLSX import (admin upload and ``import_events``)."""

    UNSUPPORTED_FILE = "unsupported_file"
    UNREADABLE_FILE = "unreadable_file"
    ATTRIBUTES_INVALID_JSON = "attributes_invalid_json"
