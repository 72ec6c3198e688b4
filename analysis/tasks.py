"""Celery entry points of the analysis app: thin, ids in, one service call each."""

import logging

from celery import shared_task

from analysis import services

logger = logging.getLogger(__name__)


@shared_task(
    name="analysis.response_analyse",
    ignore_result=True,
    # Safe to deliver twice: the service upserts by response and counts it once.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def response_analyse(response_id: int) -> None:
    services.response_analyse(response_id=response_id)


@shared_task(name="analysis.comments_reanalyse", ignore_result=True, soft_time_limit=3000, time_limit=3600)
def comments_reanalyse(survey_id: int | None = None) -> None:
    services.comments_reanalyse(survey_id=survey_id)
