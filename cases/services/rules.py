"""Writes of alert rules and teams from the admin, each with its audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cases.models import AlertRule
from ops.services import audit_record

RULE_FIELDS = (
    "key",
    "name",
    "kind",
    "survey_id",
    "metric",
    "topic_keys",
    "segment_key",
    "segment_value",
    "words",
    "team_id",
    "routes",
    "route_by_topic_owner",
    "assignment",
    "sla_hours",
    "is_active",
)


def rule_snapshot(rule: AlertRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def alert_rule_save(*, rule: AlertRule, actor: Any = None) -> AlertRule:
    """Create or change a rule (already validated by ``full_clean``) and record who did what."""
    with transaction.atomic():
        before = {}
        if rule.pk is not None:
            stored = AlertRule.objects.select_for_update().filter(pk=rule.pk).first()
            before = rule_snapshot(stored) if stored else {}
        created = not before
        rule.save()
        audit_record(
            action="cases.alertrule.created" if created else "cases.alertrule.changed",
            instance=rule,
            actor=actor,
            before=before,
            after=rule_snapshot(rule),
        )
    return rule


def alert_rule_delete(*, rule: AlertRule, actor: Any = None) -> None:
    with transaction.atomic():
        audit_record(action="cases.alertrule.deleted", instance=rule, actor=actor, before=rule_snapshot(rule))
        rule.delete()
