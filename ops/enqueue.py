"""Publishing Celery tasks after a commit without ever failing the request that committed.

``task_enqueue_on_commit(task, *args)`` replaces ``transaction.on_commit(partial(task.delay,
*args), robust=True)``. Django's robust ``on_commit`` logs a failed callback through its
``__qualname__``, which a ``functools.partial`` lacks: the log call itself raised, so a broker
that was down turned a committed request into a 500. Here the publish catches its own errors:
a broker that cannot be reached is logged once per outage and counted (``ops.outages``, kind
``broker``), and further publishes skip the broker for ``REDIS_RETRY_SECONDS``. Only callers
whose work is also found by a beat sweep (rows with a due time) may rely on this: the message
is dropped, the row stays, the sweep sends it later.

With eager tasks (unit tests) the task runs in place and its errors propagate as before.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from ops.outages import outage_failed, outage_recovered, outage_skips

OUTAGE_KIND = "broker"
BROKER_ERRORS = (OperationalError, RedisError, OSError)


def task_publish(task, args: tuple) -> bool:
    """Publish ``task`` with ``args`` now; False when the broker could not take it."""
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    if outage_skips(OUTAGE_KIND):
        return False
    try:
        task.delay(*args)
    except BROKER_ERRORS as exc:
        outage_failed(OUTAGE_KIND, exc, retry_after=settings.REDIS_RETRY_SECONDS)
        return False
    outage_recovered(OUTAGE_KIND)
    return True


def task_enqueue_on_commit(task, *args) -> None:
    """Publish ``task(*args)`` once the current transaction commits (now in autocommit)."""
    transaction.on_commit(partial(task_publish, task, args))
