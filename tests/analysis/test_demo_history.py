"""The demo history of ``make run``: analysed in batches, with uncovered comments for emerging topics."""

import io

import pytest
from django.core.management import call_command

from analysis.demo_history import DEMO_SURVEY, RESPONSES, UNCOVERED_RESPONSES, DemoResult, demo_history_load
from analysis.models import EmergingTopic, ResponseFacts

pytestmark = pytest.mark.django_db


def test_the_demo_history_is_analysed_and_its_uncovered_comments_become_emerging_topics() -> None:
    # given every starter survey published, as demo_load does
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    # when the history is loaded twice
    first, second = demo_history_load(), demo_history_load()
    # then every response was analysed once, and the second load changed nothing
    total = RESPONSES + UNCOVERED_RESPONSES
    assert (first, second) == (DemoResult(total, total, True), DemoResult(total, 0, False))
    assert ResponseFacts.objects.filter(survey__key=DEMO_SURVEY).count() == total
    # and the comments no pain point covers were found as topics of their own (the seed fixes them)
    # (besides the praise the taxonomy leaves uncovered, "the rider was polite" among it): each of
    # the five uncovered kinds the taxonomy does not tag is one topic of its 50 comments
    topics = {row.key: row.mentions for row in EmergingTopic.objects.filter(survey__key=DEMO_SURVEY)}
    assert topics == {
        "emerging-准时-准时送达": 37,
        "emerging-也不停-红灯": 50,
        "emerging-外卖柜-外卖柜满": 50,
        "emerging-保安-保安不让": 50,
        "emerging-逆行-机动车道": 50,
        "emerging-飞快-骑得飞快": 50,
    }
