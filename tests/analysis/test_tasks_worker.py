"""Integration: a completed response reaches its CommentAnalysis row through the real analysis
queue (Redis) and a real worker process."""

import time

import pytest

from analysis.models import CommentAnalysis, DailyAggregate, ResponseFacts
from responses.services.answering import response_save
from tests.analysis.platform_factories import analysed_survey
from tests.responses.respondent_factories import open_link


@pytest.mark.integration
def test_completed_response_is_analysed_by_the_worker(analysis_worker):
    # given a survey linked to the food-delivery taxonomy, and a running analysis worker
    _survey, version = analysed_survey()
    link = open_link(survey_version=version)

    # when a respondent submits a detractor score with a comment
    result = response_save(
        survey_version=version,
        raw={"nps": "1", "reason": "late", "why": "送餐太慢了"},
        locale="zh-hans",
        complete=True,
        open_link=link,
        client_key="w" * 64,
    )

    # then the worker stores the analysis and counts the response, once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ResponseFacts.objects.filter(pk=result.response.pk).exists():
        time.sleep(0.3)
    comment = CommentAnalysis.objects.get(response=result.response)
    assert (comment.question_key, comment.topics) == ("why", ["delivery_time"])
    assert ResponseFacts.objects.get(pk=result.response.pk).counted_at is not None
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.detractors, total.comments) == (1, 1, 1)
