"""Celery entry points of the exports app: thin, ids in, one service call each."""

from celery import shared_task

from exports import services


# Safe to deliver twice (the service leaves a done export alone and writes the file under a
# temporary name); a big XLSX takes minutes, hence the limits, below the broker's visibility
# timeout (CELERY_BROKER_TRANSPORT_OPTIONS) so a running export is not delivered again meanwhile.
@shared_task(
    name="exports.export_run",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def export_run(export_id: int) -> None:
    services.export_run(export_id=export_id)
