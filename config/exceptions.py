"""One error body for the whole API: ``{"code", "message", "details"}``.

Services raise Django's ``ValidationError(message, code=...)``; DRF raises its own exceptions.
Both end here. ``details`` maps a field (or ``non_field_errors``) to a list of
``{"code", "message"}`` so a client can show each problem beside its field.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


def _flatten(detail: Any) -> Any:
    """Turn DRF's ErrorDetail trees into lists of {code, message} (nested for nested fields)."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_flatten(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def _first_code(details: Any) -> str | None:
    if isinstance(details, dict):
        for value in details.values():
            code = _first_code(value)
            if code:
                return code
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict) and "code" in item and "message" in item:
                return item["code"]
            code = _first_code(item)
            if code:
                return code
    return None


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"code": code, "message": message, "details": details if details is not None else {}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        details = _flatten(exc.detail)
        if isinstance(details, list):
            details = {"non_field_errors": details}
        code = _first_code(details) or "invalid"
        message = _("The request is not valid: see details for each field.")
        if isinstance(details, dict) and set(details) == {"non_field_errors"}:
            first = details["non_field_errors"]
            if first and isinstance(first[0], dict) and "message" in first[0]:
                message = first[0]["message"]
        response.data = error_body(code, message, details)
    else:
        detail = getattr(exc, "detail", None)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        message = str(detail) if detail is not None else str(exc)
        response.data = error_body(str(code), message, getattr(exc, "error_details", None))
    return response


def parse_error_response(message: str) -> Response:
    return Response(error_body("parse_error", message), status=status.HTTP_400_BAD_REQUEST)
