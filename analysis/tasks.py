"""Celery entry points of the analysis app: thin, ids in, one service call each."""

import logging

from celery import shared_task

from analysis import services

logger = logging.getLogger(__name__)


# Safe to deliver twice: the service upserts by response and counts it once.
_ANALYSE_OPTIONS = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="analysis.response_analyse", **_ANALYSE_OPTIONS)
def response_analyse(response_id: int) -> None:
    services.response_analyse(response_id=response_id)


@shared_task(name="analysis.responses_analyse", soft_time_limit=300, time_limit=360, **_ANALYSE_OPTIONS)
def responses_analyse(response_ids: list[int]) -> None:
    """A batch handed over by the pending drain, analysed in one transaction; when the batch
    fails each response is analysed alone, so one response's failure never blocks the rest (it
    is logged, and the hourly sweep offers it again)."""
    services.responses_analyse(response_ids=response_ids)


def _enqueue_batch(response_ids: list[int]) -> None:
    responses_analyse.delay(response_ids)


@shared_task(name="analysis.pending_drain", ignore_result=True, soft_time_limit=120, time_limit=150)
def pending_drain() -> int:
    return services.pending_drain(enqueue=_enqueue_batch)


@shared_task(name="analysis.unanalysed_sweep", ignore_result=True, soft_time_limit=600, time_limit=660)
def unanalysed_sweep() -> int:
    """Completed responses whose analysis was lost on the way, enqueued again in batches."""
    ids = services.unanalysed_find()
    for start in range(0, len(ids), services.PENDING_BATCH_SIZE):
        _enqueue_batch(ids[start : start + services.PENDING_BATCH_SIZE])
    if ids:
        logger.warning("%s completed responses had no analysis; enqueued again", len(ids))
    return len(ids)


@shared_task(name="analysis.comments_reanalyse", ignore_result=True, soft_time_limit=3000, time_limit=3600)
def comments_reanalyse(survey_id: int | None = None) -> None:
    services.comments_reanalyse(survey_id=survey_id)


@shared_task(name="analysis.emerging_discover", ignore_result=True, soft_time_limit=1700, time_limit=1800)
def emerging_discover(survey_id: int | None = None, days: int = 90) -> None:
    """Cluster uncovered comments of the last ``days`` days, per survey with analysed comments."""
    import datetime as dt

    from django.utils import timezone

    from analysis.models import CommentAnalysis
    from surveys.models import Survey

    today = timezone.localdate()
    ids = [survey_id] if survey_id else CommentAnalysis.objects.values_list("survey_id", flat=True).distinct()
    for survey in Survey.objects.filter(pk__in=list(ids)):
        services.cluster_discover(survey=survey, date_from=today - dt.timedelta(days=days - 1), date_to=today)


@shared_task(name="analysis.detractor_model_train", ignore_result=True, soft_time_limit=3000, time_limit=3600)
def detractor_model_train(survey_id: int | None = None) -> None:
    """Train per survey with analysed comments (or one survey)."""
    from analysis.models import CommentAnalysis

    ids = [survey_id] if survey_id else CommentAnalysis.objects.values_list("survey_id", flat=True).distinct()
    for pk in sorted(set(ids)):
        services.detractor_model_train(survey_id=pk)
