"""A demo export for ``make run``: the process owner's background export of the last four
weeks' comments of the after-delivery survey, made at once, so the audit trail shows who took
which data out (docs/exports.md)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from exports import services
from exports.models import Export
from surveys.models import Survey

DEMO_SURVEY = "customer-after-delivery"


def demo_export_load(*, owner_username: str = "owner") -> Export | None:
    """Idempotent: one export by the owner; None without the survey or the owner."""
    survey = Survey.objects.filter(key=DEMO_SURVEY).first()
    owner = get_user_model().objects.filter(username=owner_username).first()
    if survey is None or owner is None:
        return None
    existing = Export.objects.filter(user=owner, survey=survey, kind=Export.Kind.COMMENTS).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    weeks = {"from": (today - dt.timedelta(days=27)).isoformat(), "to": today.isoformat(), "attributes": {}}
    export = services.export_start(
        user=owner,
        kind=Export.Kind.COMMENTS,
        survey=survey,
        format=Export.Format.CSV,
        filters=weeks,
        with_contact=False,
    )
    # Also enqueued after the commit; run here so the file is there at once (a second run finds
    # it done).
    return services.export_run(export_id=export.pk)
