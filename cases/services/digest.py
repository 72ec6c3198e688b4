"""The weekly digest's rows: one per user and ISO week, claimed before the mail goes out, and the
user's own on/off switch (``StaffProfile.digest_enabled``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import StaffProfile, WeeklyDigest


def digest_claim(*, user_id: int, week: dt.date, now: dt.datetime | None = None) -> WeeklyDigest | None:
    """The week's row for the user, inserted now; None when it exists already (another beat,
    or a task delivered twice, claimed it): the caller then sends nothing."""
    try:
        with transaction.atomic():
            return WeeklyDigest.objects.create(user_id=user_id, week=week, claimed_at=now or timezone.now())
    except IntegrityError:
        return None


def digest_mark(*, digest: WeeklyDigest, error: str = "", now: dt.datetime | None = None) -> WeeklyDigest:
    """The claimed digest went out (``sent_at``), or failed with ``error``: it is not retried,
    so a mail is never sent twice (at most once, like the escalation mail)."""
    if error:
        digest.error = error[:2000]
        digest.save(update_fields=["error"])
    else:
        digest.sent_at = now or timezone.now()
        digest.save(update_fields=["sent_at"])
    return digest


def digest_subscription_set(*, user: Any, enabled: bool) -> StaffProfile:
    """Turn the user's weekly digest on or off (their profile is made when missing)."""
    with transaction.atomic():
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(
            user=user, defaults={"digest_enabled": enabled}
        )
        if profile.digest_enabled != enabled:
            profile.digest_enabled = enabled
            profile.save(update_fields=["digest_enabled"])
    return profile
