"""Completed responses waiting for their analysis: a coalesced hand-off from the submit to the
``analysis`` queue, and a sweep that finds any response the hand-off lost.

A Celery publish costs about as much CPU as the rest of a submit (kombu builds a Redis client
and a full message for each one), so a submit does not publish. When the broker is Redis and
tasks are not run eagerly, the completion hook adds the response id to a Redis set and, in the
same command (a server-side script), sets a short-lived flag with ``SET NX``; only the submit
that set the flag publishes one ``analysis.pending_drain`` task, due ``ANALYSIS_PENDING_DELAY`` seconds later.
The drain first deletes the flag, then pops the set in batches of ``BATCH_SIZE`` ids and
enqueues one ``analysis.responses_analyse`` task per batch. An id added before the flag was
deleted is in the set when the drain pops it; an id added after sets the flag again and
schedules the next drain: none waits for long.

Nothing is lost for good: the analysis itself is idempotent, beat runs the drain every
``ANALYSIS_PENDING_DRAIN_SECONDS`` in case a drain task was lost, and ``unanalysed_find`` (run
hourly by beat) returns completed responses of the last ``UNANALYSED_LOOKBACK`` that have no
facts yet: those whose id was in a Redis that restarted, or popped by a drain that died
before it enqueued them, or whose hook could not reach Redis at all (the hook fails open: the
submit succeeds, and the sweep analyses the response once Redis is back).

Without a Redis broker, or with eager tasks (tests), the hook publishes one
``analysis.response_analyse`` per response as before (``pending_add`` returns False).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.utils import timezone

from responses.models import Response

logger = logging.getLogger(__name__)

PENDING_KEY = "analysis:pending"
FLAG_KEY = "analysis:pending:drain-scheduled"
BATCH_SIZE = 50
UNANALYSED_LOOKBACK = dt.timedelta(hours=48)
# A response younger than this may still be on its way through the set and the queue.
UNANALYSED_GRACE = dt.timedelta(minutes=10)

_clients: dict[tuple[int, str], object] = {}


def _broker_url() -> str | None:
    """The Redis broker's URL, or None when tasks run eagerly or the broker is not Redis."""
    conf = current_app.conf
    if conf.task_always_eager:
        return None
    url = conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return url


def _client(url: str):
    """One client per process and URL (kept: building one costs a tenth of a submit)."""
    import redis

    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        # Short timeouts: a submit waits at most REDIS_SOCKET_TIMEOUT for a Redis that stopped
        # answering, then goes on without it (analysis/apps.py).
        timeout = settings.REDIS_SOCKET_TIMEOUT
        client = _clients[key] = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
    return client


# KEYS: the set, the flag; ARGV: the response id, the flag's expiry in ms. Returns 1 when this
# call set the flag (its caller schedules the drain), else 0.
_ADD_SCRIPT = """
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('SET', KEYS[2], 1, 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""
_scripts: dict[tuple[int, str], object] = {}


def _add_script(url: str):
    key = (os.getpid(), url)
    script = _scripts.get(key)
    if script is None:
        script = _scripts[key] = _client(url).register_script(_ADD_SCRIPT)
    return script


def pending_add(*, response_id: int, schedule_drain: Callable[[float], None]) -> bool:
    """Hand a completed response over for analysis; False when the caller must enqueue it
    itself (no Redis broker, or eager tasks). ``schedule_drain(delay)`` publishes the drain.

    One script call: ``SADD`` the id, ``SET NX`` the flag (one command, one round trip)."""
    url = _broker_url()
    if url is None:
        return False
    delay = float(settings.ANALYSIS_PENDING_DELAY)
    expiry_ms = max(1, int(delay * 1000)) + 60_000
    if _add_script(url)(keys=[PENDING_KEY, FLAG_KEY], args=[response_id, expiry_ms]):
        schedule_drain(delay)
    return True


def pending_drain(*, enqueue: Callable[[list[int]], None]) -> int:
    """Pop every pending id and enqueue them in sorted batches of ``BATCH_SIZE``; the count."""
    url = _broker_url()
    if url is None:
        return 0
    client = _client(url)
    client.delete(FLAG_KEY)
    drained = 0
    while True:
        popped = client.spop(PENDING_KEY, BATCH_SIZE)
        if not popped:
            break
        ids = sorted(int(value) for value in popped)
        enqueue(ids)
        drained += len(ids)
    if drained:
        logger.info("%s completed responses handed to the analysis queue", drained)
    return drained


def pending_count() -> int:
    """How many ids wait in the set (0 without a Redis broker)."""
    url = _broker_url()
    return int(_client(url).scard(PENDING_KEY)) if url else 0


def unanalysed_find(*, now: dt.datetime | None = None, limit: int = 10_000) -> list[int]:
    """Ids of responses completed between ``UNANALYSED_LOOKBACK`` and ``UNANALYSED_GRACE`` ago
    that have no facts: their analysis was lost on the way. Oldest first, at most ``limit``."""
    now = now or timezone.now()
    return list(
        Response.objects.filter(
            status=Response.Status.COMPLETED,
            completed_at__gte=now - UNANALYSED_LOOKBACK,
            completed_at__lt=now - UNANALYSED_GRACE,
            facts__isnull=True,
        )
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
