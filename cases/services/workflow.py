"""A case's life: open -> in_progress -> resolved -> closed, and reopen (resolved/closed -> open).

One service per state change. Each is a conditional ``UPDATE ... WHERE status IN (allowed
sources)``: of two people changing a case at once, the second finds the row no longer in a
source state and gets ``invalid_transition`` instead of overwriting the first. Every change
writes an audit entry (who, when, before, after) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import CaseErrorCode
from cases.models import Case, CaseNote
from ops.services import audit_record

Status = Case.Status

# target status -> the states it may be reached from
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.IN_PROGRESS: frozenset({Status.OPEN}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.RESOLVED}),
    Status.OPEN: frozenset({Status.RESOLVED, Status.CLOSED}),  # reopen
}
ACTIVE = (Status.OPEN, Status.IN_PROGRESS)


def case_snapshot(case: Case) -> dict[str, Any]:
    """The fields of a case an audit entry shows before and after a change."""
    return {
        "status": case.status,
        "assignee": case.assignee_id,
        "team": case.team_id,
        "root_cause": case.root_cause,
        "resolution": case.resolution,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "escalation_level": case.escalation_level,
    }


def transition_allowed(source: str, target: str) -> bool:
    return source in TRANSITIONS.get(target, ())


def _refused(source: str, target: str) -> ValidationError:
    return ValidationError(
        {
            "status": ValidationError(
                _("A case cannot go from %(source)s to %(target)s.")
                % {"source": Status(source).label, "target": Status(target).label},
                code=CaseErrorCode.INVALID_TRANSITION,
            )
        }
    )


def _transition(
    *, case: Case, target: str, actor: Any, extra: dict[str, Any], now: dt.datetime | None = None
) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        before = Case.objects.select_for_update().get(pk=case.pk)
        if not transition_allowed(before.status, target):
            raise _refused(before.status, target)
        changed = Case.objects.filter(pk=case.pk, status__in=TRANSITIONS[target]).update(
            status=target, updated_at=now, **extra
        )
        if not changed:  # cannot happen under the row lock; kept as the invariant's guard
            raise _refused(before.status, target)
        case.refresh_from_db()
        audit_record(
            action=f"cases.case.{target}",
            instance=case,
            actor=actor,
            before=case_snapshot(before),
            after=case_snapshot(case),
            now=now,
        )
    return case


def case_start(*, case: Case, actor: Any = None, now: dt.datetime | None = None) -> Case:
    """open -> in_progress."""
    now = now or timezone.now()
    return _transition(case=case, target=Status.IN_PROGRESS, actor=actor, extra={"started_at": now}, now=now)


def case_resolve(
    *,
    case: Case,
    actor: Any = None,
    resolution: str | None = None,
    root_cause: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """open or in_progress -> resolved, with the resolution text and the root-cause stage; a
    rule that names a re-survey has it posted once the change commits (``services.resurvey``)."""
    now = now or timezone.now()
    extra: dict[str, Any] = {"resolved_at": now}
    if resolution is not None:
        extra["resolution"] = resolution
    if root_cause is not None:
        extra["root_cause"] = root_cause
    from cases.services.resurvey import case_resurvey_enqueue

    with transaction.atomic():
        case = _transition(case=case, target=Status.RESOLVED, actor=actor, extra=extra, now=now)
        # After the commit: the rule's re-survey, if it names one (once per case).
        case_resurvey_enqueue(case=case)
    return case


def case_close(*, case: Case, actor: Any = None, now: dt.datetime | None = None) -> Case:
    """resolved -> closed."""
    now = now or timezone.now()
    return _transition(case=case, target=Status.CLOSED, actor=actor, extra={"closed_at": now}, now=now)


def case_reopen(*, case: Case, actor: Any = None, now: dt.datetime | None = None) -> Case:
    """resolved or closed -> open: a fresh SLA from now, escalation starts over."""
    now = now or timezone.now()
    extra = {
        "due_at": now + dt.timedelta(hours=case.rule.sla_hours),
        "resolved_at": None,
        "closed_at": None,
        "escalation_level": 0,
        "escalated_at": None,
        "reopened": F("reopened") + 1,
    }
    return _transition(case=case, target=Status.OPEN, actor=actor, extra=extra, now=now)


STATUS_SERVICES = {
    Status.IN_PROGRESS: case_start,
    Status.RESOLVED: case_resolve,
    Status.CLOSED: case_close,
    Status.OPEN: case_reopen,
}


def case_status_set(*, case: Case, status: str, actor: Any = None, now: dt.datetime | None = None) -> Case:
    """Move a case to ``status`` through the service of that change; the same status is no change."""
    if status == case.status:
        return case
    return STATUS_SERVICES[status](case=case, actor=actor, now=now)


def case_assignable_users(case: Case):
    """Who may be given the case: active staff in its team (members and the lead)."""
    user_model = get_user_model()
    team = case.team
    ids = set(team.members.values_list("pk", flat=True))
    if team.lead_id:
        ids.add(team.lead_id)
    return user_model.objects.filter(pk__in=ids, is_active=True, is_staff=True)


def case_assign(
    *, case: Case, assignee_id: int | None, actor: Any = None, now: dt.datetime | None = None
) -> Case:
    """Give the case to a member of its team (or to no one); the new assignee is told by mail."""
    from cases.services.notify import case_notify_enqueue

    now = now or timezone.now()
    if assignee_id is not None and not case_assignable_users(case).filter(pk=assignee_id).exists():
        raise ValidationError(
            {
                "assignee": ValidationError(
                    _("User %(id)s is not an active member of the team %(team)s.")
                    % {"id": assignee_id, "team": case.team.key},
                    code=CaseErrorCode.ASSIGNEE_NOT_IN_TEAM,
                )
            }
        )
    with transaction.atomic():
        before = Case.objects.select_for_update().get(pk=case.pk)
        if before.assignee_id == assignee_id:
            return before
        Case.objects.filter(pk=case.pk).update(assignee_id=assignee_id, updated_at=now)
        case.refresh_from_db()
        audit_record(
            action="cases.case.assigned",
            instance=case,
            actor=actor,
            before=case_snapshot(before),
            after=case_snapshot(case),
            now=now,
        )
        if assignee_id is not None:
            case_notify_enqueue(case_id=case.pk)
    return case


def case_note_add(*, case: Case, text: str, author: Any = None, now: dt.datetime | None = None) -> CaseNote:
    """Append a note (notes are never edited: they are the history of the work)."""
    now = now or timezone.now()
    with transaction.atomic():
        note = CaseNote.objects.create(
            case=case,
            author=author if getattr(author, "is_authenticated", False) else None,
            text=text,
            created_at=now,
        )
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        audit_record(action="cases.case.noted", instance=case, actor=author, after={"note": text}, now=now)
    return note


def case_update(
    *,
    case: Case,
    actor: Any,
    fields: dict[str, Any],
    now: dt.datetime | None = None,
) -> Case:
    """The API's PATCH: assignee, then status, then note, in one transaction (all or nothing)."""
    with transaction.atomic():
        if "assignee" in fields:
            case = case_assign(case=case, assignee_id=fields["assignee"], actor=actor, now=now)
        if "status" in fields:
            status = fields["status"]
            if status == Status.RESOLVED and status != case.status:
                case = case_resolve(
                    case=case,
                    actor=actor,
                    resolution=fields.get("resolution"),
                    root_cause=fields.get("root_cause"),
                    now=now,
                )
            else:
                case = case_status_set(case=case, status=status, actor=actor, now=now)
        if fields.get("note"):
            case_note_add(case=case, text=fields["note"], author=actor, now=now)
    case.refresh_from_db()
    return case
