"""Writes of the ops app: the beat heartbeat."""

import datetime as dt

from django.utils import timezone

from ops.models import Heartbeat

BEAT = "beat"


def heartbeat_record(*, name: str = BEAT, now: dt.datetime | None = None) -> Heartbeat:
    """Record that ``name`` ran now (one row per name, updated in place)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat
