"""The distribution demo shows every kind of decision and is safe to load twice."""

import io

import pytest
from django.core.management import call_command

from responses.demo import DEMO_API_KEY
from responses.models import Invitation, ServiceEvent, Suppression
from responses.services.sources import source_system_authenticate
from tests.responses.factories import published_survey

pytestmark = pytest.mark.django_db


def test_the_demo_records_invitations_and_each_suppression_reason(settings, tmp_path) -> None:
    settings.EXPORTS_ROOT = tmp_path / "exports"  # the demo's export file
    # given the starter after-delivery survey, published
    published_survey(key="customer-after-delivery")
    out = io.StringIO()
    # when the demo is loaded twice
    call_command("demo_load", stdout=out)
    call_command("demo_load", stdout=io.StringIO())
    # then the API key works, and events show invitations and reasons, once
    assert f"API key: {DEMO_API_KEY}" in out.getvalue()
    assert source_system_authenticate(key=DEMO_API_KEY).name == "order-platform"
    # (14 from the order platform, besides the story's own orders, "story-order-N"; the
    # respondent-page demo adds its own event under source "demo")
    demo = {"event__source": "order-platform", "event__external_id__startswith": "demo-order-"}
    assert (
        ServiceEvent.objects.filter(source="order-platform", external_id__startswith="demo-order-").count()
        == 14
    )
    assert ServiceEvent.objects.filter(source="demo").count() == 1
    reasons = set(Suppression.objects.filter(**demo).values_list("reason", flat=True))
    assert {"fatigue", "stale_event", "opted_out", "no_contact", "no_rule", "sampled_out"} <= reasons
    assert Invitation.objects.filter(**demo).count() >= 3
    assert Invitation.objects.filter(deferred_reason="quiet_hours", **demo).count() == 1
