"""End to end through a real `celery worker` process on the real Redis and the test database.

Both tests count what the worker wrote through Django's file email backend, by Message-ID (one
per invitation, derived from its public id: see distribution/delivery.py).
"""

import datetime as dt
import time

import pytest
from django.utils import timezone

from config.celery import app
from responses.distribution.ingestion import events_ingest
from responses.models import Invitation
from tests.responses import worker
from tests.responses.factories import DistributionRuleFactory
from tests.responses.worker import sent_message_ids, wait_until

# Fixtures of tests/responses/worker.py used here.
live_broker = worker.live_broker
start_worker = worker.start_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
S = Invitation.Status


def _events(count: int, *, city: str, start: int = 0) -> list[dict]:
    occurred = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    return [
        {
            "source": "order-platform",
            "external_id": f"{city}-{n}",
            "type": "order.delivered",
            "occurred_at": occurred,
            "respondent": {
                "type": "customer",
                "ref": f"{city}-c{n}",
                "email": f"c{n}.{city}@example.com",
                "locale": "zh-hans" if n % 2 else "en",
            },
            "attributes": {"city": city},
        }
        for n in range(start, start + count)
    ]


def _rule(city: str, *, channels: list[str], delay_minutes: int = 0):
    return DistributionRuleFactory(
        attribute_filters={"city": [city]}, channels=channels, delay_minutes=delay_minutes, reminder_count=0
    )


def _expected_ids(**filters) -> set[str]:
    return {
        f"<inv-{p}@voc.local>"
        for p in Invitation.objects.filter(**filters).values_list("public_id", flat=True)
    }


def _sweep() -> None:
    app.send_task("responses.invitations_dispatch_due")


def test_an_ingested_batch_is_sent_exactly_once_by_the_worker(start_worker) -> None:
    # given rules for three cities: email now, email in an hour, link-only now
    _rule("shanghai", channels=["email"])
    _rule("beijing", channels=["email"], delay_minutes=60)
    _rule("guangzhou", channels=["link"])
    worker = start_worker(env={"DELIVERY_SWEEP_GRACE_SECONDS": "2"})

    # when a batch of 60 events is ingested (due sends are enqueued after commit)
    batch = _events(30, city="shanghai") + _events(20, city="beijing") + _events(10, city="guangzhou")
    results = events_ingest(source_system=None, items=batch)
    assert [r.status for r in results] == ["accepted"] * 60
    due_email = _expected_ids(context__attributes__city="shanghai")

    # then every due email is written once, the link-only ones are marked sent, the later ones wait
    done = wait_until(
        lambda: Invitation.objects.filter(status=S.SENT).count() == 40, timeout=60, tick=_sweep, every=1
    )
    assert done, worker.log_tail()
    time.sleep(1)  # a duplicate send, if there were one, would land in this second
    counts = sent_message_ids(start_worker.mail_dir)
    assert len(due_email) == 30
    assert set(counts) == due_email
    assert max(counts.values()) == 1
    assert Invitation.objects.filter(channel="link", status=S.SENT).count() == 10
    assert (
        Invitation.objects.filter(status=S.SCHEDULED, rule__attribute_filters__city=["beijing"]).count() == 20
    )
    assert set(Invitation.objects.filter(status=S.SENT).values_list("attempts", flat=True)) == {1}


def test_sigkill_mid_batch_loses_nothing_and_sends_nothing_twice(start_worker, tmp_path) -> None:
    # given a worker that will stop mid-batch, and 1,000 due email invitations enqueued to it
    _rule("shanghai", channels=["email"])
    marker = tmp_path / "held"
    common = {"DELIVERY_SWEEP_GRACE_SECONDS": "2", "DELIVERY_CLAIM_TIMEOUT_SECONDS": "5"}
    channels = '{"email": "tests.responses.worker_channels.HoldingEmailChannel"}'
    first = start_worker(
        env={**common, "DELIVERY_CHANNELS": channels, "HOLD_AFTER": "300", "HOLD_MARKER": str(marker)}
    )
    results = events_ingest(source_system=None, items=_events(1000, city="shanghai"))
    assert {r.status for r in results} == {"accepted"}
    expected = _expected_ids(status__in=[S.SCHEDULED, S.SENT])
    assert len(expected) == 1000

    # when the worker is SIGKILLed while it is in the middle of the batch
    assert wait_until(marker.exists, timeout=60), first.log_tail()
    time.sleep(1.0)
    first.kill()
    before = sent_message_ids(start_worker.mail_dir)
    claimed_unsent = Invitation.objects.filter(status=S.SCHEDULED, attempts=1).count()
    assert 300 <= sum(before.values()) < 1000
    assert claimed_unsent >= 1  # the held sends: claimed, never written

    # and a new worker takes over, with the beat sweep running
    second = start_worker(env=common)
    done = wait_until(
        lambda: Invitation.objects.filter(status=S.SENT).count() == 1000, timeout=90, tick=_sweep, every=3
    )
    assert done, second.log_tail()
    time.sleep(1)

    # then each of the 1,000 was written exactly once: none lost, none twice. A crash between a
    # send and its status update would resend with the same Message-ID (at-least-once, see
    # distribution/delivery.py); here the kill landed between claim and send, which the lease
    # recovers with no duplicate, so a second copy would be a real bug.
    after = sent_message_ids(start_worker.mail_dir)
    assert set(after) == expected
    assert [mid for mid, n in after.items() if n > 1] == []
    assert sum(after.values()) == 1000
    assert Invitation.objects.filter(status=S.SENT, attempts=2).count() == claimed_unsent
