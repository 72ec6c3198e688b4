"""Webhook (in-app push): POST the invitation as JSON to the source system that sent the event.

The URL comes from settings.WEBHOOK_URLS by event source. The body is signed with HMAC-SHA256
over the raw bytes using settings.WEBHOOK_SECRET: ``X-Signature-256: sha256=<hex>``. Against
replay, the body carries ``timestamp`` (Unix seconds) and the same value is sent in
``X-Webhook-Timestamp``; since the timestamp is inside the signed bytes it cannot be changed, and
a receiver rejects a body older than a few minutes. ``X-Webhook-Id`` (stable across resends)
lets the receiver drop a copy.
"""

import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings

from responses.channels.base import OutgoingMessage, PermanentChannelError, SendResult
from responses.channels.http import http_post

SIGNATURE_HEADER = "X-Signature-256"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"


def webhook_sign(body: bytes, *, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_verify(
    body: bytes, *, signature: str, timestamp: str, secret: str, tolerance_seconds: int = 300, now=None
) -> bool:
    """What a receiver does: the signature matches, and the signed timestamp is recent."""
    if not hmac.compare_digest(webhook_sign(body, secret=secret), signature or ""):
        return False
    try:
        signed_ts = int(json.loads(body)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return False
    if str(signed_ts) != str(timestamp):
        return False
    current = time.time() if now is None else now
    return abs(current - signed_ts) <= tolerance_seconds


def webhook_payload(invitation: Any, *, message: OutgoingMessage, timestamp: int) -> dict:
    respondent = invitation.respondent
    event = invitation.event
    return {
        "type": f"survey.{message.kind}",
        "id": message.message_id,
        "timestamp": timestamp,
        "invitation": str(invitation.public_id),
        "survey": message.survey_key,
        "title": message.survey_title,
        "locale": message.locale,
        "link": message.link,
        "expires_at": message.expires_at.isoformat() if message.expires_at else None,
        "respondent": {"type": respondent.type, "ref": respondent.ref},
        "event": {"source": event.source, "external_id": event.external_id, "type": event.type},
    }


class WebhookChannel:
    name = "webhook"

    def send(self, invitation: Any, *, message: OutgoingMessage) -> SendResult:
        source = invitation.event.source
        url = settings.WEBHOOK_URLS.get(source)
        if not url:
            raise PermanentChannelError(f"no webhook URL for source {source!r}", code="not_configured")
        if not settings.WEBHOOK_SECRET:
            raise PermanentChannelError("WEBHOOK_SECRET is not set", code="not_configured")
        timestamp = int(time.time())
        body = json.dumps(
            webhook_payload(invitation, message=message, timestamp=timestamp),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        answer = http_post(
            url,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: webhook_sign(body, secret=settings.WEBHOOK_SECRET),
                TIMESTAMP_HEADER: str(timestamp),
                ID_HEADER: message.message_id,
            },
            timeout=settings.WEBHOOK_TIMEOUT,
            what=f"webhook {source}",
        )
        return SendResult(channel=self.name, provider_ref=str(answer.status))
