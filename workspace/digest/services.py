"""Sending the weekly digest: who gets it, who is due now, and one reader's delivery (claim the
week's row, render, send, mark). docs/digest.md."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import StaffProfile, WeeklyDigest
from cases.services import digest_claim, digest_mark
from workspace.digest import schedule
from workspace.digest.mail import digest_message, digest_render

logger = logging.getLogger(__name__)


def recipients() -> QuerySet:
    """Active staff with an email address who hold ``cases.receive_digest`` through a role or
    themselves (process owners) and have not turned the digest off. A superuser gets it only
    when given the permission or role explicitly."""
    permission = Permission.objects.filter(content_type__app_label="cases", codename="receive_digest").first()
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    if permission is None:
        return users.none()
    return (
        users.filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .exclude(staff_profile__digest_enabled=False)
        .distinct()
        .order_by("pk")
    )


def due_readers(*, now: dt.datetime) -> list[tuple[int, dt.date]]:
    """(user id, week) of every recipient whose local time is Monday from 09:00 on and who has
    no row for that week yet."""
    zones = dict(StaffProfile.objects.values_list("user_id", "timezone"))
    due: list[tuple[int, dt.date]] = []
    for user_id in recipients().values_list("pk", flat=True):
        local = schedule.local_time(now, schedule.zone_of(zones.get(user_id), settings.TIME_ZONE))
        if schedule.is_due(local, hour=settings.DIGEST_SEND_HOUR):
            due.append((user_id, schedule.week_of(local.date())))
    if not due:
        return []
    done = set(
        WeeklyDigest.objects.filter(
            user_id__in=[u for u, _w in due], week__in={w for _u, w in due}
        ).values_list("user_id", "week")
    )
    return [item for item in due if item not in done]


def digest_deliver(*, user_id: int, week: dt.date, now: dt.datetime | None = None) -> bool:
    """Send the week's digest to the user once: the row is claimed first (a second beat or a
    task delivered twice finds it and sends nothing), then the mail goes out. A failed send is
    recorded on the row and logged, not retried. False when nothing was sent."""
    now = now or timezone.now()
    user = recipients().filter(pk=user_id).first()
    if user is None:
        logger.info("digest for user %s: not a recipient (no address, no role, or turned off)", user_id)
        return False
    digest = digest_claim(user_id=user_id, week=week, now=now)
    if digest is None:
        logger.info("digest for user %s, week %s: already claimed", user_id, week)
        return False
    try:
        rendered = digest_render(user=user, now=now)
        digest_message(user=user, rendered=rendered).send()
    except Exception as error:
        logger.exception("digest for user %s, week %s: not sent", user_id, week)
        digest_mark(digest=digest, error=f"{type(error).__name__}: {error}")
        return False
    digest_mark(digest=digest, now=timezone.now())
    return True


def digest_send_now(*, user: Any, now: dt.datetime | None = None) -> Any:
    """An explicit copy of the digest, now (``manage.py digest_send``): no week row is claimed,
    so the scheduled one still goes out. Returns the rendered digest."""
    now = now or timezone.now()
    rendered = digest_render(user=user, now=now)
    digest_message(user=user, rendered=rendered).send()
    return rendered
