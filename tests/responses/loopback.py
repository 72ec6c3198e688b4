"""A tiny HTTP server on 127.0.0.1 standing in for an outside provider (SMS gateway, webhook)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    path: str
    headers: dict
    body: bytes


@dataclass
class Provider:
    """Answers each POST with the next planned (status, body, delay) and records the request."""

    url: str = ""
    plan: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    default: tuple = (200, b'{"id": "gw-1"}', 0.0)


@contextmanager
def loopback_provider() -> Iterator[Provider]:
    provider = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            provider.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            status, answer, delay = provider.plan.pop(0) if provider.plan else provider.default
            if delay:
                time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
