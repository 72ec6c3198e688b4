"""Event ingestion: validate, store idempotently, decide, record. One path for API, admin and CLI.

``events_ingest`` takes a list of raw event dicts (as posted, or as read from a CSV/XLSX row) and
returns one ``ItemResult`` per item, in order. Validation is pure Python; the valid items are
then written in one transaction with a fixed, small number of statements whatever the batch
size (``distribution/bulk.py``: binary COPY on PostgreSQL, ``bulk_create`` elsewhere):

0. duplicates: the items whose ``(source, external_id)`` is already stored are set aside (one
   query) and answered ``duplicate``; a duplicate writes nothing at all, not even its
   respondent's contact data;
1. respondents: insert the missing ones (ON CONFLICT DO NOTHING), lock the others with SELECT ...
   FOR UPDATE, bulk update the contact data of those that changed (``services/respondents.py``);
2. events: INSERT ... ON CONFLICT DO NOTHING on ``(source, external_id)`` returning the rows
   inserted (elsewhere: ``bulk_create(ignore_conflicts=True)`` stamped with this call's
   ``batch_id``, then read back). Two concurrent posts of one event cannot both create it: the
   unique index makes the second insert wait for the first transaction and then do nothing. When
   an insert does nothing, a parallel post stored that event after step 0 looked: the whole
   transaction (with its respondent writes) is rolled back and run again, and step 0 then sees
   the event; the unique index decides, the look only keeps duplicates from writing;
3. rules (two queries), fatigue history of the batch's respondents (one query), quota counters
   of the segments the batch touches (insert missing, lock, later one update);
4. decisions in Python (``distribution/rules.py``), in the order the events were given, each seeing
   the invitations and quota counts of the ones before it;
5. bulk insert of invitations and suppressions; sends due now are enqueued after commit.

Rows are written as plain tuples (``rows_insert``): a model instance per row cost more than
writing it.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from responses import selectors
from responses.distribution.bulk import rows_insert, rows_insert_ignore
from responses.distribution.delivery import invitations_enqueue
from responses.distribution.rules import (
    Decision,
    EventFacts,
    PastInvitation,
    RuleSpec,
    event_decide,
    quota_key,
    respondent_zone,
    rule_select,
)
from responses.models import Invitation, QuotaCounter, ServiceEvent, SourceSystem, Suppression
from responses.services.respondents import RespondentRow, respondents_upsert
from responses.services.validation import ItemError, ValidEvent, event_validate, text_is_clean
from responses.sql import ingest
from responses.tokens import invitation_token_for, token_hash, token_link

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
# Quiet hours defer a send by less than a day; fatigue windows are looked up with this margin.
_QUIET_MARGIN = dt.timedelta(days=1)


class ItemStatus:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass
class ItemResult:
    external_id: str | None
    status: str
    errors: list[ItemError] = field(default_factory=list)
    invitations: list[dict] = field(default_factory=list)
    event_id: int | None = None

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"external_id": self.external_id, "status": self.status}
        if self.errors:
            body["errors"] = [error.as_dict() for error in self.errors]
        if self.status == ItemStatus.ACCEPTED:
            body["invitations"] = self.invitations
        return body


def _external_id_of(item: Any) -> str | None:
    """The external_id of a rejected item as given, when it can be echoed (None otherwise)."""
    if (
        isinstance(item, dict)
        and isinstance(item.get("external_id"), str | int)
        and item["external_id"] != ""
    ):
        text = str(item["external_id"]).strip()
        # A control character or lone surrogate is what got the item rejected: a lone surrogate
        # cannot even be written in the UTF-8 answer.
        return text if text_is_clean(text) else None
    return None


def events_ingest(
    *, source_system: SourceSystem | None, items: Sequence[Any], now: dt.datetime | None = None
) -> list[ItemResult]:
    """Ingest a batch of raw events; one result per item, in order. One bad item blocks nothing.

    ``source_system`` None is for trusted operators (admin upload, ``import_events``): any
    ``source`` is accepted. An API caller may only post events whose ``source`` is its name.
    """
    now = now or timezone.now()
    allowed = source_system.name if source_system is not None else None
    results: list[ItemResult | None] = [None] * len(items)
    valid: list[tuple[int, ValidEvent]] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        outcome = event_validate(item, now=now, allowed_source=allowed)
        if isinstance(outcome, list):
            results[index] = ItemResult(_external_id_of(item), ItemStatus.REJECTED, errors=outcome)
            continue
        key = (outcome.source, outcome.external_id)
        if key in seen:
            results[index] = ItemResult(outcome.external_id, ItemStatus.DUPLICATE)
            continue
        seen.add(key)
        valid.append((index, outcome))

    if valid:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    _store_and_decide(valid, results, now=now)
                break
            except _DuplicateRace:
                # Rolled back whole: a parallel post committed one of these events after this one
                # looked. Another look sees it; only a new parallel post of yet another of the
                # batch's events can make that happen again.
                if attempt == _ATTEMPTS:
                    raise
                logger.info("events_ingest: a parallel post stored some of this batch's events; retrying")
    return results  # type: ignore[return-value]


# Each retry needs another parallel post that commits an event of this batch in between.
_ATTEMPTS = 5


class _DuplicateRace(Exception):
    """An event inserted by a parallel transaction after the duplicate check: roll back, retry."""


def _stored_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (source, external_id) keys are already stored (one query)."""
    return ingest.chosen().stored_keys(keys)


_EVENT_COLUMNS = (
    "source",
    "external_id",
    "type",
    "occurred_at",
    "received_at",
    "respondent_id",
    "attributes",
    "batch_id",
)
_INVITATION_COLUMNS = (
    "public_id",
    "token_hash",
    "survey_id",
    "survey_version_id",
    "rule_id",
    "event_id",
    "respondent_id",
    "channel",
    "channels",
    "status",
    "locale",
    "due_at",
    "deferred_reason",
    "expires_at",
    "context",
)
_PUBLIC_ID = _INVITATION_COLUMNS.index("public_id")
_DUE_AT = _INVITATION_COLUMNS.index("due_at")
_SUPPRESSION_COLUMNS = ("event_id", "respondent_id", "survey_id", "rule_id", "reason", "detail")
_SCHEDULED = Invitation.Status.SCHEDULED.value


def _store_and_decide(candidates: list[tuple[int, ValidEvent]], results: list, *, now: dt.datetime) -> None:
    # A duplicate changes nothing, not even its respondent's contact data: the events already
    # stored are set aside before any respondent is written. One that a parallel post stores
    # after this look shows up in the insert below, and the whole transaction is retried.
    stored = _stored_keys([(event.source, event.external_id) for _i, event in candidates])
    valid = []
    for index, event in candidates:
        if (event.source, event.external_id) in stored:
            results[index] = ItemResult(event.external_id, ItemStatus.DUPLICATE)
        else:
            valid.append((index, event))
    if not valid:
        return
    respondents = respondents_upsert(updates=[(event.occurred_at, event.respondent) for _i, event in valid])

    batch_id = uuid.uuid4()
    rows = [
        (
            event.source,
            event.external_id,
            event.type,
            event.occurred_at,
            now,
            respondents[(event.respondent.type, event.respondent.ref)].id,
            event.attributes,
            batch_id,
        )
        for _i, event in sorted(valid, key=lambda pair: (pair[1].source, pair[1].external_id))
    ]
    inserted = rows_insert_ignore(
        ServiceEvent, _EVENT_COLUMNS, rows, returning=["id", "source", "external_id"]
    )
    if inserted is None:  # no INSERT … RETURNING of the new rows only: read back this batch's
        inserted = ServiceEvent.objects.filter(batch_id=batch_id).values_list("id", "source", "external_id")
    created = {(source, external_id): pk for pk, source, external_id in inserted}

    if len(created) < len(valid):
        raise _DuplicateRace

    fresh: list[tuple[int, ValidEvent, int, RespondentRow]] = []
    for index, event in valid:
        event_id = created[(event.source, event.external_id)]
        respondent = respondents[(event.respondent.type, event.respondent.ref)]
        fresh.append((index, event, event_id, respondent))
        results[index] = ItemResult(event.external_id, ItemStatus.ACCEPTED, event_id=event_id)
    if not fresh:
        return

    rules = selectors.rule_specs_load()
    default_tz = settings.TIME_ZONE
    facts = [event_facts(event, respondent, default_tz) for _i, event, _id, respondent in fresh]

    history = history_for(rules, respondent_ids={item[3].id for item in fresh}, facts=facts, now=now)
    counters = _quota_counters_locked(rules, facts, now=now, default_tz=default_tz)
    counts = {key: row.count for key, row in counters.items()}

    invitations: list[tuple] = []
    suppressions: list[tuple] = []
    frozen_rules: dict[int, tuple[dict, dict]] = {}
    site_url = settings.SITE_URL
    for (index, event, event_id, respondent), fact in zip(fresh, facts, strict=True):
        decision = event_decide(
            fact,
            rules=rules,
            history=history.get(respondent.id, []),
            quota_counts=counts,
            now=now,
            default_timezone=default_tz,
        )
        result = results[index]
        rule = decision.rule
        if decision.invites:
            if rule.id not in frozen_rules:
                frozen_rules[rule.id] = _frozen_rule(rule)
            frozen = frozen_rules[rule.id]
            token, invitation = _invitation(decision, event, event_id, respondent, fact, frozen)
            invitations.append(invitation)
            history.setdefault(respondent.id, []).append(_past(rule, decision.due_at))  # type: ignore[arg-type]
            if decision.quota_key:
                counts[decision.quota_key] = counts.get(decision.quota_key, 0) + 1
            entry = {"survey": rule.survey_key, "status": _SCHEDULED}
            if decision.deferred_reason:
                entry["reason"] = decision.deferred_reason
            if decision.channel == "link":
                entry["link"] = token_link(token, site_url=site_url)
            result.invitations.append(entry)
        else:
            suppressions.append(
                (
                    event_id,
                    respondent.id,
                    rule.survey_id if rule else None,
                    rule.id if rule else None,
                    decision.reason,
                    decision.detail,
                )
            )
            survey_key = rule.survey_key if rule else None
            result.invitations.append(
                {"survey": survey_key, "status": "suppressed", "reason": decision.reason}
            )

    rows_insert(Invitation, _INVITATION_COLUMNS, invitations)
    rows_insert(Suppression, _SUPPRESSION_COLUMNS, suppressions)
    touched = [row for key, row in counters.items() if counts.get(key, 0) != row.count]
    for row in touched:
        row.count = counts[(row.rule_id, row.day, row.value)]
    if touched:
        # Safe as absolute values: the rows have been locked since they were read.
        QuotaCounter.objects.bulk_update(touched, ["count"])

    due_now = [invitation[_PUBLIC_ID] for invitation in invitations if invitation[_DUE_AT] <= now]
    if due_now:
        # COPY does not return keys; one query finds those to hand to the queue now (the others
        # wait for the dispatch sweep). Batches of ids per task: one claim and one status update
        # per batch instead of two commits per invitation.
        invitations_enqueue(
            invitation_ids=list(
                Invitation.objects.filter(public_id__in=due_now).order_by("id").values_list("id", flat=True)
            )
        )


def event_facts(event: ValidEvent, respondent: RespondentRow, default_tz: str) -> EventFacts:
    """What the engine knows of one event and its respondent (contact data as merged)."""
    return EventFacts(
        source=event.source,
        external_id=event.external_id,
        type=event.type,
        occurred_at=event.occurred_at,
        attributes=event.attributes,
        respondent_type=respondent.type,
        respondent_timezone=respondent.timezone or default_tz,
        respondent_opted_out=respondent.opted_out_at is not None,
        has_email=bool(respondent.email),
        has_phone=bool(respondent.phone),
    )


def _past(rule: RuleSpec, due_at: dt.datetime) -> PastInvitation:
    return PastInvitation(due_at=due_at, survey_id=rule.survey_id, survey_family=rule.survey_family)


def history_for(
    rules: list[RuleSpec], *, respondent_ids: set[int], facts: list[EventFacts], now: dt.datetime
) -> dict[int, list[PastInvitation]]:
    """The respondents' invitations that fatigue may count for these events (one query)."""
    fatigue = max((rule.fatigue_days for rule in rules), default=0)
    if not fatigue:
        return {}
    longest_delay = dt.timedelta(minutes=max((rule.delay_minutes for rule in rules), default=0))
    latest_event = max(fact.occurred_at for fact in facts)
    # A new invitation is due no earlier than now and no later than the latest event plus the
    # longest delay plus a quiet-hours deferral; fatigue looks that far either side.
    since = now - dt.timedelta(days=fatigue)
    until = max(now, latest_event + longest_delay) + _QUIET_MARGIN + dt.timedelta(days=fatigue)
    return selectors.invitation_history(respondent_ids=respondent_ids, since=since, until=until)


def quota_keys_for(
    rules: list[RuleSpec], facts: list[EventFacts], *, now: dt.datetime, default_tz: str
) -> set[tuple[int, dt.date, str]]:
    """The (rule, local day, value) quota segments these events count against, if any."""
    if not any(rule.quota_attribute for rule in rules):
        return set()  # quota_key is None for every event
    keys = set()
    for fact in facts:
        rule, _dormant = rule_select(rules, fact, now=now)
        if rule is not None:
            key = quota_key(rule, fact, tz=respondent_zone(fact.respondent_timezone, default=default_tz))
            if key is not None:
                keys.add(key)
    return keys


def _quota_counters_locked(
    rules: list[RuleSpec], facts: list[EventFacts], *, now: dt.datetime, default_tz: str
) -> dict[tuple[int, dt.date, str], QuotaCounter]:
    """Counter rows of the segments this batch may count against, locked for the transaction.

    Locking the rows (rather than counting invitations) makes a parallel batch for the same
    segment wait until this one has committed its count, so ``quota_max_per_day`` holds across
    web processes. Keys are created and locked in a fixed order, so two batches never deadlock.
    """
    keys = quota_keys_for(rules, facts, now=now, default_tz=default_tz)
    if not keys:
        return {}
    QuotaCounter.objects.bulk_create(
        [QuotaCounter(rule_id=r, day=d, value=v) for r, d, v in sorted(keys)], ignore_conflicts=True
    )
    rows = QuotaCounter.objects.select_for_update().filter(
        rule_id__in={k[0] for k in keys}, day__in={k[1] for k in keys}, value__in={k[2] for k in keys}
    )
    return {
        (row.rule_id, row.day, row.value): row
        for row in rows.order_by("id")
        if (row.rule_id, row.day, row.value) in keys
    }


def _frozen_rule(rule: RuleSpec) -> tuple[dict, dict]:
    """The parts of the frozen context that are the same for every invitation of one rule."""
    survey = {"key": rule.survey_key, "version_id": rule.survey_version_id}
    settings_ = {
        "id": rule.id,
        "name": rule.name,
        "channels": list(rule.channels),
        "reminder_count": rule.reminder_count,
        "reminder_after_hours": rule.reminder_after_hours,
        "link_expiry_hours": rule.link_expiry_hours,
    }
    return survey, settings_


def _invitation(
    decision: Decision,
    event: ValidEvent,
    event_id: int,
    respondent: RespondentRow,
    fact: EventFacts,
    frozen_rule: tuple[dict, dict],
) -> tuple[str, tuple]:
    """(the token, the invitation row in ``_INVITATION_COLUMNS`` order).

    The frozen context is encoded when the row is written, within this transaction; the dicts it
    shares with other rows (the event's validated attributes, the rule's parts) are never changed
    after validation, so every invitation stores its own copy of them as they were.
    """
    rule = decision.rule
    locale = respondent.locale if respondent.locale in rule.survey_locales else rule.survey_default_locale
    public_id = uuid.uuid4()
    token = invitation_token_for(public_id)
    context = {
        "event": {
            "source": event.source,
            "external_id": event.external_id,
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
        },
        "attributes": event.attributes,
        "respondent": {"type": respondent.type, "ref": respondent.ref},
        "locale": locale,
        "timezone": fact.respondent_timezone,
        "survey": frozen_rule[0],
        "rule": frozen_rule[1],
    }
    if decision.detail.get("sampling_bypassed"):
        context["sampling_bypassed"] = True
    if locale != respondent.locale:
        # The event named no locale the survey is written in: the invitation's message goes out in
        # the survey's default, and the respondent page follows the browser's Accept-Language.
        context["locale_defaulted"] = True
    return token, (
        public_id,
        token_hash(token),
        rule.survey_id,
        rule.survey_version_id,
        rule.id,
        event_id,
        respondent.id,
        decision.channel,
        list(decision.channels),
        _SCHEDULED,
        locale,
        decision.due_at,
        decision.deferred_reason,
        decision.expires_at,
        context,
    )
