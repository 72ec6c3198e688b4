"""Link-only: nothing is sent; the link was already returned in the event API's answer."""

from typing import Any

from responses.channels.base import OutgoingMessage, SendResult


class LinkChannel:
    name = "link"

    def send(self, invitation: Any, *, message: OutgoingMessage) -> SendResult:
        return SendResult(channel=self.name, detail="link returned to the source system")
