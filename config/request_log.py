"""One log line per request: method, path, status, time, request id and user.

The request id is the caller's ``X-Request-ID`` when it is a plain token (letters, digits,
``._-``, at most 64), otherwise a new one; it is sent back in the answer's ``X-Request-ID`` and
put on every line logged while the request is answered (``ops.log_context``). A respondent's
link is a secret: paths holding one (``/s/<token>/``, opt-out links) are logged with the token
cut out. A 4xx is this one line (WARNING), never a traceback; Django's own ``django.request``
line for a 4xx is dropped (``config.log_filters.ClientErrorOneLine``), so each is logged once.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponseBase

from ops import metrics
from ops.log_context import request_id_var, user_var

logger = logging.getLogger("voc.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# URL keyword arguments that are secrets of a respondent's link
_SECRET_KWARGS = ("token", "signed", "signature")


def request_id_from(header: str) -> str:
    return header if _REQUEST_ID.fullmatch(header or "") else uuid.uuid4().hex


def loggable_path(request: HttpRequest) -> str:
    """The path without query string, a link's secret replaced by ``…``."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in _SECRET_KWARGS:
            value = match.kwargs.get(name)
            if isinstance(value, str) and value and value in path:
                path = path.replace(value, "…")
    return path


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        user_token = user_var.set("")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            user = getattr(request, "user", None)
            user_id = str(user.pk) if user is not None and user.is_authenticated else "-"
            user_var.set(user_id)
            status = response.status_code
            level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
            if logger.isEnabledFor(level):
                logger.log(
                    level,
                    "%s %s %d %.1fms id=%s user=%s",
                    request.method,
                    loggable_path(request),
                    status,
                    seconds * 1000,
                    request_id,
                    user_id,
                    extra={
                        "method": request.method,
                        "path": loggable_path(request),
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )
            metrics.HTTP_REQUESTS.labels(method=request.method, status=metrics.status_class(status)).inc()
            metrics.HTTP_DURATION.labels(method=request.method).observe(seconds)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(id_token)
            user_var.reset(user_token)
