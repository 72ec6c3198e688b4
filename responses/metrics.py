"""The distribution's figures read at each scrape (``ops.metrics``): invitations by status,
responses by status, and how late the oldest due send is (the dispatch's latency)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone

from ops.metrics import Gauge
from responses.models import Invitation, Response


def responses_gauges() -> Iterator[Gauge]:
    invitations = Invitation.objects.values_list("status").annotate(n=Count("id")).order_by()
    yield (
        "invitations",
        "Invitations by status",
        ["status"],
        [([status], float(n)) for status, n in sorted(invitations)],
    )
    responses = Response.objects.values_list("status").annotate(n=Count("id")).order_by()
    yield (
        "responses",
        "Responses by status",
        ["status"],
        [([status], float(n)) for status, n in sorted(responses)],
    )
    now = timezone.now()
    oldest = Invitation.objects.filter(status=Invitation.Status.SCHEDULED, due_at__lte=now).aggregate(
        oldest=Min("due_at")
    )["oldest"]
    lateness = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    yield (
        "dispatch_lag_seconds",
        "How long the oldest due invitation has waited to be sent (0: none waiting)",
        [],
        [([], lateness)],
    )
