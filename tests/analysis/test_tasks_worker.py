"""Integration: a completed response reaches its CommentAnalysis row through the real analysis
queue (Redis) and a real worker process."""

import time

import pytest

from analysis.models import CommentAnalysis, DailyAggregate, ResponseFacts
from responses.services.answering import response_save
from tests.analysis.platform_factories import analysed_survey
from tests.responses.factories import open_link


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


@pytest.mark.integration
def test_a_burst_of_submits_reaches_the_worker_through_one_drain(analysis_worker):
    # given a running analysis worker on the Redis broker (submits hand responses over in a set)
    import redis

    from analysis.services.pending import FLAG_KEY, PENDING_KEY

    _survey, version = analysed_survey()
    link = open_link(survey_version=version)

    # when three respondents submit within the coalescing delay
    ids = [
        response_save(
            survey_version=version,
            raw={"nps": str(score), "reason": "late", "why": text},
            locale="zh-hans",
            complete=True,
            open_link=link,
            client_key=str(index) * 64,
        ).response.pk
        for index, (score, text) in enumerate([(1, "送餐太慢了"), (3, "饭菜凉了"), (10, "很好")], start=1)
    ]

    # then the drain hands them to the worker, and each is analysed and counted once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ResponseFacts.objects.filter(pk__in=ids).count() < 3:
        time.sleep(0.3)
    assert sorted(ResponseFacts.objects.filter(counted_at__isnull=False).values_list("pk", flat=True)) == ids
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.detractors) == (3, 2)
    client = redis.Redis.from_url(analysis_worker)
    assert client.exists(PENDING_KEY, FLAG_KEY) == 0
    client.close()
