"""The coalesced hand-off of completed responses to the analysis queue, on the real Redis, and
the sweep that finds responses whose analysis was lost."""

import datetime as dt

import pytest
import redis

from analysis import services
from analysis.models import ResponseFacts
from analysis.services.pending import FLAG_KEY, PENDING_KEY
from config.celery import app
from tests.analysis.platform_factories import analysed_survey, completed

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker(live_broker):
    client = redis.Redis.from_url(live_broker)
    client.delete(PENDING_KEY, FLAG_KEY)
    yield client
    client.delete(PENDING_KEY, FLAG_KEY)
    client.close()


def test_a_burst_of_submits_schedules_one_drain(broker):
    scheduled: list[float] = []

    assert services.pending_add(response_id=7, schedule_drain=scheduled.append) is True
    assert services.pending_add(response_id=8, schedule_drain=scheduled.append) is True
    assert services.pending_add(response_id=7, schedule_drain=scheduled.append) is True

    assert scheduled == [1.0]
    assert sorted(int(v) for v in broker.smembers(PENDING_KEY)) == [7, 8]
    assert services.pending_count() == 2
    assert broker.get(FLAG_KEY) == b"1"


def test_the_hand_off_survives_redis_losing_its_scripts_and_the_flag_expires(broker):
    scheduled: list[float] = []
    services.pending_add(response_id=1, schedule_drain=scheduled.append)
    broker.script_flush()  # as after a Redis restart that kept its data

    assert services.pending_add(response_id=2, schedule_drain=scheduled.append) is True

    assert scheduled == [1.0]
    assert sorted(int(v) for v in broker.smembers(PENDING_KEY)) == [1, 2]
    # the flag outlives the drain's delay by a minute, so a lost drain task cannot block the next
    assert 60_000 < broker.pttl(FLAG_KEY) <= 61_000


def test_the_drain_enqueues_every_id_in_batches_and_clears_the_flag(broker):
    scheduled: list[float] = []
    for response_id in range(1, 121):
        services.pending_add(response_id=response_id, schedule_drain=scheduled.append)
    batches: list[list[int]] = []

    assert services.pending_drain(enqueue=batches.append) == 120

    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert all(batch == sorted(batch) for batch in batches)
    assert sorted(i for batch in batches for i in batch) == list(range(1, 121))
    assert broker.exists(PENDING_KEY, FLAG_KEY) == 0
    # the next submit after a drain schedules the next drain
    services.pending_add(response_id=121, schedule_drain=scheduled.append)
    assert scheduled == [1.0, 1.0]
    assert services.pending_drain(enqueue=batches.append) == 1
    assert batches[-1] == [121]
    assert services.pending_drain(enqueue=batches.append) == 0


def test_eager_tasks_keep_one_task_per_response(broker):
    app.conf.task_always_eager = True
    try:
        assert services.pending_add(response_id=5, schedule_drain=lambda delay: None) is False
        assert services.pending_drain(enqueue=lambda ids: None) == 0
    finally:
        app.conf.task_always_eager = False
    assert broker.exists(PENDING_KEY, FLAG_KEY) == 0


@pytest.mark.django_db
def test_the_sweep_finds_completed_responses_without_facts():
    _survey, version = analysed_survey()
    lost = completed(version, nps=3, completed_at=NOW - dt.timedelta(hours=2))
    older_lost = completed(version, nps=9, completed_at=NOW - dt.timedelta(hours=30))
    analysed = completed(version, nps=3, completed_at=NOW - dt.timedelta(hours=1))
    services.response_analyse(response_id=analysed.pk)
    completed(version, nps=3, completed_at=NOW - dt.timedelta(minutes=5))  # may still be on its way
    completed(version, nps=3, completed_at=NOW - dt.timedelta(days=3))  # beyond the look-back

    assert ResponseFacts.objects.filter(pk=analysed.pk).exists()
    assert services.unanalysed_find(now=NOW) == [older_lost.pk, lost.pk]
    assert services.unanalysed_find(now=NOW, limit=1) == [older_lost.pk]
