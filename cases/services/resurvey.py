"""The re-survey after a case is resolved: a service event through the distribution engine.

When a case of a rule with ``resurvey_survey`` is resolved, the platform posts one service event
for the case's respondent through the same ingestion as ``POST /api/v1/events/``
(``responses.distribution.ingestion.events_ingest``): source ``cases``, external id ``case-<id>``,
type ``case.resolved``, the answered invitation's attributes plus ``resurvey`` (the survey's
key), ``case_rule`` and ``case_team``. The survey's distribution rule (event type
``case.resolved``, attribute filter ``resurvey``) then decides as for any event: delay,
sampling, fatigue, quiet hours, opt-out. The case keeps the event and the decision.

Once per case: the event's idempotency key (source, external id) is the case's, so a case
resolved again after a reopen, or a task delivered twice, finds a duplicate and invites nobody
again. Only a case with a respondent who answered yes to being contacted is re-surveyed (an open
link's response has no respondent to invite).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from cases.models import RESURVEY_EVENT_TYPE, Case
from ops.services import audit_record
from responses.distribution.ingestion import ItemStatus, events_ingest
from responses.models import Response, ServiceEvent

logger = logging.getLogger(__name__)

RESURVEY_SOURCE = "cases"
RESOLVED = (Case.Status.RESOLVED, Case.Status.CLOSED)


def resurvey_external_id(case: Case) -> str:
    return f"case-{case.pk}"


def case_resurvey_enqueue(*, case: Case) -> None:
    """After the resolving transaction commits, post the re-survey event (when the rule asks)."""
    from cases.tasks import case_resurvey

    if case.rule.resurvey_survey_id is None or case.resurvey_event_id is not None:
        return
    transaction.on_commit(partial(case_resurvey.delay, case.pk))


def _flat(attributes: object) -> dict:
    if not isinstance(attributes, dict):
        return {}
    return {str(k): v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}


def case_resurvey_event(case: Case) -> dict | None:
    """The event to post for ``case``; None when nobody may be invited (no respondent, no consent)."""
    respondent = case.respondent
    if respondent is None:
        return None
    response = Response.objects.filter(pk=case.response_id).values("contact_consent", "context").first()
    if response is None or response["contact_consent"] is not True:
        return None
    attributes = _flat((response["context"] or {}).get("attributes"))
    attributes |= {
        "resurvey": case.rule.resurvey_survey.key,
        "case_rule": case.rule.key,
        "case_team": case.team.key,
    }
    return {
        "source": RESURVEY_SOURCE,
        "external_id": resurvey_external_id(case),
        "type": RESURVEY_EVENT_TYPE,
        "occurred_at": (case.resolved_at or timezone.now()).isoformat(),
        "respondent": {"type": respondent.type, "ref": respondent.ref},
        "attributes": attributes,
    }


def case_resurvey(*, case_id: int, now: dt.datetime | None = None) -> dict | None:
    """Post the re-survey event of a resolved case once and record the engine's decision on the
    case; None when nothing was posted (no such case, not resolved, no rule survey, no respondent
    or consent, already done)."""
    now = now or timezone.now()
    case = (
        Case.objects.select_related("rule__resurvey_survey", "team", "respondent").filter(pk=case_id).first()
    )
    if case is None or case.status not in RESOLVED or case.rule.resurvey_survey is None:
        return None
    if case.resurvey_event_id is not None:
        return None
    event = case_resurvey_event(case)
    if event is None:
        logger.info("case %s: no respondent who agreed to be contacted; no re-survey", case_id)
        return None
    (result,) = events_ingest(source_system=None, items=[event], now=now)
    if result.status == ItemStatus.REJECTED:
        logger.warning("case %s: the re-survey event was rejected: %s", case_id, result.as_dict())
        return None
    if result.status == ItemStatus.DUPLICATE:
        # Posted before (a second delivery that ran after the first committed): take its row.
        event_id = (
            ServiceEvent.objects.filter(source=RESURVEY_SOURCE, external_id=event["external_id"])
            .values_list("pk", flat=True)
            .first()
        )
        decision = {"status": "duplicate"}
    else:
        event_id = result.event_id
        decision = dict(result.invitations[0]) if result.invitations else {"status": "no_rule"}
        decision.pop("link", None)  # a token: not kept in the case's history
    with transaction.atomic():
        recorded = Case.objects.filter(pk=case.pk, resurvey_event__isnull=True).update(
            resurvey_event_id=event_id, resurvey=decision
        )
        if recorded:
            case.refresh_from_db()
            audit_record(
                action="cases.case.resurveyed",
                instance=case,
                after={"resurvey_event": event_id, **{f"resurvey_{k}": v for k, v in decision.items()}},
                now=now,
            )
    return decision
