"""Load the demo's story (``responses.demo_story``) through the services the product runs on:
the events are ingested by ``events_ingest`` (as the events API does), in the order and at the
times their source systems posted them, under realistic distribution rules; the invitations are
sent by the delivery service, opened and answered through the lifecycle and answering services
at the times the story says; the sweep expires what nobody answered; then the answers are
analysed as the analysis queue does.

Idempotent: the events have fixed external ids, so a second load finds them all duplicates and
writes nothing (only the events accepted by this load are sent and answered).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from analysis.demo_history import taxonomies_link
from analysis.services import cluster_discover, responses_analyse
from responses.demo import demo_source_system
from responses.demo_story.plan import DAYS, SOURCES, StoryEvent, story_plan
from responses.distribution.delivery import invitations_send
from responses.distribution.ingestion import ItemStatus, events_ingest
from responses.distribution.lifecycle import invitation_mark_opened, invitations_expire
from responses.distribution.models import DistributionRule
from responses.models import Invitation, Respondent, SourceSystem
from responses.services.answering import response_save
from responses.services.respondents import respondent_opt_out
from responses.services.sources import source_system_create
from surveys.answering import raw_from_form
from surveys.models import Survey

SEED = 2026
# Events are posted in windows shorter than the shortest rule delay: every send is due after the
# window's "now", so none is handed to the queue during ingestion (the sends below make them).
WINDOW = dt.timedelta(minutes=115)
QUIET = (dt.time(22, 0), dt.time(8, 0))
# The dispatch sweep's rhythm in the story: what fell due in each slot goes out at its end.
SEND_EVERY = dt.timedelta(hours=2)

# One rule per storyline: (survey key, rule name, settings).
RULES = {
    "orders": (
        "customer-after-delivery",
        "顾客配送后调查（App 内） · customer after delivery, in the app",
        {
            "event_types": ["order.delivered"],
            # In-app orders get the survey in the app (link-only): the order platform shows it.
            "attribute_filters": {"order_channel": ["app", "mini_program"]},
            "delay_minutes": 120,
            "sampling_rate": 0.6,
            "quota_attribute": "district_type",
            "quota_min_per_day": 1,
            "quota_max_per_day": 9,
            "fatigue_days": 7,
            "max_event_age_hours": 24,
            "link_expiry_hours": 72,
        },
    ),
    "onboarding": (
        "merchant-after-onboarding",
        "商家入驻后调查 · merchant after onboarding",
        {
            "event_types": ["merchant.onboarded"],
            "delay_minutes": 240,
            "sampling_rate": 1.0,
            "fatigue_days": 30,
            "max_event_age_hours": 72,
            "link_expiry_hours": 168,
        },
    ),
    "riders": (
        "rider-experience",
        "骑手体验调查 · rider experience",
        {
            "event_types": ["rider.shift_ended"],
            "delay_minutes": 180,
            "sampling_rate": 0.8,
            "fatigue_days": 10,
            "fatigue_scope": "survey",
            "max_event_age_hours": 24,
            "link_expiry_hours": 72,
        },
    ),
    "tickets": (
        "support-ticket-closed",
        "工单关闭后调查 · support ticket closed",
        {
            "event_types": ["ticket.closed"],
            "delay_minutes": 120,
            "sampling_rate": 0.8,
            "fatigue_days": 7,
            "max_event_age_hours": 48,
            "link_expiry_hours": 72,
        },
    ),
    "rentals": (
        "car-rental-return",
        "还车后调查 · car rental return",
        {
            "event_types": ["rental.returned"],
            "delay_minutes": 240,
            "sampling_rate": 1.0,
            "fatigue_days": 30,
            "max_event_age_hours": 72,
            "link_expiry_hours": 168,
        },
    ),
}


@dataclass(frozen=True)
class StoryResult:
    events: int  # accepted by this load (0 on a second load)
    duplicates: int
    invitations: int
    sent: int
    opened: int
    responses: int  # completed by this load
    expired: int


def story_sources() -> dict[str, SourceSystem]:
    """The storylines' source systems; the order platform is the one with the documented key."""
    systems = {"orders": demo_source_system()}
    for storyline, name in SOURCES.items():
        if storyline in systems:
            continue
        system = SourceSystem.objects.filter(name=name).first()
        if system is None:
            system, _key = source_system_create(name=name, description=f"Demo {storyline} source")
        systems[storyline] = system
    return systems


@transaction.atomic
def story_rules() -> dict[str, DistributionRule]:
    """One rule per storyline whose survey is published (updated in place on a second load)."""
    rules = {}
    for storyline, (survey_key, name, settings_) in RULES.items():
        survey = Survey.objects.filter(key=survey_key, versions__isnull=False).distinct().first()
        if survey is None:
            continue
        rules[storyline], _created = DistributionRule.objects.update_or_create(
            name=name,
            defaults={
                "survey": survey,
                "is_active": True,
                "priority": 5,
                "source": SOURCES[storyline],
                "audience": survey.audience,
                "quiet_hours_start": QUIET[0],
                "quiet_hours_end": QUIET[1],
                "reminder_count": 0,
                "channels": ["link"],
                "fatigue_scope": "all",
                "quota_attribute": "",
                "quota_min_per_day": None,
                "quota_max_per_day": None,
                **settings_,
            },
        )
    return rules


def _ingest(plan: list[StoryEvent]) -> tuple[dict[int, StoryEvent], int]:
    """Post the events window by window, each at its window's last posting time; returns the
    accepted events by id and the number of duplicates."""
    accepted: dict[int, StoryEvent] = {}
    duplicates = 0
    windows: dict[int, list[StoryEvent]] = defaultdict(list)
    for event in plan:
        windows[int(event.posted_at.timestamp() // WINDOW.total_seconds())].append(event)
    for _key, events in sorted(windows.items()):
        now = max(event.posted_at for event in events)
        results = events_ingest(source_system=None, items=[event.as_item() for event in events], now=now)
        for event, result in zip(events, results, strict=True):
            if result.status == ItemStatus.ACCEPTED:
                accepted[result.event_id] = event
            elif result.status == ItemStatus.DUPLICATE:
                duplicates += 1
            else:  # the plan is ours: a rejection is a bug in it
                raise ValueError(f"demo event {event.external_id} rejected: {result.as_dict()}")
    return accepted, duplicates


def _form(definition: dict, answers: dict) -> dict:
    """The answers as the respondent page's form posts them."""
    fields: dict[str, list[str]] = {}
    for key, value in answers.items():
        if isinstance(value, dict):
            for item, choice in value.items():
                fields[f"q_{key}__{item}"] = [str(choice)]
        elif isinstance(value, list):
            fields[f"q_{key}"] = [str(choice) for choice in value]
        else:
            fields[f"q_{key}"] = [str(value)]
    return raw_from_form(definition, fields)


def _send(invitations: list[Invitation], *, now: dt.datetime) -> dict[int, dt.datetime]:
    """Send the due invitations slot by slot, as the dispatch sweep does; returns when each went."""
    slots: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        if invitation.due_at <= now:
            slots[int(invitation.due_at.timestamp() // SEND_EVERY.total_seconds())].append(invitation)
    sent = {}
    for _slot, batch in sorted(slots.items()):
        at = max(invitation.due_at for invitation in batch)
        outcomes = invitations_send(invitation_ids=[invitation.pk for invitation in batch], now=at)
        for invitation, outcome in zip(batch, outcomes, strict=True):
            if outcome.status == "sent":
                sent[invitation.pk] = at
    return sent


def _answer(
    invitations: list[Invitation], accepted: dict, sent: dict, *, now: dt.datetime
) -> tuple[int, list[int]]:
    """Open and answer as each person does in the story; returns (opened, completed response ids)."""
    opened = 0
    completed = []
    steps = []
    for invitation in invitations:
        answering = accepted[invitation.event_id].answering
        if invitation.pk not in sent or answering is None or answering.open_after_minutes is None:
            continue
        opened_at = sent[invitation.pk] + dt.timedelta(minutes=answering.open_after_minutes)
        if opened_at < min(now, invitation.expires_at):
            steps.append((opened_at, invitation, answering))
    for opened_at, invitation, answering in sorted(steps, key=lambda step: (step[0], step[1].pk)):
        invitation_mark_opened(invitation=invitation, now=opened_at, refresh=False)
        opened += 1
        answered_at = opened_at + dt.timedelta(minutes=answering.answer_after_minutes)
        if not answering.answers or answered_at >= min(now, invitation.expires_at):
            continue
        version = invitation.survey_version
        result = response_save(
            survey_version=version,
            raw=_form(version.definition, answering.answers),
            locale=invitation.locale,
            complete=answering.complete,
            invitation=invitation,
            existing=None,
            now=answered_at,
        )
        if answering.complete:
            if result.status != "completed":
                raise ValueError(f"demo answers to {invitation.public_id} not accepted: {result.errors}")
            completed.append(result.response.pk)
    return opened, completed


def demo_story_load(*, seed: int = SEED, now: dt.datetime | None = None) -> StoryResult:
    """Ingest, send, answer, expire and analyse the story; see the module docstring."""
    now = now or timezone.now()
    taxonomies_link()
    story_sources()
    story_rules()
    plan = story_plan(seed=seed, now=now)
    # A few customers opted out of surveys before the story starts: their orders invite nobody.
    orders = [event for event in plan if event.type == "order.delivered"]
    for event in orders[100::400]:
        respondent, _created = Respondent.objects.get_or_create(type="customer", ref=event.respondent["ref"])
        respondent_opt_out(respondent=respondent, now=now - dt.timedelta(days=60))
    accepted, duplicates = _ingest(plan)
    invitations = list(
        Invitation.objects.filter(event_id__in=list(accepted))
        .select_related("survey_version", "respondent")
        .order_by("pk")
    )
    sent = _send(invitations, now=now)
    opened, completed = _answer(invitations, accepted, sent, now=now)
    expired = invitations_expire(now=now)
    for start in range(0, len(completed), 50):  # as the analysis queue's tasks do
        responses_analyse(response_ids=completed[start : start + 50])
    # No starter taxonomy covers support tickets: what was hard is found in the comments.
    tickets = Survey.objects.filter(key=RULES["tickets"][0]).first()
    if completed and tickets is not None:
        today = timezone.localtime(now).date()
        cluster_discover(survey=tickets, date_from=today - dt.timedelta(days=DAYS), date_to=today)
    return StoryResult(
        events=len(accepted),
        duplicates=duplicates,
        invitations=len(invitations),
        sent=len(sent),
        opened=opened,
        responses=len(completed),
        expired=expired,
    )
