"""Celery entry points of the cases app: thin, ids in, one service call each."""

import logging

from celery import shared_task

from cases import services

logger = logging.getLogger(__name__)


# Safe to deliver twice: one case per (response, rule) is a database constraint.
@shared_task(
    name="cases.responses_evaluate",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def responses_evaluate(response_ids: list[int]) -> None:
    services.responses_rules_evaluate(response_ids=response_ids)


# Not acks_late: a second delivery would mail the assignee twice.
@shared_task(name="cases.case_notify_assignee", ignore_result=True)
def case_notify_assignee(case_id: int) -> None:
    # The mail and the webhooks are independent: one failing never keeps the other from going.
    try:
        services.case_notify_assignee(case_id=case_id)
    except Exception:
        logger.exception("case %s: the mail to the assignee failed", case_id)
    services.case_webhook_notify(case_id=case_id)


# Safe to deliver twice: the event's (source, external_id) is the case's, a second post is a
# duplicate that invites nobody.
@shared_task(
    name="cases.case_resurvey",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def case_resurvey(case_id: int) -> None:
    services.case_resurvey(case_id=case_id)


@shared_task(name="cases.cases_escalate", ignore_result=True, soft_time_limit=240, time_limit=300)
def cases_escalate() -> int:
    return services.cases_escalate()


@shared_task(name="cases.responses_evaluate_sweep", ignore_result=True, soft_time_limit=240, time_limit=300)
def responses_evaluate_sweep() -> int:
    return services.responses_evaluate_sweep()
