"""Sending invitations: the claim, the channel call, the outcome; reminders, expiry, lifecycle.

Exactly-once, and where it stops
--------------------------------
A send to an outside channel cannot share a transaction with the database, so every send is
claim -> send -> mark, each state change a conditional UPDATE:

1. Claim. ``UPDATE ... SET due_at = now + lease, attempts = attempts + 1 WHERE id = %s AND
   status = 'scheduled' AND due_at <= now AND channel = <read> AND attempts = <read>``. One
   caller wins; a second task for the same id (a duplicate from the sweep, a redelivery, a
   second worker) matches no row and returns without sending. The lease is ``due_at`` itself:
   a claimed row is not due again until the lease runs out, so the beat sweep
   (``invitations_dispatch_due``) picks it up again only if its worker died.
2. Send through the channel.
3. Mark: ``UPDATE ... SET status = 'sent' WHERE id = %s AND status = 'scheduled' AND channel =
   <claimed> AND attempts = <claimed>`` -- the pair (channel, attempts) fences off a claim that
   was taken over.

The lease (DELIVERY_CLAIM_TIMEOUT_SECONDS, 300 s by default) is longer than the task's hard time
limit, so a live worker is killed by Celery before anyone else may take its row over: a
duplicate cannot come from a slow worker. The one window left is a crash (SIGKILL, power loss)
after the channel accepted the message and before step 3 committed: the row is sent again when
the lease runs out. That is at-least-once, and the resend carries the same message id (email
Message-ID, SMS client_ref, X-Webhook-Id, all derived from the invitation's public id) so a
receiver can drop the copy. Everything else -- task redelivery, duplicate enqueues, two workers
racing -- sends once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from responses.channels import (
    ChannelError,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
    channel_get,
)
from responses.models import Invitation
from responses.tokens import invitation_link, optout_link

logger = logging.getLogger(__name__)

Status = Invitation.Status


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent | retry | failed | bounced | skipped
    channel: str = ""
    detail: str = ""


def _definition_text(definition: dict, field: str, locale: str) -> str:
    texts = definition.get(field) or {}
    return (
        texts.get(locale) or texts.get(definition.get("default_locale", "")) or next(iter(texts.values()), "")
    )


def invitation_message(
    *, invitation: Invitation, kind: str = "invitation", number: int = 0
) -> OutgoingMessage:
    """What the invitation (or its ``number``-th reminder) says, in the frozen locale."""
    definition = invitation.survey_version.definition
    locales = definition.get("locales") or []
    locale = (
        invitation.locale if invitation.locale in locales else definition.get("default_locale", "zh-hans")
    )
    message_id = f"inv-{invitation.public_id}" + (f"-r{number}" if kind == "reminder" else "")
    context = invitation.context or {}
    return OutgoingMessage(
        kind=kind,
        message_id=message_id,
        link=invitation_link(invitation),
        optout_link=optout_link(invitation.respondent),
        locale=locale,
        survey_title=_definition_text(definition, "title", locale),
        survey_key=definition.get("key", ""),
        expires_at=invitation.expires_at,
        timezone=context.get("timezone") or invitation.respondent.timezone or "",
    )


def _reminder_plan(invitation: Invitation) -> tuple[int, int]:
    """(reminders allowed, hours between) -- frozen in the context when there, else the rule's."""
    frozen = (invitation.context or {}).get("rule") or {}
    count = frozen.get("reminder_count") if isinstance(frozen, dict) else None
    hours = frozen.get("reminder_after_hours") if isinstance(frozen, dict) else None
    rule = invitation.rule
    if count is None:
        count = rule.reminder_count if rule else 0
    if hours is None:
        hours = rule.reminder_after_hours if rule else 48
    return int(count), int(hours)


def _next_reminder_at(invitation: Invitation, *, after: datetime, already_sent: int) -> datetime | None:
    if invitation.channel == "link":
        return None
    count, hours = _reminder_plan(invitation)
    if already_sent >= count:
        return None
    at = after + timedelta(hours=hours)
    return at if at < invitation.expires_at else None


def _backoff(attempt: int) -> timedelta:
    base = settings.DELIVERY_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), settings.DELIVERY_RETRY_MAX_SECONDS))


def _next_channel(invitation: Invitation, current: str) -> str | None:
    order = [c for c in (invitation.channels or []) if isinstance(c, str)]
    if current in order:
        rest = order[order.index(current) + 1 :]
        return rest[0] if rest else None
    return None


def _load(invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.select_related("respondent", "event", "survey_version", "rule")
        .filter(pk=invitation_id)
        .first()
    )


def invitation_send(*, invitation_id: int, now: datetime | None = None) -> SendOutcome:
    """Send a due invitation through its channel at most once per claim; see the module doc."""
    for _hop in range(8):  # at most one hop per channel in the rule's order
        outcome = _send_once(invitation_id=invitation_id, now=now or timezone.now())
        if outcome.status != "fallback":
            return outcome
    return SendOutcome(status="failed", detail="too many channel fallbacks")


def _send_once(*, invitation_id: int, now: datetime) -> SendOutcome:
    invitation = _load(invitation_id)
    if invitation is None:
        return SendOutcome(status="skipped", detail="missing")
    if invitation.status != Status.SCHEDULED:
        return SendOutcome(status="skipped", detail=f"already {invitation.status}")
    if invitation.due_at > now:
        return SendOutcome(status="skipped", detail="not due (deferred or claimed)")
    base = Invitation.objects.filter(
        pk=invitation.pk, status=Status.SCHEDULED, channel=invitation.channel, attempts=invitation.attempts
    )
    if invitation.expires_at <= now:
        base.update(status=Status.EXPIRED, last_error="expired before it could be sent", updated_at=now)
        return SendOutcome(status="skipped", detail="expired")
    if invitation.respondent.opted_out_at is not None:
        base.update(status=Status.FAILED, last_error="opted_out: the respondent opted out", updated_at=now)
        return SendOutcome(status="failed", detail="opted_out")

    original_due = invitation.due_at
    lease_until = now + timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)
    claimed = base.filter(due_at__lte=now).update(
        due_at=lease_until, attempts=F("attempts") + 1, updated_at=now
    )
    if claimed != 1:
        return SendOutcome(status="skipped", detail="claimed by another worker")
    attempt = invitation.attempts + 1
    channel_name = invitation.channel
    mine = Invitation.objects.filter(
        pk=invitation.pk, status=Status.SCHEDULED, channel=channel_name, attempts=attempt
    )

    try:
        channel = channel_get(channel_name)
        result = channel.send(invitation, message=invitation_message(invitation=invitation))
    except PermanentChannelError as exc:
        return _permanent(invitation, mine, exc, now=now)
    except TransientChannelError as exc:
        return _transient(invitation, mine, exc, attempt=attempt, now=now)
    except Exception as exc:  # a bug or a time limit: bounded by the attempt limit, never a lost row
        logger.exception("invitation %s: unexpected error in channel %s", invitation.pk, channel_name)
        error = TransientChannelError(f"{type(exc).__name__}: {exc}", code="internal_error")
        return _transient(invitation, mine, error, attempt=attempt, now=now)

    sent_at = now
    marked = mine.update(
        status=Status.SENT,
        sent_at=sent_at,
        due_at=original_due,
        last_error="",
        next_reminder_at=_next_reminder_at(invitation, after=sent_at, already_sent=invitation.reminders_sent),
        updated_at=sent_at,
    )
    if marked != 1:
        # Only possible when the lease ran out while this worker was still sending (it is longer
        # than the hard time limit, so only a stalled machine) or the row changed state meanwhile.
        logger.warning("invitation %s sent but its claim was taken over", invitation.pk)
    return SendOutcome(status="sent", channel=result.channel, detail=result.provider_ref)


def _error_text(exc: ChannelError, channel: str) -> str:
    return f"{channel}: {exc.code}: {exc}"[:2000]


def _fallback(invitation: Invitation, mine, error: str, *, now: datetime) -> SendOutcome | None:
    following = _next_channel(invitation, invitation.channel)
    if following is None:
        return None
    moved = mine.update(channel=following, attempts=0, due_at=now, last_error=error, updated_at=now)
    if moved != 1:
        return SendOutcome(status="skipped", detail="claim taken over")
    return SendOutcome(status="fallback", channel=following, detail=error)


def _permanent(invitation: Invitation, mine, exc: PermanentChannelError, *, now: datetime) -> SendOutcome:
    error = _error_text(exc, invitation.channel)
    # A missing contact point for one channel is no reason to give up on the next one.
    if exc.code == "no_contact":
        moved = _fallback(invitation, mine, error, now=now)
        if moved is not None:
            return moved
    status = Status.BOUNCED if exc.bounced else Status.FAILED
    mine.update(status=status, last_error=error, updated_at=now)
    return SendOutcome(status=status, channel=invitation.channel, detail=error)


def _transient(
    invitation: Invitation, mine, exc: TransientChannelError, *, attempt: int, now: datetime
) -> SendOutcome:
    error = _error_text(exc, invitation.channel)
    if attempt < settings.DELIVERY_MAX_ATTEMPTS:
        # Retried by the beat sweep when due again: a row with a due time, not a broker ETA.
        mine.update(due_at=now + _backoff(attempt), last_error=error, updated_at=now)
        return SendOutcome(status="retry", channel=invitation.channel, detail=error)
    moved = _fallback(invitation, mine, error, now=now)
    if moved is not None:
        return moved
    mine.update(status=Status.FAILED, last_error=error, updated_at=now)
    return SendOutcome(status="failed", channel=invitation.channel, detail=error)


def invitations_due_ids(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Scheduled invitations due now that no live claim holds, oldest due first.

    Rows made in the last DELIVERY_SWEEP_GRACE_SECONDS were enqueued on commit by ingestion; they
    are left to that task so a backlog does not fill the queue with duplicates (which would be
    harmless -- the claim drops them -- but wasteful).
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS)
    rows = (
        Invitation.objects.filter(status=Status.SCHEDULED, due_at__lte=now)
        .filter(Q(created_at__lte=now - grace) | Q(attempts__gt=0))
        .order_by("due_at")
        .values_list("pk", flat=True)
    )
    return list(rows[: limit or settings.DELIVERY_SWEEP_BATCH])


def invitations_dispatch_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Enqueue a send for each due invitation (after commit); returns how many were enqueued."""
    from responses.tasks import invitation_send as send_task

    ids = invitations_due_ids(now=now, limit=limit)
    for invitation_id in ids:
        transaction.on_commit(partial(send_task.delay, invitation_id))
    return len(ids)


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
    from responses.tasks import invitation_remind as remind_task

    ids = invitations_remind_due_ids(now=now, limit=limit)
    for invitation_id in ids:
        transaction.on_commit(partial(remind_task.delay, invitation_id))
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


def _advance(invitation: Invitation, *, to: str, now: datetime | None) -> bool:
    now = now or timezone.now()
    stamps = {"opened_at": Coalesce(F("opened_at"), now)}
    if to in (Status.STARTED, Status.COMPLETED):
        stamps["started_at"] = Coalesce(F("started_at"), now)
    if to == Status.COMPLETED:
        stamps["completed_at"] = Coalesce(F("completed_at"), now)
    changed = Invitation.objects.filter(pk=invitation.pk, status__in=_BEFORE[to], expires_at__gt=now).update(
        status=to,
        next_reminder_at=None if to != Status.OPENED else F("next_reminder_at"),
        updated_at=now,
        **stamps,
    )
    if changed:
        invitation.refresh_from_db(
            fields=["status", "opened_at", "started_at", "completed_at", "next_reminder_at", "updated_at"]
        )
    return bool(changed)


def invitation_mark_opened(*, invitation: Invitation, now: datetime | None = None) -> bool:
    return _advance(invitation, to=Status.OPENED, now=now)


def invitation_mark_started(*, invitation: Invitation, now: datetime | None = None) -> bool:
    return _advance(invitation, to=Status.STARTED, now=now)


def invitation_mark_completed(*, invitation: Invitation, now: datetime | None = None) -> bool:
    return _advance(invitation, to=Status.COMPLETED, now=now)
