"""A real `celery -A config worker` process for integration tests, on the real broker and the
test database, plus helpers to read what it sent.

The worker runs with config.settings.test, CELERY_TASK_ALWAYS_EAGER=false, the broker at the
`redis_url` fixture and DATABASE_URL pointing at the database pytest-django created (the test
uses `transactional_db`, so the worker sees committed rows). Mail goes to the file backend in
a temporary directory. Every wait is bounded; the worker is always killed in a finally.
"""

import email
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from email import policy
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
QUEUE_KEYS = ("distribution", "analysis", "default", "unacked", "unacked_index", "unacked_mutex")


def database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database)."""
    settings = connection.settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def purge_queues(redis_url: str) -> None:
    """Drop messages a previous run left behind: their ids would point at other rows."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [key for pattern in QUEUE_KEYS for key in client.scan_iter(match=f"{pattern}*")]
    if keys:
        client.delete(*keys)
    client.close()


class Worker:
    def __init__(
        self, *, redis_url: str, mail_dir: Path, log_path: Path, env: dict, concurrency: int
    ) -> None:
        self.log_path = log_path
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_CONN_MAX_AGE": "60",
            **env,
        }
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "distribution,analysis,default",
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "-l",
                "INFO",
                "-n",
                f"it-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool children too
        )

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float = 45.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.2)
        pytest.fail(f"the worker was not ready within {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool children, no warm shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        finally:
            self.log.close()


@pytest.fixture
def live_broker(redis_url) -> Iterator[str]:
    """Point this test process's Celery app at the real broker, not eager mode."""
    from config.celery import app

    purge_queues(redis_url)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    if app.conf.broker_url != redis_url:
        # Connection pools are made on first use from broker_url; drop any made for another one.
        # (Never close them: kombu keeps pools in a process-wide registry and would hand a closed
        # one to the next test.)
        app.conf.broker_url = redis_url
        app._pool = None
        app.amqp._producer_pool = None
    try:
        yield redis_url
    finally:
        app.conf.task_always_eager = saved
        purge_queues(redis_url)


def workers_started(redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """A starter of workers on ``redis_url`` writing mail to ``tmp_path / "mail"``; every worker it
    started is stopped (or killed) when the generator is closed. The body of the fixtures."""
    started: list[Worker] = []
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    def start(*, env: dict | None = None, concurrency: int = 2) -> Worker:
        worker = Worker(
            redis_url=redis_url,
            mail_dir=mail_dir,
            log_path=tmp_path / f"worker-{len(started) + 1}.log",
            env=env or {},
            concurrency=concurrency,
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    start.mail_dir = mail_dir
    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def start_worker(live_broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers on demand; every one of them is stopped (or killed) when the test ends."""
    yield from workers_started(live_broker, tmp_path)


def sent_message_ids(mail_dir: Path) -> Counter:
    """Message-ID -> how many times a message with it was written by the file backend."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        raw = path.read_bytes()
        # The file backend separates messages written on one connection with a line of dashes.
        for chunk in raw.split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=policy.default)
                counts[str(message["Message-ID"])] += 1
    return counts


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.3, tick=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if tick is not None:
            tick()
        time.sleep(every)
    return condition()
