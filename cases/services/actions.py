"""Writes of improvement actions: created or changed (admin, demo), validated by ``clean``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from cases.models import Case, ImprovementAction
from surveys.models import Survey


def improvement_action_save(*, action: ImprovementAction) -> ImprovementAction:
    """Create or change an action; ``full_clean`` names the bad field (a ValidationError)."""
    action.full_clean()
    with transaction.atomic():
        action.save()
    return action


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
        improvement_action_save(action=action)
        action.cases.set(list(cases))
    return action
