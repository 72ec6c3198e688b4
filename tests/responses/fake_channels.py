"""Channels for tests that stand in for an outside provider failing in a planned way."""

from celery.exceptions import SoftTimeLimitExceeded

from responses.channels import PermanentChannelError, SendResult, TransientChannelError

calls: list[tuple[str, str]] = []
plan: list[
    str
] = []  # "ok", "transient", "permanent", "bounce", "no_contact", "crash", "time_limit", "observe",
#          "cut_db" (the provider accepts; meanwhile the database ends this process's connection)


observed: list[int] = []  # sent rows in the database at each "observe" call


def reset() -> None:
    calls.clear()
    plan.clear()
    observed.clear()


class ScriptedChannel:
    name = "scripted"

    def send(self, invitation, *, message) -> SendResult:
        calls.append((self.name, message.message_id))
        step = plan.pop(0) if plan else "ok"
        if step == "transient":
            raise TransientChannelError("gateway busy", code="http_503")
        if step == "permanent":
            raise PermanentChannelError("rejected", code="http_400")
        if step == "bounce":
            raise PermanentChannelError("550 no such user", code="smtp_rejected", bounced=True)
        if step == "no_contact":
            raise PermanentChannelError("no address", code="no_contact")
        if step == "crash":
            raise RuntimeError("boom")
        if step == "time_limit":
            raise SoftTimeLimitExceeded()
        if step == "observe":
            from responses.models import Invitation

            observed.append(Invitation.objects.filter(status=Invitation.Status.SENT).count())
        if step == "cut_db":
            _terminate_own_backend()
        return SendResult(channel=self.name, provider_ref=message.message_id)


def _terminate_own_backend() -> None:
    """pg_terminate_backend this process's database connection, from a second connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        other.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


class ScriptedSms(ScriptedChannel):
    name = "sms"


class ScriptedEmail(ScriptedChannel):
    name = "email"
