"""Channels an invitation can be sent through, behind one interface (see base.py)."""

from responses.channels.base import (
    Channel,
    ChannelError,
    OutgoingMessage,
    PermanentChannelError,
    SendResult,
    TransientChannelError,
    channel_get,
    channel_names,
)

__all__ = [
    "Channel",
    "ChannelError",
    "OutgoingMessage",
    "PermanentChannelError",
    "SendResult",
    "TransientChannelError",
    "channel_get",
    "channel_names",
]
