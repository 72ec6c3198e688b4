"""Prometheus metrics: what the processes count as they work, and what is read at each scrape.

Counters and histograms are updated where the work happens (the request log middleware, the
Celery task signals, ``ops.outages``). With several processes (gunicorn workers, Celery
children) set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the processes of a
host, before they start: each process writes its own file there and ``/metrics`` sums them
(prometheus_client's multiprocess mode; docs/deploying.md). Without it, ``/metrics`` shows the
serving process's own counts.

State read at scrape time (invitations by status, responses, queue depths and age) comes from
the apps that own it: each registers a function with ``scrape_source_register`` in its
``AppConfig.ready``, so this module, in the lowest layer, imports no other app.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

PREFIX = "voc"

HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests", "HTTP requests answered, by method and status class", ["method", "status"]
)
HTTP_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the request reaching Django to its answer",
    ["method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASKS = Counter(f"{PREFIX}_celery_tasks", "Celery tasks finished, by task and state", ["task", "state"])
TASK_FAILURES = Counter(f"{PREFIX}_celery_task_failures", "Celery tasks that raised, by task", ["task"])
TASK_DURATION = Histogram(
    f"{PREFIX}_celery_task_duration_seconds",
    "Run time of Celery tasks",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)
FAIL_OPEN = Counter(
    f"{PREFIX}_fail_open",
    "Requests or calls served without a dependency (Redis throttles, the broker, the analysis hand-off)",
    ["kind"],
)

# A scrape source yields (name, help, labels, [(label values, value), ...]) gauges.
Gauge = tuple[str, str, list[str], list[tuple[list[str], float]]]
_sources: dict[str, Callable[[], Iterable[Gauge]]] = {}


def scrape_source_register(name: str, source: Callable[[], Iterable[Gauge]]) -> None:
    """Read ``source`` at every scrape; ``name`` keeps a second registration from doubling it."""
    _sources[name] = source


def status_class(status: int) -> str:
    """``2xx``, ``4xx``...: a label with few values, so the series stay few."""
    return f"{status // 100}xx"


class _ScrapeCollector(Collector):
    def collect(self):
        for name, source in list(_sources.items()):
            try:
                gauges = list(source())
            except Exception:  # one source down (Redis, say) leaves the others' figures
                logger.warning("metrics source %s failed", name, exc_info=True)
                continue
            for metric, help_text, labels, samples in gauges:
                family = GaugeMetricFamily(f"{PREFIX}_{metric}", help_text, labels=labels)
                for values, value in samples:
                    family.add_metric(values, value)
                yield family


def metrics_exposition() -> bytes:
    """The text format of every metric: the processes' counters (summed over the host's
    processes in multiprocess mode) and the scrape-time gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    scrape = CollectorRegistry()
    scrape.register(_ScrapeCollector())
    return body + generate_latest(scrape)
