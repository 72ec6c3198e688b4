"""Demo distribution data for ``make run``: a source system, a rule, events with every outcome.

Called by ``analysis``'s ``demo_load`` command. Safe to run again: the source system and rule are
updated in place, and the events, having fixed external ids, come back as duplicates.
"""

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from config.demo import demo_data_refuse_unless_allowed
from responses.distribution.ingestion import events_ingest
from responses.distribution.models import DistributionRule
from responses.distribution.rules import in_quiet_hours
from responses.models import Respondent, SourceSystem
from responses.services.respondents import respondent_opt_out
from responses.services.sources import source_system_create
from responses.tokens import token_hash
from surveys.models import Survey

DEMO_SOURCE = "order-platform"
# A documented key so the README's curl example works on any demo machine; never use a fixed
# key outside the demo.
DEMO_API_KEY = "voc_demo-order-platform-key-2026"
DEMO_SURVEY_KEYS = ("customer-after-delivery", "after-delivery")
DEMO_RULE_NAME = "顾客配送后调查 · customer after delivery"
QUIET = (dt.time(21, 0), dt.time(9, 0))
ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Riyadh", "America/Sao_Paulo", "Asia/Tokyo", "Europe/London")


def _zone(due: dt.datetime, *, night: bool) -> str:
    """A zone where it is quiet-hours night (or day) when the send is due, so the demo shows
    exactly one deferral whatever the time the demo is loaded."""
    for name in ZONES:
        if in_quiet_hours(due.astimezone(zoneinfo.ZoneInfo(name)).time(), *QUIET) == night:
            return name
    return "Pacific/Auckland"


@transaction.atomic
def demo_source_system() -> SourceSystem:
    system = SourceSystem.objects.filter(name=DEMO_SOURCE).first()
    if system is None:
        system, _key = source_system_create(
            name=DEMO_SOURCE, description="Demo order platform", key=DEMO_API_KEY
        )
    elif system.key_hash != token_hash(DEMO_API_KEY):
        system.key_hash, system.key_prefix = token_hash(DEMO_API_KEY), DEMO_API_KEY[:12]
        system.save(update_fields=["key_hash", "key_prefix", "updated_at"])
    return system


@transaction.atomic
def demo_rule() -> DistributionRule | None:
    survey = Survey.objects.filter(key__in=DEMO_SURVEY_KEYS, versions__isnull=False).distinct().first()
    if survey is None:
        return None
    rule, _created = DistributionRule.objects.update_or_create(
        name=DEMO_RULE_NAME,
        defaults={
            "survey": survey,
            "is_active": True,
            "priority": 10,
            "event_types": ["order.delivered"],
            "attribute_filters": {"district_type": ["business_district", "residential", "office", "campus"]},
            "audience": survey.audience,
            "delay_minutes": 30,
            "sampling_rate": 0.5,
            "quota_attribute": "district_type",
            "quota_min_per_day": 1,
            "quota_max_per_day": 200,
            "fatigue_days": 14,
            "fatigue_scope": "all",
            "quiet_hours_start": QUIET[0],
            "quiet_hours_end": QUIET[1],
            "max_event_age_hours": 72,
            "link_expiry_hours": 168,
            "reminder_count": 1,
            "reminder_after_hours": 48,
            "channels": ["email", "sms"],
        },
    )
    return rule


def demo_events(*, source_system: SourceSystem, now: dt.datetime | None = None) -> list[dict]:
    """Ingest a handful of events that show each outcome; returns the API-style results."""
    now = now or timezone.now()

    def at(minutes_ago: int) -> str:
        return (
            (now - dt.timedelta(minutes=minutes_ago))
            .astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
            .isoformat()
        )

    def item(n: int, ref: str, *, minutes_ago: int = 20, type_: str = "order.delivered", **extra) -> dict:
        # Where it is day when the send is due (delay 30 minutes after the event), so quiet
        # hours defer only the one event meant to show them.
        due = now + dt.timedelta(minutes=max(0, 30 - minutes_ago))
        respondent = {
            "type": "customer",
            "ref": ref,
            "timezone": _zone(due, night=False),
            **extra.pop("respondent", {}),
        }
        return {
            "source": DEMO_SOURCE,
            "external_id": f"demo-order-{n}",
            "type": type_,
            "occurred_at": at(minutes_ago),
            "respondent": respondent,
            "attributes": {"city": "上海", "merchant_type": "restaurant", "scenario": "peak", **extra},
        }

    opted_out, _created = Respondent.objects.get_or_create(type="customer", ref="demo-c-opted-out")
    respondent_opt_out(respondent=opted_out, now=now)
    items = [
        # invited (first of its segment: the daily minimum bypasses sampling); delivered 31
        # minutes ago, so its send is already due: the first mail of `make run`
        item(
            1,
            "demo-c-1",
            minutes_ago=31,
            district_type="office",
            respondent={"email": "wang.fang@example.com", "locale": "zh-hans"},
        ),
        # invited by SMS, the first residential order of the day
        item(2, "demo-c-2", district_type="residential", respondent={"phone": "13812345678"}),
        # the same customer again: fatigue (one survey per 14 days)
        item(3, "demo-c-1", district_type="office", respondent={"email": "wang.fang@example.com"}),
        # a customer living where it is night when the send is due (in 10 minutes): deferred
        item(
            4,
            "demo-c-4",
            district_type="campus",
            respondent={
                "email": "night.owl@example.com",
                "locale": "en",
                "timezone": _zone(now + dt.timedelta(minutes=10), night=True),
            },
        ),
        # delivered five days ago: stale
        item(
            5,
            "demo-c-5",
            minutes_ago=5 * 24 * 60,
            district_type="office",
            respondent={"email": "late@example.com"},
        ),
        # opted out earlier: never invited again
        item(6, "demo-c-opted-out", district_type="office", respondent={"email": "no.more@example.com"}),
        # no email and no phone for an email/SMS rule: no contact
        item(7, "demo-c-7", district_type="office"),
        # a support ticket: no rule sends a survey for it
        item(
            8,
            "demo-c-8",
            type_="ticket.closed",
            district_type="office",
            respondent={"email": "t@example.com"},
        ),
        # more office orders: sampled 50 % (the office minimum is met by demo-order-1)
        *[
            item(n, f"demo-c-{n}", district_type="office", respondent={"email": f"c{n}@example.com"})
            for n in range(9, 15)
        ],
    ]
    return [result.as_dict() for result in events_ingest(source_system=source_system, items=items, now=now)]


def demo_distribution_load() -> dict:
    """Everything above; returns what the demo prints. Refused when demo data is not allowed."""
    demo_data_refuse_unless_allowed()
    system = demo_source_system()
    rule = demo_rule()
    results = demo_events(source_system=system)
    return {"source": system.name, "api_key": DEMO_API_KEY, "rule": rule, "results": results}
