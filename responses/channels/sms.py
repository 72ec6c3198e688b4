"""SMS: the text in the respondent's language, sent by the backend named in settings.SMS_BACKEND.

Backends implement ``send_text(*, to, text, message_id) -> str`` (the provider's reference) and
raise the channel errors. Two ship here: a file backend (one file per message under
SMS_FILE_PATH, for development and demos) and an HTTP gateway backend posting JSON to
SMS_GATEWAY_URL with SMS_GATEWAY_API_KEY.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from responses.channels.base import OutgoingMessage, PermanentChannelError, SendResult
from responses.channels.http import http_post


class SmsBackend(Protocol):
    def send_text(self, *, to: str, text: str, message_id: str) -> str: ...


class FileSmsBackend:
    """Writes each message to its own file, so a person running the demo can read them."""

    def send_text(self, *, to: str, text: str, message_id: str) -> str:
        directory = Path(settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = directory / f"{stamp}-{message_id}.txt"
        content = f"Message-ID: {message_id}\nTo: {to}\n\n{text}\n"
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
        return path.name


class HttpGatewaySmsBackend:
    """POST {"to", "text", "client_ref"} as JSON; 5xx, 429 and timeouts are transient."""

    def send_text(self, *, to: str, text: str, message_id: str) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise PermanentChannelError("SMS_GATEWAY_URL is not set", code="not_configured")
        body = json.dumps({"to": to, "text": text, "client_ref": message_id}, ensure_ascii=False).encode()
        answer = http_post(
            url,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_API_KEY}",
                "Idempotency-Key": message_id,
            },
            timeout=settings.SMS_GATEWAY_TIMEOUT,
            what="SMS gateway",
        )
        try:
            payload = json.loads(answer.body or b"{}")
        except ValueError:
            payload = {}
        return str(payload.get("id", "")) if isinstance(payload, dict) else ""


def sms_text(message: OutgoingMessage) -> str:
    with translation.override(message.locale):
        if message.kind == "reminder":
            text = _("Reminder: %(title)s. Your feedback matters: %(link)s Reply TD to opt out")
        else:
            text = _("%(title)s: how did we do? %(link)s Reply TD to opt out")
        return text % {"title": message.survey_title, "link": message.link}


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


class SmsChannel:
    name = "sms"

    def send(self, invitation: Any, *, message: OutgoingMessage) -> SendResult:
        phone = (getattr(invitation.respondent, "phone", "") or "").strip()
        if not phone:
            raise PermanentChannelError("the respondent has no phone number", code="no_contact")
        ref = sms_backend().send_text(to=phone, text=sms_text(message), message_id=message.message_id)
        return SendResult(channel=self.name, provider_ref=ref)
