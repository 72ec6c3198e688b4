"""Fail-open bookkeeping for the dependencies a request can do without (Redis as the cache that
counts throttles, the analysis hand-off set, the Celery broker).

A caller that cannot reach its dependency serves the request without it, then calls
``outage_failed``: the first failure of each kind and exception type in an outage is logged as
a warning (one line, not one per request), every request served without the dependency is
counted, and calls of that kind are skipped for ``retry_after`` seconds, so a Redis that times
out costs one request per window its timeout, not every request. The first success after an
outage logs how many requests were served without it and re-arms the warning.

The hot path, with the dependency up, is one dict lookup (``outage_skips``) and one dict
membership test (``outage_recovered``). Counts are per process (each gunicorn or Celery
process has its own); ``/healthz`` shows the serving process's.
"""

from __future__ import annotations

import logging
import threading
import time

from ops.metrics import FAIL_OPEN

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# kind -> monotonic time until which calls of that kind are skipped (present only mid-outage)
_skip_until: dict[str, float] = {}
# kind -> requests served without the dependency since the process started
_fail_open_total: dict[str, int] = {}
# kind -> requests served without it in the current outage
_current: dict[str, int] = {}
# (kind, exception type name) already warned about in the current outage
_warned: set[tuple[str, str]] = set()


def outage_skips(kind: str) -> bool:
    """True while a recent failure of ``kind`` says to skip the call; the skip is counted."""
    until = _skip_until.get(kind)
    if until is None or time.monotonic() >= until:
        return False
    with _lock:
        _fail_open_total[kind] = _fail_open_total.get(kind, 0) + 1
        _current[kind] = _current.get(kind, 0) + 1
    FAIL_OPEN.labels(kind=kind).inc()
    return True


def outage_failed(kind: str, exc: BaseException, *, retry_after: float) -> None:
    """Record a call of ``kind`` that failed and was served without its dependency."""
    name = type(exc).__name__
    FAIL_OPEN.labels(kind=kind).inc()
    with _lock:
        _fail_open_total[kind] = _fail_open_total.get(kind, 0) + 1
        _current[kind] = _current.get(kind, 0) + 1
        _skip_until[kind] = time.monotonic() + max(0.0, retry_after)
        first = (kind, name) not in _warned
        _warned.add((kind, name))
    if first:
        logger.warning(
            "%s: dependency unavailable (%s: %s); serving without it, next try in %.1f s",
            kind,
            name,
            exc,
            retry_after,
        )


def outage_recovered(kind: str) -> None:
    """Call after a successful call of ``kind``; ends its outage if one was recorded."""
    if kind not in _skip_until:
        return
    with _lock:
        if _skip_until.pop(kind, None) is None:
            return
        served = _current.pop(kind, 0)
        for key in [key for key in _warned if key[0] == kind]:
            _warned.discard(key)
    logger.warning("%s: dependency back; %s requests were served without it", kind, served)


def outage_counts() -> dict[str, dict]:
    """Per kind: requests served without the dependency since start, and whether it is down now."""
    with _lock:
        return {
            kind: {"fail_open_total": total, "down": kind in _skip_until}
            for kind, total in sorted(_fail_open_total.items())
        }


def outage_reset() -> None:
    """Forget every count and outage (tests; a process starting afresh)."""
    with _lock:
        _skip_until.clear()
        _fail_open_total.clear()
        _current.clear()
        _warned.clear()
