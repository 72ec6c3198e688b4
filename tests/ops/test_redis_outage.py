"""Redis goes away and comes back: a redis-server of the test's own (cache and broker) is
stopped while respondents answer and source systems post events, then started again (empty, as
after a restart) with a real worker, which sends what was left and analyses what was missed.

Nothing here mocks Redis: every failure is a real refused connection."""

import datetime as dt
import logging

import pytest
from django.test import override_settings
from django.utils import timezone

from analysis.models import ResponseFacts
from config.celery import app
from ops.outages import outage_counts
from responses.distribution.lifecycle import invitations_remind_due
from responses.models import Answer, Invitation, Response
from tests.ops.redis_server import fresh_outages, own_broker, own_redis, redis_cache_settings
from tests.responses.factories import DistributionRuleFactory, invitation, source_system
from tests.responses.worker import Worker, sent_message_ids, wait_until, workers_started

__all__ = ["fresh_outages", "own_broker", "own_redis"]

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

S = Invitation.Status
DETRACTOR = {
    "q_nps": "5",
    "q_aspects__speed": "2",
    "q_aspects__packaging": "4",
    "q_reason": "cold",
    "q_why": "汤都凉了，骑手迟到半小时",
    "locale": "zh-hans",
}


@pytest.fixture
def start_worker(own_broker, tmp_path):
    """Start a real worker (one process) on the test's own Redis; stopped when the test ends."""
    starter = workers_started(own_broker.url, tmp_path)
    start = next(starter)

    def start_one(**env: str) -> Worker:
        return start(env=env, concurrency=1)

    start_one.mail_dir = start.mail_dir
    try:
        yield start_one
    finally:
        starter.close()


def _outage_warnings(caplog, kind: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "ops.outages" and r.getMessage().startswith(f"{kind}: dependency unavailable")
    ]


@override_settings(REDIS_RETRY_SECONDS=0)
def test_respondents_answer_while_redis_is_down_and_the_response_is_analysed_after_it_returns(
    client, own_broker, start_worker, fresh_outages, caplog
):
    caplog.set_level(logging.WARNING)
    sent, token = invitation()
    with override_settings(CACHES=redis_cache_settings(own_broker.url)):
        # given Redis (the throttle counters, the analysis hand-off, the broker) is down
        own_broker.stop()
        # when a respondent opens the link and submits
        page = client.get(f"/s/{token}/")
        posted = client.post(f"/s/{token}/", DETRACTOR)
        # then the page is served and the answers are stored
        assert page.status_code == 200
        assert "您向朋友推荐我们的可能性有多大？" in page.content.decode()
        assert posted.status_code == 302
        assert posted["Location"] == f"/s/{token}/done/"
        response = Response.objects.get(invitation=sent)
        assert response.status == Response.Status.COMPLETED
        assert dict(Answer.objects.filter(response=response).values_list("question_key", "value")) == {
            "nps": 5,
            "aspects": {"speed": 2, "packaging": 4},
            "reason": "cold",
            "why": "汤都凉了，骑手迟到半小时",
        }
        # and each failure is counted, and warned about once per kind
        assert outage_counts() == {
            "analysis_handoff": {"fail_open_total": 1, "down": True},
            "throttle": {"fail_open_total": 2, "down": True},
        }
        assert len(_outage_warnings(caplog, "throttle")) == 1
        assert len(_outage_warnings(caplog, "analysis_handoff")) == 1
        assert not ResponseFacts.objects.filter(pk=response.pk).exists()

        # when Redis is back (empty, as after a restart)
        own_broker.start()
        done = client.get(f"/s/{token}/done/")
        # then the throttles count again in Redis
        assert done.status_code == 200
        assert outage_counts()["throttle"] == {"fail_open_total": 2, "down": False}
        assert len(own_broker.client().keys("*throttle:page_ip:*")) == 1

    # and the hourly sweep finds the response whose hand-off was lost (once its grace is over)
    Response.objects.filter(pk=response.pk).update(completed_at=timezone.now() - dt.timedelta(minutes=11))
    worker = start_worker()
    app.send_task("analysis.unanalysed_sweep")
    assert wait_until(lambda: ResponseFacts.objects.filter(pk=response.pk).exists(), timeout=15), (
        worker.log_tail()
    )
    facts = ResponseFacts.objects.get(pk=response.pk)
    assert (facts.primary_score, facts.is_detractor, facts.has_comment) == (5.0, True, True)


@override_settings(REDIS_RETRY_SECONDS=0)
def test_the_events_api_answers_200_while_the_broker_is_down_and_the_sweep_sends_after_it_returns(
    client, own_broker, start_worker, fresh_outages, caplog
):
    caplog.set_level(logging.WARNING)
    # given a rule that emails now, and a broker that is down
    DistributionRuleFactory(attribute_filters={"city": ["上海"]}, channels=["email"], reminder_count=0)
    _system, key = source_system()
    occurred = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    events = [
        {
            "source": "order-platform",
            "external_id": f"o-{n}",
            "type": "order.delivered",
            "occurred_at": occurred,
            "respondent": {"type": "customer", "ref": f"c-{n}", "email": f"c{n}@example.com"},
            "attributes": {"city": "上海"},
        }
        for n in range(3)
    ]
    own_broker.stop()
    # when a source system posts a batch
    answer = client.post(
        "/api/v1/events/",
        {"events": events},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    # then it gets its per-item results, and the batch is committed, scheduled to send
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["external_id"], r["status"]) for r in results] == [
        ("o-0", "accepted"),
        ("o-1", "accepted"),
        ("o-2", "accepted"),
    ]
    assert [i["status"] for r in results for i in r["invitations"]] == ["scheduled"] * 3
    assert Invitation.objects.filter(status=S.SCHEDULED).count() == 3
    assert outage_counts() == {"broker": {"fail_open_total": 1, "down": True}}
    assert len(_outage_warnings(caplog, "broker")) == 1

    # when the broker is back and the beat sweep runs on a worker
    own_broker.start()
    worker = start_worker(DELIVERY_SWEEP_GRACE_SECONDS="0")
    app.send_task("responses.invitations_dispatch_due")
    # then every invitation is sent, once
    sent = wait_until(lambda: Invitation.objects.filter(status=S.SENT).count() == 3, timeout=15)
    assert sent, worker.log_tail()
    expected = {f"<inv-{p}@voc.local>" for p in Invitation.objects.values_list("public_id", flat=True)}
    counts = sent_message_ids(start_worker.mail_dir)
    assert set(counts) == expected
    assert set(counts.values()) == {1}


@override_settings(REDIS_RETRY_SECONDS=60)
def test_a_sweep_publishing_to_a_broker_that_is_down_does_not_raise_and_skips_after_the_first_failure(
    own_broker, fresh_outages
):
    # given reminders due for two invitations, and a broker that is down
    now = timezone.now()
    for _ in range(2):
        made, _token = invitation(next_reminder_at=now - dt.timedelta(minutes=1))
    own_broker.stop()
    # when the reminder sweep enqueues them (autocommit: published at once)
    assert invitations_remind_due() == 2
    # then nothing raised; one publish failed, the second skipped the broker for the window
    assert outage_counts() == {"broker": {"fail_open_total": 2, "down": True}}
    made.refresh_from_db()
    assert made.reminders_sent == 0
