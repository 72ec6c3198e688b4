"""Mail to staff about cases: a new case to its assignee, an overdue case to the team lead.

Django's mail, in the user's language (``StaffProfile.locale``, else the site's). The
respondents' channels (responses/channels) were not reused: they send a survey invitation to a
respondent (token link, opt-out link, the invitation's row) and have no notion of a staff user.
A webhook to a chat tool would be one more function here beside ``mail_send``.
"""

from __future__ import annotations

import logging
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
