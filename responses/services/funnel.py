"""The invitation funnel of a survey: events -> invitations or suppressions -> sent -> opened ->
started -> completed, grouped by channel, rule or a segment attribute of the frozen context.

Reads only (two grouped queries, whatever the number of rows). The window is the decision's
day (when the event was turned into an invitation or a suppression) in the site's time zone,
both ends inclusive. Stages count timestamps, not the current status, so an invitation that
was opened and later expired still counts as opened; the response rate is completed / sent.

``filters`` narrows both sides to one segment, named as the responses' segments are
(``analysis``' facts): ``respondent_type`` (the respondent's type), ``locale`` (the invitation's
language; for a suppression, the respondent's), ``channel`` (invitations only: a suppressed
event has no channel) and any event attribute (``city``, ``district_type``...).
"""

import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from responses.distribution.models import DistributionRule
from responses.models import Invitation, Suppression
from responses.services.validation import attribute_key_valid
from surveys.models import Survey

ATTRIBUTE_PATTERN = re.compile(r"[A-Za-z0-9_]{1,64}")
FIXED_GROUPS = ("channel", "rule")
NONE_LABEL = "—"
STAGES = ("sent", "opened", "started", "completed")


@dataclass
class FunnelRow:
    key: str
    label: str
    events: int = 0
    invitations: int = 0
    suppressed: int = 0
    suppressions: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    opened: int = 0
    started: int = 0
    completed: int = 0
    failed: int = 0
    bounced: int = 0
    expired: int = 0

    @property
    def response_rate(self) -> float | None:
        return round(self.completed / self.sent, 4) if self.sent else None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "events": self.events,
            "invitations": self.invitations,
            "suppressed": self.suppressed,
            "suppressions": dict(sorted(self.suppressions.items())),
            "sent": self.sent,
            "opened": self.opened,
            "started": self.started,
            "completed": self.completed,
            "failed": self.failed,
            "bounced": self.bounced,
            "expired": self.expired,
            "response_rate": self.response_rate,
        }


@dataclass
class FunnelReport:
    survey: str
    group_by: str
    date_from: dt.date | None
    date_to: dt.date | None
    rows: list[FunnelRow]
    total: FunnelRow


def funnel_group_by_validate(group_by: str) -> str:
    group_by = (group_by or "").strip()
    if group_by and group_by not in FIXED_GROUPS and not ATTRIBUTE_PATTERN.fullmatch(group_by):
        raise ValidationError(
            {
                "group_by": [
                    ValidationError(
                        _("Use channel, rule or an attribute name (letters, digits, _)."), code="invalid"
                    )
                ]
            }
        )
    return group_by


def _window(qs, *, date_from: dt.date | None, date_to: dt.date | None):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return qs


def _filtered(invitations, suppressions, filters: Mapping[str, str]):
    for index, (key, value) in enumerate(filters.items()):
        name = f"segment_filter_{index}"  # not the key itself: a key may hold "__"
        if key == "respondent_type":
            invitations = invitations.filter(respondent__type=value)
            suppressions = suppressions.filter(respondent__type=value)
        elif key == "locale":
            invitations = invitations.filter(locale=value)
            suppressions = suppressions.filter(respondent__locale=value)
        elif key == "channel":
            invitations = invitations.filter(channel=value)
            suppressions = suppressions.none()
        else:
            # Attribute values are compared as text (a posted 3 matches the filter "3"); the cast
            # makes the key's value plain text on SQLite too.
            invitations = invitations.alias(
                **{name: Cast(KeyTextTransform(key, "context__attributes"), TextField())}
            ).filter(**{name: value})
            suppressions = suppressions.alias(
                **{name: Cast(KeyTextTransform(key, "event__attributes"), TextField())}
            ).filter(**{name: value})
    return invitations, suppressions


def _group_expressions(group_by: str) -> tuple:
    """(expression for invitations, expression for suppressions) of the group key."""
    if group_by == "channel":
        return F("channel"), None
    if group_by == "rule":
        return F("rule_id"), F("rule_id")
    if group_by:
        return (
            KeyTextTransform(group_by, KeyTransform("attributes", "context")),
            KeyTextTransform(group_by, "event__attributes"),
        )
    return None, None


def funnel_report(
    *,
    survey: Survey,
    group_by: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    filters: Mapping[str, str] | None = None,
) -> FunnelReport:
    group_by = funnel_group_by_validate(group_by)
    invitation_key, suppression_key = _group_expressions(group_by)

    invitations = _window(Invitation.objects.filter(survey=survey), date_from=date_from, date_to=date_to)
    suppressions = _window(Suppression.objects.filter(survey=survey), date_from=date_from, date_to=date_to)
    for key in filters or {}:
        if not attribute_key_valid(key):
            raise ValidationError(
                {
                    "filters": [
                        ValidationError(_("Use an attribute name (letters, digits, _ . -)."), code="invalid")
                    ]
                }
            )
    invitations, suppressions = _filtered(invitations, suppressions, filters or {})
    invitations = invitations.annotate(group=invitation_key) if invitation_key is not None else invitations
    invitation_rows = invitations.values(*(["group"] if invitation_key is not None else [])).annotate(
        invitations=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        started=Count("id", filter=Q(started_at__isnull=False)),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
        failed=Count("id", filter=Q(status=Invitation.Status.FAILED)),
        bounced=Count("id", filter=Q(status=Invitation.Status.BOUNCED)),
        expired=Count("id", filter=Q(status=Invitation.Status.EXPIRED)),
    )
    if suppression_key is not None:
        suppressions = suppressions.annotate(group=suppression_key)
    grouped = group_by and suppression_key is not None
    suppression_rows = suppressions.values(*(["group", "reason"] if grouped else ["reason"])).annotate(
        n=Count("id")
    )

    rows: dict[str, FunnelRow] = {}

    def row_for(value) -> FunnelRow:
        key = "" if value is None else str(value)
        if key not in rows:
            rows[key] = FunnelRow(key=key, label=key or NONE_LABEL)
        return rows[key]

    for item in invitation_rows.order_by():
        row = row_for(item.get("group"))
        for name in ("invitations", *STAGES, "failed", "bounced", "expired"):
            setattr(row, name, getattr(row, name) + item[name])
    for item in suppression_rows.order_by():
        row = row_for(item.get("group") if grouped else None)
        row.suppressions[item["reason"]] = row.suppressions.get(item["reason"], 0) + item["n"]
        row.suppressed += item["n"]

    if group_by == "rule":
        names = dict(DistributionRule.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name"))
        for row in rows.values():
            row.label = names.get(int(row.key), row.key) if row.key else NONE_LABEL

    total = FunnelRow(key="", label=_("All"))
    totals: dict[str, int] = defaultdict(int)
    for row in rows.values():
        row.events = row.invitations + row.suppressed
        for name in ("events", "invitations", "suppressed", *STAGES, "failed", "bounced", "expired"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for reason, n in row.suppressions.items():
            totals[reason] += n
    total.suppressions = dict(totals)
    ordered = sorted(rows.values(), key=lambda r: (-r.events, r.label))
    return FunnelReport(
        survey=survey.key, group_by=group_by, date_from=date_from, date_to=date_to, rows=ordered, total=total
    )
