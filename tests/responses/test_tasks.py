"""The distribution tasks: names, queue, safety options, and what each one triggers."""

import datetime as dt
import logging
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from config.celery import app
from responses import tasks
from responses.distribution import delivery, queue
from responses.models import Invitation
from tests.responses.factories import InvitationFactory

pytestmark = pytest.mark.django_db

TASKS = {
    "responses.invitation_send": tasks.invitation_send,
    "responses.invitations_send_batch": tasks.invitations_send_batch,
    "responses.invitation_remind": tasks.invitation_remind,
    "responses.invitations_dispatch_due": tasks.invitations_dispatch_due,
    "responses.invitations_remind_due": tasks.invitations_remind_due,
    "responses.invitations_expire": tasks.invitations_expire,
}


@pytest.mark.parametrize("name", sorted(TASKS))
def test_tasks_are_named_routed_and_safe_to_redeliver(name) -> None:
    task = app.tasks[name]

    assert task is TASKS[name] or task.name == TASKS[name].name
    assert app.amqp.router.route({}, name)["queue"].name == "distribution"
    assert (task.acks_late, task.reject_on_worker_lost, task.ignore_result) == (True, True, True)
    assert task.soft_time_limit < task.time_limit


def test_beat_schedule_sweeps_due_sends_reminders_and_expiry() -> None:
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled["responses.invitations_dispatch_due"] == 30.0
    assert scheduled["responses.invitations_remind_due"] == 300.0
    assert scheduled["responses.invitations_expire"] == 600.0


def test_send_task_for_a_missing_row_logs_and_returns(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="responses.tasks"):
        tasks.invitation_send.delay(987654)

    assert "invitation 987654 does not exist" in caplog.text
    assert mail.outbox == []


def test_dispatch_due_enqueues_after_commit_and_sends_each_once(
    settings, django_capture_on_commit_callbacks
) -> None:
    # given two due invitations older than the sweep's grace, and one not due yet
    settings.DELIVERY_SWEEP_GRACE_SECONDS = 0
    due = [InvitationFactory() for _ in range(2)]
    InvitationFactory(due_at=timezone.now() + dt.timedelta(hours=1))

    # when the beat sweep runs (twice: a duplicate sweep changes nothing)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.invitations_dispatch_due.delay()
        tasks.invitations_dispatch_due.delay()

    # then the two due ones were enqueued only after commit, as one batch per sweep (both sweeps
    # saw them before any send ran), and sent once each
    assert len(callbacks) == 2
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        f"<inv-{i.public_id}@voc.local>" for i in due
    )
    assert Invitation.objects.filter(status=Invitation.Status.SENT).count() == 2


def test_remind_due_and_expire_tasks(settings, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    reminded = InvitationFactory(
        status=Invitation.Status.SENT, next_reminder_at=now - dt.timedelta(minutes=1)
    )
    stale = InvitationFactory(status=Invitation.Status.SENT, expires_at=now - dt.timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        tasks.invitations_remind_due.delay()
    tasks.invitations_expire.delay()

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [
        f"<inv-{reminded.public_id}-r1@voc.local>"
    ]
    reminded.refresh_from_db()
    stale.refresh_from_db()
    assert (reminded.reminders_sent, stale.status) == (1, Invitation.Status.EXPIRED)


def test_enqueue_batches_ids_after_commit(settings, django_capture_on_commit_callbacks) -> None:
    settings.DELIVERY_SEND_BATCH = 2
    rows = [InvitationFactory() for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        delivery.invitations_enqueue(invitation_ids=[r.pk for r in rows])
        assert len(mail.outbox) == 0  # nothing before the commit

    # each callback publishes one batch task (ops.enqueue.task_publish(task, args))
    assert [(c.args[0].name, c.args[1]) for c in callbacks] == [
        ("responses.invitations_send_batch", ([rows[0].pk, rows[1].pk],)),
        ("responses.invitations_send_batch", ([rows[2].pk, rows[3].pk],)),
        ("responses.invitations_send_batch", ([rows[4].pk],)),
    ]
    assert len(mail.outbox) == 5


def test_tasks_the_engine_publishes_by_name_are_registered_in_a_web_process() -> None:
    # given a process that only sets Django up (no worker, nothing imports responses.tasks)
    names = (queue.INVITATIONS_SEND_BATCH, queue.INVITATION_REMIND)
    code = (
        "import django; django.setup(); from celery import current_app; "
        f"print([current_app.tasks[n].name for n in {names!r}])"
    )

    # when it resolves the names the engine publishes
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    # then both are registered tasks of responses/tasks.py
    assert (done.returncode, done.stdout) == (
        0,
        "['responses.invitations_send_batch', 'responses.invitation_remind']\n",
    )
