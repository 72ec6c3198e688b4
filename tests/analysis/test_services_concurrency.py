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


def test_overlapping_batches_at_once_count_every_response_once(postgres):
    # given nine responses of one day, handed to two batches that share three of them (a drain
    # and the hourly sweep, say), and a third delivery of the shared ones alone
    from analysis.services import responses_analyse

    _survey, version = analysed_survey()
    scores = (0, 3, 6, 7, 8, 9, 10, 10, 2)
    responses = [
        completed(version, nps=n, why="饭都凉了", attributes={"city": "北京", "scenario": "peak"})
        for n in scores
    ]
    ids = [r.pk for r in responses]

    # when the three run at the same time
    batches, singles = [], []
    errors = in_threads(
        [
            lambda: batches.append(responses_analyse(response_ids=ids[:6])),
            lambda: batches.append(responses_analyse(response_ids=ids[3:])),
            lambda: singles.extend(response_analyse(response_id=pk) for pk in ids[3:6]),
        ]
    )

    # then each response is stored and counted once, on every aggregate row it touches; both
    # batches ran as batches (no deadlock sent them to the one-at-a-time fallback)
    assert errors == []
    assert [(b.batched, b.responses, b.failed) for b in batches] == [(True, 6, ())] * 2
    assert sum(b.counted for b in batches) + sum(s.counted for s in singles) == 9
    assert ResponseFacts.objects.filter(counted_at__isnull=False).count() == 9
    assert CommentAnalysis.objects.count() == 9
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.promoters, total.passives, total.detractors, total.score_sum) == (
        9,
        3,
        2,
        4,
        55.0,
    )
    pair = DailyAggregate.objects.get(
        segment_key="city|scenario", segment_value="北京|peak", topic_key="food_temperature"
    )
    assert (pair.mentions, pair.detractor_mentions) == (9, 4)
