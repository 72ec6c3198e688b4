"""The demo's alert rules and follow-up cases: every state, one overdue and escalated."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command

from cases.demo import demo_action_load, demo_cases_load
from cases.models import AlertRule, Case, Team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# The demo survey's ranking over the last 28 days: the owner's teams own late delivery only
# (hygiene, food safety's, is not among the ranked topics).
MINE_ROWS = [("delivery_time", "delivery_ops")]
ALL_ROWS = [
    "taste",
    "delivery_time",
    "missing_wrong_items",
    "packaging_spill",
    "refund_aftersales",
    "rider_attitude",
]


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
    assert sorted(Team.objects.values_list("key", flat=True)) == [
        "delivery_ops",
        "food_safety",
        "service_recovery",
    ]
    assert AlertRule.objects.count() == 4
    by_status = Counter(Case.objects.values_list("status", flat=True))
    by_rule = Counter(Case.objects.values_list("rule__key", flat=True))
    escalated = list(Case.objects.filter(escalation_level__gt=0).values_list("status", "escalation_level"))
    assert len(cases) == 11
    assert by_status == {"open": 6, "in_progress": 2, "resolved": 2, "closed": 1}
    assert by_rule == {"demo-detractor": 8, "demo-hygiene": 1, "demo-mismatch": 1, "demo-words": 1}
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

    # then it names the eleven cases, written once
    assert "Demo cases: 11" in out.getvalue()
    assert Case.objects.count() == 11


def test_the_demo_shows_a_resolved_case_that_scheduled_a_re_survey_and_the_audit_trail(
    settings, tmp_path
) -> None:
    from exports.demo import demo_export_load
    from ops.models import AuditEntry
    from responses.models import Invitation

    settings.EXPORTS_ROOT = tmp_path / "exports"
    # given the published surveys and the demo users
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    UserFactory(username="owner", groups=["process_owners"])
    UserFactory(username="ops", groups=["survey_designers"])

    # when the demo action, cases and export are loaded (twice)
    for _ in range(2):
        demo_action_load()
        demo_cases_load()
        export = demo_export_load()

    # then the invited customer's resolved case has its re-survey scheduled an hour later
    case = Case.objects.get(respondent__ref="demo-c-callback")
    assert (case.status, case.rule.resurvey_survey.key) == ("resolved", "support-ticket-closed")
    assert case.resurvey == {"survey": "support-ticket-closed", "status": "scheduled"}
    invitation = Invitation.objects.get(event=case.resurvey_event)
    assert (invitation.survey.key, invitation.status, invitation.channel) == (
        "support-ticket-closed",
        "scheduled",
        "email",
    )
    assert invitation.due_at == case.resurvey_event.occurred_at + dt.timedelta(minutes=60)
    # and the audit trail holds the publishing, the action, the export and the re-survey
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["surveys.survey.published"] == 5
    assert actions["cases.improvementaction.created"] == 1
    assert actions["exports.export.started"] == 1
    assert actions["cases.case.resurveyed"] == 1
    assert (export.status, export.kind) == ("done", "comments")


def test_the_demo_owner_opens_the_workspace_on_the_teams_topics(client) -> None:
    # given the demo loaded as `make run` loads it
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    owner = UserFactory(username="owner", groups=["process_owners"])
    UserFactory(username="ops", groups=["survey_designers"])
    demo_action_load()
    demo_cases_load()
    client.force_login(owner)

    # when the owner opens the demo survey's pain points, then all topics
    url = "/workspace/painpoints/?survey=customer-after-delivery"
    mine = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    every = client.get(url + "&topics=all", HTTP_ACCEPT_LANGUAGE="en")

    # then the default lists the topics of the owner's teams (delivery operations, food safety)
    assert sorted(t.key for t in Team.objects.filter(members=owner)) == [
        "delivery_ops",
        "food_safety",
        "service_recovery",
    ]
    assert mine.context["topic_view"].mode == "mine"
    assert mine.context["topic_view"].teams == ("Delivery operations", "Food safety")
    assert [(r["rank"], r["key"], r["team"]) for r in mine.context["rows"]] == [(2, *MINE_ROWS[0])]
    assert [r["key"] for r in every.context["rows"]] == ALL_ROWS
