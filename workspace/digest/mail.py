"""The digest as a mail: plain text and HTML from one content (``workspace.digest.content``), in
the reader's language and time zone, with a signed unsubscribe link that needs no login (and the
RFC 8058 one-click header pointing at the same address)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workspace.digest.content import absolute, digest_for
from workspace.templatetags.workspace_format import day

UNSUBSCRIBE_SALT = "workspace.digest.unsubscribe"


def unsubscribe_token(user: Any) -> str:
    """A signed token naming the user (``django.core.signing``, its own salt, the site's secret
    key and its fallbacks): the link's only credential. The same for every mail (no timestamp),
    so it does not expire; turning the digest on again does not invalidate it."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk})


def unsubscribe_user_id(token: str) -> int | None:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    user_id = value.get("u") if isinstance(value, dict) else None
    return user_id if isinstance(user_id, int) else None


def unsubscribe_link(user: Any) -> str:
    return absolute(reverse("digest_unsubscribe", args=[unsubscribe_token(user)]))


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    body_html: str  # the HTML part's content alone, for the preview page
    locale: str
    content: dict


def digest_render(*, user: Any, now: dt.datetime) -> RenderedDigest:
    """Subject, text and HTML of the digest ``user`` gets at ``now``."""
    content = digest_for(user=user, now=now)
    context = {**content, "unsubscribe_url": unsubscribe_link(user)}
    with translation.override(content["locale"]), timezone.override(content["zone"]):
        subject = _("Weekly digest %(start)s – %(end)s") % {
            "start": day(content["date_from"]),
            "end": day(content["date_to"]),
        }
        context["subject"] = subject
        text = render_to_string("workspace/digest/mail.txt", context)
        html = render_to_string("workspace/digest/mail.html", context)
        body = render_to_string("workspace/digest/body.html", context)
    return RenderedDigest(
        subject=subject, text=text, html=html, body_html=body, locale=content["locale"], content=content
    )


def digest_message(*, user: Any, rendered: RenderedDigest) -> EmailMultiAlternatives:
    one_click = unsubscribe_link(user)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": rendered.locale,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
