"""Retention per survey: responses older than the survey's ``retention_days`` anonymised or deleted.

A response is old when it was completed (or, never completed, started) before the cutoff,
``now - retention_days``. Per ``Survey.retention_mode``:

- ``anonymise``: its free text is removed everywhere (``responses_text_erase``: answers,
  analysed comments, emerging topic examples, case notes, stored exports naming it) and it is
  marked ``anonymised_at``; its scores, segments, topics, facts and the daily aggregates stay,
  so every count is unchanged.
- ``delete``: the same removal, then the response is deleted with its answers, analysis rows
  and cases. The daily aggregates counted it already and keep their counts; the facts go, so
  a filter answered from the facts (an attribute outside ANALYSIS_SEGMENT_KEYS) no longer
  counts it.

With either mode, the contact data of the old responses' respondents is removed once a
respondent has had no event since the cutoff (a respondent active since then is still being
surveyed). The respondent rows stay (invitation counts, fatigue).

``retention_plan`` is the dry run: how many responses and respondents the next run would
change; the admin shows it before retention is switched on. ``retention_apply`` runs in
batches, each in its own transaction, and records each run in the audit trail (counts only).
The beat task ``responses.retention_run`` applies every survey whose retention is on, daily.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ops.services import audit_record
from responses.models import Respondent, Response, ServiceEvent
from responses.services.erasure import contacts_clear, responses_text_erase
from surveys.models import RetentionMode, Survey

BATCH = 500
APPLIED_ACTION = "surveys.survey.retention_applied"


@dataclass(frozen=True)
class RetentionPlan:
    survey: Survey
    cutoff: dt.datetime | None
    mode: str
    responses: int
    respondents: int


def retention_cutoff(survey: Survey, *, now: dt.datetime) -> dt.datetime | None:
    if not survey.retention_days:
        return None
    return now - dt.timedelta(days=survey.retention_days)


def _old_responses(survey: Survey, cutoff: dt.datetime) -> QuerySet[Response]:
    old = Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, started_at__lt=cutoff)
    responses = Response.objects.filter(old, survey=survey)
    if survey.retention_mode == RetentionMode.ANONYMISE:
        responses = responses.filter(anonymised_at__isnull=True)
    return responses


def _stale_respondents(survey: Survey, cutoff: dt.datetime) -> QuerySet[Respondent]:
    """Respondents of the survey's old responses with contact data and no event since the cutoff."""
    old = Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, started_at__lt=cutoff)
    answered = Response.objects.filter(old, survey=survey, invitation__respondent=OuterRef("pk"))
    recent = ServiceEvent.objects.filter(respondent=OuterRef("pk"), received_at__gte=cutoff)
    return (
        Respondent.objects.filter(Exists(answered))
        .exclude(Exists(recent))
        .filter(~Q(email_hash="") | ~Q(phone_hash="") | ~Q(email="") | ~Q(phone=""))
    )


def retention_plan(survey: Survey, *, now: dt.datetime | None = None) -> RetentionPlan:
    """The dry run: what ``retention_apply`` would change now (nothing is written)."""
    now = now or timezone.now()
    cutoff = retention_cutoff(survey, now=now)
    if cutoff is None:
        return RetentionPlan(survey, None, survey.retention_mode, 0, 0)
    return RetentionPlan(
        survey,
        cutoff,
        survey.retention_mode,
        _old_responses(survey, cutoff).count(),
        _stale_respondents(survey, cutoff).count(),
    )


def retention_apply(survey: Survey, *, now: dt.datetime | None = None, actor=None) -> RetentionPlan:
    """Anonymise or delete the survey's old responses and clear stale contact data; what was done.

    Runs whether or not retention is switched on (the task checks ``retention_enabled``).
    """
    now = now or timezone.now()
    cutoff = retention_cutoff(survey, now=now)
    if cutoff is None:
        return RetentionPlan(survey, None, survey.retention_mode, 0, 0)
    counts: dict[str, int] = {}
    respondents = 0
    with transaction.atomic():
        # Contact data first: it is found through the responses a delete is about to remove.
        respondents = contacts_clear(Respondent.objects.filter(pk__in=_stale_respondents(survey, cutoff)))
    done = 0
    while True:
        with transaction.atomic():
            ids = list(_old_responses(survey, cutoff).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            for label, count in responses_text_erase(response_ids=ids).items():
                counts[label] = counts.get(label, 0) + count
            if survey.retention_mode == RetentionMode.DELETE:
                Response.objects.filter(pk__in=ids).delete()
            else:
                Response.objects.filter(pk__in=ids).update(anonymised_at=now)
            done += len(ids)
    if done or respondents:
        audit_record(
            action=APPLIED_ACTION,
            instance=survey,
            actor=actor,
            after={
                "mode": survey.retention_mode,
                "days": survey.retention_days,
                "responses": done,
                "respondents": respondents,
                "counts": counts,
            },
            now=now,
        )
    return RetentionPlan(survey, cutoff, survey.retention_mode, done, respondents)


def retention_run(*, now: dt.datetime | None = None) -> list[RetentionPlan]:
    """Apply every survey whose retention is switched on (the daily beat task)."""
    now = now or timezone.now()
    surveys = Survey.objects.filter(retention_enabled=True, retention_days__isnull=False).order_by("pk")
    return [retention_apply(survey, now=now) for survey in surveys]
