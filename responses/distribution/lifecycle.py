"""After the send: reminders, expiry, and the respondent's lifecycle (opened, started, completed).

Each state change is one conditional UPDATE, so every beat run and every task is safe to repeat.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from responses.channels import ChannelError, channel_get
from responses.distribution.delivery import (
    SendOutcome,
    _error_text,
    _load,
    _next_reminder_at,
    _reminder_plan,
    invitation_message,
)
from responses.distribution.queue import INVITATION_REMIND, task_enqueue_by_name_on_commit
from responses.models import Invitation

logger = logging.getLogger(__name__)

Status = Invitation.Status

# Reminders -----------------------------------------------------------------------------------

REMINDABLE = (Status.SENT, Status.OPENED)


def invitations_remind_due_ids(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    now = now or timezone.now()
    rows = (
        Invitation.objects.filter(
            status__in=REMINDABLE,
            next_reminder_at__lte=now,
            expires_at__gt=now,
            respondent__opted_out_at__isnull=True,
        )
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)
    )
    return list(rows[: limit or settings.DELIVERY_SWEEP_BATCH])


def invitations_remind_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Enqueue a reminder task for each invitation whose reminder is due (after commit)."""
    ids = invitations_remind_due_ids(now=now, limit=limit)
    for invitation_id in ids:
        # A lost publish is harmless: the reminder stays due and the next sweep enqueues it.
        task_enqueue_by_name_on_commit(INVITATION_REMIND, invitation_id)
    return len(ids)


def invitation_remind(*, invitation_id: int, now: datetime | None = None) -> SendOutcome:
    """Send the next reminder of a sent or opened invitation, once (claim on reminders_sent)."""
    now = now or timezone.now()
    invitation = _load(invitation_id)
    if invitation is None:
        return SendOutcome(status="skipped", detail="missing")
    if (
        invitation.status not in REMINDABLE
        or invitation.next_reminder_at is None
        or invitation.next_reminder_at > now
        or invitation.expires_at <= now
        or invitation.respondent.opted_out_at is not None
    ):
        return SendOutcome(status="skipped", detail=f"not remindable ({invitation.status})")
    count, _hours = _reminder_plan(invitation)
    number = invitation.reminders_sent + 1
    if number > count:
        Invitation.objects.filter(pk=invitation.pk, reminders_sent=invitation.reminders_sent).update(
            next_reminder_at=None, updated_at=now
        )
        return SendOutcome(status="skipped", detail="no reminders left")
    following = _next_reminder_at(invitation, after=now, already_sent=number)
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        status__in=REMINDABLE,
        reminders_sent=invitation.reminders_sent,
        next_reminder_at__lte=now,
    ).update(reminders_sent=number, next_reminder_at=following, updated_at=now)
    if claimed != 1:
        return SendOutcome(status="skipped", detail="claimed by another worker")
    try:
        channel_get(invitation.channel).send(
            invitation, message=invitation_message(invitation=invitation, kind="reminder", number=number)
        )
    except ChannelError as exc:
        # A reminder is a courtesy: a failed one is recorded and not retried, so a flaky
        # channel can never turn into a stream of reminders.
        error = _error_text(exc, invitation.channel)
        Invitation.objects.filter(pk=invitation.pk).update(last_error=error, updated_at=now)
        return SendOutcome(status="failed", channel=invitation.channel, detail=error)
    return SendOutcome(status="sent", channel=invitation.channel, detail=f"reminder {number}")


# Expiry and lifecycle ------------------------------------------------------------------------

EXPIRABLE = (Status.SCHEDULED, Status.SENT, Status.OPENED, Status.STARTED)


def invitations_expire(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Mark invitations past their expiry as expired; returns how many changed."""
    now = now or timezone.now()
    ids = list(
        Invitation.objects.filter(status__in=EXPIRABLE, expires_at__lte=now).values_list("pk", flat=True)[
            : limit or settings.DELIVERY_SWEEP_BATCH * 10
        ]
    )
    if not ids:
        return 0
    return Invitation.objects.filter(pk__in=ids, status__in=EXPIRABLE, expires_at__lte=now).update(
        status=Status.EXPIRED, next_reminder_at=None, updated_at=now
    )


# The lifecycle only moves forward: scheduled -> sent -> opened -> started -> completed. Each
# transition is one conditional UPDATE from the earlier states, so replays and out-of-order calls
# (a page opened twice, "started" arriving after "completed") change nothing.
_BEFORE = {
    Status.OPENED: (Status.SCHEDULED, Status.SENT),
    Status.STARTED: (Status.SCHEDULED, Status.SENT, Status.OPENED),
    Status.COMPLETED: (Status.SCHEDULED, Status.SENT, Status.OPENED, Status.STARTED),
}


def _advance(invitation: Invitation, *, to: str, now: datetime | None, refresh: bool = True) -> bool:
    """Move the invitation forward to ``to`` with one conditional UPDATE.

    ``refresh=False`` skips re-reading the row: the object's fields are then set as the UPDATE
    set them from the values the caller read (a racing change is in the database, not here).
    """
    now = now or timezone.now()
    stamps = {name: Coalesce(F(name), now) for name in _stamp_names(to)}
    changed = Invitation.objects.filter(pk=invitation.pk, status__in=_BEFORE[to], expires_at__gt=now).update(
        status=to,
        next_reminder_at=None if to != Status.OPENED else F("next_reminder_at"),
        updated_at=now,
        **stamps,
    )
    if changed and refresh:
        invitation.refresh_from_db(
            fields=["status", "opened_at", "started_at", "completed_at", "next_reminder_at", "updated_at"]
        )
    elif changed:
        invitation_advanced_apply(invitation, to=to, now=now)
    return bool(changed)


def _stamp_names(to: str) -> tuple[str, ...]:
    if to == Status.COMPLETED:
        return ("opened_at", "started_at", "completed_at")
    if to == Status.STARTED:
        return ("opened_at", "started_at")
    return ("opened_at",)


def invitation_advanced_apply(invitation: Invitation, *, to: str, now: datetime) -> None:
    """Set an invitation object's fields as a successful advance to ``to`` at ``now`` set them."""
    invitation.status, invitation.updated_at = to, now
    for name in _stamp_names(to):
        if getattr(invitation, name) is None:
            setattr(invitation, name, now)
    if to != Status.OPENED:
        invitation.next_reminder_at = None


def invitation_advance_sql(*, to: str, now: datetime, source: str, id_column: str) -> tuple[str, list]:
    """The advance's conditional UPDATE as SQL (PostgreSQL), for a statement that runs it among others.

    The invitation updated is the one whose id is ``source.id_column`` (``UPDATE ... FROM
    source``), with the same conditions and the same new values as ``_advance``; it returns
    the invitation's id when it changed. The caller applies the change to its object with
    ``invitation_advanced_apply``.
    """
    if to not in (Status.STARTED, Status.COMPLETED):
        raise ValueError(f"not a transition made with other writes: {to}")
    meta = Invitation._meta
    column = {name: meta.get_field(name).column for name in ("id", "status", "expires_at", "updated_at")}
    stamps = [meta.get_field(name).column for name in _stamp_names(to)]
    sets = [f'"{column["status"]}" = %s', f'"{meta.get_field("next_reminder_at").column}" = NULL']
    sets.append(f'"{column["updated_at"]}" = %s')
    sets += [f'"{stamp}" = COALESCE(invitation."{stamp}", %s)' for stamp in stamps]
    # Names come from the model and the caller's code; every value is a parameter.
    sql = (
        f'UPDATE "{meta.db_table}" AS invitation SET {", ".join(sets)} FROM {source} '  # noqa: S608
        f'WHERE invitation."{column["id"]}" = {source}."{id_column}" '
        f'AND invitation."{column["status"]}" = ANY(%s) AND invitation."{column["expires_at"]}" > %s '
        f'RETURNING invitation."{column["id"]}"'
    )
    params = [str(to), now, *([now] * len(stamps)), [str(status) for status in _BEFORE[to]], now]
    return sql, params


def invitation_mark_opened(
    *, invitation: Invitation, now: datetime | None = None, refresh: bool = True
) -> bool:
    return _advance(invitation, to=Status.OPENED, now=now, refresh=refresh)


def invitation_mark_started(
    *, invitation: Invitation, now: datetime | None = None, refresh: bool = True
) -> bool:
    return _advance(invitation, to=Status.STARTED, now=now, refresh=refresh)


def invitation_mark_completed(
    *, invitation: Invitation, now: datetime | None = None, refresh: bool = True
) -> bool:
    return _advance(invitation, to=Status.COMPLETED, now=now, refresh=refresh)
