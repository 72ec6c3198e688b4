"""Celery entry points of the distribution queue: ids in, one service call, nothing returned.

CELERY_TASK_ROUTES sends every "responses.*" task to the "distribution" queue. Every task here
is safe to run twice (each state change is a conditional UPDATE, see distribution/delivery.py), so
all of them are ``acks_late`` with ``reject_on_worker_lost``: a worker that dies mid-task hands
the message back instead of losing it. Periodic entries live in CELERY_BEAT_SCHEDULE
(config/settings/base.py).
"""

import logging

from celery import shared_task

from responses.distribution import delivery, lifecycle

logger = logging.getLogger(__name__)

COMMON = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "serializer": "json",
}


@shared_task(name="responses.invitation_send", soft_time_limit=60, time_limit=90, **COMMON)
def invitation_send(invitation_id: int) -> None:
    outcome = delivery.invitation_send(invitation_id=invitation_id)
    if outcome.detail == "missing":
        logger.warning("invitation_send: invitation %s does not exist", invitation_id)
    elif outcome.status in ("failed", "bounced", "retry"):
        logger.info("invitation %s: %s (%s)", invitation_id, outcome.status, outcome.detail)


@shared_task(name="responses.invitations_send_batch", soft_time_limit=60, time_limit=90, **COMMON)
def invitations_send_batch(invitation_ids: list[int]) -> None:
    outcomes = delivery.invitations_send(invitation_ids=invitation_ids)
    missing = [pk for pk, o in zip(invitation_ids, outcomes, strict=False) if o.detail == "missing"]
    if missing:
        logger.warning("invitations_send_batch: invitations %s do not exist", missing)


@shared_task(name="responses.invitation_remind", soft_time_limit=60, time_limit=90, **COMMON)
def invitation_remind(invitation_id: int) -> None:
    outcome = lifecycle.invitation_remind(invitation_id=invitation_id)
    if outcome.detail == "missing":
        logger.warning("invitation_remind: invitation %s does not exist", invitation_id)


@shared_task(name="responses.invitations_dispatch_due", soft_time_limit=50, time_limit=60, **COMMON)
def invitations_dispatch_due() -> None:
    count = delivery.invitations_dispatch_due()
    if count:
        logger.info("enqueued %s due invitations", count)


@shared_task(name="responses.invitations_remind_due", soft_time_limit=50, time_limit=60, **COMMON)
def invitations_remind_due() -> None:
    count = lifecycle.invitations_remind_due()
    if count:
        logger.info("enqueued %s reminders", count)


@shared_task(name="responses.invitations_expire", soft_time_limit=50, time_limit=60, **COMMON)
def invitations_expire() -> None:
    count = lifecycle.invitations_expire()
    if count:
        logger.info("expired %s invitations", count)


@shared_task(name="responses.retention_run", soft_time_limit=3000, time_limit=3600, **COMMON)
def retention_run() -> None:
    """Daily (beat): every survey whose retention is on anonymises or deletes its old responses."""
    from responses.services.retention import retention_run as run

    for plan in run():
        if plan.responses or plan.respondents:
            logger.info(
                "retention %s (%s): %s responses, %s respondents' contact data",
                plan.survey.key,
                plan.mode,
                plan.responses,
                plan.respondents,
            )
