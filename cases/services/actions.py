"""Writes of improvement actions: created, changed or deleted (admin, demo), validated by
``clean``; each change with its audit entry (``cases.improvementaction.created`` ...)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from cases.models import Case, ImprovementAction
from ops.services import audit_record
from surveys.models import Survey

ACTION_FIELDS = (
    "title",
    "survey_id",
    "topic_key",
    "segments",
    "owner_id",
    "start_date",
    "window_days",
    "expected_effect",
    "expected_change",
)


def action_snapshot(action: ImprovementAction) -> dict[str, Any]:
    snapshot = {name: getattr(action, name) for name in ACTION_FIELDS}
    snapshot["start_date"] = snapshot["start_date"].isoformat() if snapshot["start_date"] else None
    return snapshot


def improvement_action_save(*, action: ImprovementAction, actor: Any = None) -> ImprovementAction:
    """Create or change an action; ``full_clean`` names the bad field (a ValidationError)."""
    action.full_clean()
    with transaction.atomic():
        before = {}
        if action.pk is not None:
            stored = ImprovementAction.objects.select_for_update().filter(pk=action.pk).first()
            before = action_snapshot(stored) if stored else {}
        created = not before
        action.save()
        audit_record(
            action="cases.improvementaction.created" if created else "cases.improvementaction.changed",
            instance=action,
            actor=actor,
            before=before,
            after=action_snapshot(action),
        )
    return action


def improvement_action_cases_set(
    *, action: ImprovementAction, cases: Iterable[Case], actor: Any = None
) -> None:
    """Link exactly these cases to the action (audited when the set changes)."""
    wanted = sorted({case.pk for case in cases})
    with transaction.atomic():
        current = sorted(action.cases.values_list("pk", flat=True))
        if current == wanted:
            return
        action.cases.set(wanted)
        audit_record(
            action="cases.improvementaction.changed",
            instance=action,
            actor=actor,
            before={"cases": current},
            after={"cases": wanted},
        )


def improvement_action_delete(*, action: ImprovementAction, actor: Any = None) -> None:
    with transaction.atomic():
        audit_record(
            action="cases.improvementaction.deleted",
            instance=action,
            actor=actor,
            before={**action_snapshot(action), "cases": sorted(action.cases.values_list("pk", flat=True))},
        )
        action.delete()


def improvement_action_create(
    *,
    survey: Survey,
    topic_key: str,
    owner: Any,
    start_date: dt.date,
    title: Mapping[str, str],
    expected_effect: Mapping[str, str] | None = None,
    expected_change: float | None = None,
    segments: Mapping[str, str] | None = None,
    window_days: int = 28,
    cases: Iterable[Case] = (),
    actor: Any = None,
) -> ImprovementAction:
    action = ImprovementAction(
        survey=survey,
        topic_key=topic_key,
        owner=owner,
        start_date=start_date,
        title=dict(title),
        expected_effect=dict(expected_effect or {"zh-hans": "", "en": ""}),
        expected_change=expected_change,
        segments=dict(segments or {}),
        window_days=window_days,
    )
    with transaction.atomic():
        improvement_action_save(action=action, actor=actor)
        improvement_action_cases_set(action=action, cases=cases, actor=actor)
    return action
