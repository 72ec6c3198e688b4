"""Request bodies of unknown length (``Transfer-Encoding: chunked``) under WSGI.

A WSGI server that decodes a chunked body itself cannot give ``CONTENT_LENGTH``; it says that
``wsgi.input`` ends where the body ends by setting ``wsgi.input_terminated`` (gunicorn always
does). Django's ``WSGIRequest`` reads ``CONTENT_LENGTH`` bytes, so it would read none and the
body would be lost (Django ticket #35838). ``TerminatedInputMiddleware`` reads such a body up to
``DATA_UPLOAD_MAX_MEMORY_SIZE`` plus one byte and hands Django a buffer of known length; a body
past the limit is cut there and marked ``INPUT_OVER_LIMIT``, so the view answers 413 without
reading the rest into memory. Django's development server decodes chunked bodies with
``config.devserver`` and sets the same flag.
"""

import io

from django.conf import settings

# Set when a body of unknown length went past the size limit (config.parsers answers 413).
INPUT_OVER_LIMIT = "config.input_over_limit"
_READ_SIZE = 64 * 1024


def _read_at_most(stream, limit: int | None) -> bytes:
    """The stream's bytes up to its end or ``limit + 1`` bytes, whichever comes first."""
    parts = []
    size = 0
    while limit is None or size <= limit:
        want = _READ_SIZE if limit is None else min(_READ_SIZE, limit + 1 - size)
        data = stream.read(want)
        if not data:
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)


class TerminatedInputMiddleware:
    """WSGI middleware: give a body of unknown length a ``CONTENT_LENGTH`` (bounded read)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.input_terminated") and not str(environ.get("CONTENT_LENGTH") or "").isdigit():
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            body = _read_at_most(environ["wsgi.input"], limit)
            if body:
                if limit is not None and len(body) > limit:
                    environ[INPUT_OVER_LIMIT] = True
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)
