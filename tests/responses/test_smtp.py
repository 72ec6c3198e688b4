"""A real SMTP server on loopback (aiosmtpd) receives an invitation sent through Django's SMTP backend."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from responses.distribution import delivery
from responses.models import Invitation
from responses.tokens import invitation_link, optout_link
from tests.responses.factories import InvitationFactory, RespondentFactory

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()


def test_smtp_server_receives_one_invitation_with_unsubscribe_header_and_link(smtp_server) -> None:
    # given a due invitation for an English-speaking customer
    person = RespondentFactory(locale="en", email="li.lei@example.com")
    invitation = InvitationFactory(event__respondent=person, locale="en")

    # when it is sent
    outcome = delivery.invitation_send(invitation_id=invitation.pk)

    # then the loopback SMTP server got exactly one message with the subject, headers and link
    assert outcome.status == "sent"
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["li.lei@example.com"]
    assert envelope.mail_from == "survey@voc.local"
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Delivery experience - tell us about your experience"
    assert message["Message-ID"] == f"<inv-{invitation.public_id}@voc.local>"
    assert message["List-Unsubscribe"].strip() == f"<{optout_link(person)}one-click/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert invitation_link(invitation) in text
    assert f'href="{invitation_link(invitation)}"' in html
    assert optout_link(person) in text
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_smtp_server_gone_is_a_transient_error_and_nothing_is_marked_sent(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nobody listens
    invitation = InvitationFactory()

    outcome = delivery.invitation_send(invitation_id=invitation.pk)

    assert outcome.status == "retry"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at) == (Invitation.Status.SCHEDULED, None)
    assert invitation.last_error.startswith("email: smtp_unavailable: mail server unreachable")
