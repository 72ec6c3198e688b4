"""Logging filters of the project (named in LOGGING, settings/base.py)."""

import logging


class ClientErrorOneLine(logging.Filter):
    """A 4xx answer is the client's mistake, not ours: one line, without a traceback.

    Django logs a PermissionDenied raised by a view with its traceback; the request path and
    the status say all there is to say.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
