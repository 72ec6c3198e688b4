"""Logging filters of the project (named in LOGGING, settings/base.py)."""

import logging


class ClientErrorOneLine(logging.Filter):
    """A 4xx answer is the client's mistake, not ours: one line, without a traceback.

    The request log (``config.request_log``) writes that line for every request; Django's own
    ``django.request`` record of a 4xx (with a traceback for a PermissionDenied raised by a
    view) is dropped, so each 4xx is logged once.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not (isinstance(status, int) and 400 <= status < 500)
