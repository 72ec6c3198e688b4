"""Django's development server, reading chunked request bodies.

``runserver`` hands the application the connection limited to ``Content-Length`` bytes: a
chunked body (no Content-Length) reads as empty, and its bytes are left on the connection,
where they are taken for the next request. Here a chunked body is decoded from the connection
and passed as ``wsgi.input`` with ``wsgi.input_terminated`` set, as gunicorn does; the WSGI
application (``config.wsgi``) then reads it within ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(``config.wsgi_input``), and whatever it left unread is decoded and dropped when the response
is done, so the connection stays in step.
"""

from wsgiref import simple_server

from django.core.servers.basehttp import ServerHandler, WSGIRequestHandler, WSGIServer

_MAX_LINE = 4096


class ChunkedInput:
    """The decoded body of a chunked request on ``rfile``; reads give b"" at its end.

    Malformed framing ends the body there and marks the connection to be closed, since where
    the next request starts is then unknown.
    """

    def __init__(self, rfile, request_handler) -> None:
        self._rfile = rfile
        self._handler = request_handler
        self._left = 0  # bytes left in the current chunk
        self._done = False

    def _broken(self) -> None:
        self._done = True
        self._handler.close_connection = True

    def _next_chunk(self) -> None:
        line = self._rfile.readline(_MAX_LINE + 1)
        size_text = line.split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            self._broken()
            return
        self._left = int(size_text, 16)
        if self._left == 0:
            for _ in range(100):  # trailer fields, then the empty line that ends the body
                trailer = self._rfile.readline(_MAX_LINE + 1)
                if trailer in (b"\r\n", b"\n"):
                    break
                if not trailer.endswith(b"\n"):
                    self._handler.close_connection = True
                    break
            else:
                self._handler.close_connection = True
            self._done = True

    def read(self, size: int | None = -1, /) -> bytes:
        parts = []
        wanted = -1 if size is None or size < 0 else size
        while not self._done and wanted != 0:
            if self._left == 0:
                self._next_chunk()
                continue
            count = self._left if wanted < 0 else min(wanted, self._left)
            data = self._rfile.read(count)
            if not data:
                self._broken()
                break
            parts.append(data)
            self._left -= len(data)
            if wanted > 0:
                wanted -= len(data)
            if self._left == 0 and self._rfile.readline(_MAX_LINE + 1) not in (b"\r\n", b"\n"):
                self._broken()
        return b"".join(parts)

    def readline(self, size: int | None = -1, /) -> bytes:
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            byte = self.read(1)
            if not byte:
                break
            line += byte
            if byte == b"\n":
                break
        return bytes(line)


class _TerminatedInputHandler(ServerHandler):
    def __init__(self, stdin, stdout, stderr, environ, **kwargs) -> None:
        # Not Django's ServerHandler.__init__: it would limit stdin to Content-Length (none).
        # Its close() still reads stdin to the end: the rest of the body is decoded and dropped.
        simple_server.ServerHandler.__init__(self, stdin, stdout, stderr, environ, **kwargs)


def _is_chunked(headers) -> bool:
    codings = [value.strip().lower() for value in (headers.get("Transfer-Encoding") or "").split(",")]
    return codings[-1:] == ["chunked"]


class ChunkedWSGIRequestHandler(WSGIRequestHandler):
    def handle_one_request(self) -> None:
        """Django's ``handle_one_request``, with a chunked body decoded for the application."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        if _is_chunked(self.headers) and "Content-Length" not in self.headers:
            environ.pop("CONTENT_LENGTH", None)
            environ["wsgi.input_terminated"] = True
            handler = _TerminatedInputHandler(
                ChunkedInput(self.rfile, self), self.wfile, self.get_stderr(), environ
            )
        else:
            handler = ServerHandler(self.rfile, self.wfile, self.get_stderr(), environ)
        handler.request_handler = self
        handler.run(self.server.get_app())


class ChunkedWSGIServer(WSGIServer):
    """``runserver``'s server, with ``ChunkedWSGIRequestHandler`` for each connection."""

    def __init__(self, server_address, request_handler_class, *args, **kwargs) -> None:
        if request_handler_class is WSGIRequestHandler:
            request_handler_class = ChunkedWSGIRequestHandler
        super().__init__(server_address, request_handler_class, *args, **kwargs)
