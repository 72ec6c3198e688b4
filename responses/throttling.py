"""Fixed-window request counters in the cache (Redis in production, locmem in tests).

The respondent pages are public, so they are throttled per IP address and per token. A window
counter is one atomic ``INCR`` per request, cheaper and safer under concurrency than a list of
timestamps read and written back. On Redis every counter of a request (a POST counts its IP and
its token) is counted by one server-side script: ``SET ... EX NX`` (starts the window) plus
``INCR`` per key, one command and one round trip. Other cache backends (locmem in tests) use
``cache.add`` then ``cache.incr``.
Rates are settings (``RESPONDENT_THROTTLE_RATES``), e.g. ``{"page_ip": "120/min"}``; a scope
without a rate is not throttled.

The throttles fail open: when Redis cannot be reached the request is allowed, the failure is
logged once and counted (``ops.outages``, kind ``throttle``), and Redis is not asked again for
``REDIS_RETRY_SECONDS``. A respondent is never refused because the counters are away.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from ops.outages import outage_failed, outage_recovered, outage_skips

OUTAGE_KIND = "throttle"

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """``"30/min"`` -> (30, 60)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip()]


def _window_key(scope: str, ident: str, period: int) -> str:
    window = int(time.time()) // period
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def _redis_client(backend: RedisCache):
    """The backend's Redis client for writes, made once per backend (one per thread).

    Django's cache builds a new ``redis.Redis`` around its shared pool on every call, which
    costs a tenth of a submit with redis-py 8; the client is thread-safe and holds no state
    of its own beyond the pool, so keeping it changes nothing else.
    """
    holder = backend._cache
    client = getattr(holder, "_throttle_client", None)
    if client is None:
        client = holder._throttle_client = holder.get_client(write=True)
    return client


# KEYS: the window counters; ARGV: each one's expiry in seconds. SET NX starts a window (and its
# expiry) once, INCR counts; the counts come back in the keys' order.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts
"""


def _count_script(backend: RedisCache):
    """The counting script, registered once per backend (EVALSHA; loaded again if Redis lost it)."""
    holder = backend._cache
    script = getattr(holder, "_throttle_script", None)
    if script is None:
        script = holder._throttle_script = _redis_client(backend).register_script(_COUNT_SCRIPT)
    return script


def _count_redis(counters: list[tuple[str, int]]) -> list[int]:
    """Count every key with one script call (SET NX with the expiry, then INCR, per key)."""
    # Django's RedisCache stores integers as plain Redis integers, so INCR and cache.get agree.
    backend = caches["default"]
    keys = [backend.make_and_validate_key(key) for key, _period in counters]
    return [
        int(count)
        for count in _count_script(backend)(keys=keys, args=[period + 1 for _k, period in counters])
    ]


def _count_portable(key: str, period: int) -> int:
    if cache.add(key, 1, timeout=period + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        return 1


def throttle_allows_all(*checks: tuple[str, str]) -> bool:
    """Count one request in each ``(scope, ident)``; False once any scope's rate is exceeded.

    Every counter is counted (a refused request still counts against each scope).
    """
    rates = getattr(settings, "RESPONDENT_THROTTLE_RATES", {}) or {}
    counters: list[tuple[str, int]] = []
    limits: list[int] = []
    for scope, ident in checks:
        rate = rates.get(scope)
        if not rate:
            continue
        limit, period = rate_parse(rate)
        counters.append((_window_key(scope, ident, period), period))
        limits.append(limit)
    if not counters:
        return True
    if isinstance(caches["default"], RedisCache):
        if outage_skips(OUTAGE_KIND):
            return True
        try:
            counts = _count_redis(counters)
        except (RedisError, OSError) as exc:
            outage_failed(OUTAGE_KIND, exc, retry_after=settings.REDIS_RETRY_SECONDS)
            return True
        outage_recovered(OUTAGE_KIND)
    else:
        counts = [_count_portable(key, period) for key, period in counters]
    return all(count <= limit for count, limit in zip(counts, limits, strict=True))


def throttle_allows(*, scope: str, ident: str) -> bool:
    """Count one request of ``ident`` in ``scope``; False once the scope's rate is exceeded."""
    return throttle_allows_all((scope, ident))
