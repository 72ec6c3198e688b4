"""Overdue cases escalate through beat: the team lead is mailed and the level marked, once per
level, with a frozen clock."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from cases.models import Case, StaffProfile
from cases.services import case_resolve, response_rules_evaluate
from cases.tasks import cases_escalate
from ops.models import AuditEntry
from tests.cases.factories import BASE, analysed_survey, answered, rule, team

pytestmark = pytest.mark.django_db
OPENED = BASE + dt.timedelta(hours=1)


@pytest.fixture
def case() -> Case:
    _survey, version = analysed_survey()
    ops = team(members=("a",))
    StaffProfile.objects.create(user=ops.lead, locale="en")
    rule("r", "detractor", team=ops, sla_hours=24, assignment="round_robin")
    (made,) = response_rules_evaluate(response_id=answered(version, nps=0).pk, now=OPENED)
    return made


def sweep_at(hours: float, capture) -> int:
    with time_machine.travel(OPENED + dt.timedelta(hours=hours), tick=False), capture(execute=True):
        return cases_escalate.delay().get()


def test_the_sweep_is_in_the_one_beat_schedule() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["cases-escalate"] == {
        "task": "cases.cases_escalate",
        "schedule": 300.0,
    }


def test_an_overdue_case_escalates_once_per_level(
    case, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # given a case due 24 hours after it opened, swept by beat as time passes
    levels = []
    for hours in (23.9, 24.5, 30, 47, 48.5, 60, 72.5, 200):
        raised = sweep_at(hours, django_capture_on_commit_callbacks)
        case.refresh_from_db()
        levels.append((hours, raised, case.escalation_level))

    # then it reaches one level per SLA period late, each once, and stops at the highest
    assert levels == [
        (23.9, 0, 0),
        (24.5, 1, 1),
        (30, 0, 1),
        (47, 0, 1),
        (48.5, 1, 2),
        (60, 0, 2),
        (72.5, 1, 3),
        (200, 0, 3),
    ]
    assert case.escalated_at == OPENED + dt.timedelta(hours=72.5)
    # and the team lead got one mail per level, in their language
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["delivery_ops-lead@example.com"], f"Overdue case #{case.pk} (escalation level {level})")
        for level in (1, 2, 3)
    ]
    assert "Assignee: delivery_ops-a" in mailoutbox[0].body
    assert list(
        AuditEntry.objects.filter(action="cases.case.escalated").values_list("before", "after", "actor")
    ) == [
        ({"escalation_level": 2}, {"escalation_level": 3}, None),
        ({"escalation_level": 1}, {"escalation_level": 2}, None),
        ({"escalation_level": 0}, {"escalation_level": 1}, None),
    ]


def test_a_resolved_case_never_escalates(case, mailoutbox, django_capture_on_commit_callbacks) -> None:
    case_resolve(case=case, resolution="已处理", now=OPENED + dt.timedelta(hours=2))

    assert sweep_at(100, django_capture_on_commit_callbacks) == 0
    case.refresh_from_db()
    assert (case.escalation_level, mailoutbox) == (0, [])


def test_a_case_found_late_jumps_to_its_level_with_one_mail(
    case, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # beat was down for two days: the first sweep marks level 3 at once, one mail
    assert sweep_at(24 + 48.5, django_capture_on_commit_callbacks) == 1
    case.refresh_from_db()
    assert case.escalation_level == 3
    assert len(mailoutbox) == 1
