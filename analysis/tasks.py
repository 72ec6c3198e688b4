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
