"""Channels for tests that stand in for an outside provider failing in a planned way."""

from responses.channels import PermanentChannelError, SendResult, TransientChannelError

calls: list[tuple[str, str]] = []
plan: list[str] = []  # "ok", "transient", "permanent", "bounce", "no_contact", "crash"


def reset() -> None:
    calls.clear()
    plan.clear()


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
        return SendResult(channel=self.name, provider_ref=message.message_id)


class ScriptedSms(ScriptedChannel):
    name = "sms"


class ScriptedEmail(ScriptedChannel):
    name = "email"
