"""A new case posted to the assignee's and the team's webhooks (a loopback server stands in for
the chat tool), signed as the respondents' webhooks are, besides the mail."""

import datetime as dt
import json

import pytest

from cases.models import StaffProfile
from cases.services import response_rules_evaluate
from responses.channels.webhook import webhook_verify
from tests.cases.factories import BASE, analysed_survey, answered, rule, team
from tests.responses.loopback import loopback_provider

pytestmark = pytest.mark.django_db
NOW = BASE + dt.timedelta(hours=1)


@pytest.fixture
def version():
    _survey, version = analysed_survey()
    return version


@pytest.fixture
def provider(settings):
    settings.WEBHOOK_SECRET = "case-secret"
    settings.SITE_URL = "https://voc.example"
    with loopback_provider() as provider:
        yield provider


def test_a_new_case_is_posted_to_the_assignees_and_the_teams_webhooks(
    version, provider, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # given a team with a chat webhook and a lead with one of their own
    ops = team()
    ops.webhook_url = f"{provider.url}/team"
    ops.save(update_fields=["webhook_url"])
    StaffProfile.objects.create(user=ops.lead, locale="en", webhook_url=f"{provider.url}/lead")
    rule("r", "detractor", team=ops)
    response = answered(version, nps=0)

    # when a case opens for the lead
    with django_capture_on_commit_callbacks(execute=True):
        (case,) = response_rules_evaluate(response_id=response.pk, now=NOW)

    # then both webhooks get the case, signed, and the mail still goes
    assert [r.path for r in provider.requests] == ["/lead", "/team"]
    first = provider.requests[0]
    body = json.loads(first.body)
    assert body["type"] == "case.assigned"
    assert body["case"] == {
        "id": case.pk,
        "status": "open",
        "rule": "r",
        "rule_name": {"zh-hans": "规则 r", "en": "Rule r"},
        "team": "delivery_ops",
        "assignee": "delivery_ops-lead",
        "due_at": "2026-05-05T05:00:00+00:00",
        "link": f"https://voc.example/admin/cases/case/{case.pk}/change/",
    }
    assert webhook_verify(
        first.body,
        signature=first.headers["X-Signature-256"],
        timestamp=first.headers["X-Webhook-Timestamp"],
        secret="case-secret",
    )
    assert first.headers["X-Webhook-Id"] == body["id"]
    assert len(mailoutbox) == 1


def test_a_failing_webhook_is_logged_and_the_others_still_go(
    version, provider, mailoutbox, django_capture_on_commit_callbacks, caplog
) -> None:
    ops = team()
    ops.webhook_url = f"{provider.url}/team"
    ops.save(update_fields=["webhook_url"])
    StaffProfile.objects.create(user=ops.lead, webhook_url=f"{provider.url}/lead")
    provider.plan.append((500, b"down", 0.0))
    rule("r", "detractor", team=ops)
    response = answered(version, nps=0)

    with django_capture_on_commit_callbacks(execute=True):
        response_rules_evaluate(response_id=response.pk, now=NOW)

    assert [r.path for r in provider.requests] == ["/lead", "/team"]
    assert "the webhook" in caplog.text and "HTTP 500" in caplog.text
    assert len(mailoutbox) == 1


def test_without_a_webhook_url_only_the_mail_goes(
    version, provider, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    rule("r", "detractor", team=team())
    response = answered(version, nps=0)

    with django_capture_on_commit_callbacks(execute=True):
        response_rules_evaluate(response_id=response.pk, now=NOW)

    assert provider.requests == []
    assert len(mailoutbox) == 1
