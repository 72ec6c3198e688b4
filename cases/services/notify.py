"""Mail to staff about cases: a new case to its assignee, an overdue case to the team lead.

Django's mail, in the user's language (``StaffProfile.locale``, else the site's). The
respondents' channels (responses/channels) were not reused as channels: they send a survey
invitation to a respondent (token link, opt-out link, the invitation's row) and have no notion
of a staff user. A new case is also posted as JSON to the webhooks of the assignee
(``StaffProfile.webhook_url``) and of the team (``Team.webhook_url``, a chat group's incoming
webhook), through the channels' HTTP client and signature (``responses.channels.http``,
``responses.channels.webhook.webhook_sign``).
"""

from __future__ import annotations

import json
import logging
import time
import zoneinfo
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case, StaffProfile
from responses.channels import ChannelError
from responses.channels.http import http_post
from responses.channels.webhook import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_sign

logger = logging.getLogger(__name__)


def user_locale(user: Any) -> str:
    locale = StaffProfile.objects.filter(user=user).values_list("locale", flat=True).first()
    return locale or settings.LANGUAGE_CODE


def user_time(user: Any, when) -> str:
    """``when`` in the user's time zone (``StaffProfile.timezone``), else the site's."""
    name = StaffProfile.objects.filter(user=user).values_list("timezone", flat=True).first()
    try:
        zone = zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localtime(when, zone).strftime("%Y-%m-%d %H:%M")


def case_link(case: Case) -> str:
    return settings.SITE_URL + reverse("admin:cases_case_change", args=[case.pk])


def _rule_name(case: Case, locale: str) -> str:
    name = case.rule.name or {}
    return name.get(locale) or name.get("en") or case.rule.key


def case_notify_enqueue(*, case_id: int) -> None:
    """Tell the assignee once the transaction that gave them the case has committed."""
    from cases.tasks import case_notify_assignee

    transaction.on_commit(partial(case_notify_assignee.delay, case_id))


def case_notify_assignee(*, case_id: int) -> bool:
    """Mail the case's assignee about it; False when there is no one (or no address) to tell."""
    case = Case.objects.select_related("rule", "assignee", "team").filter(pk=case_id).first()
    if case is None or case.assignee is None or not case.assignee.email:
        logger.info("case %s: no assignee with an email address to tell", case_id)
        return False
    locale = user_locale(case.assignee)
    with translation.override(locale):
        values = {
            "id": case.pk,
            "rule": _rule_name(case, locale),
            "due": user_time(case.assignee, case.due_at),
            "link": case_link(case),
        }
        subject = _("New case #%(id)s: %(rule)s") % values
        body = (
            _("A case was assigned to you.\n\nRule: %(rule)s\nDue by: %(due)s\n\nOpen it: %(link)s\n")
            % values
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [case.assignee.email])
    return True


def case_escalation_mail(*, case_id: int, level: int) -> bool:
    """Mail the team lead that a case is overdue (escalation ``level``)."""
    case = Case.objects.select_related("rule", "team__lead", "assignee").filter(pk=case_id).first()
    lead = case.team.lead if case else None
    if case is None or lead is None or not lead.email:
        logger.warning(
            "case %s escalated to level %s: its team has no lead with an email address", case_id, level
        )
        return False
    locale = user_locale(lead)
    with translation.override(locale):
        values = {
            "id": case.pk,
            "level": level,
            "rule": _rule_name(case, locale),
            "due": user_time(lead, case.due_at),
            "assignee": case.assignee.get_username() if case.assignee else _("nobody"),
            "link": case_link(case),
        }
        subject = _("Overdue case #%(id)s (escalation level %(level)s)") % values
        body = (
            _(
                "A case of your team is past its deadline.\n\nRule: %(rule)s\nDue by: %(due)s\n"
                "Assignee: %(assignee)s\nEscalation level: %(level)s\n\nOpen it: %(link)s\n"
            )
            % values
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [lead.email])
    return True


def case_webhook_urls(case: Case) -> list[str]:
    """The webhooks told of the case: its assignee's, then its team's (each once)."""
    urls = []
    if case.assignee_id is not None:
        mine = (
            StaffProfile.objects.filter(user_id=case.assignee_id)
            .values_list("webhook_url", flat=True)
            .first()
        )
        urls.append(mine or "")
    urls.append(case.team.webhook_url)
    return list(dict.fromkeys(url for url in urls if url))


def case_webhook_payload(case: Case, *, timestamp: int) -> dict:
    name = case.rule.name or {}
    return {
        "type": "case.assigned",
        "id": f"case-{case.pk}-{case.assignee_id or 0}-{int(case.updated_at.timestamp())}",
        "timestamp": timestamp,
        "case": {
            "id": case.pk,
            "status": case.status,
            "rule": case.rule.key,
            "rule_name": {"zh-hans": name.get("zh-hans", ""), "en": name.get("en", "")},
            "team": case.team.key,
            "assignee": case.assignee.get_username() if case.assignee else None,
            "due_at": case.due_at.isoformat(),
            "link": case_link(case),
        },
    }


def case_webhook_notify(*, case_id: int) -> int:
    """POST the case to the assignee's and the team's webhooks; how many accepted it. A failure
    is logged and not retried (as the mail: told at most once, never twice)."""
    case = Case.objects.select_related("rule", "assignee", "team").filter(pk=case_id).first()
    if case is None:
        return 0
    sent = 0
    for url in case_webhook_urls(case):
        timestamp = int(time.time())
        payload = case_webhook_payload(case, timestamp=timestamp)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(timestamp),
            ID_HEADER: payload["id"],
        }
        if settings.WEBHOOK_SECRET:
            headers[SIGNATURE_HEADER] = webhook_sign(body, secret=settings.WEBHOOK_SECRET)
        try:
            http_post(
                url,
                body=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT,
                what=f"case {case.pk} webhook",
            )
        except ChannelError as exc:
            logger.warning("case %s: the webhook %s failed: %s", case.pk, url, exc)
            continue
        sent += 1
    return sent
