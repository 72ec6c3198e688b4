"""Sending invitations: the claim, the channel call, the outcome (reminders and the lifecycle
after the send are in lifecycle.py).

Exactly-once, and where it stops
--------------------------------
A send to an outside channel cannot share a transaction with the database, so every send is
claim -> send -> mark, each state change a conditional UPDATE:

1. Claim. ``UPDATE ... SET due_at = <lease>, attempts = attempts + 1 WHERE id IN (...) AND
   status = 'scheduled' AND due_at <= now``. One caller wins each row; a second task for the
   same id (a duplicate from the sweep, a redelivery, a second worker) matches nothing and
   sends nothing. The lease is ``due_at`` itself, set to now + DELIVERY_CLAIM_TIMEOUT_SECONDS
   plus a random number of microseconds: a claimed row is not due again until the lease runs
   out, so the beat sweep (``invitations_dispatch_due``) picks it up again only if its worker
   died; and the exact lease value is this claim's fencing token.
2. Send through the channel.
3. Mark: ``UPDATE ... SET status = 'sent' WHERE id IN (...) AND status = 'scheduled' AND
   due_at = <lease>`` -- a claim taken over after its lease ran out has another lease value,
   so a late worker cannot overwrite the new owner's outcome.

A batch (ingestion and the sweep enqueue DELIVERY_SEND_BATCH ids per task) costs one claim for
all its rows and then one small mark per send (DELIVERY_MARK_INTERVAL_SECONDS = 0, the
default), instead of a task and two commits per invitation. On PostgreSQL the marks commit with
``synchronous_commit = off``: a worker killed at any point loses no mark that was committed, and
only a crash of the database server itself can drop the last few hundred milliseconds of marks.

The lease (300 s by default) is longer than the task's hard time limit, so a live worker is
killed by Celery before anyone else may take its rows over: a duplicate cannot come from a
slow worker. A mark whose connection died (terminated backend, network cut) is written again on
a new connection (MARK_RECONNECT_DELAYS). The windows left: a worker crash (SIGKILL, power
loss) between the channel accepting one message and its mark committing (one message), a
database unreachable for longer than those retries after a send, and a database-server crash
losing marks not yet flushed to disk (see above; a raised DELIVERY_MARK_INTERVAL_SECONDS widens
the first window to that many seconds of sends, for a faster batch). Those rows are sent again
when the lease runs out. That is at-least-once, and the resend carries the same message id
(email Message-ID, SMS client_ref, X-Webhook-Id, all derived from the invitation's public id)
so a receiver can drop the copy.
Everything else -- task redelivery, duplicate enqueues, two workers racing -- sends once.
"""

import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from responses.channels import (
    ChannelError,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
    channel_get,
)
from responses.distribution.queue import INVITATIONS_SEND_BATCH, task_enqueue_by_name_on_commit
from responses.models import Invitation
from responses.sql import delivery as delivery_sql
from responses.tokens import TokenKeyUnknown, invitation_link, optout_link

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
    try:
        link = invitation_link(invitation)
    except TokenKeyUnknown as exc:
        # The key the link was signed with was dropped from the fallbacks: any link sent now
        # would not open, so the send fails for good (docs/security.md, key rotation).
        raise PermanentChannelError(str(exc), code="token_key_unknown") from exc
    return OutgoingMessage(
        kind=kind,
        message_id=message_id,
        link=link,
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
    """Send one due invitation through its channel, once; see the module docstring."""
    return invitations_send(invitation_ids=[invitation_id], now=now)[0]


def invitations_send(*, invitation_ids: Sequence[int], now: datetime | None = None) -> list[SendOutcome]:
    """Send the due ones among ``invitation_ids``: one claim and one mark for the whole batch.

    Returns one outcome per id, in order. Ids that are not due, already sent, claimed by
    another worker or missing are ``skipped``.
    """
    now = now or timezone.now()
    ids = list(dict.fromkeys(invitation_ids))
    outcomes: dict[int, SendOutcome] = {}
    pending = ids
    with _commits_without_waiting_for_disk():
        for _hop in range(8):  # at most one hop per channel in the rule's order
            if not pending:
                break
            results = _send_batch(pending, now=now)
            outcomes.update({pk: o for pk, o in results.items() if o.status != "fallback"})
            pending = [pk for pk, o in results.items() if o.status == "fallback"]
    for pk in pending:
        outcomes[pk] = SendOutcome(status="failed", detail="too many channel fallbacks")
    return [outcomes[pk] for pk in ids]


def _commits_without_waiting_for_disk():
    """The batch's claim and marks commit without waiting for the disk where the database allows
    it (``responses/sql/delivery.py``): a mark lost with the database server's own crash only
    resends, with the same message id."""
    return delivery_sql.chosen().commits_without_waiting_for_disk()


def _skipped(ids: Sequence[int]) -> dict[int, SendOutcome]:
    if not ids:
        return {}
    statuses = dict(Invitation.objects.filter(pk__in=ids).values_list("pk", "status"))
    return {
        pk: SendOutcome(
            status="skipped",
            detail="missing"
            if pk not in statuses
            else "not due (deferred or claimed)"
            if statuses[pk] == Status.SCHEDULED
            else f"already {statuses[pk]}",
        )
        for pk in ids
    }


def _send_batch(ids: list[int], *, now: datetime) -> dict[int, SendOutcome]:
    due = Invitation.objects.filter(pk__in=ids, status=Status.SCHEDULED, due_at__lte=now)
    due.filter(expires_at__lte=now).update(
        status=Status.EXPIRED, last_error="expired before it could be sent", updated_at=now
    )
    # The claim: local columns only, so PostgreSQL re-checks every condition on the newest row
    # version when two claims race (a condition on a joined table would be checked against the
    # older snapshot). The lease value is unique to this claim and fences every later write.
    lease = now + timedelta(
        seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS, microseconds=secrets.randbelow(1_000_000)
    )
    claimed = due.filter(expires_at__gt=now).update(due_at=lease, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return _skipped(ids)
    order = {pk: position for position, pk in enumerate(ids)}
    rows = sorted(
        Invitation.objects.select_related("respondent", "event", "survey_version", "rule").filter(
            pk__in=ids, status=Status.SCHEDULED, due_at=lease
        ),
        key=lambda row: order[row.pk],
    )
    outcomes = _skipped([pk for pk in ids if pk not in {row.pk for row in rows}])
    marks = _Marks(lease=lease, now=now)
    for position, row in enumerate(rows):
        mine = Invitation.objects.filter(pk=row.pk, status=Status.SCHEDULED, due_at=lease)
        if row.respondent.opted_out_at is not None:
            mine.update(
                status=Status.FAILED, last_error="opted_out: the respondent opted out", updated_at=now
            )
            outcomes[row.pk] = SendOutcome(status="failed", channel=row.channel, detail="opted_out")
            continue
        try:
            result = channel_get(row.channel).send(row, message=invitation_message(invitation=row))
        except PermanentChannelError as exc:
            outcomes[row.pk] = _permanent(row, mine, exc, now=now)
        except TransientChannelError as exc:
            outcomes[row.pk] = _transient(row, mine, exc, now=now)
        except SoftTimeLimitExceeded:
            # Out of time: record what went out, hand the rest back to the sweep, stop.
            marks.flush()
            rest = [r.pk for r in rows[position:]]
            Invitation.objects.filter(pk__in=rest, status=Status.SCHEDULED, due_at=lease).update(
                due_at=now, attempts=F("attempts") - 1, updated_at=now
            )
            outcomes.update({pk: SendOutcome(status="retry", detail="task time limit") for pk in rest})
            return outcomes
        except Exception as exc:  # a bug: bounded by the attempt limit, never lost
            logger.exception("invitation %s: unexpected error in channel %s", row.pk, row.channel)
            error = TransientChannelError(f"{type(exc).__name__}: {exc}", code="internal_error")
            outcomes[row.pk] = _transient(row, mine, error, now=now)
        else:
            outcomes[row.pk] = SendOutcome(status="sent", channel=result.channel, detail=result.provider_ref)
            marks.add(row.pk, _next_reminder_at(row, after=now, already_sent=row.reminders_sent))
    marks.flush()
    return outcomes


class _Marks:
    """Sent rows waiting for their status update, written at least every
    DELIVERY_MARK_INTERVAL_SECONDS: one UPDATE for many rows, while a crash can resend (with the
    same message id) only what went out in the last interval."""

    def __init__(self, *, lease: datetime, now: datetime) -> None:
        self.lease, self.now = lease, now
        self.pending: dict[datetime | None, list[int]] = defaultdict(list)
        self.since = time.monotonic()

    def add(self, pk: int, next_reminder_at: datetime | None) -> None:
        self.pending[next_reminder_at].append(pk)
        if time.monotonic() - self.since >= settings.DELIVERY_MARK_INTERVAL_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self._write()
        self.pending.clear()
        self.since = time.monotonic()

    def _write(self) -> None:
        for next_reminder_at, pks in self.pending.items():
            # due_at keeps the time the send went out (the lease is over).
            mine = Invitation.objects.filter(pk__in=pks, status=Status.SCHEDULED, due_at=self.lease)
            marked, retried = _on_a_live_connection(
                lambda mine=mine, at=next_reminder_at: mine.update(
                    status=Status.SENT,
                    sent_at=self.now,
                    due_at=self.now,
                    last_error="",
                    next_reminder_at=at,
                    updated_at=self.now,
                )
            )
            if marked != len(pks) and not retried:
                # Only possible when a lease ran out while this worker was still sending (it is
                # longer than the hard time limit, so only on a stalled machine). After a retry
                # the first attempt may have committed before its connection died.
                logger.warning(
                    "%s of %s sent invitations had their claim taken over", len(pks) - marked, len(pks)
                )


# Pauses before each new connection when a mark's connection died: about 3.5 s in all, far
# inside the claim lease, so the rows are still this worker's when the mark gets through.
MARK_RECONNECT_DELAYS = (0.0, 0.5, 1.0, 2.0)


def _on_a_live_connection(write) -> tuple[int, bool]:
    """Run ``write`` (a mark: the message went out already); if the database connection died
    (terminated backend, restarted pooler, network cut), run it again on a new connection.

    Without this the mark is lost and the row is sent again when its lease runs out. Safe to
    repeat: the mark is conditional on this claim's lease, so a mark that did commit before its
    connection died matches nothing the second time. Returns (rows updated, whether retried).
    Inside a transaction (tests) nothing can be retried: the error is raised.
    """
    for attempt, delay in enumerate((*MARK_RECONNECT_DELAYS, None)):
        try:
            return write(), attempt > 0
        except (OperationalError, InterfaceError) as exc:
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("marking sent invitations: %s; retrying on a new connection", exc)
            connection.close()
            time.sleep(delay)
            with suppress(OperationalError, InterfaceError):
                delivery_sql.chosen().session_commits_without_waiting_for_disk()  # as the batch began
    raise AssertionError("unreachable")


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


def _transient(invitation: Invitation, mine, exc: TransientChannelError, *, now: datetime) -> SendOutcome:
    error = _error_text(exc, invitation.channel)
    attempt = invitation.attempts  # already counts this one (the claim added it)
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


def invitations_enqueue(*, invitation_ids: Sequence[int]) -> None:
    """Enqueue sends after the current transaction commits, DELIVERY_SEND_BATCH ids per task.

    For callers that make many due invitations at once (ingestion): one batch task costs one
    claim and one status update for all its ids instead of two commits per invitation.
    """
    ids = list(invitation_ids)
    size = max(1, settings.DELIVERY_SEND_BATCH)
    for start in range(0, len(ids), size):
        # A broker that is down is logged and counted, never raised after the commit; the rows
        # stay scheduled and the beat sweep sends them.
        task_enqueue_by_name_on_commit(INVITATIONS_SEND_BATCH, ids[start : start + size])


def invitations_dispatch_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Enqueue the due invitations (after commit) in batches; returns how many were enqueued."""
    ids = invitations_due_ids(now=now, limit=limit)
    invitations_enqueue(invitation_ids=ids)
    return len(ids)
