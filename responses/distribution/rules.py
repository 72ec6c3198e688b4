"""The distribution rules engine: which survey an event leads to, and why not when it does not.

Pure decision logic: plain dataclasses in, a ``Decision`` out, no ORM and no clock (``now`` is
passed in), so every rule property is tested without a database and a replay decides the same.
``distribution/ingestion.py`` loads the rules and the respondent's history, calls ``event_decide`` for
each event in order and records the decisions.

One invitation per event at most. Rules are tried by ``priority`` (lowest first, then id); the
first rule whose *matching* part fits the event (event type, source, attribute filters,
audience, active and live) wins and its decision is final: if the winner suppresses the event
(fatigue, sampling, quota ...), no lower-priority rule is tried. A respondent therefore never
gets two surveys for one order, and "why no invitation?" always has exactly one answer.

Decisions, in this order (the first that applies is recorded):

1. ``no_rule``: nothing matches (``inactive_rule`` when only an inactive, not-yet-active,
   expired or unpublished rule would have matched; ops usually forgot to switch it on);
2. ``opted_out``: the respondent opted out; never invited again;
3. ``stale_event``: the event is older than the rule's ``max_event_age_hours`` at ``now``;
4. ``no_contact``: none of the rule's channels can reach the respondent (email needs an email
   address, SMS a phone number; webhook and link-only need nothing);
5. ``fatigue``: another invitation (any status except failed/bounced) is due within
   ``fatigue_days`` of this one, across all surveys, the survey's family, or this survey only
   (``fatigue_scope``; respondents are per type, so fatigue is per respondent type);
6. ``quota_full``: the rule already made ``quota_max_per_day`` invitations for this value of
   ``quota_attribute`` on the event's local day;
7. ``sampled_out``: the event's deterministic draw (a hash of source and external id, so a replay
   draws the same) is not below ``sampling_rate``, unless the segment is still below
   ``quota_min_per_day`` that day: then sampling is bypassed so rare segments (night,
   residential) still get answers;
8. otherwise an invitation, due ``delay_minutes`` after the event (or now if that is past),
   deferred out of quiet hours (never dropped) in the rule's ``quiet_hours_timezone``, or the
   respondent's own time zone when the rule names none, expiring ``link_expiry_hours`` after it
   is due.

``rules_overlapping`` finds the pairs of active rules some event could match at one priority:
the tie is broken by id (the older rule wins), which ops should see rather than discover.
"""

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

KNOWN_CHANNELS = ("email", "sms", "webhook", "link")
FATIGUE_SCOPES = ("all", "family", "survey")
# A dotted, lower-case event type: order.delivered, merchant.onboarded, ticket.closed.
EVENT_TYPE_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class RuleSpec:
    """What the engine needs to know about one DistributionRule (plain data)."""

    id: int
    name: str
    survey_id: int
    survey_key: str
    survey_family: str
    survey_version_id: int | None  # the latest published version; None: nothing to send
    survey_locales: tuple[str, ...]
    survey_default_locale: str
    event_types: tuple[str, ...]
    audience: str
    source: str = ""
    attribute_filters: Mapping[str, Any] = field(default_factory=dict)
    is_active: bool = True
    survey_is_live: bool = True  # not archived
    priority: int = 100
    active_from: dt.datetime | None = None
    active_until: dt.datetime | None = None
    delay_minutes: int = 30
    sampling_rate: float = 1.0
    quota_attribute: str = ""
    quota_min_per_day: int | None = None
    quota_max_per_day: int | None = None
    fatigue_days: int = 14
    fatigue_scope: str = "all"
    quiet_hours_start: dt.time | None = None
    quiet_hours_end: dt.time | None = None
    quiet_hours_timezone: str = ""  # IANA; empty: the respondent's own zone
    max_event_age_hours: int = 72
    link_expiry_hours: int = 168
    reminder_count: int = 1
    reminder_after_hours: int = 48
    channels: tuple[str, ...] = ("link",)


@dataclass(frozen=True)
class EventFacts:
    source: str
    external_id: str
    type: str
    occurred_at: dt.datetime
    attributes: Mapping[str, Any]
    respondent_type: str
    respondent_timezone: str  # the respondent's, or the project's default
    respondent_opted_out: bool
    has_email: bool
    has_phone: bool


@dataclass(frozen=True)
class PastInvitation:
    """An invitation of the same respondent, for fatigue."""

    due_at: dt.datetime
    survey_id: int
    survey_family: str


@dataclass(frozen=True)
class Decision:
    rule: RuleSpec | None
    reason: str = ""  # a Suppression.Reason value; empty for an invitation
    detail: dict = field(default_factory=dict)
    channel: str = ""
    channels: tuple[str, ...] = ()
    due_at: dt.datetime | None = None
    deferred_reason: str = ""
    expires_at: dt.datetime | None = None
    quota_key: tuple[int, dt.date, str] | None = None  # counted when the invitation is made

    @property
    def invites(self) -> bool:
        return not self.reason


# --- matching ---------------------------------------------------------------------------


def attribute_filters_match(filters: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    """``{"district_type": ["office", "residential"]}``: value in the list; a scalar: equality.

    A filtered attribute missing from the event never matches. Numbers and strings are compared
    as text ("3" matches 3) because CSV imports carry everything as text.
    """
    for key, expected in filters.items():
        if key not in attributes or attributes[key] is None:
            return False
        actual = str(attributes[key])
        allowed = expected if isinstance(expected, list) else [expected]
        if actual not in {str(value) for value in allowed}:
            return False
    return True


def rule_matches(rule: RuleSpec, event: EventFacts) -> bool:
    """The matching part of a rule: event type, source, audience, attribute filters."""
    return (
        event.type in rule.event_types
        and (not rule.source or rule.source == event.source)
        and rule.audience == event.respondent_type
        and attribute_filters_match(rule.attribute_filters, event.attributes)
    )


def rule_is_live(rule: RuleSpec, *, now: dt.datetime) -> bool:
    return (
        rule.is_active
        and rule.survey_is_live
        and rule.survey_version_id is not None
        and (rule.active_from is None or rule.active_from <= now)
        and (rule.active_until is None or now < rule.active_until)
    )


def rule_select(
    rules: Iterable[RuleSpec], event: EventFacts, *, now: dt.datetime
) -> tuple[RuleSpec | None, RuleSpec | None]:
    """(the winning live rule, the best matching non-live rule) by priority then id."""
    winner = None
    dormant = None
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if not rule_matches(rule, event):
            continue
        if rule_is_live(rule, now=now):
            winner = rule
            break
        dormant = dormant or rule
    return winner, dormant


# --- overlaps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Two active rules at one priority that some event matches both of; ``winner`` gets it."""

    winner: RuleSpec
    loser: RuleSpec
    event_types: tuple[str, ...]


def _filter_values(expected: Any) -> set[str]:
    return {str(value) for value in (expected if isinstance(expected, list) else [expected])}


def attribute_filters_overlap(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Whether one event's attributes can pass both filters: every attribute both filter on
    must allow a common value (an attribute only one of them names never keeps them apart)."""
    return all(
        _filter_values(first[key]) & _filter_values(second[key]) for key in first.keys() & second.keys()
    )


def _windows_meet(first: RuleSpec, second: RuleSpec, *, now: dt.datetime) -> bool:
    starts = [moment for moment in (first.active_from, second.active_from) if moment is not None]
    ends = [
        moment
        for moment in (
            first.active_until,
            second.active_until,
        )
        if moment is not None
    ]
    start = max(starts, default=None)
    end = min(ends, default=None)
    if end is not None and end <= now:
        return False  # one of them is over: it matches nothing any more
    return start is None or end is None or start < end


def rules_overlap(first: RuleSpec, second: RuleSpec, *, now: dt.datetime) -> tuple[str, ...]:
    """The event types both active rules would take at the same priority (empty: no overlap)."""
    if not (first.is_active and second.is_active) or first.priority != second.priority:
        return ()
    if first.audience != second.audience:
        return ()
    if first.source and second.source and first.source != second.source:
        return ()
    shared = tuple(sorted(set(first.event_types) & set(second.event_types)))
    if not shared or not attribute_filters_overlap(first.attribute_filters, second.attribute_filters):
        return ()
    return shared if _windows_meet(first, second, now=now) else ()


def rules_overlapping(rules: Iterable[RuleSpec], *, now: dt.datetime) -> list[Overlap]:
    """Every overlapping pair, the winner being the rule ``rule_select`` prefers (lower id)."""
    ordered = sorted(rules, key=lambda r: (r.priority, r.id))
    found = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.priority != first.priority:
                break
            shared = rules_overlap(first, second, now=now)
            if shared:
                found.append(Overlap(winner=first, loser=second, event_types=shared))
    return found


# --- properties ---------------------------------------------------------------------------


def sample_draw(source: str, external_id: str) -> float:
    """A number in [0, 1) fixed by the event's identity: replays and retries draw the same."""
    digest = hashlib.sha256(f"{source}\x1f{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_quiet_hours(local_time: dt.time, start: dt.time, end: dt.time) -> bool:
    if start < end:
        return start <= local_time < end
    # A window across midnight, e.g. 21:00-09:00.
    return local_time >= start or local_time < end


def quiet_hours_defer(
    due_at: dt.datetime, *, tz: dt.tzinfo, start: dt.time | None, end: dt.time | None
) -> tuple[dt.datetime, bool]:
    """Move ``due_at`` to the end of the quiet window it falls into, in the zone ``tz``.

    Returns (the send time, whether it was deferred). The window's end is a local wall-clock
    time: 09:00 in Asia/Riyadh is 06:00 UTC, in America/Sao_Paulo 12:00 UTC.
    """
    if start is None or end is None or start == end:
        return due_at, False
    local = due_at.astimezone(tz)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return due_at, False
    end_day = local.date()
    if start > end and local.time() >= start:
        end_day += dt.timedelta(days=1)  # evening part of a window crossing midnight
    resumed = dt.datetime.combine(end_day, end, tzinfo=tz)
    # Normalise through UTC so a DST transition on that day yields a real instant.
    return resumed.astimezone(dt.UTC), True


def channels_reachable(channels: Sequence[str], *, has_email: bool, has_phone: bool) -> tuple[str, ...]:
    reachable = []
    for channel in channels:
        if (channel == "email" and not has_email) or (channel == "sms" and not has_phone):
            continue
        reachable.append(channel)
    return tuple(reachable)


def fatigue_conflict(
    rule: RuleSpec, *, due_at: dt.datetime, history: Iterable[PastInvitation]
) -> PastInvitation | None:
    if rule.fatigue_days <= 0:
        return None
    window = dt.timedelta(days=rule.fatigue_days)
    for past in history:
        if abs(past.due_at - due_at) >= window:
            continue
        if rule.fatigue_scope == "survey" and past.survey_id != rule.survey_id:
            continue
        if rule.fatigue_scope == "family":
            same_family = bool(rule.survey_family) and past.survey_family == rule.survey_family
            if not same_family and past.survey_id != rule.survey_id:
                continue
        return past
    return None


def quota_key(rule: RuleSpec, event: EventFacts, *, tz: dt.tzinfo) -> tuple[int, dt.date, str] | None:
    """The (rule, local day, segment value) an invitation counts against, if the rule has quotas.

    The day is the event's local date in the respondent's time zone, so a replay counts against
    the same day; a missing attribute is the segment "".
    """
    if not rule.quota_attribute or (rule.quota_max_per_day is None and rule.quota_min_per_day is None):
        return None
    raw = event.attributes.get(rule.quota_attribute)
    value = "" if raw is None else str(raw)[:255]
    return rule.id, event.occurred_at.astimezone(tz).date(), value


@lru_cache(maxsize=1024)
def respondent_zone(name: str, *, default: str) -> zoneinfo.ZoneInfo:
    """The zone of that name, or the default one; cached: an ingest batch asks once per event."""
    try:
        return zoneinfo.ZoneInfo(name or default)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(default)


# --- the decision ---------------------------------------------------------------------------


def event_decide(
    event: EventFacts,
    *,
    rules: Sequence[RuleSpec],
    history: Iterable[PastInvitation],
    quota_counts: Mapping[tuple[int, dt.date, str], int],
    now: dt.datetime,
    default_timezone: str,
) -> Decision:
    """Decide what one event leads to. ``history`` and ``quota_counts`` are as of this event."""
    rule, dormant = rule_select(rules, event, now=now)
    if rule is None:
        if dormant is not None:
            return Decision(
                rule=dormant,
                reason="inactive_rule",
                detail={"rule": dormant.name, "rule_id": dormant.id, "why": _dormant_why(dormant, now)},
            )
        return Decision(rule=None, reason="no_rule", detail={"event_type": event.type})

    if event.respondent_opted_out:
        return Decision(rule=rule, reason="opted_out")

    age = now - event.occurred_at
    if age > dt.timedelta(hours=rule.max_event_age_hours):
        return Decision(
            rule=rule,
            reason="stale_event",
            detail={
                "age_hours": round(age.total_seconds() / 3600, 1),
                "max_event_age_hours": rule.max_event_age_hours,
            },
        )

    reachable = channels_reachable(
        rule.channels or ("link",), has_email=event.has_email, has_phone=event.has_phone
    )
    if not reachable:
        return Decision(rule=rule, reason="no_contact", detail={"channels": list(rule.channels)})

    tz = respondent_zone(event.respondent_timezone, default=default_timezone)
    due_at = max(event.occurred_at + dt.timedelta(minutes=rule.delay_minutes), now)
    quiet_tz = (
        respondent_zone(rule.quiet_hours_timezone, default=default_timezone)
        if rule.quiet_hours_timezone
        else tz
    )
    due_at, deferred = quiet_hours_defer(
        due_at, tz=quiet_tz, start=rule.quiet_hours_start, end=rule.quiet_hours_end
    )

    conflict = fatigue_conflict(rule, due_at=due_at, history=history)
    if conflict is not None:
        return Decision(
            rule=rule,
            reason="fatigue",
            detail={
                "fatigue_days": rule.fatigue_days,
                "fatigue_scope": rule.fatigue_scope,
                "other_invitation_due_at": conflict.due_at.isoformat(),
            },
        )

    key = quota_key(rule, event, tz=tz)
    count = quota_counts.get(key, 0) if key else 0
    if key and rule.quota_max_per_day is not None and count >= rule.quota_max_per_day:
        return Decision(
            rule=rule,
            reason="quota_full",
            detail={
                "attribute": rule.quota_attribute,
                "value": key[2],
                "day": key[1].isoformat(),
                "quota_max_per_day": rule.quota_max_per_day,
            },
        )

    below_minimum = bool(key) and rule.quota_min_per_day is not None and count < rule.quota_min_per_day
    # A draw is always below 1: at a rate of 1 nobody is sampled out and the hash can be skipped.
    draw = sample_draw(event.source, event.external_id) if rule.sampling_rate < 1 else 0.0
    if not below_minimum and draw >= rule.sampling_rate:
        return Decision(
            rule=rule,
            reason="sampled_out",
            detail={"draw": round(draw, 6), "sampling_rate": rule.sampling_rate},
        )

    return Decision(
        rule=rule,
        channel=reachable[0],
        channels=reachable,
        due_at=due_at,
        deferred_reason="quiet_hours" if deferred else "",
        expires_at=due_at + dt.timedelta(hours=rule.link_expiry_hours),
        quota_key=key,
        detail={"sampling_bypassed": True} if below_minimum and draw >= rule.sampling_rate else {},
    )


def _dormant_why(rule: RuleSpec, now: dt.datetime) -> str:
    if not rule.is_active:
        return "inactive"
    if rule.survey_version_id is None:
        return "survey_not_published"
    if not rule.survey_is_live:
        return "survey_archived"
    if rule.active_from is not None and now < rule.active_from:
        return "not_yet_active"
    return "expired"
