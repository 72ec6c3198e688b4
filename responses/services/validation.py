"""Validation of one incoming event, shared by the API, the admin upload and ``import_events``.

Pure: a JSON-like dict in, either a ``ValidEvent`` or a list of ``ItemError`` out, no database.
Every problem of an item is reported at once (not only the first), each with the field's dotted
path, a stable code from ``responses.errors`` and a message.

Limits (documented for source systems in the API description):

- ``occurred_at``: ISO 8601 with a UTC offset; at most ``FUTURE_TOLERANCE`` (10 minutes) ahead of
  the server clock, which absorbs ordinary clock skew between systems.
- ``attributes``: a flat object of at most ``ATTRIBUTES_MAX_KEYS`` (50) keys of at most
  ``ATTRIBUTE_KEY_MAX_LENGTH`` (64) characters; values are strings (at most
  ``ATTRIBUTE_VALUE_MAX_LENGTH``, 500 characters), numbers, booleans or null; at most
  ``ATTRIBUTES_MAX_BYTES`` (8 KiB) as compact JSON.
- text: no field may hold a lone UTF-16 surrogate (a JSON ``"\\ud800"`` escape: not a character,
  and not encodable as UTF-8) or a control character (PostgreSQL refuses NUL in text and jsonb);
  attribute values, the only free text, may hold tab and line breaks. Such an item is rejected
  with ``invalid_unicode`` or ``control_character`` naming the field; the others go on.
- attribute numbers are finite (``1e400`` parses to infinity, which JSON cannot hold).
- ``respondent.phone``: E.164 (``+8613812345678``), or a Chinese mobile number without the
  country code (``13812345678``); stored as E.164.
"""

import datetime as dt
import json
import math
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from responses.distribution.rules import EVENT_TYPE_PATTERN
from responses.errors import EventErrorCode as Code
from surveys.models import Audience

FUTURE_TOLERANCE = dt.timedelta(minutes=10)
ATTRIBUTES_MAX_KEYS = 50
ATTRIBUTE_KEY_MAX_LENGTH = 64
ATTRIBUTE_VALUE_MAX_LENGTH = 500
ATTRIBUTES_MAX_BYTES = 8 * 1024
SOURCE_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 128
EVENT_TYPE_MAX_LENGTH = 64
REF_MAX_LENGTH = 128

_SOURCE_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
_ATTRIBUTE_KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
_AUDIENCES = frozenset(Audience.values)
# Characters no identifier may hold: C0 and C1 control characters and DEL, and the lone UTF-16
# surrogates a JSON escape can produce. Free text (attribute values) may hold tab and line breaks.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def attribute_key_valid(key: str) -> bool:
    """Whether ``key`` is an attribute name as ingestion accepts it (letters, digits, ``_``,
    ``.``, ``-``; at most ``ATTRIBUTE_KEY_MAX_LENGTH``): what a segment filter may name."""
    return 0 < len(key) <= ATTRIBUTE_KEY_MAX_LENGTH and _ATTRIBUTE_KEY_PATTERN.fullmatch(key) is not None


# The most bytes one character of a string can take in compact JSON with ensure_ascii=False
# ("\u001f" for a control character): the size limit is checked exactly only above this bound.
_JSON_BYTES_PER_CHAR = 6


@dataclass(frozen=True)
class ItemError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class RespondentInput:
    type: str
    ref: str
    email: str = ""
    phone: str = ""
    locale: str = ""
    timezone: str = ""


@dataclass(frozen=True)
class ValidEvent:
    source: str
    external_id: str
    type: str
    occurred_at: dt.datetime
    respondent: RespondentInput
    attributes: dict = field(default_factory=dict)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _locales() -> dict[str, str]:
    return _locale_map(tuple(settings.SURVEY_LOCALES))


@cache
def _locale_map(codes: tuple[str, ...]) -> dict[str, str]:
    return {code.lower(): code for code in codes}


class _Collector:
    def __init__(self) -> None:
        self.errors: list[ItemError] = []

    def add(self, name: str, code: str, message: str) -> None:
        self.errors.append(ItemError(name, code, message))


def text_printable(text: str) -> str:
    """``text`` with each control character and lone surrogate written as a ``\\uXXXX`` escape.

    For echoing input in an answer: a lone surrogate cannot be encoded as UTF-8 at all.
    """
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def text_is_clean(text: str) -> bool:
    """Whether ``text`` holds no control character and no lone surrogate."""
    return _UNSAFE.search(text) is None


def _characters_refused(errors: _Collector, path: str, text: str, *, free_text: bool = False) -> bool:
    """Report the first character of ``text`` that no field may hold; True when there is one."""
    match = (_UNSAFE_IN_TEXT if free_text else _UNSAFE).search(text)
    if match is None:
        return False
    char = match.group()
    params = {"field": path, "char": f"U+{ord(char):04X}"}
    if "\ud800" <= char <= "\udfff":
        errors.add(path, Code.INVALID_UNICODE, _("%(field)s contains a lone surrogate (%(char)s).") % params)
    else:
        errors.add(
            path, Code.CONTROL_CHARACTER, _("%(field)s contains a control character (%(char)s).") % params
        )
    return True


def _text(
    data: dict, key: str, path: str, errors: _Collector, *, max_length: int, required: bool = True
) -> str:
    value = data.get(key)
    if type(value) is str:  # the usual case, checked first; anything unusual takes the long way
        text = value.strip()
        if text and len(text) <= max_length and _UNSAFE.search(text) is None:
            return text
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(path, Code.REQUIRED, _("%(field)s is required.") % {"field": path})
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(path, Code.INVALID_TYPE, _("%(field)s must be a string.") % {"field": path})
        return ""
    text = str(value).strip()
    if _characters_refused(errors, path, text):
        return ""
    if len(text) > max_length:
        errors.add(
            path,
            Code.TOO_LONG,
            _("%(field)s is longer than %(max)s characters.") % {"field": path, "max": max_length},
        )
        return ""
    return text


def email_normalise(value: str) -> str | None:
    """The address with a lower-case domain, or None when Django's validator refuses it."""
    try:
        validate_email(value)
    except ValidationError:
        return None
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def phone_normalise(value: str) -> str | None:
    """E.164 for a valid international number or a Chinese mobile number; None otherwise."""
    text = value.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else "CN")
    except phonenumbers.NumberParseException:
        return None
    if text.startswith("+"):
        if not phonenumbers.is_valid_number(number):
            return None
    # Without a country code only a Chinese mobile number is accepted; matching the mobile
    # pattern of region CN is itself the validity check (and half the cost of both).
    elif phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _occurred_at(data: dict, errors: _Collector, now: dt.datetime) -> dt.datetime | None:
    value = data.get("occurred_at")
    if value is None or value == "":
        errors.add("occurred_at", Code.REQUIRED, _("%(field)s is required.") % {"field": "occurred_at"})
        return None
    if not isinstance(value, str):
        errors.add("occurred_at", Code.INVALID_TYPE, _("occurred_at must be an ISO 8601 string."))
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(
            "occurred_at",
            Code.INVALID_DATETIME,
            _("occurred_at is not an ISO 8601 date and time, e.g. 2026-05-01T12:30:00+08:00."),
        )
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        errors.add(
            "occurred_at",
            Code.DATETIME_WITHOUT_OFFSET,
            _("occurred_at needs a UTC offset, e.g. 2026-05-01T12:30:00+08:00 or ...Z."),
        )
        return None
    if parsed > now + FUTURE_TOLERANCE:
        errors.add(
            "occurred_at",
            Code.DATETIME_IN_FUTURE,
            _("occurred_at is more than %(minutes)s minutes in the future.")
            % {"minutes": int(FUTURE_TOLERANCE.total_seconds() // 60)},
        )
        return None
    return parsed.astimezone(dt.UTC)


def _attributes(data: dict, errors: _Collector) -> dict:
    value = data.get("attributes", {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("attributes", Code.ATTRIBUTES_NOT_OBJECT, _("attributes must be a JSON object."))
        return {}
    problems = len(errors.errors)
    if len(value) > ATTRIBUTES_MAX_KEYS:
        errors.add(
            "attributes",
            Code.ATTRIBUTES_TOO_LARGE,
            _("attributes has %(count)s keys; at most %(max)s are allowed.")
            % {"count": len(value), "max": ATTRIBUTES_MAX_KEYS},
        )
        return {}
    for key, item in value.items():
        path = f"attributes.{text_printable(key)}"
        if len(key) > ATTRIBUTE_KEY_MAX_LENGTH or not _ATTRIBUTE_KEY_PATTERN.fullmatch(key):
            errors.add(
                path,
                Code.ATTRIBUTES_TOO_LARGE if len(key) > ATTRIBUTE_KEY_MAX_LENGTH else Code.INVALID,
                _("Attribute names use letters, digits, _ . - and at most %(max)s characters.")
                % {"max": ATTRIBUTE_KEY_MAX_LENGTH},
            )
        elif isinstance(item, dict | list):
            errors.add(
                path,
                Code.ATTRIBUTES_NOT_FLAT,
                _("%(field)s is an object or a list; attributes must be flat (text, number, boolean).")
                % {"field": path},
            )
        elif isinstance(item, str):
            if len(item) > ATTRIBUTE_VALUE_MAX_LENGTH:
                errors.add(
                    path,
                    Code.ATTRIBUTES_TOO_LARGE,
                    _("%(field)s is longer than %(max)s characters.")
                    % {"field": path, "max": ATTRIBUTE_VALUE_MAX_LENGTH},
                )
            else:
                _characters_refused(errors, path, item, free_text=True)
        elif isinstance(item, float) and not math.isfinite(item):
            errors.add(
                path, Code.NUMBER_OUT_OF_RANGE, _("%(field)s is not a finite number.") % {"field": path}
            )
    if len(errors.errors) > problems:
        return {}
    if _json_size_bound(value) > ATTRIBUTES_MAX_BYTES:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    else:
        size = 0
    if size > ATTRIBUTES_MAX_BYTES:
        errors.add(
            "attributes",
            Code.ATTRIBUTES_TOO_LARGE,
            _("attributes take %(size)s bytes; at most %(max)s are allowed.")
            % {"size": size, "max": ATTRIBUTES_MAX_BYTES},
        )
        return {}
    return {key: item.strip() if isinstance(item, str) else item for key, item in value.items()}


def _json_size_bound(value: dict) -> int:
    """An upper bound of the compact JSON size of flat attributes, without encoding them."""
    bound = 2  # {}
    for key, item in value.items():
        bound += _JSON_BYTES_PER_CHAR * len(key) + 4  # "key": and a comma
        if isinstance(item, str):
            bound += _JSON_BYTES_PER_CHAR * len(item) + 2
        elif isinstance(item, float):
            bound += 32  # repr of a float, "Infinity" or "NaN"
        elif isinstance(item, int) and not isinstance(item, bool):
            bound += len(str(item))
        else:
            bound += 5  # true, false, null
    return bound


def _respondent(data: dict, errors: _Collector) -> RespondentInput | None:
    value = data.get("respondent")
    if value is None:
        errors.add("respondent", Code.REQUIRED, _("%(field)s is required.") % {"field": "respondent"})
        return None
    if not isinstance(value, dict):
        errors.add("respondent", Code.INVALID_TYPE, _("respondent must be a JSON object."))
        return None
    problems = len(errors.errors)
    kind = _text(value, "type", "respondent.type", errors, max_length=16)
    if kind and kind not in _AUDIENCES:
        errors.add(
            "respondent.type",
            Code.UNKNOWN_RESPONDENT_TYPE,
            _("Unknown respondent type %(value)s; expected one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(Audience.values)},
        )
    ref = _text(value, "ref", "respondent.ref", errors, max_length=REF_MAX_LENGTH)

    email = _text(value, "email", "respondent.email", errors, max_length=254, required=False)
    if email:
        normalised = email_normalise(email)
        if normalised is None:
            errors.add(
                "respondent.email", Code.INVALID_EMAIL, _("respondent.email is not a valid email address.")
            )
        email = normalised or ""

    phone = _text(value, "phone", "respondent.phone", errors, max_length=32, required=False)
    if phone:
        normalised = phone_normalise(phone)
        if normalised is None:
            errors.add(
                "respondent.phone",
                Code.INVALID_PHONE,
                _(
                    "respondent.phone is not a valid phone number: use E.164 (+8613812345678) "
                    "or a Chinese mobile number."
                ),
            )
        phone = normalised or ""

    locale = _text(value, "locale", "respondent.locale", errors, max_length=16, required=False)
    if locale:
        known = _locales()
        if locale.lower() not in known:
            errors.add(
                "respondent.locale",
                Code.INVALID_LOCALE,
                _("Unknown locale %(value)s; expected one of %(choices)s.")
                % {"value": locale, "choices": ", ".join(settings.SURVEY_LOCALES)},
            )
        locale = known.get(locale.lower(), "")

    timezone = _text(value, "timezone", "respondent.timezone", errors, max_length=64, required=False)
    if timezone and timezone not in _zones():
        errors.add(
            "respondent.timezone",
            Code.INVALID_TIMEZONE,
            _("%(value)s is not an IANA time zone such as Asia/Shanghai.") % {"value": timezone},
        )
    if len(errors.errors) > problems:
        return None
    return RespondentInput(type=kind, ref=ref, email=email, phone=phone, locale=locale, timezone=timezone)


def event_validate(
    data: Any, *, now: dt.datetime, allowed_source: str | None
) -> ValidEvent | list[ItemError]:
    """A ValidEvent, or every problem found. ``allowed_source``: None lets any source through."""
    errors = _Collector()
    if not isinstance(data, dict):
        errors.add("", Code.NOT_AN_OBJECT, _("An event must be a JSON object."))
        return errors.errors

    source = _text(data, "source", "source", errors, max_length=SOURCE_MAX_LENGTH)
    if source and not _SOURCE_PATTERN.fullmatch(source):
        errors.add("source", Code.INVALID, _("source uses letters, digits and _ . : - only."))
    elif source and allowed_source is not None and source != allowed_source:
        errors.add(
            "source",
            Code.SOURCE_NOT_ALLOWED,
            _("This API key may post events for source %(allowed)s only, not %(value)s.")
            % {"allowed": allowed_source, "value": source},
        )
    external_id = _text(data, "external_id", "external_id", errors, max_length=EXTERNAL_ID_MAX_LENGTH)
    kind = _text(data, "type", "type", errors, max_length=EVENT_TYPE_MAX_LENGTH)
    if kind and not EVENT_TYPE_PATTERN.fullmatch(kind):
        errors.add("type", Code.INVALID, _("type must be dotted lower-case words, e.g. order.delivered."))
    occurred_at = _occurred_at(data, errors, now)
    respondent = _respondent(data, errors)
    attributes = _attributes(data, errors)
    if errors.errors:
        return errors.errors
    return ValidEvent(
        source=source,
        external_id=external_id,
        type=kind,
        occurred_at=occurred_at,
        respondent=respondent,
        attributes=attributes,
    )
