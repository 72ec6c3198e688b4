"""Reads of the ops app: the audit trail, filtered as the workspace's audit page filters it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ops.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Empty strings and None filter nothing. ``object_label`` is ``<app>.<model>``
    (``cases.case``), with ``object_id`` one object of it."""

    action: str = ""
    object_label: str = ""
    object_id: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entries(*, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """Entries, newest first, with their actor; days are the site's local days, inclusive."""
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_label:
        entries = entries.filter(object_label=filters.object_label)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.actor:
        entries = entries.filter(actor__username=filters.actor)
    zone = timezone.get_current_timezone()
    if filters.date_from:
        entries = entries.filter(at__gte=dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=zone))
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        entries = entries.filter(at__lt=end)
    return entries


def audit_actions() -> list[str]:
    """The actions recorded so far (the page's choice of kinds)."""
    return sorted(AuditEntry.objects.order_by().values_list("action", flat=True).distinct())


def audit_object_labels() -> list[str]:
    return sorted(AuditEntry.objects.order_by().values_list("object_label", flat=True).distinct())


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field the entry names, as text; "–" where absent."""
    before, after = entry.before or {}, entry.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        (
            name,
            _shown(before.get(name)) if name in before else "–",
            _shown(after.get(name)) if name in after else "–",
        )
        for name in names
    ]
