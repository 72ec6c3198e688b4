"""The re-survey after resolution: a case.resolved event through the distribution engine, whose
rules (fatigue, quiet hours, delay) decide; once per case, only with the respondent's consent."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.models import Case
from cases.services import case_reopen, case_resolve, response_rules_evaluate
from ops.models import AuditEntry
from responses.models import Invitation, ServiceEvent, Suppression
from tests.cases.factories import BASE, analysed_survey, answered, rule, team
from tests.responses.factories import DistributionRuleFactory, published_survey

pytestmark = pytest.mark.django_db
OPENED = BASE + dt.timedelta(hours=1)
RESOLVED = OPENED + dt.timedelta(hours=3)


@pytest.fixture
def resurvey():
    """The follow-up survey and its distribution rule for case.resolved events."""
    survey = published_survey(key="after-follow-up")
    DistributionRuleFactory(
        survey=survey,
        name="after a resolved case",
        event_types=["case.resolved"],
        attribute_filters={"resurvey": ["after-follow-up"]},
        channels=["email"],
        delay_minutes=60,
        fatigue_days=7,
        fatigue_scope="survey",
    )
    return survey


def opened_case(resurvey, *, consent=True, invited=True) -> Case:
    _survey, version = analysed_survey()
    rule("detractors", "detractor", team=team(), resurvey_survey=resurvey)
    response = answered(version, nps=2, why="送餐太慢", consent=consent, invited=invited)
    Invitation.objects.filter(pk=response.invitation_id).update(due_at=BASE - dt.timedelta(hours=1))
    (case,) = response_rules_evaluate(response_id=response.pk, now=OPENED)
    return case


def resolve(case: Case, capture) -> Case:
    with time_machine.travel(RESOLVED, tick=False), capture(execute=True):
        case_resolve(case=case, resolution="已致电道歉并退款", root_cause="delivery")
    case.refresh_from_db()
    return case


def test_a_resolved_case_schedules_the_re_survey_through_the_distribution_rules(
    resurvey, django_capture_on_commit_callbacks
) -> None:
    case = opened_case(resurvey)

    case = resolve(case, django_capture_on_commit_callbacks)

    event = ServiceEvent.objects.get(source="cases")
    assert (event.external_id, event.type, event.respondent_id) == (
        f"case-{case.pk}",
        "case.resolved",
        case.respondent_id,
    )
    assert event.attributes == {
        "city": "上海",
        "resurvey": "after-follow-up",
        "case_rule": "detractors",
        "case_team": "delivery_ops",
    }
    invitation = Invitation.objects.get(event=event)
    # due the rule's delay after the resolution
    assert (invitation.survey_id, invitation.status, invitation.due_at) == (
        resurvey.pk,
        "scheduled",
        RESOLVED + dt.timedelta(minutes=60),
    )
    assert (case.resurvey_event_id, case.resurvey) == (
        event.pk,
        {"survey": "after-follow-up", "status": "scheduled"},
    )
    entry = AuditEntry.objects.get(action="cases.case.resurveyed")
    assert entry.after == {
        "resurvey_event": event.pk,
        "resurvey_survey": "after-follow-up",
        "resurvey_status": "scheduled",
    }


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "Invitation to after-follow-up scheduled"), ("zh-hans", "已安排 after-follow-up 的邀请")],
)
def test_the_case_page_shows_the_re_survey(resurvey, django_capture_on_commit_callbacks, lang, text) -> None:
    from django.test import Client

    case = resolve(opened_case(resurvey), django_capture_on_commit_callbacks)
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(case.team.lead)

    page = client.get(f"/workspace/cases/{case.pk}/")

    assert page.status_code == 200
    assert f'<dd id="case-resurvey">{text}</dd>' in page.content.decode()


def test_fatigue_suppresses_the_re_survey_and_the_case_says_so(
    resurvey, django_capture_on_commit_callbacks
) -> None:
    # the follow-up survey's rule counts every survey: the answered invitation an hour before
    # the case is within its 7 days
    resurvey.rules.update(fatigue_scope="all")
    case = opened_case(resurvey)

    case = resolve(case, django_capture_on_commit_callbacks)

    assert not Invitation.objects.filter(survey=resurvey).exists()
    suppression = Suppression.objects.get(event=case.resurvey_event)
    assert (suppression.reason, suppression.survey_id) == ("fatigue", resurvey.pk)
    assert case.resurvey == {"survey": "after-follow-up", "status": "suppressed", "reason": "fatigue"}


@pytest.mark.parametrize(("consent", "invited"), [(False, True), (None, True), (True, False)])
def test_no_re_survey_without_a_respondent_who_agreed_to_be_contacted(
    resurvey, django_capture_on_commit_callbacks, consent, invited
) -> None:
    case = opened_case(resurvey, consent=consent, invited=invited)

    case = resolve(case, django_capture_on_commit_callbacks)

    assert case.status == "resolved"
    assert not ServiceEvent.objects.filter(source="cases").exists()
    assert (case.resurvey_event_id, case.resurvey) == (None, {})
    assert not AuditEntry.objects.filter(action="cases.case.resurveyed").exists()


def test_a_case_resolved_again_after_a_reopen_is_not_surveyed_twice(
    resurvey, django_capture_on_commit_callbacks
) -> None:
    case = resolve(opened_case(resurvey), django_capture_on_commit_callbacks)
    first = case.resurvey_event_id

    with time_machine.travel(RESOLVED + dt.timedelta(hours=1), tick=False):
        case_reopen(case=case)
    case.refresh_from_db()
    with (
        time_machine.travel(RESOLVED + dt.timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        case_resolve(case=case, resolution="再次处理", root_cause="delivery")

    case.refresh_from_db()
    assert callbacks == []  # nothing enqueued: the case has its re-survey
    assert case.resurvey_event_id == first
    assert ServiceEvent.objects.filter(source="cases").count() == 1
    assert Invitation.objects.filter(survey=resurvey).count() == 1


def test_a_second_delivery_of_the_task_posts_a_duplicate_that_invites_nobody(
    resurvey, django_capture_on_commit_callbacks
) -> None:
    from cases.services import case_resurvey

    case = resolve(opened_case(resurvey), django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(resurvey_event=None, resurvey={})

    with time_machine.travel(RESOLVED, tick=False):
        decision = case_resurvey(case_id=case.pk)

    case.refresh_from_db()
    assert decision == {"status": "duplicate"}
    assert case.resurvey_event_id == ServiceEvent.objects.get(source="cases").pk
    assert Invitation.objects.filter(survey=resurvey).count() == 1


def test_a_rule_may_name_only_a_survey_whose_distribution_rule_takes_case_resolved_events(resurvey) -> None:
    other = published_survey(key="no-rule-for-it")
    ops = team()
    named = rule("ok", "detractor", team=ops, resurvey_survey=resurvey)
    unusable = rule("bad", "detractor", team=ops, resurvey_survey=other)

    named.full_clean()
    with pytest.raises(ValidationError) as refused:
        unusable.full_clean()

    assert list(refused.value.message_dict) == ["resurvey_survey"]
