"""``/healthz`` (the web process's dependencies) and ``/healthz/worker`` (beat and the queues).

Both answer 200 when everything is well and 503 otherwise, naming what failed; neither needs a
login (a load balancer or an orchestrator calls them), and neither shows an address or a secret.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from ops import health
from ops.metrics import metrics_exposition
from ops.outages import outage_counts


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = health.dependencies_check()
    failed = [result.name for result in results if not result.ok]
    body: dict = {
        "status": "error" if failed else "ok",
        "checks": {result.name: result.as_dict() for result in results},
        # Requests this process served without a dependency (throttles, hand-offs, publishes).
        "fail_open": outage_counts(),
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
def healthz_worker(request: HttpRequest) -> JsonResponse:
    failed: list[str] = []
    body: dict = {}
    try:
        beat = health.beat_state()
    except Exception as exc:  # the database is away: say so rather than answer 500
        body["beat"] = {"status": "error", "error": type(exc).__name__}
        failed.append("beat")
    else:
        body["beat"] = beat.as_dict()
        if not beat.ok:
            failed.append("beat")
    try:
        body["queues"] = health.queue_depths()
    except Exception as exc:
        body["queues"] = None
        body["broker"] = {"status": "error", "error": type(exc).__name__}
        failed.append("broker")
    body = {"status": "error" if failed else "ok", **body}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_ADDRESSES)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only for the addresses in METRICS_ALLOWED_ADDRESSES (loopback by
    default): the scraper connects directly, not through the public proxy."""
    if not _address_allowed(request.META.get("REMOTE_ADDR", "")):
        return HttpResponse(
            "Metrics are served only to the addresses in METRICS_ALLOWED_ADDRESSES.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics_exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
