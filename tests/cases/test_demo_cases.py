"""The demo's alert rules and follow-up cases: every state, one overdue and escalated."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from cases.demo import demo_action_load, demo_cases_load
from cases.models import AlertRule, Case, Team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_cases_show_every_state_and_an_escalation() -> None:
    # given the published surveys, the demo users and the demo action's answers
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    UserFactory(username="owner", groups=["process_owners"])
    UserFactory(username="ops", groups=["survey_designers"])
    demo_action_load()

    # when the demo cases are loaded twice
    cases = demo_cases_load()
    again = demo_cases_load()

    # then once
    assert [c.pk for c in again] == [c.pk for c in cases]
    assert Team.objects.count() == 2
    assert AlertRule.objects.count() == 4
    by_status = Counter(Case.objects.values_list("status", flat=True))
    by_rule = Counter(Case.objects.values_list("rule__key", flat=True))
    escalated = list(Case.objects.filter(escalation_level__gt=0).values_list("status", "escalation_level"))
    assert len(cases) == 10
    assert by_status == {"open": 6, "in_progress": 2, "resolved": 1, "closed": 1}
    assert by_rule == {"demo-detractor": 7, "demo-hygiene": 1, "demo-mismatch": 1, "demo-words": 1}
    # and the planted complaint of three days ago is overdue on both its rules, escalated to the top
    assert sorted(escalated) == [("in_progress", 3), ("open", 3)]
    assert Case.objects.filter(assignee__isnull=True).count() == 0


def test_the_demo_command_loads_the_action_and_the_cases() -> None:
    # given the published surveys and the demo users
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    UserFactory(username="owner", groups=["process_owners"])
    UserFactory(username="ops", groups=["survey_designers"])
    out = io.StringIO()

    # when the command runs twice
    call_command("cases_demo_load", stdout=out)
    call_command("cases_demo_load", stdout=io.StringIO())

    # then it names the ten cases, written once
    assert "Demo cases: 10" in out.getvalue()
    assert Case.objects.count() == 10
