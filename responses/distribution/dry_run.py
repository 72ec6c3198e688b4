"""The dry run: which rule and decision one event would get, writing nothing.

The same steps as ingestion (``distribution/ingestion.py``) with every write left out: the event is
checked by ``event_validate``, its respondent's contact data merged as ingestion would merge it
(``respondent_merge``) from the stored row, read without a lock; the rules, the fatigue history
and the quota counts are read as ingestion reads them, and ``event_decide`` (``distribution/rules.py``,
the one copy of the decision) decides. Nothing is inserted, not even a respondent or a quota
counter: a quota segment without a counter row counts 0, as it would when created.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from responses import selectors
from responses.distribution.ingestion import event_facts, history_for, quota_keys_for
from responses.distribution.rules import (
    Decision,
    EventFacts,
    RuleSpec,
    event_decide,
    rule_is_live,
    rule_matches,
)
from responses.models import QuotaCounter, Respondent, ServiceEvent
from responses.services.respondents import CONTACT_FIELDS, RespondentRow, respondent_merge
from responses.services.validation import ItemError, ValidEvent, event_validate


class DryRunInvalid(Exception):
    """The event would be rejected; ``errors`` as the events API reports them."""

    def __init__(self, errors: list[ItemError]) -> None:
        super().__init__(", ".join(error.field for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class MatchedRule:
    rule: RuleSpec
    live: bool


@dataclass(frozen=True)
class DryRunResult:
    event: ValidEvent
    facts: EventFacts
    duplicate: bool  # already stored: the events API would answer "duplicate" and change nothing
    decision: Decision | None  # None for a duplicate
    matched: tuple[MatchedRule, ...]  # every rule whose matching part fits, in the order tried
    respondent_known: bool
    now: dt.datetime

    @property
    def status(self) -> str:
        if self.duplicate:
            return "duplicate"
        return "scheduled" if self.decision.invites else "suppressed"


def event_dry_run(*, item: Any, now: dt.datetime | None = None) -> DryRunResult:
    """Decide ``item`` (one event as posted) against the stored rules, as of ``now``.

    Raises ``DryRunInvalid`` when the events API would reject it. Reads only.
    """
    now = now or timezone.now()
    outcome = event_validate(item, now=now, allowed_source=None)
    if isinstance(outcome, list):
        raise DryRunInvalid(outcome)
    event = outcome
    default_tz = settings.TIME_ZONE
    stored = Respondent.objects.filter(type=event.respondent.type, ref=event.respondent.ref).values_list(
        *RespondentRow._fields
    )
    row = next(iter(stored), None)
    respondent = respondent_as_merged(RespondentRow._make(row) if row else None, event)
    facts = event_facts(event, respondent, default_tz)
    rules = selectors.rule_specs_load()
    matched = tuple(
        MatchedRule(rule, rule_is_live(rule, now=now))
        for rule in sorted(rules, key=lambda r: (r.priority, r.id))
        if rule_matches(rule, facts)
    )
    if ServiceEvent.objects.filter(source=event.source, external_id=event.external_id).exists():
        return DryRunResult(event, facts, True, None, matched, row is not None, now)

    history = (
        history_for(rules, respondent_ids={respondent.id}, facts=[facts], now=now).get(respondent.id, [])
        if row is not None
        else []
    )
    keys = quota_keys_for(rules, [facts], now=now, default_tz=default_tz)
    counts = {
        (rule_id, day, value): count
        for rule_id, day, value, count in QuotaCounter.objects.filter(
            rule_id__in={k[0] for k in keys}, day__in={k[1] for k in keys}, value__in={k[2] for k in keys}
        ).values_list("rule_id", "day", "value", "count")
    }
    decision = event_decide(
        facts, rules=rules, history=history, quota_counts=counts, now=now, default_timezone=default_tz
    )
    return DryRunResult(event, facts, False, decision, matched, row is not None, now)


def respondent_as_merged(row: RespondentRow | None, event: ValidEvent) -> RespondentRow:
    """The respondent as ingestion would leave it after this event (contact data merged; an
    erased respondent gets none back, as in ingestion)."""
    if row is not None and row.erased_at is not None:
        return row
    current = {name: getattr(row, name) for name in CONTACT_FIELDS} if row else {}
    merged, as_of = respondent_merge(
        current,
        current_as_of=row.contact_updated_at if row else None,
        updates=[(event.occurred_at, event.respondent)],
    )
    if row is None:
        return RespondentRow(
            id=0,
            public_id=None,
            type=event.respondent.type,
            ref=event.respondent.ref,
            email=merged.get("email", ""),
            phone=merged.get("phone", ""),
            email_hash="",
            phone_hash="",
            locale=merged.get("locale", ""),
            timezone=merged.get("timezone", ""),
            opted_out_at=None,
            contact_updated_at=as_of,
            erased_at=None,
        )
    return row._replace(**merged, contact_updated_at=as_of)
