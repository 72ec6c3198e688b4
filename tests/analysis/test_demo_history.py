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
    # and the comments no pain point covers were found as topics of their own (the seed fixes them):
    # discovery works on clauses, and each demo comment is two clauses of its kind's phrases
    # ("电动车闯红灯，红灯也不停，行人"), so a kind's phrases are found as topics of their own and
    # one comment feeds two of them (mentions add up to more than the 300 comments)
    topics = {row.key: row.mentions for row in EmergingTopic.objects.filter(survey__key=DEMO_SURVEY)}
    assert topics == {
        "emerging-机动车道-走": 68,
        "emerging-一路-一路狂飙": 67,
        "emerging-骑-飞快": 62,
        "emerging-逆行-马路": 54,
        "emerging-外卖柜-外卖柜满": 50,
        "emerging-取餐柜-放": 45,
        "emerging-闯红灯-危险": 45,
        "emerging-也不停-红灯": 39,
        "emerging-保安-保安不让": 36,
        "emerging-小区-小区门口": 33,
        "emerging-进不来-门禁": 31,
    }
