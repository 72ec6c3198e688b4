"""What every log line can say about where it came from: the request id and user of the request
being answered, or the id and name of the Celery task being run.

Set by ``config.request_log.RequestLogMiddleware`` and by the task signals below; read by
``ContextFilter``, which the project's LOGGING puts on every handler, so a line logged deep in a
service carries the request or task it belongs to (as fields in the JSON format).
"""

from __future__ import annotations

import contextvars
import logging
import time

from celery import signals

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_var: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
task_name_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_name", default="")

task_logger = logging.getLogger("voc.task")


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user``, ``task_id`` and ``task_name`` to each record (empty when
    the line was logged outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (
            ("request_id", request_id_var),
            ("user", user_var),
            ("task_id", task_id_var),
            ("task_name", task_name_var),
        ):
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, task=None, **_kwargs) -> None:
    task_id_var.set(task_id or "")
    task_name_var.set(getattr(task, "name", "") or "")
    if task_id:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_finished(task_id: str | None = None, task=None, state: str | None = None, **_kwargs) -> None:
    """One line per task run: its name, id, final state and time."""
    from ops import metrics

    name = getattr(task, "name", "") or "?"
    started = _started.pop(task_id or "", None)
    seconds = time.perf_counter() - started if started is not None else 0.0
    state = state or "UNKNOWN"
    metrics.TASKS.labels(task=name, state=state).inc()
    metrics.TASK_DURATION.labels(task=name).observe(seconds)
    level = logging.INFO if state in ("SUCCESS", "RETRY", "IGNORED") else logging.WARNING
    task_logger.log(
        level,
        "task %s %s %s %.1fms",
        name,
        task_id,
        state,
        seconds * 1000,
        extra={"task_state": state, "duration_ms": round(seconds * 1000, 1)},
    )
    task_id_var.set("")
    task_name_var.set("")


@signals.task_failure.connect
def _task_failed(sender=None, **_kwargs) -> None:
    from ops import metrics

    metrics.TASK_FAILURES.labels(task=getattr(sender, "name", "") or "?").inc()
