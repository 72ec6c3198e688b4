"""`make run` (scripts/run_dev.py): the port check, readiness, the banner, the first demo mail.

The end-to-end test runs the real script on a database of its own: migrate, the demo, web,
worker and beat, then stops it with Ctrl-C. How long it takes is measured in the README, not
asserted here.
"""

import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from scripts.run_dev import Steps, port_taken, web_answers

ROOT = Path(__file__).resolve().parent.parent


def test_port_taken_sees_a_listener_and_a_free_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert port_taken(port) is True
    assert port_taken(port) is False


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_web_answers_counts_any_http_status_as_an_answer() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert web_answers(server.server_address[1]) is True
    finally:
        server.shutdown()
        server.server_close()
    assert web_answers(server.server_address[1], timeout=0.5) is False


def test_steps_are_numbered_with_their_time(capsys) -> None:
    steps = Steps(total=2)
    steps.begin("Database: applying migrations")
    steps.done()
    steps.begin("Demo data")
    steps.done("loaded")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[1/2] Database: applying migrations"
    assert re.fullmatch(r"      done in \d+ s", lines[1])
    assert lines[2] == "[2/2] Demo data"
    assert re.fullmatch(r"      loaded in \d+ s", lines[3])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_taken_port_stops_make_run_with_a_clear_message() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "scripts/run_dev.py"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port), "DATABASE_URL": "sqlite:///unused.db"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert f"PORT={port + 1} make run" in result.stderr
    assert "[1/3]" not in result.stdout  # nothing was started or written


@pytest.fixture
def run_database(tmp_path) -> str:
    """A database of the test's own: a new PostgreSQL database beside DATABASE_URL's, or a
    SQLite file when the suite runs without PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'run.db'}"
        return
    import psycopg

    parsed = urlparse(url)
    name = f"run_dev_{uuid.uuid4().hex[:8]}"
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _read_until(process: subprocess.Popen, pattern: str, lines: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                return False
            continue
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return True
    return False


def test_make_run_prints_the_banner_once_when_the_web_answers_and_mails_soon_after(
    run_database, redis_url, tmp_path
) -> None:
    port = _free_port()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": run_database,
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/13",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    env.pop("CELERY_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-u", "scripts/run_dev.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert _read_until(process, r"^Ready in \d+ s\.$", lines, timeout=600), "\n".join(lines[-40:])
        # The web server listened before the banner was printed, and answers now.
        assert web_answers(port) is True
        text = "\n".join(lines)
        assert text.count("The platform is running.") == 1
        assert [line for line in lines if re.match(r"\[\d/3\] ", line)] == [
            "[1/3] Database: applying migrations",
            "[2/3] Demo data: users, surveys, events, eight weeks of analysed answers, cases",
            "[3/3] Starting the web server, the Celery worker and beat",
        ]
        assert text.count("Survey by invitation (one respondent):") == 1
        assert text.count("/o/") >= 1
        links = [line for line in lines if "/s/" in line]
        assert len(links) == 1
        # The first demo invitation is due when the demo is loaded: the worker sends it.
        # (The demo's own mails, the owner's weekly digest among them, are there already.)
        deadline = time.monotonic() + 180
        mails: list[str] = []
        while time.monotonic() < deadline:
            mails = [path.read_text(encoding="utf-8", errors="replace") for path in mail_dir.iterdir()]
            if any("wang.fang@example.com" in mail for mail in mails):
                break
            time.sleep(1)
        assert any("wang.fang@example.com" in mail for mail in mails), [m[:300] for m in mails]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode == 0
    assert port_taken(port) is False
