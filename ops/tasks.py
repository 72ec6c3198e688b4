"""Celery entry points of the ops app (queue ``default``)."""

from celery import shared_task

from ops.services import heartbeat_record


@shared_task(name="ops.heartbeat_record", ignore_result=True, soft_time_limit=30, time_limit=60)
def heartbeat() -> None:
    """Sent by beat every minute; a worker running it proves beat, the broker and a worker."""
    heartbeat_record()
