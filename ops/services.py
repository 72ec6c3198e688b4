"""Writes of the ops app: the beat heartbeat, the audit trail."""

import datetime as dt
from typing import Any

from django.utils import timezone

from ops.models import AuditEntry, Heartbeat

BEAT = "beat"


def heartbeat_record(*, name: str = BEAT, now: dt.datetime | None = None) -> Heartbeat:
    """Record that ``name`` ran now (one row per name, updated in place)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat


def audit_record(
    *,
    action: str,
    instance: Any,
    actor: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Record one change of ``instance`` (call inside the change's transaction).

    ``before`` and ``after`` hold the fields that matter (JSON-serialisable); a field equal in
    both is dropped from both, so an entry shows what changed. ``actor`` None: the system.
    """
    before, after = dict(before or {}), dict(after or {})
    for key in set(before) & set(after):
        if before[key] == after[key]:
            del before[key], after[key]
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=now or timezone.now(),
        action=action,
        object_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )
