"""The distribution rules: each property, each suppression reason, quiet hours across time zones.

Time is frozen by passing ``now=`` into the services. NOW is 2026-05-01 12:10 in Shanghai.
"""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection

from responses.distribution.ingestion import events_ingest
from responses.distribution.rules import (
    EventFacts,
    PastInvitation,
    RuleSpec,
    attribute_filters_match,
    event_decide,
    quiet_hours_defer,
    sample_draw,
)
from responses.models import Invitation, QuotaCounter, Respondent, ServiceEvent, Suppression
from responses.services.respondents import respondent_opt_out
from surveys.models import Audience
from tests.responses.factories import NOW, DistributionRuleFactory, event, published_survey

UTC = dt.UTC
EVENT_AT = "2026-05-01T12:00:00+08:00"  # 04:00 UTC, ten minutes before NOW


def spec(**overrides) -> RuleSpec:
    values = {
        "id": 1,
        "name": "after delivery",
        "survey_id": 10,
        "survey_key": "after-delivery",
        "survey_family": "delivery",
        "survey_version_id": 100,
        "survey_locales": ("zh-hans", "en"),
        "survey_default_locale": "zh-hans",
        "event_types": ("order.delivered",),
        "audience": "customer",
        "delay_minutes": 0,
        "fatigue_days": 0,
        "channels": ("link",),
    }
    values.update(overrides)
    return RuleSpec(**values)


def facts(**overrides) -> EventFacts:
    values = {
        "source": "order-platform",
        "external_id": "e-2",  # draws 0.059
        "type": "order.delivered",
        "occurred_at": dt.datetime(2026, 5, 1, 4, 0, tzinfo=UTC),
        "attributes": {"city": "上海", "district_type": "office", "scenario": "night"},
        "respondent_type": "customer",
        "respondent_timezone": "Asia/Shanghai",
        "respondent_opted_out": False,
        "has_email": True,
        "has_phone": True,
    }
    values.update(overrides)
    return EventFacts(**values)


def decide(event_facts: EventFacts, *rules: RuleSpec, history=(), counts=None, now=NOW):
    return event_decide(
        event_facts,
        rules=list(rules),
        history=list(history),
        quota_counts=counts or {},
        now=now,
        default_timezone="Asia/Shanghai",
    )


# --- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "attributes", "expected"),
    [
        ({"district_type": ["office", "residential"]}, {"district_type": "office"}, True),
        ({"district_type": ["office", "residential"]}, {"district_type": "campus"}, False),
        ({"district_type": "office"}, {"district_type": "office"}, True),
        ({"district_type": "office"}, {"district_type": "residential"}, False),
        ({"district_type": "office"}, {}, False),
        ({"district_type": "office"}, {"district_type": None}, False),
        ({"floor": 3}, {"floor": "3"}, True),
        ({"city": "上海", "scenario": ["night", "rain"]}, {"city": "上海", "scenario": "rain"}, True),
        ({"city": "上海", "scenario": ["night", "rain"]}, {"city": "北京", "scenario": "rain"}, False),
        ({}, {}, True),
    ],
)
def test_attribute_filters_list_means_in_and_scalar_means_equal(filters, attributes, expected) -> None:
    # given filters and event attributes / when matched / then
    assert attribute_filters_match(filters, attributes) is expected


@pytest.mark.parametrize(
    ("rule_overrides", "fact_overrides", "reason"),
    [
        ({"event_types": ("ticket.closed",)}, {}, "no_rule"),
        ({"source": "merchant-platform"}, {}, "no_rule"),
        ({"audience": "rider"}, {}, "no_rule"),
        ({"attribute_filters": {"district_type": ["residential"]}}, {}, "no_rule"),
        ({"is_active": False}, {}, "inactive_rule"),
        ({"survey_version_id": None}, {}, "inactive_rule"),
        ({"survey_is_live": False}, {}, "inactive_rule"),
        ({"active_from": NOW + dt.timedelta(days=1)}, {}, "inactive_rule"),
        ({"active_until": NOW}, {}, "inactive_rule"),
    ],
)
def test_an_event_no_live_rule_matches_is_suppressed(rule_overrides, fact_overrides, reason) -> None:
    # given a rule that does not (or not yet, or no longer) apply
    rule = spec(**rule_overrides)
    # when the event is decided
    decision = decide(facts(**fact_overrides), rule)
    # then nothing is sent and the reason says why
    assert decision.invites is False
    assert decision.reason == reason


def test_the_lowest_priority_number_wins_and_decides_alone() -> None:
    # given two matching rules, the preferred one sampling everybody out
    preferred = spec(id=1, priority=10, survey_id=11, survey_key="first", sampling_rate=0.0)
    other = spec(id=2, priority=20, survey_id=12, survey_key="second")
    # when decided
    decision = decide(facts(), other, preferred)
    # then the preferred rule's decision stands: no fall-through to the other survey
    assert decision.rule.survey_key == "first"
    assert decision.reason == "sampled_out"


def test_equal_priorities_are_ordered_by_rule_id() -> None:
    decision = decide(facts(), spec(id=7, survey_key="seven"), spec(id=3, survey_key="three"))
    assert decision.rule.survey_key == "three"


def test_active_dates_bound_the_rule() -> None:
    rule = spec(active_from=NOW - dt.timedelta(days=1), active_until=NOW + dt.timedelta(seconds=1))
    assert decide(facts(), rule).invites is True


# --- each suppression reason ------------------------------------------------------------------


def test_opted_out_respondent_is_never_invited() -> None:
    decision = decide(facts(respondent_opted_out=True), spec())
    assert (decision.invites, decision.reason) == (False, "opted_out")


@pytest.mark.parametrize(
    ("occurred_at", "reason"),
    [
        (NOW - dt.timedelta(hours=72), ""),
        (NOW - dt.timedelta(hours=72, seconds=1), "stale_event"),
    ],
)
def test_events_older_than_the_maximum_age_are_stale(occurred_at, reason) -> None:
    decision = decide(facts(occurred_at=occurred_at), spec(max_event_age_hours=72))
    assert decision.reason == reason


def test_stale_detail_gives_the_age() -> None:
    decision = decide(facts(occurred_at=NOW - dt.timedelta(hours=80)), spec(max_event_age_hours=72))
    assert decision.detail == {"age_hours": 80.0, "max_event_age_hours": 72}


@pytest.mark.parametrize(
    ("channels", "has_email", "has_phone", "expected"),
    [
        (("sms", "email"), True, True, ("sms", ("sms", "email"))),
        (("sms", "email"), True, False, ("email", ("email",))),
        (("sms", "email", "link"), False, False, ("link", ("link",))),
        (("email",), False, True, None),
        (("sms", "email"), False, False, None),
        (("webhook",), False, False, ("webhook", ("webhook",))),
    ],
)
def test_channel_order_picks_the_first_reachable_and_keeps_the_rest(
    channels, has_email, has_phone, expected
) -> None:
    # given a rule's channel order and the respondent's contact points
    decision = decide(facts(has_email=has_email, has_phone=has_phone), spec(channels=channels))
    # then the first reachable channel, the reachable rest as fallbacks; or no_contact
    if expected is None:
        assert (decision.reason, decision.detail) == ("no_contact", {"channels": list(channels)})
    else:
        assert (decision.channel, decision.channels) == expected


def _past(days: float, survey_id: int = 10, family: str = "delivery") -> PastInvitation:
    return PastInvitation(due_at=NOW - dt.timedelta(days=days), survey_id=survey_id, survey_family=family)


@pytest.mark.parametrize(
    ("scope", "past", "reason"),
    [
        ("all", _past(3, survey_id=99, family="merchant"), "fatigue"),
        ("all", _past(14), ""),  # exactly fatigue_days ago: allowed again
        ("all", _past(13.9), "fatigue"),
        ("family", _past(3, survey_id=99, family="delivery"), "fatigue"),
        ("family", _past(3, survey_id=99, family="support"), ""),
        ("survey", _past(3, survey_id=10), "fatigue"),
        ("survey", _past(3, survey_id=99, family="delivery"), ""),
    ],
)
def test_fatigue_limits_one_invitation_per_window_in_its_scope(scope, past, reason) -> None:
    # given an earlier invitation and a rule with a 14-day fatigue window
    rule = spec(fatigue_days=14, fatigue_scope=scope)
    # when a new event comes
    decision = decide(facts(), rule, history=[past])
    # then
    assert decision.reason == reason


def test_fatigue_of_zero_days_never_suppresses() -> None:
    assert decide(facts(), spec(fatigue_days=0), history=[_past(0)]).invites is True


def test_quota_full_when_the_segment_reached_its_daily_maximum() -> None:
    # given 5 invitations for scenario=night on May 1st (Shanghai) and a maximum of 5
    rule = spec(quota_attribute="scenario", quota_max_per_day=5)
    counts = {(1, dt.date(2026, 5, 1), "night"): 5}
    # when decided
    decision = decide(facts(), rule, counts=counts)
    # then
    assert decision.reason == "quota_full"
    assert decision.detail == {
        "attribute": "scenario",
        "value": "night",
        "day": "2026-05-01",
        "quota_max_per_day": 5,
    }


def test_quota_counts_per_local_day_and_per_value() -> None:
    rule = spec(quota_attribute="scenario", quota_max_per_day=5)
    counts = {(1, dt.date(2026, 4, 30), "night"): 5, (1, dt.date(2026, 5, 1), "rain"): 5}
    decision = decide(facts(), rule, counts=counts)
    assert decision.invites is True
    assert decision.quota_key == (1, dt.date(2026, 5, 1), "night")


def test_quota_day_is_the_respondents_local_day() -> None:
    # 2026-04-30 23:30 UTC is May 1st in Shanghai, still April 30th in Sao Paulo
    at = dt.datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
    rule = spec(quota_attribute="scenario", quota_max_per_day=5)
    shanghai = decide(facts(occurred_at=at), rule, now=at)
    sao_paulo = decide(facts(occurred_at=at, respondent_timezone="America/Sao_Paulo"), rule, now=at)
    assert shanghai.quota_key[1] == dt.date(2026, 5, 1)
    assert sao_paulo.quota_key[1] == dt.date(2026, 4, 30)


@pytest.mark.parametrize(
    ("external_id", "invites"),
    [("e-1", False), ("e-2", True), ("e-3", False), ("e-4", True), ("e-8", False)],
)
def test_sampling_is_deterministic_per_event(external_id, invites) -> None:
    # given a 50 % sample; the draws of e-1..e-4, e-8 are 0.851, 0.059, 0.692, 0.026, 0.999
    rule = spec(sampling_rate=0.5)
    # when the same event is decided twice
    first = decide(facts(external_id=external_id), rule)
    again = decide(facts(external_id=external_id), rule)
    # then it is drawn the same way both times
    assert first.invites is invites
    assert again.invites is invites
    assert first.reason == ("" if invites else "sampled_out")


def test_sample_draw_is_a_fixed_hash_of_source_and_external_id() -> None:
    assert round(sample_draw("order-platform", "e-1"), 6) == 0.851325
    assert sample_draw("order-platform", "e-1") != sample_draw("merchant-platform", "e-1")


def test_a_segment_below_its_daily_minimum_bypasses_sampling() -> None:
    # given a 0 % sample but at least 2 night invitations a day, 1 made so far
    rule = spec(sampling_rate=0.0, quota_attribute="scenario", quota_min_per_day=2)
    below = decide(facts(), rule, counts={(1, dt.date(2026, 5, 1), "night"): 1})
    reached = decide(facts(), rule, counts={(1, dt.date(2026, 5, 1), "night"): 2})
    # then the rare segment is still invited until its minimum is met
    assert (below.invites, below.detail) == (True, {"sampling_bypassed": True})
    assert reached.reason == "sampled_out"


# --- timing ----------------------------------------------------------------------------------


def test_due_after_the_delay_and_expiring_after_the_link_lifetime() -> None:
    decision = decide(facts(), spec(delay_minutes=30, link_expiry_hours=168))
    assert decision.due_at == dt.datetime(2026, 5, 1, 4, 30, tzinfo=UTC)
    assert decision.expires_at == dt.datetime(2026, 5, 8, 4, 30, tzinfo=UTC)
    assert decision.deferred_reason == ""


def test_a_delay_already_past_is_due_now() -> None:
    decision = decide(facts(occurred_at=NOW - dt.timedelta(hours=2)), spec(delay_minutes=30))
    assert decision.due_at == NOW


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "start", "end", "due", "expected", "deferred"),
    [
        # Shanghai (UTC+8), a window across midnight: 22:00 local -> 09:00 next day
        ("Asia/Shanghai", "21:00", "09:00", "2026-05-01T22:00+08:00", "2026-05-02T09:00+08:00", True),
        # ... and after midnight: 00:30 local -> 09:00 the same day
        ("Asia/Shanghai", "21:00", "09:00", "2026-05-02T00:30+08:00", "2026-05-02T09:00+08:00", True),
        ("Asia/Shanghai", "21:00", "09:00", "2026-05-01T09:00+08:00", "2026-05-01T09:00+08:00", False),
        ("Asia/Shanghai", "21:00", "09:00", "2026-05-01T21:00+08:00", "2026-05-02T09:00+08:00", True),
        ("Asia/Shanghai", "21:00", "09:00", "2026-05-01T20:59+08:00", "2026-05-01T20:59+08:00", False),
        # Hong Kong (UTC+8)
        ("Asia/Hong_Kong", "22:00", "08:00", "2026-05-01T23:30+08:00", "2026-05-02T08:00+08:00", True),
        # Riyadh (UTC+3, no DST)
        ("Asia/Riyadh", "21:00", "09:00", "2026-05-01T22:00+03:00", "2026-05-02T09:00+03:00", True),
        ("Asia/Riyadh", "12:00", "14:00", "2026-05-01T13:30+03:00", "2026-05-01T14:00+03:00", True),
        ("Asia/Riyadh", "12:00", "14:00", "2026-05-01T14:00+03:00", "2026-05-01T14:00+03:00", False),
        # Sao Paulo (UTC-3, no DST since 2019): 22:00 local is 01:00 UTC the next day
        ("America/Sao_Paulo", "21:00", "09:00", "2026-05-01T22:00-03:00", "2026-05-02T09:00-03:00", True),
        ("America/Sao_Paulo", "21:00", "09:00", "2026-11-01T06:00-03:00", "2026-11-01T09:00-03:00", True),
        # London, the night clocks go forward (01:00 GMT -> 02:00 BST): 09:00 BST is 08:00 UTC
        ("Europe/London", "21:00", "09:00", "2026-03-28T23:00+00:00", "2026-03-29T09:00+01:00", True),
    ],
)
def test_quiet_hours_defer_to_the_next_allowed_local_time(zone, start, end, due, expected, deferred) -> None:
    # given a due time inside or outside the quiet window in the respondent's zone
    tz = zoneinfo.ZoneInfo(zone)
    # when deferred
    result, was_deferred = quiet_hours_defer(
        _utc(due), tz=tz, start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end)
    )
    # then it moves to the window's end, local time, never dropped
    assert result == _utc(expected)
    assert was_deferred is deferred


@pytest.mark.parametrize(
    ("zone", "deferred_until"),
    [
        ("Asia/Shanghai", "2026-05-02T01:00+00:00"),  # 21:30 local: quiet until 09:00
        ("Asia/Hong_Kong", "2026-05-02T01:00+00:00"),
        ("Asia/Riyadh", None),  # 16:30 local
        ("America/Sao_Paulo", None),  # 10:30 local
    ],
)
def test_one_instant_is_quiet_in_some_zones_only(zone, deferred_until) -> None:
    # given an event due at 13:30 UTC and quiet hours 21:00-09:00
    at = dt.datetime(2026, 5, 1, 13, 30, tzinfo=UTC)
    rule = spec(quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(9))
    # when decided for respondents living in different zones
    decision = decide(facts(occurred_at=at, respondent_timezone=zone), rule, now=at)
    # then only those in their night are deferred
    if deferred_until is None:
        assert (decision.due_at, decision.deferred_reason) == (at, "")
    else:
        assert (decision.due_at, decision.deferred_reason) == (_utc(deferred_until), "quiet_hours")
        assert decision.expires_at == _utc(deferred_until) + dt.timedelta(hours=168)


@pytest.mark.parametrize("zone", ["Asia/Riyadh", "America/Sao_Paulo", ""])
def test_a_rule_with_a_quiet_hours_zone_defers_everybody_by_that_clock(zone) -> None:
    # given quiet hours 21:00-09:00 in Shanghai time, and an event due at 13:30 UTC (21:30 there)
    at = dt.datetime(2026, 5, 1, 13, 30, tzinfo=UTC)
    rule = spec(
        quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(9), quiet_hours_timezone="Asia/Shanghai"
    )
    # when decided for respondents in zones where it is day (or unknown)
    decision = decide(facts(occurred_at=at, respondent_timezone=zone), rule, now=at)
    # then every one of them waits until 09:00 Shanghai
    assert (decision.due_at, decision.deferred_reason) == (_utc("2026-05-02T01:00+00:00"), "quiet_hours")


# --- recorded through the ingest service ---------------------------------------------------------


pytestmark = pytest.mark.django_db


def _ingest(*items, now=NOW):
    return [result.as_dict() for result in events_ingest(source_system=None, items=list(items), now=now)]


def test_an_invitation_is_recorded_with_its_frozen_context() -> None:
    # given a rule sending by SMS then email, 30 minutes after delivery
    rule = DistributionRuleFactory(channels=["sms", "email"], delay_minutes=30, reminder_count=2)
    # when an event for a respondent with a phone and an email arrives
    results = _ingest(
        event(
            respondent={
                "type": "customer",
                "ref": "c-1",
                "phone": "13812345678",
                "email": "li.wei@example.com",
                "locale": "en",
            },
            attributes={"city": "上海", "district_type": "office"},
        )
    )
    # then one invitation, scheduled, with the context frozen
    assert results == [
        {
            "external_id": "e-1",
            "status": "accepted",
            "invitations": [{"survey": rule.survey.key, "status": "scheduled"}],
        }
    ]
    invitation = Invitation.objects.get()
    assert invitation.channel == "sms"
    assert invitation.channels == ["sms", "email"]
    assert invitation.due_at == dt.datetime(2026, 5, 1, 4, 30, tzinfo=UTC)
    assert invitation.expires_at == dt.datetime(2026, 5, 8, 4, 30, tzinfo=UTC)
    assert invitation.locale == "en"
    assert invitation.rule == rule
    assert invitation.survey_version == rule.survey.versions.get()
    assert invitation.context == {
        "event": {
            "source": "order-platform",
            "external_id": "e-1",
            "type": "order.delivered",
            "occurred_at": "2026-05-01T04:00:00+00:00",
        },
        "attributes": {"city": "上海", "district_type": "office"},
        "respondent": {"type": "customer", "ref": "c-1"},
        "locale": "en",
        "timezone": "Asia/Shanghai",
        "survey": {"key": rule.survey.key, "version_id": invitation.survey_version_id},
        "rule": {
            "id": rule.id,
            "name": rule.name,
            "channels": ["sms", "email"],
            "reminder_count": 2,
            "reminder_after_hours": 48,
            "link_expiry_hours": 168,
        },
    }
    assert Suppression.objects.count() == 0


def test_the_context_is_not_overwritten_by_later_events() -> None:
    # given an invitation made from an event with locale en
    DistributionRuleFactory()
    _ingest(event("e-1", respondent={"type": "customer", "ref": "c-1", "locale": "en"}))
    # when a newer event changes the respondent's locale
    _ingest(event("e-2", respondent={"type": "customer", "ref": "c-1", "locale": "zh-hans"}))
    # then the first invitation keeps what it was made with
    first = Invitation.objects.get(event__external_id="e-1")
    assert (first.locale, first.context["locale"]) == ("en", "en")
    assert Respondent.objects.get().locale == "zh-hans"


@pytest.mark.parametrize(
    ("rule_kwargs", "item", "reason", "survey_recorded"),
    [
        ({"event_types": ["ticket.closed"]}, event(), "no_rule", False),
        ({"is_active": False}, event(), "inactive_rule", True),
        ({}, event(occurred_at="2026-04-27T12:00:00+08:00"), "stale_event", True),
        ({"channels": ["email"]}, event(), "no_contact", True),
        ({"sampling_rate": 0.0}, event("e-1"), "sampled_out", True),
    ],
)
def test_each_suppression_is_recorded_with_its_reason(rule_kwargs, item, reason, survey_recorded) -> None:
    # given a rule
    rule = DistributionRuleFactory(**rule_kwargs)
    # when an event it suppresses arrives
    results = _ingest(item)
    # then a Suppression row says why, and the API answer too
    suppression = Suppression.objects.get()
    assert suppression.reason == reason
    assert suppression.event == ServiceEvent.objects.get()
    assert suppression.survey_id == (rule.survey_id if survey_recorded else None)
    assert results[0]["invitations"] == [
        {"survey": rule.survey.key if survey_recorded else None, "status": "suppressed", "reason": reason}
    ]
    assert Invitation.objects.count() == 0


def test_opted_out_respondents_are_suppressed() -> None:
    DistributionRuleFactory()
    respondent = Respondent.objects.create(type="customer", ref="c-1")
    respondent_opt_out(respondent=respondent, now=NOW)
    _ingest(event())
    assert Suppression.objects.get().reason == "opted_out"
    assert Invitation.objects.count() == 0


def test_fatigue_across_events_and_batches_of_one_respondent() -> None:
    # given a 14-day fatigue over all surveys, and two rules for two surveys
    DistributionRuleFactory(fatigue_days=14, event_types=["order.delivered"])
    DistributionRuleFactory(
        fatigue_days=14, event_types=["ticket.closed"], survey=published_survey(family="support")
    )
    # when two events of one respondent arrive in one batch, then a third a day later
    first = _ingest(event("e-1"), event("e-2", type="ticket.closed"))
    later = _ingest(event("e-3", occurred_at="2026-05-02T12:00:00+08:00"), now=NOW + dt.timedelta(days=1))
    # then only the first is invited
    assert [r["invitations"][0]["status"] for r in first + later] == ["scheduled", "suppressed", "suppressed"]
    assert list(Suppression.objects.values_list("reason", flat=True)) == ["fatigue", "fatigue"]


def test_fatigue_is_per_respondent_type() -> None:
    # given rules for customers and riders with fatigue, and one ref used by both types
    DistributionRuleFactory(fatigue_days=14)
    DistributionRuleFactory(
        fatigue_days=14, audience=Audience.RIDER, survey=published_survey(audience="rider")
    )
    # when a customer and a rider with the same ref get events
    _ingest(event("e-1"), event("e-2", respondent={"type": "rider", "ref": "c-1"}))
    # then both are invited: they are different respondents
    assert Invitation.objects.count() == 2


def test_daily_quota_stops_at_the_maximum_and_counts_in_the_database() -> None:
    # given at most 2 invitations per scenario value per day
    rule = DistributionRuleFactory(quota_attribute="scenario", quota_max_per_day=2)
    # when 3 night events and 1 rain event arrive (different respondents), across two batches
    night = {"scenario": "night"}
    _ingest(
        event("e-1", respondent={"type": "customer", "ref": "c-1"}, attributes=night),
        event("e-2", respondent={"type": "customer", "ref": "c-2"}, attributes=night),
    )
    results = _ingest(
        event("e-3", respondent={"type": "customer", "ref": "c-3"}, attributes=night),
        event("e-4", respondent={"type": "customer", "ref": "c-4"}, attributes={"scenario": "rain"}),
    )
    # then the third night event is quota_full; rain has its own count
    assert [r["invitations"][0]["status"] for r in results] == ["suppressed", "scheduled"]
    assert results[0]["invitations"][0]["reason"] == "quota_full"
    assert sorted(QuotaCounter.objects.values_list("rule_id", "day", "value", "count")) == [
        (rule.id, dt.date(2026, 5, 1), "night", 2),
        (rule.id, dt.date(2026, 5, 1), "rain", 1),
    ]


def test_stratified_minimum_lets_rare_segments_through_a_zero_sample() -> None:
    # given a 0 % sample with at least 2 residential invitations a day
    DistributionRuleFactory(sampling_rate=0.0, quota_attribute="district_type", quota_min_per_day=2)
    residential = {"district_type": "residential"}
    # when 3 residential and 1 office events arrive
    results = _ingest(
        *[
            event(f"e-{n}", respondent={"type": "customer", "ref": f"c-{n}"}, attributes=residential)
            for n in (1, 2, 3)
        ],
        event("e-4", respondent={"type": "customer", "ref": "c-4"}, attributes={"district_type": "office"}),
    )
    # then the first two residential ones bypass sampling (office has a minimum too: 2)
    assert [r["invitations"][0]["status"] for r in results] == [
        "scheduled",
        "scheduled",
        "suppressed",
        "scheduled",
    ]
    assert Invitation.objects.filter(context__sampling_bypassed=True).count() == 3


def test_quiet_hours_are_recorded_as_a_deferral() -> None:
    # given quiet hours 21:00-09:00 and a respondent in Riyadh; the event is at 23:00 Riyadh
    DistributionRuleFactory(quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(9))
    at = dt.datetime(2026, 5, 1, 20, 0, tzinfo=UTC)
    results = _ingest(
        event(
            occurred_at="2026-05-01T23:00:00+03:00",
            respondent={"type": "customer", "ref": "r", "timezone": "Asia/Riyadh"},
        ),
        now=at,
    )
    # then the invitation is scheduled for 09:00 Riyadh the next morning
    invitation = Invitation.objects.get()
    assert invitation.due_at == dt.datetime(2026, 5, 2, 6, 0, tzinfo=UTC)
    assert invitation.deferred_reason == "quiet_hours"
    assert results[0]["invitations"][0]["reason"] == "quiet_hours"


def test_link_only_channel_returns_the_link() -> None:
    rule = DistributionRuleFactory(channels=["link"])
    results = _ingest(event())
    link = results[0]["invitations"][0]["link"]
    assert link.startswith("http://127.0.0.1:8000/s/")
    assert results[0]["invitations"][0] == {"survey": rule.survey.key, "status": "scheduled", "link": link}


def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(django_assert_max_num_queries) -> None:
    # given a rule with fatigue and quotas (the most expensive path)
    DistributionRuleFactory(fatigue_days=14, quota_attribute="scenario", quota_max_per_day=1000)
    small = [event(f"s-{n}", respondent={"type": "customer", "ref": f"s-{n}"}) for n in range(5)]
    large = [event(f"l-{n}", respondent={"type": "customer", "ref": f"l-{n}"}) for n in range(60)]
    # when a batch of 5 and one of 60 are ingested, then both fit in the same query budget
    with django_assert_max_num_queries(16):
        _ingest(*small)
    with django_assert_max_num_queries(16):
        _ingest(*large)
    assert Invitation.objects.count() == 65


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


def _in_parallel(*batches) -> list:
    barrier = threading.Barrier(len(batches))
    results: list = [None] * len(batches)
    failures: list = []

    def run(index: int, items: list) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = [r.as_dict() for r in events_ingest(source_system=None, items=items, now=NOW)]
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, items)) for i, items in enumerate(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_event_create_it_once(postgres) -> None:
    # given a rule, and the same event posted twice at the same moment
    DistributionRuleFactory()
    # when both requests run in parallel
    results = _in_parallel([event("e-1")], [event("e-1")])
    # then one event, one invitation; one answer accepted, the other duplicate
    assert sorted(r[0]["status"] for r in results) == ["accepted", "duplicate"]
    assert ServiceEvent.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert Respondent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fatigue_holds_for_parallel_events_of_one_respondent(postgres) -> None:
    # given a 14-day fatigue, and two different events of one respondent posted at once
    DistributionRuleFactory(fatigue_days=14)
    # when both are ingested in parallel
    _in_parallel([event("e-1")], [event("e-2")])
    # then the respondent row lock serialised them: one invitation, one fatigue
    assert Invitation.objects.count() == 1
    assert list(Suppression.objects.values_list("reason", flat=True)) == ["fatigue"]


@pytest.mark.django_db(transaction=True)
def test_fatigue_holds_for_parallel_events_of_a_known_respondent(postgres) -> None:
    # given a 14-day fatigue, a respondent known from an event that no rule matched, and two
    # different events of that respondent posted at once
    DistributionRuleFactory(fatigue_days=14)
    events_ingest(source_system=None, items=[event("e-0", type="ticket.closed")], now=NOW)
    # when both are ingested in parallel
    _in_parallel([event("e-1")], [event("e-2")])
    # then the row lock taken on the known respondent serialised them: one invitation, one fatigue
    assert Respondent.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert sorted(Suppression.objects.values_list("reason", flat=True)) == ["fatigue", "no_rule"]


@pytest.mark.django_db(transaction=True)
def test_quota_holds_for_parallel_batches(postgres) -> None:
    # given at most 3 night invitations a day, and two batches of 3 night events at once
    DistributionRuleFactory(quota_attribute="scenario", quota_max_per_day=3)
    night = {"scenario": "night"}
    first = [
        event(f"a-{n}", respondent={"type": "customer", "ref": f"a-{n}"}, attributes=night) for n in range(3)
    ]
    second = [
        event(f"b-{n}", respondent={"type": "customer", "ref": f"b-{n}"}, attributes=night) for n in range(3)
    ]
    # when ingested in parallel
    _in_parallel(first, second)
    # then exactly 3 invitations and 3 quota_full
    assert Invitation.objects.count() == 3
    assert Suppression.objects.filter(reason="quota_full").count() == 3
    assert QuotaCounter.objects.get().count == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_batches_touching_the_same_respondents_in_opposite_orders_never_deadlock(postgres) -> None:
    # given a rule with quotas, and respondents some known and some new
    DistributionRuleFactory(quota_attribute="scenario", quota_max_per_day=1000)
    _ingest(*[event(f"seed-{n}", respondent={"type": "customer", "ref": f"c-{n}"}) for n in range(0, 20, 2)])
    refs = [f"c-{n}" for n in range(20)]
    for round_ in range(3):
        forward = [
            event(
                f"f{round_}-{ref}",
                respondent={"type": "customer", "ref": ref},
                attributes={"scenario": ref[-1]},
            )
            for ref in refs
        ]
        backward = [
            event(
                f"b{round_}-{ref}",
                respondent={"type": "customer", "ref": ref},
                attributes={"scenario": ref[-1]},
            )
            for ref in reversed(refs)
        ]
        # when two batches lock the same rows listed in opposite orders, at once
        results = _in_parallel(forward, backward)
        # then both complete (a deadlock would raise in one of them)
        assert [len(r) for r in results] == [20, 20]
    assert ServiceEvent.objects.count() == 10 + 3 * 40
    assert Respondent.objects.count() == 20
