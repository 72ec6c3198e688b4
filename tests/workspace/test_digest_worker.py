"""Integration: the digest sweep enqueues through the real broker (Redis) and a real worker
process sends; two sweeps and a task delivered once more still make one mail per week."""

import datetime as dt
import email
import time
from email import policy

import pytest
import time_machine

from cases.models import StaffProfile, WeeklyDigest
from tests.factories import UserFactory
from tests.responses.worker import live_broker, start_worker, wait_until  # noqa: F401 - fixtures
from workspace import tasks

pytestmark = pytest.mark.integration
SENT_AT = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai


def test_two_sweeps_and_a_redelivery_send_one_digest(transactional_db, start_worker):  # noqa: F811
    # given a process owner in Shanghai and a worker on the real broker
    owner = UserFactory(username="owner-sh", groups=["process_owners"])
    StaffProfile.objects.create(user=owner, locale="en", timezone="Asia/Shanghai")
    start_worker(concurrency=2)

    # when beat sweeps at 09:00 and 09:15, and the send task is delivered once more
    with time_machine.travel(SENT_AT, tick=False):
        assert tasks.digests_send_due() == 1
    with time_machine.travel(SENT_AT + dt.timedelta(minutes=15), tick=False):
        tasks.digests_send_due()
    tasks.digest_send.delay(owner.pk, "2026-05-11")

    # then the week's row is sent once and one mail was written
    assert wait_until(lambda: WeeklyDigest.objects.filter(sent_at__isnull=False).exists(), timeout=60), (
        start_worker.mail_dir
    )
    assert wait_until(lambda: any(start_worker.mail_dir.glob("*.log")), timeout=30)
    time.sleep(3)  # any second send would be written by now
    (row,) = WeeklyDigest.objects.all()
    assert (row.user_id, row.week, row.error) == (owner.pk, dt.date(2026, 5, 11), "")
    messages = []
    for path in start_worker.mail_dir.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=policy.default))
    assert [m["To"] for m in messages] == ["owner-sh@example.com"]
    # (rendered by the worker with its own clock: the seven days before its today)
    assert messages[0]["Subject"].strip().startswith("Weekly digest ")
