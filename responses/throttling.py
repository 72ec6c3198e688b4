"""Fixed-window request counters in the cache (Redis in production, locmem in tests).

The respondent pages are public, so they are throttled per IP address and per token. A window
counter is one atomic ``INCR`` per request (``cache.add`` starts the window), cheaper and safer
under concurrency than a list of timestamps read and written back. Rates are settings
(``RESPONDENT_THROTTLE_RATES``), e.g. ``{"page_ip": "120/min"}``; a scope without a rate is not
throttled.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """``"30/min"`` -> (30, 60)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip()]


def throttle_allows(*, scope: str, ident: str) -> bool:
    """Count one request of ``ident`` in ``scope``; False once the scope's rate is exceeded."""
    rate = (getattr(settings, "RESPONDENT_THROTTLE_RATES", {}) or {}).get(scope)
    if not rate:
        return True
    limit, period = rate_parse(rate)
    window = int(time.time()) // period
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{window}"
    if cache.add(key, 1, timeout=period + 1):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    """The client's address. Behind a proxy, the proxy must set REMOTE_ADDR (e.g. gunicorn's
    --forwarded-allow-ips with a trusted X-Forwarded-For rewrite); the header itself is never
    trusted here, since anybody can send it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
