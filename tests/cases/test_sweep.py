"""The sweep of analysed responses the alert rules never saw (the hand-over to the broker was
lost): recent ones only, after a grace period, once, idempotent beside the normal path."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from cases.models import Case, ResponseEvaluation
from cases.services import response_rules_evaluate
from cases.tasks import responses_evaluate_sweep
from tests.cases.factories import BASE, analysed_survey, answered, rule, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(settings):
    settings.CASES_OPEN_WITHIN_DAYS = 14
    settings.CASES_SWEEP_GRACE_MINUTES = 10
    _survey, version = analysed_survey()
    rule("detractors", "detractor", team=team())
    return version


def sweep_at(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        responses_evaluate_sweep.delay()


def test_the_sweep_is_in_the_one_beat_schedule() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["cases-evaluate-sweep"] == {
        "task": "cases.responses_evaluate_sweep",
        "schedule": 300.0,
    }


def test_an_analysed_response_whose_hand_over_was_lost_gets_its_case_from_the_sweep(version) -> None:
    # given a detractor analysed at BASE whose evaluation never ran (its task never reached
    # the broker: the test runs no on-commit callback)
    response = answered(version, nps=1, why="太慢了")
    assert not Case.objects.exists()

    # when beat runs the sweep an hour later
    sweep_at(BASE + dt.timedelta(hours=1))

    # then its case is open and the evaluation recorded
    case = Case.objects.get()
    assert (case.response_id, case.rule.key, case.opened_at) == (
        response.pk,
        "detractors",
        BASE + dt.timedelta(hours=1),
    )
    assert ResponseEvaluation.objects.get().evaluated_at == BASE + dt.timedelta(hours=1)

    # and a second sweep finds nothing left to do
    sweep_at(BASE + dt.timedelta(hours=2))
    assert Case.objects.count() == 1
    assert ResponseEvaluation.objects.get().evaluated_at == BASE + dt.timedelta(hours=1)


def test_the_sweep_waits_for_the_grace_period_and_leaves_answers_past_the_window(version) -> None:
    fresh = answered(version, nps=1, completed_at=BASE)
    old = answered(version, nps=1, completed_at=BASE - dt.timedelta(days=15))

    # five minutes after the answer: the normal hand-over may still be on its way
    sweep_at(BASE + dt.timedelta(minutes=5))
    assert not Case.objects.exists()

    sweep_at(BASE + dt.timedelta(minutes=11))
    assert list(Case.objects.values_list("response_id", flat=True)) == [fresh.pk]
    assert not ResponseEvaluation.objects.filter(response=old).exists()


def test_a_response_evaluated_by_the_normal_path_is_left_alone_and_a_later_rule_does_not_reach_back(
    version,
) -> None:
    response = answered(version, nps=1, why="太慢了")
    response_rules_evaluate(response_id=response.pk, now=BASE + dt.timedelta(minutes=1))
    rule("slow", "word", team=team("complaints"), words=["太慢"])

    sweep_at(BASE + dt.timedelta(hours=1))

    assert list(Case.objects.values_list("rule__key", flat=True)) == ["detractors"]
    assert ResponseEvaluation.objects.get().evaluated_at == BASE + dt.timedelta(minutes=1)


def test_the_sweep_beside_a_late_normal_evaluation_opens_one_case(version) -> None:
    response = answered(version, nps=1)
    sweep_at(BASE + dt.timedelta(hours=1))

    # the lost task arrives after all (the broker came back)
    again = response_rules_evaluate(response_id=response.pk, now=BASE + dt.timedelta(hours=2))

    assert again == []
    assert Case.objects.count() == 1
