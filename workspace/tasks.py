"""Celery entry points of the workspace: the weekly digest (thin, ids in, one service call)."""

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from workspace.digest import services

logger = logging.getLogger(__name__)


@shared_task(name="workspace.digests_send_due", ignore_result=True, soft_time_limit=240, time_limit=300)
def digests_send_due() -> int:
    """Beat, every 15 minutes: one send task per reader due now."""
    due = services.due_readers(now=timezone.now())
    for user_id, week in due:
        digest_send.delay(user_id, week.isoformat())
    return len(due)


# Not acks_late: a second delivery finds the week's row claimed and sends nothing, but a worker
# lost mid-send must not send again either (at most once).
@shared_task(name="workspace.digest_send", ignore_result=True, soft_time_limit=120, time_limit=180)
def digest_send(user_id: int, week: str) -> None:
    services.digest_deliver(user_id=user_id, week=dt.date.fromisoformat(week))
