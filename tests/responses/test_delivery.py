"""Sending: the claim guard, retries, fallback, failure, reminders, expiry and the lifecycle."""

import datetime as dt

import pytest
from django.core import mail
from django.db import OperationalError, connection

from responses.distribution import delivery, lifecycle
from responses.models import Invitation
from tests.responses import fake_channels
from tests.responses.factories import InvitationFactory, RespondentFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
S = Invitation.Status


@pytest.fixture
def scripted(settings):
    fake_channels.reset()
    settings.DELIVERY_CHANNELS = {
        **settings.DELIVERY_CHANNELS,
        "sms": "tests.responses.fake_channels.ScriptedSms",
        "email": "tests.responses.fake_channels.ScriptedEmail",
    }
    settings.DELIVERY_MAX_ATTEMPTS = 3
    settings.DELIVERY_RETRY_BASE_SECONDS = 60
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS = 300
    yield fake_channels
    fake_channels.reset()


def _due(**kwargs) -> Invitation:
    kwargs.setdefault("due_at", NOW - dt.timedelta(minutes=1))
    kwargs.setdefault("expires_at", NOW + dt.timedelta(days=7))
    return InvitationFactory(**kwargs)


def test_sending_twice_sends_once() -> None:
    # given a due email invitation
    invitation = _due()

    # when the send runs twice (a redelivered task, a duplicate from the sweep)
    first = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)
    second = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    # then one email went out and the row is sent, with reminders planned from the rule
    assert (first.status, second.status) == ("sent", "skipped")
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.status == S.SENT
    assert invitation.sent_at == NOW
    assert invitation.attempts == 1
    assert invitation.due_at == NOW  # the lease is over: due_at keeps the send time
    assert invitation.next_reminder_at == NOW + dt.timedelta(hours=24)


def test_a_claimed_row_is_not_sent_by_a_second_worker(scripted) -> None:
    # given an invitation claimed by a worker that is still sending (its lease runs 300 s)
    invitation = _due(channel="sms")
    Invitation.objects.filter(pk=invitation.pk).update(due_at=NOW + dt.timedelta(seconds=300), attempts=1)

    # when another worker tries it during the lease
    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW + dt.timedelta(seconds=10))

    # then nothing is sent; after the lease (the worker died) it is sent once
    assert outcome.status == "skipped"
    assert scripted.calls == []
    later = delivery.invitation_send(invitation_id=invitation.pk, now=NOW + dt.timedelta(seconds=301))
    assert later.status == "sent"
    assert scripted.calls == [("sms", f"inv-{invitation.public_id}")]


def test_a_batch_is_claimed_and_marked_together_each_row_once(
    scripted, settings, django_assert_max_num_queries
) -> None:
    # given marks written once per minute, five due invitations, one not due, one already sent,
    # and an unknown id
    settings.DELIVERY_MARK_INTERVAL_SECONDS = 60
    due = [_due(channel="sms") for _ in range(5)]
    later = _due(channel="sms", due_at=NOW + dt.timedelta(hours=1))
    done = _due(channel="sms", status=S.SENT)
    ids = [i.pk for i in due] + [later.pk, done.pk, 999999]

    # when the batch is sent, with a bounded number of queries whatever its size
    with django_assert_max_num_queries(5):
        outcomes = delivery.invitations_send(invitation_ids=ids, now=NOW)

    # then the five went out once each; the others were skipped with the reason
    assert [o.status for o in outcomes] == ["sent"] * 5 + ["skipped"] * 3
    assert [o.detail for o in outcomes[5:]] == ["not due (deferred or claimed)", "already sent", "missing"]
    assert sorted(m for _, m in scripted.calls) == sorted(f"inv-{i.public_id}" for i in due)
    assert Invitation.objects.filter(status=S.SENT, sent_at=NOW).count() == 5
    assert delivery.invitations_send(invitation_ids=ids, now=NOW)[0].status == "skipped"
    assert len(scripted.calls) == 5


def test_a_task_out_of_time_records_what_went_out_and_hands_the_rest_back(scripted) -> None:
    # given a batch of four whose third send hits the task's soft time limit
    rows = [_due(channel="sms") for _ in range(4)]
    scripted.plan.extend(["ok", "ok", "time_limit"])

    outcomes = delivery.invitations_send(invitation_ids=[r.pk for r in rows], now=NOW)

    # then the first two are sent, the other two are due again at once with their attempt undone
    assert [o.status for o in outcomes] == ["sent", "sent", "retry", "retry"]
    statuses = list(Invitation.objects.order_by("pk").values_list("status", "attempts", "due_at"))
    assert statuses == [(S.SENT, 1, NOW), (S.SENT, 1, NOW), (S.SCHEDULED, 0, NOW), (S.SCHEDULED, 0, NOW)]


def test_sent_rows_are_marked_at_least_every_interval(scripted, settings) -> None:
    # given the default mark interval of zero: every send is recorded before the next one starts
    assert settings.DELIVERY_MARK_INTERVAL_SECONDS == 0
    rows = [_due(channel="sms") for _ in range(3)]
    scripted.plan.extend(["observe"] * 3)

    delivery.invitations_send(invitation_ids=[r.pk for r in rows], now=NOW)

    assert scripted.observed == [0, 1, 2]


def test_not_due_yet_is_not_sent(scripted) -> None:
    invitation = _due(channel="sms", due_at=NOW + dt.timedelta(hours=2))

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert outcome.status == "skipped"
    assert scripted.calls == []
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == (S.SCHEDULED, 0)


def test_transient_errors_retry_with_backoff_then_fall_back_then_fail(scripted) -> None:
    # given an invitation to SMS first, email second, and both channels failing transiently
    invitation = _due(channel="sms", channels=["sms", "email"])
    scripted.plan.extend(["transient"] * 6)

    # when the send runs, then again each time the backoff is over
    outcomes, at, due_times = [], NOW, []
    for _ in range(6):
        outcomes.append(delivery.invitation_send(invitation_id=invitation.pk, now=at).status)
        invitation.refresh_from_db()
        due_times.append(invitation.due_at - at)
        at = max(at, invitation.due_at)

    # then three tries per channel, 60 s and 120 s apart, fall back to email, then failed
    assert outcomes == ["retry", "retry", "retry", "retry", "failed", "skipped"]
    assert [c for c, _ in scripted.calls] == ["sms", "sms", "sms", "email", "email", "email"]
    assert due_times[:2] == [dt.timedelta(seconds=60), dt.timedelta(seconds=120)]
    assert invitation.status == S.FAILED
    assert invitation.channel == "email"
    assert invitation.attempts == 3
    assert invitation.last_error == "email: http_503: gateway busy"
    assert invitation.sent_at is None


def test_a_retry_that_succeeds_marks_sent_and_clears_the_error(scripted) -> None:
    invitation = _due(channel="sms")
    scripted.plan.extend(["transient", "ok"])

    delivery.invitation_send(invitation_id=invitation.pk, now=NOW)
    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW + dt.timedelta(seconds=60))

    assert outcome.status == "sent"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts, invitation.last_error) == (S.SENT, 2, "")
    assert invitation.sent_at == NOW + dt.timedelta(seconds=60)


@pytest.mark.parametrize(
    ("step", "status", "error"),
    [
        ("permanent", S.FAILED, "sms: http_400: rejected"),
        ("bounce", S.BOUNCED, "sms: smtp_rejected: 550 no such user"),
    ],
)
def test_permanent_errors_mark_the_invitation_without_retry(scripted, step, status, error) -> None:
    invitation = _due(channel="sms", channels=["sms", "email"])
    scripted.plan.append(step)

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert outcome.status == status
    assert len(scripted.calls) == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.last_error, invitation.sent_at) == (status, error, None)


def test_no_contact_on_one_channel_falls_back_to_the_next_at_once(scripted) -> None:
    invitation = _due(channel="sms", channels=["sms", "email"])
    scripted.plan.extend(["no_contact", "ok"])

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert (outcome.status, outcome.channel) == ("sent", "email")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.channel, invitation.attempts) == (S.SENT, "email", 1)


def test_an_unexpected_error_is_retried_not_lost(scripted) -> None:
    invitation = _due(channel="sms")
    scripted.plan.append("crash")

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert outcome.status == "retry"
    invitation.refresh_from_db()
    assert invitation.status == S.SCHEDULED
    assert invitation.last_error == "sms: internal_error: RuntimeError: boom"


def test_opted_out_respondent_is_not_sent(scripted) -> None:
    invitation = _due(channel="sms", event__respondent=RespondentFactory(opted_out_at=NOW))

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert outcome.status == "failed"
    assert scripted.calls == []
    invitation.refresh_from_db()
    assert invitation.status == S.FAILED


def test_link_only_is_marked_sent_without_calling_out() -> None:
    invitation = _due(channel="link")

    outcome = delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert outcome.status == "sent"
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert (invitation.status, invitation.next_reminder_at) == (S.SENT, None)


def test_expired_before_sending_is_expired_not_sent(scripted) -> None:
    invitation = _due(channel="sms", expires_at=NOW - dt.timedelta(seconds=1))

    delivery.invitation_send(invitation_id=invitation.pk, now=NOW)

    assert scripted.calls == []
    invitation.refresh_from_db()
    assert invitation.status == S.EXPIRED


def test_the_sweep_finds_due_unclaimed_rows_but_leaves_fresh_ones_to_their_task(settings) -> None:
    settings.DELIVERY_SWEEP_GRACE_SECONDS = 60
    old = _due()
    Invitation.objects.filter(pk=old.pk).update(created_at=NOW - dt.timedelta(minutes=5))
    fresh = _due()
    Invitation.objects.filter(pk=fresh.pk).update(created_at=NOW - dt.timedelta(seconds=5))
    later = _due(due_at=NOW + dt.timedelta(hours=1))
    Invitation.objects.filter(pk=later.pk).update(created_at=NOW - dt.timedelta(hours=1))
    retried = _due(attempts=1)
    Invitation.objects.filter(pk=retried.pk).update(created_at=NOW - dt.timedelta(seconds=5))
    sent = _due(status=S.SENT)
    Invitation.objects.filter(pk=sent.pk).update(created_at=NOW - dt.timedelta(hours=1))

    assert sorted(delivery.invitations_due_ids(now=NOW)) == sorted([old.pk, retried.pk])


# Reminders ---------------------------------------------------------------------------------


def _sent(**kwargs) -> Invitation:
    invitation = _due(channel="sms", **kwargs)
    delivery.invitation_send(invitation_id=invitation.pk, now=NOW)
    invitation.refresh_from_db()
    return invitation


def test_reminders_go_out_after_the_interval_up_to_the_rules_count(scripted) -> None:
    # given a sent invitation whose rule allows 2 reminders, 24 hours apart
    invitation = _sent()

    # when reminders are tried before, at and after each interval
    too_early = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=23))
    first = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=24))
    again = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=24))
    second = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=48))
    third = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=96))

    # then exactly two reminders, each with its own message id, and none planned after
    assert [o.status for o in (too_early, first, again, second, third)] == [
        "skipped",
        "sent",
        "skipped",
        "sent",
        "skipped",
    ]
    public_id = invitation.public_id
    assert [m for _, m in scripted.calls] == [
        f"inv-{public_id}",
        f"inv-{public_id}-r1",
        f"inv-{public_id}-r2",
    ]
    invitation.refresh_from_db()
    assert (invitation.reminders_sent, invitation.next_reminder_at) == (2, None)


@pytest.mark.parametrize("stop", ["started", "completed", "expired", "opted_out"])
def test_reminders_stop_once_the_respondent_moved_on(scripted, stop) -> None:
    invitation = _sent()
    if stop == "started":
        lifecycle.invitation_mark_started(invitation=invitation, now=NOW + dt.timedelta(hours=1))
    elif stop == "completed":
        lifecycle.invitation_mark_completed(invitation=invitation, now=NOW + dt.timedelta(hours=1))
    elif stop == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(status=S.EXPIRED)
    else:
        type(invitation.respondent).objects.filter(pk=invitation.respondent_id).update(opted_out_at=NOW)

    due = lifecycle.invitations_remind_due_ids(now=NOW + dt.timedelta(hours=25))
    outcome = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=25))

    assert due == []
    assert outcome.status == "skipped"
    assert len(scripted.calls) == 1  # the invitation only


def test_the_frozen_reminder_plan_wins_over_a_later_rule_change(scripted) -> None:
    invitation = _sent(context={"rule": {"reminder_count": 1, "reminder_after_hours": 6}})
    invitation.rule.reminder_count = 5
    invitation.rule.save(update_fields=["reminder_count"])

    first = lifecycle.invitation_remind(invitation_id=invitation.pk, now=NOW + dt.timedelta(hours=6))

    assert first.status == "sent"
    invitation.refresh_from_db()
    assert (invitation.reminders_sent, invitation.next_reminder_at) == (1, None)


def test_an_opened_invitation_is_still_reminded(scripted) -> None:
    invitation = _sent()
    lifecycle.invitation_mark_opened(invitation=invitation, now=NOW + dt.timedelta(hours=1))

    assert lifecycle.invitations_remind_due_ids(now=NOW + dt.timedelta(hours=25)) == [invitation.pk]


# Expiry and lifecycle ----------------------------------------------------------------------


def test_expiry_marks_only_unfinished_invitations_past_their_time() -> None:
    past = NOW - dt.timedelta(seconds=1)
    sent = _due(status=S.SENT, expires_at=past)
    opened = _due(status=S.OPENED, expires_at=past)
    scheduled = _due(status=S.SCHEDULED, expires_at=past)
    completed = _due(status=S.COMPLETED, expires_at=past)
    failed = _due(status=S.FAILED, expires_at=past)
    current = _due(status=S.SENT, expires_at=NOW + dt.timedelta(hours=1))

    changed = lifecycle.invitations_expire(now=NOW)

    assert changed == 3
    statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert statuses == {
        sent.pk: S.EXPIRED,
        opened.pk: S.EXPIRED,
        scheduled.pk: S.EXPIRED,
        completed.pk: S.COMPLETED,
        failed.pk: S.FAILED,
        current.pk: S.SENT,
    }
    assert lifecycle.invitations_expire(now=NOW) == 0


def test_lifecycle_only_moves_forward(scripted) -> None:
    invitation = _sent()
    t1, t2, t3 = (NOW + dt.timedelta(minutes=m) for m in (1, 2, 3))

    assert lifecycle.invitation_mark_opened(invitation=invitation, now=t1) is True
    assert lifecycle.invitation_mark_opened(invitation=invitation, now=t2) is False
    assert lifecycle.invitation_mark_completed(invitation=invitation, now=t3) is True
    assert lifecycle.invitation_mark_started(invitation=invitation, now=t3) is False
    assert lifecycle.invitation_mark_opened(invitation=invitation, now=t3) is False

    invitation.refresh_from_db()
    assert invitation.status == S.COMPLETED
    assert (invitation.opened_at, invitation.started_at, invitation.completed_at) == (t1, t3, t3)
    assert invitation.next_reminder_at is None


def test_an_expired_or_failed_invitation_cannot_be_completed() -> None:
    expired = _due(status=S.EXPIRED)
    failed = _due(status=S.FAILED)

    assert lifecycle.invitation_mark_completed(invitation=expired, now=NOW) is False
    assert lifecycle.invitation_mark_started(invitation=failed, now=NOW) is False
    assert Invitation.objects.filter(completed_at__isnull=False).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_mark_whose_connection_died_is_written_on_a_new_one(scripted) -> None:
    # given two due invitations, and a database that ends the worker's connection while the
    # provider accepts the first message (before its mark)
    first, second = _due(channel="sms"), _due(channel="sms")
    scripted.plan[:] = ["cut_db", "ok"]

    # when the batch is sent
    outcomes = delivery.invitations_send(invitation_ids=[first.pk, second.pk], now=NOW)

    # then both marks got through (on a new connection): sent once each, nothing left to resend
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert scripted.calls == [("sms", f"inv-{first.public_id}"), ("sms", f"inv-{second.public_id}")]
    rows = Invitation.objects.filter(pk__in=[first.pk, second.pk])
    assert sorted(rows.values_list("status", "attempts", "due_at")) == [(S.SENT, 1, NOW), (S.SENT, 1, NOW)]


@pytest.mark.django_db(transaction=True)
def test_a_mark_that_cannot_reconnect_leaves_the_row_claimed_for_a_resend(scripted, monkeypatch) -> None:
    # given no second try for a mark (the bound of the window: a database gone for longer)
    monkeypatch.setattr(delivery, "MARK_RECONNECT_DELAYS", ())
    invitation = _due(channel="sms")
    scripted.plan[:] = ["cut_db"]

    # when the provider accepts and the connection dies before the mark
    with pytest.raises(OperationalError):
        delivery.invitations_send(invitation_ids=[invitation.pk], now=NOW)

    # then the row stays claimed (its lease) and is sent again, same message id, after the lease
    connection.close()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == (S.SCHEDULED, 1)
    assert invitation.due_at > NOW + dt.timedelta(seconds=299)
    later = delivery.invitation_send(invitation_id=invitation.pk, now=NOW + dt.timedelta(seconds=301))
    assert later.status == "sent"
    assert scripted.calls == [("sms", f"inv-{invitation.public_id}")] * 2
