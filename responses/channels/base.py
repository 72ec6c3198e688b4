"""The channel interface: one ``send(invitation, *, message)`` per channel, two kinds of failure.

A channel talks to the outside world and nothing else: it never changes an invitation's row.
The delivery service (responses/distribution/delivery.py) claims the row, calls the channel and
records the outcome, so every channel is free of database state and easy to swap. Channels are
looked up by name in ``settings.DELIVERY_CHANNELS`` (name -> dotted path of a class), so a
deployment (or a test worker) can replace one without touching the code.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ChannelError(Exception):
    """A send did not happen. ``code`` is short and stable; the message is for people."""

    def __init__(self, message: str, *, code: str = "channel_error") -> None:
        super().__init__(message)
        self.code = code


class TransientChannelError(ChannelError):
    """Worth retrying later: a timeout, a refused connection, a 5xx or 429 answer."""


class PermanentChannelError(ChannelError):
    """Retrying cannot help: no contact point, a 4xx answer, a hard bounce (``bounced=True``)."""

    def __init__(self, message: str, *, code: str = "channel_error", bounced: bool = False) -> None:
        super().__init__(message, code=code)
        self.bounced = bounced


@dataclass(frozen=True)
class OutgoingMessage:
    """What to say, built once per send by the delivery service, independent of the channel.

    ``message_id`` is stable for one logical send (the invitation, or its n-th reminder): a
    resend after a crash carries the same id, so a receiver can drop the copy (email
    Message-ID, the SMS gateway's client reference, the webhook's X-Webhook-Id).
    """

    kind: str  # "invitation" or "reminder"
    message_id: str
    link: str
    optout_link: str
    locale: str
    survey_title: str
    survey_key: str
    expires_at: Any = None
    timezone: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    channel: str
    provider_ref: str = ""
    detail: str = ""


class Channel(Protocol):
    name: str

    def send(self, invitation: Any, *, message: OutgoingMessage) -> SendResult: ...


@lru_cache(maxsize=32)
def _channel_class(path: str) -> type:
    return import_string(path)


def channel_names() -> tuple[str, ...]:
    """The registered channels' names, in the registry's order (what a rule may choose)."""
    return tuple(settings.DELIVERY_CHANNELS)


def channel_get(name: str) -> Channel:
    """The channel registered under ``name`` in settings.DELIVERY_CHANNELS."""
    try:
        path = settings.DELIVERY_CHANNELS[name]
    except KeyError:
        raise PermanentChannelError(f"unknown channel {name!r}", code="unknown_channel") from None
    return _channel_class(path)()
