"""A JSON parser for the API whose limits hold before any parsing: body size, then nesting depth.

DRF's ``JSONParser`` reads the whole body and hands it to ``json.load``, which raises
``RecursionError`` (a 500, not a parse error) on a body nested some thousand levels deep, and
reads a body of unknown length (a chunked request) without a bound. Here the body is read up to
``DATA_UPLOAD_MAX_MEMORY_SIZE`` plus one byte (413 beyond), its nesting is measured without
recursion (400 ``too_deep`` beyond ``MAX_DEPTH``), and only then is it parsed.
"""

import json
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, renderers, status
from rest_framework.parsers import BaseParser

from config.wsgi_input import INPUT_OVER_LIMIT

# An event batch is 3 levels deep ({"events": [{"respondent": {}}]}); nothing the API takes
# comes near this, and a parser recursing this deep is cheap.
MAX_DEPTH = 32

# A JSON string, escapes included (the unrolled form matches in linear time). An unterminated
# string is left alone: the JSON is malformed and json.loads says so.
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a scalar), no recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _parse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class JSONTooDeep(ValueError):
    """The JSON text is nested deeper than allowed (found before parsing, without recursion)."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"nested more than {max_depth} levels deep")
        self.max_depth = max_depth


def json_loads_limited(data: str | bytes, *, max_depth: int = MAX_DEPTH):
    """``json.loads`` for untrusted input: nesting past ``max_depth`` raises ``JSONTooDeep``.

    Every failure is a ValueError (malformed JSON, bytes that are not UTF-8, a number of over
    4,300 digits, nesting), never a RecursionError.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    # Nesting cannot pass the number of opening brackets, counted at C speed: a small body skips
    # the measure.
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise JSONTooDeep(max_depth)
    try:
        return json.loads(text, parse_constant=_parse_constant)
    except RecursionError as exc:  # not reached below max_depth; kept a ValueError regardless
        raise ValueError(str(exc)) from exc


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self, message: str, *, max_bytes: int) -> None:
        super().__init__(message)
        self.error_details = {"max_bytes": max_bytes}


class TooDeep(exceptions.ParseError):
    default_code = "too_deep"

    def __init__(self, message: str, *, max_depth: int) -> None:
        super().__init__(message)
        self.error_details = {"max_depth": max_depth}


def body_too_large(*, size: int | None, limit: int) -> PayloadTooLarge:
    """The 413 for a body of ``size`` bytes (None: unknown, only that it is past the limit)."""
    if size is None:
        message = _("The body has more than %(max)s bytes; at most %(max)s are accepted.") % {"max": limit}
    else:
        message = _("The body has %(size)s bytes; at most %(max)s are accepted.") % {
            "size": size,
            "max": limit,
        }
    return PayloadTooLarge(message, max_bytes=limit)


class LimitedJSONParser(BaseParser):
    """JSON with the body size and the nesting depth checked before ``json.loads`` runs.

    Not a subclass of DRF's ``JSONParser``: DRF reads ``request.body`` for that one, which
    refuses a body over the limit as a Django 400 before the parser can answer 413.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        request = parser_context.get("request")
        meta = request.META if request is not None else {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            if meta.get(INPUT_OVER_LIMIT):
                raise body_too_large(size=None, limit=limit)
            declared = str(meta.get("CONTENT_LENGTH") or "")
            if declared.isdigit() and int(declared) > limit:
                raise body_too_large(size=int(declared), limit=limit)
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise body_too_large(size=None, limit=limit)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("JSON parse error - %(detail)s") % {"detail": exc}) from exc
        try:
            return json_loads_limited(text, max_depth=self.max_depth)
        except JSONTooDeep as exc:
            raise TooDeep(
                _("The JSON is nested more than %(max)s levels deep.") % {"max": exc.max_depth},
                max_depth=exc.max_depth,
            ) from exc
        except ValueError as exc:
            raise exceptions.ParseError(_("JSON parse error - %(detail)s") % {"detail": exc}) from exc
