"""Each channel's message: language, headers, signature, and how provider failures are sorted."""

import email
import json
import time
from email import policy

import pytest
from django.core import mail

from responses.channels import PermanentChannelError, TransientChannelError, channel_get
from responses.channels.sms import sms_text
from responses.channels.webhook import webhook_verify
from responses.distribution.delivery import invitation_message
from responses.tokens import invitation_link, optout_link
from tests.responses.factories import InvitationFactory, RespondentFactory
from tests.responses.loopback import loopback_provider

pytestmark = pytest.mark.django_db


def _invitation(locale: str, channel: str = "email", **respondent):
    person = RespondentFactory(locale=locale, **respondent)
    return InvitationFactory(event__respondent=person, channel=channel, locale=locale)


@pytest.mark.parametrize(
    ("locale", "subject", "greeting"),
    [
        ("zh-hans", "配送体验调查 - 请告诉我们您的体验", "感谢您使用我们的服务"),
        ("en", "Delivery experience - tell us about your experience", "Thank you for using our service"),
    ],
)
def test_email_is_written_in_the_respondents_language(locale, subject, greeting) -> None:
    # given an invitation frozen in the respondent's locale
    invitation = _invitation(locale)

    # when it is sent by email
    result = channel_get("email").send(invitation, message=invitation_message(invitation=invitation))

    # then one message has the subject, both bodies and the links in that language
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.subject == subject
    assert sent.to == [invitation.respondent.email]
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    for body in (sent.body, html):
        assert greeting in body
        assert invitation_link(invitation) in body
        assert optout_link(invitation.respondent) in body
    assert f'<html lang="{locale}">' in html
    assert result.provider_ref == f"<inv-{invitation.public_id}@voc.local>"


def test_email_headers_carry_message_id_and_one_click_unsubscribe() -> None:
    invitation = _invitation("zh-hans")

    channel_get("email").send(invitation, message=invitation_message(invitation=invitation))

    parsed = email.message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == f"<inv-{invitation.public_id}@voc.local>"
    assert parsed["List-Unsubscribe"].strip() == f"<{optout_link(invitation.respondent)}one-click/>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Content-Language"] == "zh-hans"


def test_reminder_email_has_its_own_message_id_and_subject() -> None:
    invitation = _invitation("en")

    message = invitation_message(invitation=invitation, kind="reminder", number=2)
    channel_get("email").send(invitation, message=message)

    assert mail.outbox[0].subject == "Reminder: Delivery experience - your feedback matters"
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<inv-{invitation.public_id}-r2@voc.local>"


def test_email_without_an_address_is_a_permanent_error_and_sends_nothing() -> None:
    invitation = _invitation("en", email="")

    with pytest.raises(PermanentChannelError) as raised:
        channel_get("email").send(invitation, message=invitation_message(invitation=invitation))

    assert raised.value.code == "no_contact"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh-hans", "配送体验调查：您对本次服务满意吗？{link} 回复TD退订"),
        ("en", "Delivery experience: how did we do? {link} Reply TD to opt out"),
    ],
)
def test_sms_text_in_the_respondents_language(locale, expected) -> None:
    invitation = _invitation(locale, channel="sms")

    text = sms_text(invitation_message(invitation=invitation))

    assert text == expected.format(link=invitation_link(invitation))


def test_sms_file_backend_writes_one_file_per_message(settings, tmp_path) -> None:
    settings.SMS_BACKEND = "responses.channels.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    invitation = _invitation("zh-hans", channel="sms")

    channel_get("sms").send(invitation, message=invitation_message(invitation=invitation))

    files = list(tmp_path.iterdir())
    assert len(files) == 1
    content = files[0].read_text(encoding="utf-8")
    assert f"Message-ID: inv-{invitation.public_id}\nTo: {invitation.respondent.phone}\n" in content
    assert "回复TD退订" in content


@pytest.fixture
def gateway(settings):
    with loopback_provider() as provider:
        settings.SMS_BACKEND = "responses.channels.sms.HttpGatewaySmsBackend"
        settings.SMS_GATEWAY_URL = provider.url + "/send"
        settings.SMS_GATEWAY_API_KEY = "gw-key"
        settings.SMS_GATEWAY_TIMEOUT = 0.5
        yield provider


def test_sms_gateway_receives_json_with_the_api_key(gateway) -> None:
    invitation = _invitation("en", channel="sms")

    result = channel_get("sms").send(invitation, message=invitation_message(invitation=invitation))

    assert result.provider_ref == "gw-1"
    [request] = gateway.requests
    assert request.path == "/send"
    assert request.headers["Authorization"] == "Bearer gw-key"
    assert json.loads(request.body) == {
        "to": invitation.respondent.phone,
        "text": sms_text(invitation_message(invitation=invitation)),
        "client_ref": f"inv-{invitation.public_id}",
    }


@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [
        ((503, b"busy", 0), TransientChannelError, "http_503"),
        ((429, b"slow down", 0), TransientChannelError, "http_429"),
        ((200, b"{}", 1.5), TransientChannelError, "timeout"),
        ((400, b"bad number", 0), PermanentChannelError, "http_400"),
        ((401, b"bad key", 0), PermanentChannelError, "http_401"),
    ],
)
def test_sms_gateway_failures_are_sorted_transient_or_permanent(gateway, answer, error, code) -> None:
    gateway.plan.append(answer)
    invitation = _invitation("en", channel="sms")

    with pytest.raises(error) as raised:
        channel_get("sms").send(invitation, message=invitation_message(invitation=invitation))

    assert type(raised.value) is error
    assert raised.value.code == code


def test_sms_gateway_unreachable_is_transient(settings) -> None:
    with loopback_provider() as provider:
        url = provider.url
    settings.SMS_BACKEND = "responses.channels.sms.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = url
    invitation = _invitation("en", channel="sms")

    with pytest.raises(TransientChannelError) as raised:
        channel_get("sms").send(invitation, message=invitation_message(invitation=invitation))

    assert raised.value.code == "unreachable"


@pytest.fixture
def webhook(settings):
    with loopback_provider() as provider:
        settings.WEBHOOK_URLS = {"order-platform": provider.url + "/push"}
        settings.WEBHOOK_SECRET = "shared-secret"
        yield provider


def test_webhook_body_is_signed_and_verifies_with_the_secret(webhook) -> None:
    invitation = _invitation("zh-hans", channel="webhook")

    channel_get("webhook").send(invitation, message=invitation_message(invitation=invitation))

    [request] = webhook.requests
    payload = json.loads(request.body)
    timestamp = request.headers["X-Webhook-Timestamp"]
    assert request.path == "/push"
    assert request.headers["X-Signature-256"].startswith("sha256=")
    assert request.headers["X-Webhook-Id"] == f"inv-{invitation.public_id}"
    assert payload["link"] == invitation_link(invitation)
    assert payload["title"] == "配送体验调查"
    assert payload["respondent"] == {"type": "customer", "ref": invitation.respondent.ref}
    assert payload["timestamp"] == int(timestamp)
    signature = request.headers["X-Signature-256"]
    assert webhook_verify(request.body, signature=signature, timestamp=timestamp, secret="shared-secret")
    # a wrong secret, a tampered body, a replay ten minutes later: all refused
    assert not webhook_verify(request.body, signature=signature, timestamp=timestamp, secret="other")
    assert not webhook_verify(
        request.body + b" ", signature=signature, timestamp=timestamp, secret="shared-secret"
    )
    assert not webhook_verify(
        request.body, signature=signature, timestamp=timestamp, secret="shared-secret", now=time.time() + 600
    )


def test_webhook_for_an_unknown_source_is_permanent_and_posts_nothing(webhook, settings) -> None:
    settings.WEBHOOK_URLS = {}
    invitation = _invitation("en", channel="webhook")

    with pytest.raises(PermanentChannelError) as raised:
        channel_get("webhook").send(invitation, message=invitation_message(invitation=invitation))

    assert raised.value.code == "not_configured"
    assert webhook.requests == []


def test_link_only_sends_nothing() -> None:
    invitation = _invitation("en", channel="link")

    result = channel_get("link").send(invitation, message=invitation_message(invitation=invitation))

    assert result.channel == "link"
    assert mail.outbox == []
