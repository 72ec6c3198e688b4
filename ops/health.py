"""Checks behind ``/healthz`` and ``/healthz/worker``: each dependency answers, within a short
timeout, or is named as failed.

Every Redis check uses its own client with ``HEALTHZ_TIMEOUT_SECONDS`` for connect and reply and
no retry, so a Redis that is down (refused) or blackholed (silent) is reported in about that
time instead of holding the request. The body names the exception type only (no addresses);
the detail goes to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from ops.models import Heartbeat
from ops.services import BEAT

logger = logging.getLogger(__name__)

QUEUES = ("distribution", "analysis", "default")
# kombu's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    error: str = ""
    ms: float = 0.0

    def as_dict(self) -> dict:
        body: dict = {"status": "ok" if self.ok else "error", "ms": round(self.ms, 1)}
        if self.error:
            body["error"] = self.error
        return body


def _timeout() -> float:
    return float(settings.HEALTHZ_TIMEOUT_SECONDS)


def redis_client(url: str, *, timeout: float):
    """A one-off client that gives up after ``timeout`` seconds and never retries."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def _run(name: str, check) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health check reports every failure, whatever its type
        logger.warning("healthz: %s failed: %s: %s", name, type(exc).__name__, exc)
        return CheckResult(name, False, type(exc).__name__, (time.perf_counter() - started) * 1000)
    return CheckResult(name, True, "", (time.perf_counter() - started) * 1000)


def _ping(url: str) -> None:
    client = redis_client(url, timeout=_timeout())
    try:
        client.ping()
    finally:
        client.close()


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        for url in backend._servers:
            _ping(url)
        return
    # Another backend (locmem in tests, memcached): a write and a read through Django.
    backend.set("healthz", "ok", timeout=10)
    if backend.get("healthz") != "ok":
        raise RuntimeError("the cache did not return what was written")


def broker_url() -> str:
    return current_app.conf.broker_url or ""


def _broker() -> None:
    url = broker_url()
    if url.startswith(_REDIS_SCHEMES):
        _ping(url)
        return
    # Another transport (RabbitMQ, memory): one connection attempt, no retries.
    with current_app.connection_for_write(url, connect_timeout=_timeout()) as conn:
        conn.ensure_connection(max_retries=1, timeout=_timeout())


def dependencies_check() -> list[CheckResult]:
    """The database, the cache and the broker, in that order."""
    return [_run("database", _database), _run("cache", _cache), _run("broker", _broker)]


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue on a Redis broker (LLEN, every priority step)."""
    url = broker_url()
    if not url.startswith(_REDIS_SCHEMES):
        raise RuntimeError("queue depths are read from a Redis broker only")
    client = redis_client(url, timeout=_timeout())
    try:
        pipe = client.pipeline(transaction=False)
        for queue in QUEUES:
            pipe.llen(queue)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{queue}{_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    finally:
        client.close()
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {queue: int(sum(lengths[i * per_queue : (i + 1) * per_queue])) for i, queue in enumerate(QUEUES)}


@dataclass(frozen=True)
class BeatState:
    last_run: dt.datetime | None
    age_seconds: float | None
    max_age_seconds: int

    @property
    def ok(self) -> bool:
        return self.age_seconds is not None and self.age_seconds <= self.max_age_seconds

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.ok else "error",
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "max_age_seconds": self.max_age_seconds,
        }


def beat_state(*, now: dt.datetime | None = None) -> BeatState:
    """The last beat heartbeat and how old it is against HEALTHZ_BEAT_MAX_AGE_SECONDS."""
    now = now or timezone.now()
    last = Heartbeat.objects.filter(name=BEAT).values_list("beat_at", flat=True).first()
    age = None if last is None else max(0.0, (now - last).total_seconds())
    return BeatState(last, age, int(settings.HEALTHZ_BEAT_MAX_AGE_SECONDS))
