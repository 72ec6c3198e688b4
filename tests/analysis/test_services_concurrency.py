"""On PostgreSQL: concurrent analyses count every response once (row locks, upserts)."""

import threading

import pytest
from django.db import connection

from analysis.models import CommentAnalysis, DailyAggregate, ResponseFacts
from analysis.services import response_analyse
from tests.analysis.platform_factories import analysed_survey, completed

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(calls) -> list:
    errors = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_the_same_response_analysed_at_once_by_two_workers_counts_once(postgres):
    _survey, version = analysed_survey()
    response = completed(version, nps=2, why="送餐太慢了", attributes={"city": "上海"})

    errors = in_threads([lambda: response_analyse(response_id=response.pk)] * 2)

    assert errors == []
    assert CommentAnalysis.objects.count() == 1
    assert ResponseFacts.objects.count() == 1
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.detractors) == (1, 1)


def test_different_responses_of_one_day_all_counted(postgres):
    _survey, version = analysed_survey()
    responses = [
        completed(version, nps=n, why="饭都凉了", attributes={"city": "北京"}) for n in (1, 5, 9, 10)
    ]

    errors = in_threads([lambda pk=r.pk: response_analyse(response_id=pk) for r in responses])

    assert errors == []
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.promoters, total.detractors, total.score_sum) == (4, 2, 2, 25.0)
    cold = DailyAggregate.objects.get(segment_key="city", segment_value="北京", topic_key="food_temperature")
    assert (cold.mentions, cold.detractor_mentions) == (4, 2)
