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
    # (besides the praise the taxonomy leaves uncovered)
    topics = {row.key: row.mentions for row in EmergingTopic.objects.filter(survey__key=DEMO_SURVEY)}
    assert topics == {
        "emerging-准时-准时送达": 35,
        "emerging-也不停-红灯": 50,
        "emerging-外卖柜-外卖柜满": 50,
        "emerging-小区-小区门口": 33,
        "emerging-一路-一路狂飙": 32,
        "emerging-人行道-骑在人行道": 26,
        "emerging-机动车道-走": 24,
        "emerging-车速-车速太": 18,
        "emerging-进不来-门禁": 17,
    }
