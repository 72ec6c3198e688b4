"""Email through any Django email backend: text and HTML bodies in the respondent's language.

Every message carries a Message-ID derived from the invitation's public id (and the reminder
number), so a copy resent after a crash between the send and the status update has the same id
and a receiver can drop it. List-Unsubscribe points at the one-click opt-out endpoint (RFC 8058,
List-Unsubscribe-Post); the opt-out link is also in both bodies.
"""

import smtplib
import socket
import zoneinfo
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from responses.channels.base import OutgoingMessage, PermanentChannelError, SendResult, TransientChannelError


def message_id_header(message_id: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "voc.local"
    return f"<{message_id}@{domain}>"


def one_click_link(optout_link: str) -> str:
    return optout_link.rstrip("/") + "/one-click/"


def respondent_timezone(name: str):
    """Dates in a message are shown in the respondent's time zone (the site's when unknown)."""
    try:
        return timezone.override(zoneinfo.ZoneInfo(name)) if name else nullcontext()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return nullcontext()


def email_subject(message: OutgoingMessage) -> str:
    with translation.override(message.locale):
        if message.kind == "reminder":
            return _("Reminder: %(title)s - your feedback matters") % {"title": message.survey_title}
        return _("%(title)s - tell us about your experience") % {"title": message.survey_title}


def email_build(invitation: Any, *, message: OutgoingMessage) -> EmailMultiAlternatives:
    address = (getattr(invitation.respondent, "email", "") or "").strip()
    if not address:
        raise PermanentChannelError("the respondent has no email address", code="no_contact")
    context = {
        "message": message,
        "title": message.survey_title,
        "link": message.link,
        "optout_link": message.optout_link,
        "is_reminder": message.kind == "reminder",
        "expires_at": message.expires_at,
    }
    with translation.override(message.locale), respondent_timezone(message.timezone):
        text = render_to_string("responses/email/invitation.txt", context)
        html = render_to_string("responses/email/invitation.html", context)
    email = EmailMultiAlternatives(
        subject=email_subject(message),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            "Message-ID": message_id_header(message.message_id),
            "List-Unsubscribe": f"<{one_click_link(message.optout_link)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": message.locale,
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def _smtp_code(exc: smtplib.SMTPException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else 0
    return int(getattr(exc, "smtp_code", 0) or 0)


class EmailChannel:
    name = "email"

    def send(self, invitation: Any, *, message: OutgoingMessage) -> SendResult:
        email = email_build(invitation, message=message)
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPServerDisconnected as exc:
            raise TransientChannelError(f"SMTP server disconnected: {exc}", code="smtp_unavailable") from exc
        except smtplib.SMTPException as exc:
            code = _smtp_code(exc)
            if 500 <= code < 600:
                raise PermanentChannelError(
                    f"SMTP refused the message ({code}): {exc}", code="smtp_rejected", bounced=True
                ) from exc
            raise TransientChannelError(
                f"SMTP error ({code or 'no code'}): {exc}", code="smtp_error"
            ) from exc
        except (TimeoutError, ConnectionError, socket.gaierror, OSError) as exc:
            raise TransientChannelError(f"mail server unreachable: {exc}", code="smtp_unavailable") from exc
        if sent != 1:
            raise TransientChannelError("the email backend sent nothing", code="not_sent")
        return SendResult(channel=self.name, provider_ref=email.extra_headers["Message-ID"])
