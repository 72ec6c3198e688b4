"""Saving and completing responses: partial saves, the one submit that wins, contact consent.

Concurrency
-----------
One response per invitation (and per open-link browser) is a unique constraint. The first save
inserts the response (already completed when the respondent submits in one go), its answers and
the invitation's funnel mark atomically: on PostgreSQL one ``WITH`` statement, its own
transaction in autocommit; elsewhere BEGIN, three statements, COMMIT. A racing second insert
hits the constraint (PostgreSQL makes it wait for the first transaction), its whole statement
or transaction rolls back, and it falls back to reading the row with ``SELECT ... FOR UPDATE``,
which every later save does too, so two saves of one response run one after the other.
Completing an existing response is a conditional ``UPDATE ... SET status = 'completed' WHERE
status = 'in_progress'``: of two racing submits the second finds the row completed (after the
first commits and releases the lock) and is told "already answered"; its answers are not
written.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from responses import hooks
from responses.distribution.lifecycle import invitation_mark_completed, invitation_mark_started
from responses.models import Answer, Invitation, OpenLink, Response
from responses.sql import answering as answering_sql
from surveys.answering import AnswerError, answers_clean, is_detractor
from surveys.models import SurveyVersion


class SaveStatus:
    SAVED = "saved"  # partial answers kept (or nothing to keep yet)
    INVALID = "invalid"  # a submit with errors; the valid answers were kept
    COMPLETED = "completed"
    ALREADY_ANSWERED = "already_answered"


@dataclass(frozen=True)
class SaveResult:
    status: str
    response: Response | None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, AnswerError] = field(default_factory=dict)


def response_context_for_invitation(invitation: Invitation) -> dict:
    """The frozen segments of a response to an invitation: its event context plus who and how."""
    return {
        **(invitation.context or {}),
        "origin": "invitation",
        "channel": invitation.channel,
        "respondent_type": invitation.respondent.type,
    }


def response_context_for_open_link(open_link: OpenLink, *, audience: str) -> dict:
    attributes = dict(open_link.attributes or {})
    return {
        "origin": "open_link",
        "open_link": str(open_link.public_id),
        "attributes": attributes,
        "channel": str(attributes.get("channel") or "open_link"),
        "respondent_type": audience,
    }


def _answers_replace(response: Response, values: Mapping[str, Any], *, now: datetime, fresh: bool) -> None:
    """Make the stored answers equal ``values``: upsert the changed ones, delete the rest."""
    stored = {} if fresh else dict(response.answers.values_list("question_key", "value"))
    gone = [key for key in stored if key not in values]
    if gone:
        Answer.objects.filter(response=response, question_key__in=gone).delete()
    changed = [
        Answer(response=response, question_key=key, value=value, updated_at=now)
        for key, value in values.items()
        if key not in stored or stored[key] != value
    ]
    if changed:
        Answer.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["response", "question_key"],
            update_fields=["value", "updated_at"],
        )


_UNKNOWN: Any = object()


def response_save(
    *,
    survey_version: SurveyVersion,
    raw: Mapping[str, Any],
    locale: str,
    complete: bool,
    invitation: Invitation | None = None,
    open_link: OpenLink | None = None,
    client_key: str | None = None,
    context: dict | None = None,
    existing: Response | None = _UNKNOWN,
    now: datetime | None = None,
) -> SaveResult:
    """Save a respondent's answers (``complete=False``) or submit them (``complete=True``).

    ``raw`` is the whole form (``surveys.answering.raw_from_form``): the stored answers become
    exactly its valid answers to visible questions. A submit with errors keeps the valid
    answers and completes nothing. Nothing is written while the respondent has answered nothing.
    ``existing``: the response the caller already read for this invitation/browser (or None),
    saving a query; it is only a hint, the database decides.
    """
    if (invitation is None) == (open_link is None):
        raise ValueError("exactly one of invitation and open_link")
    now = now or timezone.now()
    cleaned = answers_clean(survey_version.definition, raw, complete=complete)
    lookup = (
        {"invitation": invitation}
        if invitation is not None
        else {"open_link": open_link, "client_key": client_key}
    )
    if existing is _UNKNOWN:
        existing = Response.objects.filter(**lookup).order_by().first()
    if existing is None and not cleaned.values:
        # Nothing answered yet: no row, so an opened-and-left link leaves no empty response.
        return SaveResult(SaveStatus.INVALID if complete else SaveStatus.SAVED, None, {}, cleaned.errors)
    if existing is not None and existing.status == Response.Status.COMPLETED:
        return SaveResult(SaveStatus.ALREADY_ANSWERED, existing)
    if context is None:
        if invitation is not None:
            context = response_context_for_invitation(invitation)
        else:
            context = response_context_for_open_link(open_link, audience=survey_version.survey.audience)

    finishing = complete and cleaned.is_valid
    if existing is None:
        fields = {
            **lookup,
            "survey_id": survey_version.survey_id,
            "survey_version": survey_version,
            "locale": locale,
            "context": context,
            "status": Response.Status.COMPLETED if finishing else Response.Status.IN_PROGRESS,
            "completed_at": now if finishing else None,
            "started_at": now,
            "updated_at": now,
        }
        response = _first_save(fields, cleaned.values, invitation=invitation, finishing=finishing, now=now)
        if response is not None:
            return SaveResult(_status(complete, finishing), response, cleaned.values, cleaned.errors)
        # Another request inserted this response first: save through the row lock below.

    with transaction.atomic():
        # The row lock serialises every save of this response until the transaction ends.
        response = Response.objects.select_for_update().select_related("survey_version").get(**lookup)
        if response.status == Response.Status.COMPLETED:
            return SaveResult(SaveStatus.ALREADY_ANSWERED, response)
        # A response resumed after a new version was published is answered on its own version.
        if response.survey_version_id != survey_version.pk:
            cleaned = answers_clean(response.survey_version.definition, raw, complete=complete)
            finishing = complete and cleaned.is_valid
        _answers_replace(response, cleaned.values, now=now, fresh=False)
        updated = Response.objects.filter(pk=response.pk, status=Response.Status.IN_PROGRESS).update(
            locale=locale,
            updated_at=now,
            **({"status": Response.Status.COMPLETED, "completed_at": now} if finishing else {}),
        )
        if not updated:  # cannot happen under the row lock; never let a second submit through
            raise RuntimeError(f"response {response.pk} changed under its lock")
        response.locale, response.updated_at = locale, now
        if finishing:
            response.status, response.completed_at = Response.Status.COMPLETED, now
        _funnel_mark(invitation, values=cleaned.values, finishing=finishing, now=now)
        if finishing:
            transaction.on_commit(partial(hooks.response_completed_run, response_id=response.pk))
    return SaveResult(_status(complete, finishing), response, cleaned.values, cleaned.errors)


def _status(complete: bool, finishing: bool) -> str:
    return SaveStatus.COMPLETED if finishing else (SaveStatus.INVALID if complete else SaveStatus.SAVED)


def _funnel_mark(invitation: Invitation | None, *, values: Mapping, finishing: bool, now: datetime) -> None:
    """completed implies started and opened: one conditional UPDATE fills in the missing times."""
    if invitation is None:
        return
    if finishing:
        invitation_mark_completed(invitation=invitation, now=now, refresh=False)
    elif values and invitation.started_at is None:
        invitation_mark_started(invitation=invitation, now=now, refresh=False)


def _funnel_target(invitation: Invitation | None, *, values: Mapping, finishing: bool) -> str | None:
    """The state ``_funnel_mark`` moves the invitation to, if any."""
    if invitation is None:
        return None
    if finishing:
        return Invitation.Status.COMPLETED
    if values and invitation.started_at is None:
        return Invitation.Status.STARTED
    return None


def _first_save(
    fields: dict, values: Mapping[str, Any], *, invitation: Invitation | None, finishing: bool, now: datetime
) -> Response | None:
    """Insert the response, its answers and the funnel mark atomically (``responses/sql/answering.py``:
    one statement on PostgreSQL); None when the unique constraint says another request inserted
    this response first (nothing is kept)."""
    to = _funnel_target(invitation, values=values, finishing=finishing)
    response = answering_sql.chosen().response_insert(fields, values, invitation=invitation, to=to, now=now)
    if response is not None and finishing:
        # Already committed in autocommit (on_commit runs it now), else after the caller's commit.
        transaction.on_commit(partial(hooks.response_completed_run, response_id=response.pk))
    return response


def response_may_ask_consent(response: Response) -> bool:
    """Whether the thank-you page asks a detractor "may we contact you about this?"."""
    if response.status != Response.Status.COMPLETED or response.invitation_id is None:
        return False
    values = dict(response.answers.values_list("question_key", "value"))
    return is_detractor(response.survey_version.definition, values)


def response_contact_consent_set(*, response: Response, consent: bool, now: datetime | None = None) -> bool:
    """Record the detractor's answer to the consent question, once. False when not asked/already set."""
    if not response_may_ask_consent(response):
        return False
    changed = Response.objects.filter(
        pk=response.pk, status=Response.Status.COMPLETED, contact_consent__isnull=True
    ).update(contact_consent=consent, updated_at=now or timezone.now())
    if changed:
        response.refresh_from_db(fields=["contact_consent", "updated_at"])
    return bool(changed)
