"""The dry run (``POST /api/v1/rules/dry-run/`` and the admin page): which rule and decision an
event would get, from the same engine as ingestion, writing nothing in any table.

The clock of the dry run is frozen at NOW (2026-05-01 12:10 in Shanghai).
"""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from responses.distribution.ingestion import events_ingest
from responses.distribution.rules import sample_draw
from responses.models import Invitation, Respondent, ServiceEvent, Suppression
from responses.services.respondents import respondent_opt_out
from tests.factories import UserFactory
from tests.responses.factories import NOW, DistributionRuleFactory, event

pytestmark = pytest.mark.django_db

URL = "/api/v1/rules/dry-run/"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY|TRUNCATE|CREATE|ALTER|DROP)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch) -> None:
    monkeypatch.setattr("responses.distribution.dry_run.timezone", SimpleNamespace(now=lambda: NOW))


@pytest.fixture
def designer() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(username="designer", groups=["survey_designers"]))
    return client


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def dry_run(client: APIClient, body, **headers):
    """Post the body; assert no statement wrote and no table changed."""
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, body, format="json", **headers)
    assert [q["sql"][:60] for q in queries.captured_queries if WRITE.match(q["sql"])] == []
    assert row_counts() == before
    return response


def test_a_matching_event_is_scheduled_with_the_send_time(designer) -> None:
    # given a rule sending 30 minutes after delivery, by SMS then email
    rule = DistributionRuleFactory(
        name="after delivery", priority=10, delay_minutes=30, channels=["sms", "email"]
    )
    body = event(
        respondent={"type": "customer", "ref": "c-1", "phone": "13812345678", "timezone": "Asia/Shanghai"}
    )
    # when tried
    response = dry_run(designer, body)
    # then the rule, the send time (12:00 + 30 min Shanghai), the channel and fallback
    assert response.status_code == 200
    assert response.json() == {
        "decision": "scheduled",
        "rule": {"id": rule.pk, "name": "after delivery", "priority": 10, "survey": rule.survey.key},
        "reason": None,
        "message": (
            f"Rule after delivery would invite to {rule.survey.key} by sms at 2026-05-01 12:30 "
            "(Asia/Shanghai), 2026-05-01 04:30 UTC."
        ),
        "detail": {},
        "send_at": "2026-05-01T12:30:00+08:00",
        "deferred_reason": "",
        "expires_at": "2026-05-08T12:30:00+08:00",
        "channel": "sms",
        "channels": ["sms"],
        "respondent_known": False,
        "matched_rules": [
            {"id": rule.pk, "name": "after delivery", "priority": 10, "survey": rule.survey.key, "live": True}
        ],
    }


def test_quiet_hours_move_the_send_time_and_say_so(designer) -> None:
    # given quiet hours 12:00-14:00 in Shanghai time, whatever the respondent's zone
    DistributionRuleFactory(
        quiet_hours_start=dt.time(12), quiet_hours_end=dt.time(14), quiet_hours_timezone="Asia/Shanghai"
    )
    body = event(respondent={"type": "customer", "ref": "c-1", "timezone": "Europe/London"})
    # when tried at 12:10 Shanghai
    body = dry_run(designer, body).json()
    # then it is sent at 14:00 Shanghai (06:00 UTC, 07:00 in London)
    assert body["decision"] == "scheduled"
    assert body["send_at"] == "2026-05-01T14:00:00+08:00"
    assert body["deferred_reason"] == "quiet_hours"
    assert body["message"].endswith(
        "at 2026-05-01 07:00 (Europe/London), 2026-05-01 06:00 UTC. "
        "Deferred out of the quiet hours 12:00–14:00."
    )


def test_sampled_out_gives_the_draw_and_the_rate(designer) -> None:
    rule = DistributionRuleFactory(name="half", sampling_rate=0.5)
    external_id = next(f"e-{n}" for n in range(100) if sample_draw("order-platform", f"e-{n}") >= 0.5)
    draw = round(sample_draw("order-platform", external_id), 6)
    body = dry_run(designer, event(external_id)).json()
    assert (body["decision"], body["reason"]) == ("suppressed", "sampled_out")
    assert body["rule"]["id"] == rule.pk
    assert body["detail"] == {"draw": draw, "sampling_rate": 0.5}
    assert body["message"] == f"The event drew {draw}; rule half samples 0.5 of events."
    assert (body["send_at"], body["channel"]) == (None, "")


def test_fatigue_names_the_other_invitation(designer) -> None:
    # given a 14-day fatigue and an invitation made for this customer by an earlier event
    DistributionRuleFactory(fatigue_days=14)
    events_ingest(source_system=None, items=[event("e-0")], now=NOW)
    due = Invitation.objects.get().due_at
    # when another event of the same customer is tried
    body = dry_run(designer, event("e-1"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    # then fatigue, with the window and the other invitation's time, in Chinese
    assert (body["decision"], body["reason"], body["respondent_known"]) == ("suppressed", "fatigue", True)
    assert body["detail"] == {
        "fatigue_days": 14,
        "fatigue_scope": "all",
        "other_invitation_due_at": due.isoformat(),
    }
    assert body["message"] == f"另一份邀请计划于 {due.isoformat()} 发送，在 14 天之内（范围：all）。"


def test_no_rule(designer) -> None:
    DistributionRuleFactory(event_types=["ticket.closed"])
    body = dry_run(designer, event()).json()
    assert (body["decision"], body["reason"], body["rule"], body["matched_rules"]) == (
        "suppressed",
        "no_rule",
        None,
        [],
    )
    assert body["message"] == "No rule matches event type order.delivered from order-platform for a customer."


def test_an_opted_out_respondent_is_seen_without_being_written(designer) -> None:
    DistributionRuleFactory()
    respondent_opt_out(respondent=Respondent.objects.create(type="customer", ref="c-1"), now=NOW)
    body = dry_run(designer, event()).json()
    assert (body["reason"], body["respondent_known"]) == ("opted_out", True)


def test_an_inactive_rule_is_listed_as_not_live(designer) -> None:
    rule = DistributionRuleFactory(is_active=False, name="off")
    body = dry_run(designer, event()).json()
    assert body["reason"] == "inactive_rule"
    assert body["matched_rules"] == [
        {"id": rule.pk, "name": "off", "priority": 100, "survey": rule.survey.key, "live": False}
    ]


def test_a_stored_event_is_a_duplicate(designer) -> None:
    DistributionRuleFactory()
    events_ingest(source_system=None, items=[event("e-1")], now=NOW)
    body = dry_run(designer, event("e-1")).json()
    assert (body["decision"], body["reason"], body["send_at"]) == ("duplicate", None, None)
    assert body["message"] == (
        "This event (order-platform, e-1) is already stored: the events API would answer duplicate "
        "and change nothing."
    )


def test_the_winner_of_overlapping_rules_is_the_older_one(designer) -> None:
    older = DistributionRuleFactory(name="older", priority=5)
    newer = DistributionRuleFactory(name="newer", priority=5)
    body = dry_run(designer, event()).json()
    assert body["rule"]["id"] == older.pk
    assert [rule["id"] for rule in body["matched_rules"]] == [older.pk, newer.pk]


@pytest.mark.parametrize(
    ("changes", "field", "code", "message"),
    [
        ({"type": "Order Delivered"}, "type", "invalid", None),
        ({"occurred_at": "2026-05-01T12:00:00"}, "occurred_at", "datetime_without_offset", None),
        (
            {"respondent": {"type": "customer", "ref": "c-1", "email": "nope"}},
            "respondent.email",
            "invalid_email",
            None,
        ),
        ({"respondent": {"type": "alien", "ref": "c-1"}}, "respondent.type", "unknown_respondent_type", None),
    ],
)
def test_an_invalid_event_is_a_400_naming_the_field(designer, changes, field, code, message) -> None:
    response = dry_run(designer, {**event(), **changes})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == (code, "The event is not valid: see details for each field.")
    assert list(body["details"]) == [field]
    assert [item["code"] for item in body["details"][field]] == [code]


def test_an_invalid_event_is_named_in_chinese(designer) -> None:
    response = dry_run(designer, {**event(), "source": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["message"] == "事件无效：请查看每个字段的详情。"
    assert response.json()["details"]["source"][0]["code"] == "required"


@pytest.mark.parametrize("body", [{"events": [event()]}, [event()], {}])
def test_only_one_event_object_is_taken(designer, body) -> None:
    response = dry_run(designer, body)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_body",
        "message": "Send one event object, as for the events API.",
        "details": {},
    }


@pytest.mark.parametrize(
    ("group", "status"), [("survey_designers", 200), ("process_owners", 403), ("viewers", 403)]
)
def test_only_survey_designers_may_dry_run(group, status) -> None:
    DistributionRuleFactory()
    client = APIClient()
    client.force_authenticate(UserFactory(username=f"u-{group}", groups=[group]))
    assert dry_run(client, event()).status_code == status


def test_the_dry_run_and_ingestion_decide_alike() -> None:
    # given rules with every kind of limit, and a batch of events
    from responses.distribution.dry_run import event_dry_run

    DistributionRuleFactory(
        sampling_rate=0.5, fatigue_days=14, quota_attribute="scenario", quota_max_per_day=2, delay_minutes=30
    )
    items = [
        event(
            f"e-{n}", respondent={"type": "customer", "ref": f"c-{n % 4}"}, attributes={"scenario": "night"}
        )
        for n in range(12)
    ]
    # when each is tried, then ingested, one by one
    for item in items:
        tried = event_dry_run(item=item, now=NOW)
        (result,) = events_ingest(source_system=None, items=[item], now=NOW)
        # then the dry run said what ingestion did
        (outcome,) = result.invitations
        assert tried.status == outcome["status"], item["external_id"]
        assert (tried.decision.reason or None) == (
            outcome.get("reason") if outcome["status"] == "suppressed" else None
        )
    assert Invitation.objects.count() + Suppression.objects.count() == 12


# The admin page --------------------------------------------------------------------------------


def test_the_admin_dry_run_page_fills_an_event_and_writes_nothing(client) -> None:
    DistributionRuleFactory(name="after delivery", delay_minutes=30)
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    listing = client.get(reverse("admin:surveys_distributionrule_changelist")).content.decode()
    assert f'href="{reverse("admin:surveys_distributionrule_dry_run")}"' in listing
    before = row_counts()
    response = client.post(
        reverse("admin:surveys_distributionrule_dry_run"),
        {
            "source": "order-platform",
            "external_id": "o-1",
            "type": "order.delivered",
            "occurred_at": "2026-05-01T12:00:00+08:00",
            "respondent_type": "customer",
            "respondent_ref": "c-1",
            "respondent_timezone": "Asia/Shanghai",
            "attributes": "city=上海\ndistrict_type=office",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "would invite to" in html and "at 2026-05-01 12:30 (Asia/Shanghai)" in html
    assert ServiceEvent.objects.count() == 0
    counts = row_counts()
    # the admin's own session row is the only write a logged-in page makes
    assert {k: v for k, v in counts.items() if k != "sessions.Session"} == {
        k: v for k, v in before.items() if k != "sessions.Session"
    }


def test_the_admin_dry_run_page_names_the_wrong_field(client) -> None:
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    response = client.post(
        reverse("admin:surveys_distributionrule_dry_run"),
        {"event_json": '{"source": "order-platform", "external_id": "o-1"}'},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.context["form"].errors["event_json"] == [
        "type: type 为必填项。",
        "occurred_at: occurred_at 为必填项。",
        "respondent: respondent 为必填项。",
    ]
    pasted = client.post(reverse("admin:surveys_distributionrule_dry_run"), {"event_json": "{oops"})
    assert pasted.context["form"].errors["event_json"] == [
        "This is not JSON: Expecting property name enclosed in double quotes (line 1, column 2)."
    ]
