"""A chunked request body (Transfer-Encoding: chunked, no Content-Length) under real servers.

gunicorn (as in production, gthread workers from gunicorn.conf.py) and Django's development
server are started by the test on a free loopback port, against the test database
(``transactional_db``: the server process sees committed rows), and sent event batches over
a socket with http.client. Each server process is killed in a finally.
"""

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.wsgi_input import INPUT_OVER_LIMIT, TerminatedInputMiddleware
from responses.models import Respondent, ServiceEvent
from tests.responses.factories import event, source_system
from tests.responses.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 20_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "DATA_UPLOAD_MAX_MEMORY_SIZE": str(LIMIT),
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                os.killpg(server.pid, signal.SIGTERM)
                pytest.fail(f"{command[0]} did not start")
            time.sleep(0.2)


@pytest.fixture(params=["gunicorn", "runserver"])
def server_port(request, postgres) -> Iterator[int]:
    port = free_port()
    if request.param == "gunicorn":
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ]
    else:
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    server = start(command, port)
    try:
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def pieces(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start_at in range(0, len(body), size):
        yield body[start_at : start_at + size]


def post_chunked(connection: http.client.HTTPConnection, key: str, body: bytes) -> tuple[int, dict]:
    connection.request(
        "POST",
        "/api/v1/events/",
        body=pieces(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    reply = connection.getresponse()
    return reply.status, json.loads(reply.read())


@pytest.mark.django_db(transaction=True)
def test_a_chunked_batch_is_read_and_an_oversized_one_is_413(server_port) -> None:
    # given a source system and a batch of 3 events, sent in 1,000-byte chunks
    _system, key = source_system("order-platform")
    recent = "2026-05-01T12:00:00+08:00"
    batch = {
        "events": [event(f"e-{n}", occurred_at=recent, attributes={"note": "x" * 300}) for n in range(3)]
    }
    body = json.dumps(batch).encode()
    assert len(body) < LIMIT
    connection = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)
    try:
        # when it is posted without Content-Length
        status, answer = post_chunked(connection, key, body)
        # then every event is read and accepted
        assert status == 200, answer
        assert [(r["external_id"], r["status"]) for r in answer["results"]] == [
            ("e-0", "accepted"),
            ("e-1", "accepted"),
            ("e-2", "accepted"),
        ]
        # when a chunked body past DATA_UPLOAD_MAX_MEMORY_SIZE follows on the same connection
        big = json.dumps({"events": [event(f"b-{n}", occurred_at=recent) for n in range(100)]}).encode()
        assert len(big) > LIMIT
        status, answer = post_chunked(connection, key, big)
        # then it is refused with 413 and nothing of it is stored
        assert (status, answer) == (
            413,
            {
                "code": "payload_too_large",
                "message": f"The body has more than {LIMIT} bytes; at most {LIMIT} are accepted.",
                "details": {"max_bytes": LIMIT},
            },
        )
        # and the next request (on the same connection, or a new one if the server closed it)
        # is read in step
        status, answer = post_chunked(connection, key, body)
        assert [r["status"] for r in answer["results"]] == ["duplicate"] * 3
    finally:
        connection.close()
    assert sorted(ServiceEvent.objects.values_list("external_id", flat=True)) == ["e-0", "e-1", "e-2"]
    assert Respondent.objects.count() == 1


def _app(seen: dict):
    def app(environ, start_response):
        seen["length"] = environ.get("CONTENT_LENGTH")
        seen["body"] = environ["wsgi.input"].read()
        seen["over"] = environ.get(INPUT_OVER_LIMIT, False)
        start_response("200 OK", [])
        return [b""]

    return app


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        # a terminated input without a length: read, up to the limit plus one byte
        ({"wsgi.input_terminated": True}, {"length": "5", "body": b"abcde", "over": False}),
        # a declared length: left to Django
        (
            {"wsgi.input_terminated": True, "CONTENT_LENGTH": "2"},
            {"length": "2", "body": b"abcde", "over": False},
        ),
        # no terminated input (a server that does not decode chunked bodies): unchanged
        ({}, {"length": None, "body": b"abcde", "over": False}),
    ],
)
def test_the_wsgi_middleware_gives_a_terminated_body_its_length(environ, expected, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    seen: dict = {}
    TerminatedInputMiddleware(_app(seen))({**environ, "wsgi.input": io.BytesIO(b"abcde")}, lambda *a: None)
    assert seen == expected


def test_the_wsgi_middleware_cuts_a_body_past_the_limit(settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    seen: dict = {}
    stream = io.BytesIO(b"x" * 1000)
    TerminatedInputMiddleware(_app(seen))(
        {"wsgi.input_terminated": True, "wsgi.input": stream}, lambda *a: None
    )
    assert seen == {"length": "11", "body": b"x" * 11, "over": True}
    assert stream.tell() == 11  # the rest was never read into memory
