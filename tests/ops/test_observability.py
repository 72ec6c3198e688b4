"""Logs (one line per request and per task, request ids, JSON), /metrics, Sentry."""

import datetime as dt
import gzip
import http.server
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.log import configure_logging

from config.celery import app
from ops.outages import outage_failed
from ops.tasks import heartbeat
from responses.models import Invitation
from tests.factories import UserFactory
from tests.ops.redis_server import fresh_outages, own_broker, own_redis
from tests.responses.factories import invitation

__all__ = ["fresh_outages", "own_broker", "own_redis"]

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log(settings) -> Iterator[io.StringIO]:
    """The project's LOGGING, every stream handler writing to one buffer."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    buffer = io.StringIO()
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                handler.setStream(buffer)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def request_lines(buffer: io.StringIO) -> list[str]:
    return [line.split(" ", 2)[-1] for line in buffer.getvalue().splitlines() if " voc.request " in line]


def test_each_request_is_one_line_with_its_id_which_the_answer_carries(client, log) -> None:
    answer = client.get("/api/v1/surveys/")
    assert answer.status_code == 401
    request_id = answer["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = request_lines(log)
    assert len(lines) == 1
    assert re.fullmatch(
        rf"WARNING voc\.request GET /api/v1/surveys/ 401 \d+\.\dms id={request_id} user=-", lines[0]
    )


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(client, log) -> None:
    kept = client.get("/healthz/nope", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert kept["X-Request-ID"] == "lb-7f3a.42"
    bad = client.get("/healthz/nope", HTTP_X_REQUEST_ID="a b<script>")
    assert re.fullmatch(r"[0-9a-f]{32}", bad["X-Request-ID"])
    too_long = client.get("/healthz/nope", HTTP_X_REQUEST_ID="x" * 65)
    assert too_long["X-Request-ID"] != "x" * 65
    assert "<script>" not in log.getvalue()


def test_the_user_is_logged_by_id(client, log) -> None:
    user = UserFactory(username="owner", groups=["process_owners"])
    client.force_login(user)
    log.seek(0)
    log.truncate()
    assert client.get("/api/v1/surveys/").status_code == 200
    assert re.fullmatch(
        rf"INFO voc\.request GET /api/v1/surveys/ 200 \d+\.\dms id=\w+ user={user.pk}", request_lines(log)[0]
    )


def test_a_respondents_link_is_logged_without_its_secret(client, log) -> None:
    _invitation, token = invitation()
    assert client.get(f"/s/{token}/").status_code == 200
    assert token not in log.getvalue()
    assert re.fullmatch(r"INFO voc\.request GET /s/…/ 200 .*", request_lines(log)[0])


def test_json_lines_carry_the_request_id_and_fields(client, settings) -> None:
    logging_config = json.loads(json.dumps(settings.LOGGING))
    logging_config["handlers"]["console"]["formatter"] = "json"
    configure_logging(settings.LOGGING_CONFIG, logging_config)
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)
    try:
        answer = client.get("/healthz/nope")
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["logger"] == "voc.request"
    assert record["level"] == "WARNING"
    assert record["request_id"] == answer["X-Request-ID"]
    assert record["status"] == 404
    assert record["method"] == "GET"
    assert record["path"] == "/healthz/nope"
    assert record["user"] == "-"
    assert record["task_id"] == ""
    assert isinstance(record["duration_ms"], float)


def test_a_task_run_is_one_line_with_its_id_and_state(log) -> None:
    result = heartbeat.apply()
    lines = [line.split(" ", 2)[-1] for line in log.getvalue().splitlines() if " voc.task " in line]
    assert len(lines) == 1
    assert re.fullmatch(rf"INFO voc\.task task ops\.heartbeat_record {result.id} SUCCESS \d+\.\dms", lines[0])


def _sample(body: str, name: str, labels: str = "") -> float | None:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", body, re.MULTILINE)
    return float(match.group(1)) if match else None


def test_metrics_count_requests_tasks_invitations_queues_and_fail_open(
    client, own_broker, fresh_outages
) -> None:
    before = _sample(
        client.get("/metrics").content.decode(), "voc_http_requests_total", '{method="GET",status="4xx"}'
    )
    client.get("/healthz/nope")
    client.get("/healthz/nope")
    invitation(status=Invitation.Status.SENT)
    invitation(status=Invitation.Status.SCHEDULED, due_at=timezone.now() - dt.timedelta(seconds=90))
    app.send_task("analysis.pending_drain")
    app.send_task("analysis.unanalysed_sweep")
    outage_failed("throttle", ConnectionError("down"), retry_after=0)
    failures = _sample(client.get("/metrics").content.decode(), "voc_celery_task_failures_total", "")
    heartbeat.apply()

    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=0.0.4")
    body = answer.content.decode()
    assert _sample(body, "voc_http_requests_total", '{method="GET",status="4xx"}') == (before or 0) + 2
    assert _sample(body, "voc_invitations", '{status="scheduled"}') == 1
    assert _sample(body, "voc_invitations", '{status="sent"}') == 1
    assert 90 <= _sample(body, "voc_dispatch_lag_seconds") < 150
    assert _sample(body, "voc_queue_depth", '{queue="analysis"}') == 2
    assert _sample(body, "voc_queue_depth", '{queue="distribution"}') == 0
    assert _sample(body, "voc_fail_open_total", '{kind="throttle"}') >= 1
    assert _sample(body, "voc_celery_tasks_total", '{state="SUCCESS",task="ops.heartbeat_record"}') >= 1
    assert failures is None  # no task failed


def test_a_failed_task_is_counted(client) -> None:
    @app.task(name="tests.observability_boom")
    def boom() -> None:
        raise RuntimeError("boom")

    boom.apply(throw=False)
    body = client.get("/metrics").content.decode()
    assert _sample(body, "voc_celery_task_failures_total", '{task="tests.observability_boom"}') == 1
    assert _sample(body, "voc_celery_tasks_total", '{state="FAILURE",task="tests.observability_boom"}') == 1


def test_metrics_answer_only_the_allowed_addresses(client) -> None:
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 403
    assert b"METRICS_ALLOWED_ADDRESSES" in refused.content
    with override_settings(METRICS_ALLOWED_ADDRESSES=["10.0.0.0/8"]):
        assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_errors_reach_sentry_when_its_dsn_is_set_and_carry_no_personal_data() -> None:
    """A stand-in for Sentry's ingest endpoint (an outside service) on loopback."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received.clear()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/7"
    script = (
        "import django, sentry_sdk; django.setup()\n"
        "try:\n    raise RuntimeError('boom from a worker')\n"
        "except RuntimeError as exc:\n    sentry_sdk.capture_exception(exc)\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = {**os.environ, "SENTRY_DSN": dsn, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    try:
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert [path for path, _body in _Collector.received] == ["/api/7/envelope/"]
    body = _Collector.received[0][1].decode("utf-8", errors="replace")
    assert "boom from a worker" in body
    assert "ip_address" not in body
