"""/healthz and /healthz/worker against a Redis of the test's own that is up, stopped or
blackholed (paused: it accepts connections and never answers), and the beat heartbeat."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from config.celery import app
from ops.models import Heartbeat
from ops.services import heartbeat_record
from ops.tasks import heartbeat
from tests.ops.redis_server import fresh_outages, own_broker, own_redis, redis_cache_settings

__all__ = ["fresh_outages", "own_broker", "own_redis"]

pytestmark = pytest.mark.django_db

OK = {"status": "ok"}


def _statuses(body: dict) -> dict:
    return {name: {k: v for k, v in check.items() if k != "ms"} for name, check in body["checks"].items()}


def test_healthz_answers_ok_with_every_dependency_checked(client, own_broker, fresh_outages):
    with override_settings(CACHES=redis_cache_settings(own_broker.url)):
        answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert "failed" not in body
    assert _statuses(body) == {"database": OK, "cache": OK, "broker": OK}
    assert body["fail_open"] == {}
    assert answer["Cache-Control"].startswith("max-age=0")


def test_healthz_names_the_cache_and_the_broker_when_redis_is_down(client, own_broker, fresh_outages):
    own_broker.stop()
    with override_settings(CACHES=redis_cache_settings(own_broker.url)):
        answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "error"
    assert body["failed"] == ["cache", "broker"]
    assert _statuses(body) == {
        "database": OK,
        "cache": {"status": "error", "error": "ConnectionError"},
        "broker": {"status": "error", "error": "ConnectionError"},
    }
    # no address of the infrastructure in a public answer
    assert str(own_broker.port) not in answer.content.decode()


@override_settings(HEALTHZ_TIMEOUT_SECONDS=0.3)
def test_healthz_gives_up_on_a_blackholed_redis_and_recovers_when_it_answers(
    client, own_broker, fresh_outages
):
    # given a Redis that accepts connections but never answers
    own_broker.pause()
    with override_settings(CACHES=redis_cache_settings(own_broker.url)):
        answer = client.get("/healthz")
        # then each Redis check ends on its own timeout, not the request
        assert answer.status_code == 503
        assert answer.json()["failed"] == ["cache", "broker"]
        assert _statuses(answer.json())["cache"] == {"status": "error", "error": "TimeoutError"}
        assert _statuses(answer.json())["broker"] == {"status": "error", "error": "TimeoutError"}
        # and when Redis answers again, so does /healthz
        own_broker.resume()
        again = client.get("/healthz")
    assert again.status_code == 200
    assert _statuses(again.json()) == {"database": OK, "cache": OK, "broker": OK}


def test_worker_health_is_503_without_any_heartbeat(client, own_broker):
    answer = client.get("/healthz/worker")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "error",
        "beat": {"status": "error", "last_run": None, "age_seconds": None, "max_age_seconds": 180},
        "queues": {"distribution": 0, "analysis": 0, "default": 0},
        "failed": ["beat"],
    }


def test_worker_health_reports_a_fresh_heartbeat_and_each_queue_depth(client, own_broker):
    # given a heartbeat 30 s old and messages waiting: two analysis, one distribution, one default
    beat_at = timezone.now() - dt.timedelta(seconds=30)
    heartbeat_record(now=beat_at)
    app.send_task("analysis.pending_drain")
    app.send_task("analysis.unanalysed_sweep")
    app.send_task("responses.invitations_dispatch_due")
    app.send_task("ops.heartbeat_record")
    # when /healthz/worker is asked
    answer = client.get("/healthz/worker")
    # then it is well, with the depth of each queue
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["queues"] == {"distribution": 1, "analysis": 2, "default": 1}
    assert body["beat"]["status"] == "ok"
    assert body["beat"]["last_run"] == beat_at.isoformat()
    assert 30 <= body["beat"]["age_seconds"] < 60
    assert "failed" not in body


@override_settings(HEALTHZ_BEAT_MAX_AGE_SECONDS=120)
def test_worker_health_is_503_when_the_heartbeat_is_older_than_the_threshold(client, own_broker):
    heartbeat_record(now=timezone.now() - dt.timedelta(seconds=121))
    answer = client.get("/healthz/worker")
    assert answer.status_code == 503
    body = answer.json()
    assert body["failed"] == ["beat"]
    assert body["beat"]["status"] == "error"
    assert body["beat"]["max_age_seconds"] == 120
    assert body["queues"] == {"distribution": 0, "analysis": 0, "default": 0}


def test_worker_health_names_the_broker_when_it_is_down(client, own_broker):
    heartbeat_record()
    own_broker.stop()
    answer = client.get("/healthz/worker")
    assert answer.status_code == 503
    body = answer.json()
    assert body["failed"] == ["broker"]
    assert body["queues"] is None
    assert body["broker"] == {"status": "error", "error": "ConnectionError"}
    assert body["beat"]["status"] == "ok"


def test_beat_sends_the_heartbeat_task_which_records_one_row():
    entry = settings.CELERY_BEAT_SCHEDULE["ops-heartbeat"]
    assert entry == {"task": "ops.heartbeat_record", "schedule": 60.0}
    assert entry["task"] in app.tasks
    before = timezone.now()
    heartbeat.delay()
    heartbeat.delay()  # updated in place, one row per name
    row = Heartbeat.objects.get()
    assert row.name == "beat"
    assert before <= row.beat_at <= timezone.now()
