"""Project-wide checks: migrations complete, import layers respected, catalogs compiled."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} ({exc})")


def test_api_schema_generates_without_warnings(tmp_path) -> None:
    out = StringIO()
    try:
        call_command(
            "spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"), stdout=out, stderr=out
        )
    except SystemExit as exc:
        pytest.fail(f"the OpenAPI schema has warnings or errors:\n{out.getvalue()} ({exc})")
    schema = (tmp_path / "schema.yml").read_text()
    assert "RespondentTypeEnum:" in schema
    assert "TypeEnum:" not in schema.replace("RespondentTypeEnum:", "")


def test_import_layers_surveys_responses_analysis() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout
    report = " ".join(result.stdout.split())  # long contract names wrap
    layers = "ops <- surveys <- responses <- analysis <- cases <- exports <- workspace"
    assert f"Apps import one way: {layers} KEPT" in report
    # the pure analysis modules import no Django, directly or through another module
    assert "Pure analysis modules (maths, text, rules) import no Django" in result.stdout
    # and the distribution engine never imports the tasks that call it (no import loop)
    assert (
        "The distribution engine never imports the tasks that call it (it publishes them by name) KEPT"
        in report
    )


def test_chinese_catalog_is_compiled_and_used() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Voice of Customer") == "客户之声"
    with translation.override("en"):
        assert translation.gettext("Voice of Customer") == "Voice of Customer"


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_keeps_a_connection_open_between_requests() -> None:
    # given gunicorn started as in production (it reads gunicorn.conf.py from the project folder)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        # when a client asks twice on one connection
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        answers, sockets = [], []
        for _ in range(2):
            client.request("GET", "/static/css/site.css")
            reply = client.getresponse()
            reply.read()
            answers.append((reply.status, reply.getheader("Connection")))
            sockets.append(client.sock)
        client.close()
        # then both were answered on the same open connection (a sync worker closes it each time)
        assert answers == [(200, "keep-alive"), (200, "keep-alive")]
        assert sockets[0] is not None and sockets[0] is sockets[1]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
