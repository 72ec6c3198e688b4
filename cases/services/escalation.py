"""Overdue cases escalate, swept by beat (``cases.cases_escalate``): level 1 when the deadline
passes, one more per further SLA period, up to ``CASES_ESCALATION_MAX_LEVEL``. Each level is
marked by a conditional ``UPDATE ... WHERE escalation_level = <old>``, so two sweeps at once
mark (and mail) a level once. The mail goes after the commit: a mail that fails is logged and
not retried (at most once per level, never twice).
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import matching, selectors
from cases.models import Case
from cases.services.notify import case_escalation_mail
from cases.services.workflow import case_snapshot
from ops.services import audit_record


def cases_escalate(*, now: dt.datetime | None = None) -> int:
    """Raise each overdue case to the level it has earned; the number of cases raised."""
    now = now or timezone.now()
    raised = 0
    for case in selectors.cases_escalation_candidates(now=now):
        hours = (now - case.due_at).total_seconds() / 3600
        level = matching.escalation_level_due(
            hours_overdue=hours, sla_hours=case.rule.sla_hours, max_level=settings.CASES_ESCALATION_MAX_LEVEL
        )
        if level <= case.escalation_level:
            continue
        with transaction.atomic():
            changed = Case.objects.filter(
                pk=case.pk, escalation_level=case.escalation_level, status__in=selectors.ACTIVE
            ).update(escalation_level=level, escalated_at=now, updated_at=now)
            if not changed:
                continue
            before = case_snapshot(case)
            case.escalation_level, case.escalated_at = level, now
            audit_record(
                action="cases.case.escalated",
                instance=case,
                before=before,
                after=case_snapshot(case),
                now=now,
            )
            transaction.on_commit(partial(case_escalation_mail, case_id=case.pk, level=level))
        raised += 1
    return raised
