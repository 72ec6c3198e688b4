"""The operations figures read at each scrape: queue depths on the broker and the age of the
last beat heartbeat (the same reads as ``/healthz/worker``)."""

from __future__ import annotations

from collections.abc import Iterator

from ops import health
from ops.metrics import Gauge


def ops_gauges() -> Iterator[Gauge]:
    depths = health.queue_depths()
    yield (
        "queue_depth",
        "Celery messages waiting in each queue on the broker",
        ["queue"],
        [([queue], float(depth)) for queue, depth in sorted(depths.items())],
    )
    beat = health.beat_state()
    if beat.age_seconds is not None:
        yield (
            "beat_heartbeat_age_seconds",
            "Seconds since beat last ran its heartbeat",
            [],
            [([], beat.age_seconds)],
        )
